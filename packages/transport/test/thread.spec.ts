import { describe, it, expect, afterEach } from '@jest/globals';
import { SPMTransportError } from '@spm/exceptions';
import { spawnThread, type Message, type SpawnedThread } from '@spm/transport';
import { closeOf, nextMessage, roundTrip } from './support/wait.js';

const entry = new URL('./fixtures/echo-spoke.mjs', import.meta.url);
const spawned: SpawnedThread[] = [];

function start(options: { batch?: boolean } = {}): SpawnedThread {
  const thread = spawnThread({ entry, ...options });
  spawned.push(thread);
  return thread;
}

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.worker.terminate()));
});

const command = (body: string): Message => ({ type: 'notify', v: 3, taskId: 1, attempt: 1, body });

describe('thread channel round trips', () => {
  it.each([true, false])('answers one message at a time and a pipelined burst, in order (batch: %s)', async (batch) => {
    const { channel, threadId } = start({ batch });
    expect(channel.label).toBe(`thread:${threadId}`);
    for (let seq = 0; seq < 20; seq++) await roundTrip(channel, seq);
    const seen: number[] = [];
    const all = nextMessage(channel, (m) => m.type === 'heartbeat' && seen.push(m.seq) === 500);
    for (let seq = 0; seq < 500; seq++) channel.send({ type: 'heartbeat', v: 3, seq });
    await all;
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});

describe('thread channel close', () => {
  it('closes cleanly both ways when the spoke closes after a burst, delivering the burst first', async () => {
    const { channel, worker } = start();
    const seen: number[] = [];
    channel.on('message', (m) => {
      if (m.type === 'heartbeat') seen.push(m.seq);
    });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const closed = closeOf(channel);
    channel.send(command('burst'));
    expect(await closed).toBeUndefined();
    expect(seen).toHaveLength(1000);
    expect(seen[999]).toBe(999);
    expect(await exited).toBe(0); // the spoke let its port go and the thread ended
  });

  it('tells the spoke to stop when the hub closes, and the worker ends', async () => {
    const { channel, worker } = start();
    await roundTrip(channel, 1);
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    channel.close();
    expect(await exited).toBe(0);
  });

  it('closes with an error when the worker exits', async () => {
    const { channel } = start();
    await roundTrip(channel, 1);
    const closed = closeOf(channel);
    channel.send(command('exit'));
    const error = await closed;
    expect(error).toBeInstanceOf(SPMTransportError);
    expect(error?.message).toMatch(/^Channel thread:\d+ lost: the worker exited with code 3$/u);
  });

  it('closes with an error when the worker is terminated, and terminate() resolves', async () => {
    const thread = start();
    await roundTrip(thread.channel, 1);
    const closed = closeOf(thread.channel);
    await thread.terminate();
    expect((await closed)?.message).toContain('terminated by the hub');
  });

  it('closes with an error when worker.terminate() is called directly', async () => {
    const { channel, worker } = start();
    await roundTrip(channel, 1);
    const closed = closeOf(channel);
    await worker.terminate();
    expect((await closed)?.message).toMatch(/lost: the worker exited with code 1/u);
  });

  it('survives a spoke’s uncaught exception: only that channel closes, with the error', async () => {
    const bad = start();
    const good = start();
    await roundTrip(bad.channel, 1);
    const closed = closeOf(bad.channel);
    bad.channel.send(command('throw'));
    expect((await closed)?.message).toBe(`Channel ${bad.channel.label} lost: the worker threw: spoke fixture: thrown on purpose`);
    await roundTrip(good.channel, 2);
  });

  it.each([
    ['garbage', 'reserved type byte 0xc1'],
    ['not-bytes', 'expected frame bytes, got object'],
  ])('refuses a buggy spoke’s %s: closes that channel with SPMTransportError, and the hub carries on', async (what, expected) => {
    const bad = start();
    const good = start();
    const closed = closeOf(bad.channel);
    bad.channel.send(command(what));
    const error = await closed;
    expect(error).toBeInstanceOf(SPMTransportError);
    expect(error?.code).toBe('SPM_TRANSPORT');
    expect(error?.message).toContain(expected);
    await roundTrip(good.channel, 3);
  });
});
