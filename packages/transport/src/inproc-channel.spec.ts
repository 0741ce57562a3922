import { describe, it, expect } from '@jest/globals';
import { SPMTransportError } from '@spm/exceptions';
import type { Channel } from './channel.js';
import { createInprocPair } from './inproc-channel.js';
import type { Message } from './protocol.js';

const beat = (seq: number): Message => ({ type: 'heartbeat', v: 3, seq });

function collect(channel: Channel): Message[] {
  const got: Message[] = [];
  channel.on('message', (message) => got.push(message));
  return got;
}

function closeOf(channel: Channel): Promise<SPMTransportError | undefined> {
  return new Promise((resolve) => channel.once('close', resolve));
}

/** Lets every queued microtask (and so every inproc delivery) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createInprocPair delivery', () => {
  it('delivers each end’s messages to the other, in order, asynchronously', async () => {
    const [hub, spoke] = createInprocPair('order');
    const atSpoke = collect(spoke);
    const atHub = collect(hub);
    for (let i = 0; i < 5; i++) hub.send(beat(i));
    spoke.send(beat(100));
    expect(atSpoke).toEqual([]); // never inside send
    await settle();
    expect(atSpoke.map((m) => (m.type === 'heartbeat' ? m.seq : -1))).toEqual([0, 1, 2, 3, 4]);
    expect(atHub).toEqual([beat(100)]);
  });

  it('labels the ends after the pair', () => {
    const [hub, spoke] = createInprocPair('p7');
    expect([hub.label, spoke.label]).toEqual(['inproc:p7:hub', 'inproc:p7:spoke']);
  });

  it('interleaves two pairs the same way on every run (deterministic)', async () => {
    const runOnce = async (): Promise<string[]> => {
      const log: string[] = [];
      const pairs: ReadonlyArray<readonly [string, Channel, Channel]> = [
        ['a', ...createInprocPair('a')],
        ['b', ...createInprocPair('b')],
      ];
      for (const [name, hub, spoke] of pairs) {
        spoke.on('message', (m: Message) => {
          log.push(`${name}:spoke:${m.type === 'heartbeat' ? m.seq : m.type}`);
          if (m.type === 'heartbeat' && m.seq < 3) spoke.send(beat(m.seq + 10));
        });
        hub.on('message', (m: Message) => log.push(`${name}:hub:${m.type === 'heartbeat' ? m.seq : m.type}`));
      }
      for (let i = 0; i < 4; i++) for (const [, hub] of pairs) hub.send(beat(i));
      await settle();
      return log;
    };
    const first = await runOnce();
    // One microtask drains each end's queue: a's spoke sees all four, then b's, then the replies.
    expect(first).toEqual([
      ...[0, 1, 2, 3].map((i) => `a:spoke:${i}`),
      ...[0, 1, 2, 3].map((i) => `b:spoke:${i}`),
      ...[10, 11, 12].map((i) => `a:hub:${i}`),
      ...[10, 11, 12].map((i) => `b:hub:${i}`),
    ]);
    expect(await runOnce()).toEqual(first);
  });

  it('gives the receiver a copy: neither side can mutate the other’s data', async () => {
    const [hub, spoke] = createInprocPair();
    const got = collect(spoke);
    const body = { list: [1, 2] };
    hub.send({ type: 'notify', v: 3, taskId: 1, attempt: 1, body });
    body.list.push(3); // after send: must not be seen
    await settle();
    const received = got[0];
    expect(received).toEqual({ type: 'notify', v: 3, taskId: 1, attempt: 1, body: { list: [1, 2] } });
    if (received?.type === 'notify') (received.body as { list: number[] }).list.push(99);
    expect(body.list).toEqual([1, 2, 3]);
  });

  it('refuses at the sender a message that is not data, and the channel stays open', async () => {
    const [hub, spoke] = createInprocPair();
    const got = collect(spoke);
    expect(() => hub.send({ type: 'notify', v: 3, taskId: 1, attempt: 1, body: new Date() } as unknown as Message)).toThrow(SPMTransportError);
    hub.send(beat(1));
    await settle();
    expect(got).toEqual([beat(1)]);
    expect(hub.closed).toBe(false);
  });
});

describe('createInprocPair close', () => {
  it('delivers what was sent before a clean close, then closes the peer cleanly', async () => {
    const [hub, spoke] = createInprocPair();
    const got = collect(spoke);
    const hubClosed = closeOf(hub);
    const spokeClosed = closeOf(spoke);
    hub.send(beat(1));
    hub.send(beat(2));
    hub.close();
    expect(hub.closed).toBe(true);
    expect(await hubClosed).toBeUndefined();
    expect(await spokeClosed).toBeUndefined();
    expect(got).toEqual([beat(1), beat(2)]);
    expect(spoke.closed).toBe(true);
  });

  it('closes the peer with an error that carries the reason when one end closes with an error', async () => {
    const [hub, spoke] = createInprocPair('err');
    const spokeClosed = closeOf(spoke);
    hub.close(new SPMTransportError('lease revoked'));
    const error = await spokeClosed;
    expect(error).toBeInstanceOf(SPMTransportError);
    expect(error?.message).toBe('Peer of inproc:err:spoke closed with an error: lease revoked');
  });

  it('emits close once, throws on send after close, and drops messages to a closed end', async () => {
    const [hub, spoke] = createInprocPair();
    let closes = 0;
    hub.on('close', () => closes++);
    const got = collect(hub);
    spoke.send(beat(1)); // queued for hub
    hub.close();
    hub.close();
    expect(closes).toBe(1);
    expect(() => hub.send(beat(2))).toThrow(expect.objectContaining({ code: 'SPM_TRANSPORT', message: expect.stringContaining('is closed') }));
    await settle();
    expect(got).toEqual([]);
  });

  it('stops delivering the moment a listener closes the channel', async () => {
    const [hub, spoke] = createInprocPair();
    const got: number[] = [];
    spoke.on('message', (m) => {
      if (m.type === 'heartbeat') got.push(m.seq);
      if (got.length === 2) spoke.close();
    });
    for (let i = 0; i < 5; i++) hub.send(beat(i));
    await settle();
    expect(got).toEqual([0, 1]);
    expect(hub.closed).toBe(true);
  });
});
