import { describe, it, expect, afterEach } from '@jest/globals';
import { SPMTransportError } from '@spm/exceptions';
import { createInprocPair, encodeFrame, FrameDecoder, isFrameChannel, spawnThread, type Channel, type Message, type SpawnedThread } from '@spm/transport';
import { closeOf, nextMessage } from './support/wait.js';

const entry = new URL('./fixtures/echo-spoke.mjs', import.meta.url);
const spawned: SpawnedThread[] = [];

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.worker.terminate()));
});

const task = (taskId: number): Message => ({ type: 'task', v: 3, taskId, attempt: 1, module: 'm.js', signature: 's', preload: [], record: { n: taskId } });

// A frame whose first bytes say `task` but which is not a valid task: a map of `type` and `v` only.
const BAD_TASK = new Uint8Array([0, 0, 0, 14, 0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa4, 0x74, 0x61, 0x73, 0x6b, 0xa1, 0x76, 0x03]);

function collect(channel: Channel): Message[] {
  const seen: Message[] = [];
  channel.on('message', (m) => seen.push(m));
  return seen;
}

describe('FrameDecoder.pushFrames', () => {
  it('yields each whole frame, length prefix included, however the stream is cut', () => {
    const frames = [task(1), { type: 'heartbeat', v: 3, seq: 2 } as Message, task(3)].map((m) => encodeFrame(m));
    const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const frame of frames) {
      stream.set(frame, at);
      at += frame.length;
    }
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const got: number[][] = [];
      decoder.pushFrames(stream.subarray(0, cut), (f) => got.push([...f]));
      decoder.pushFrames(stream.subarray(cut), (f) => got.push([...f]));
      expect(got).toEqual(frames.map((f) => [...f]));
    }
  });

  it('refuses an oversize length prefix without decoding anything', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 64 });
    expect(() => decoder.pushFrames(new Uint8Array([0, 0, 1, 0]), () => undefined)).toThrow(SPMTransportError);
  });
});

describe('relaying raw frames between channels', () => {
  it('forwards diverted frames undecoded and in order with the messages it lets through', async () => {
    const [hub, relayIn] = createInprocPair('relay-a');
    const [relayOut, spoke] = createInprocPair('relay-b');
    expect(isFrameChannel(relayIn) && isFrameChannel(relayOut)).toBe(true);
    if (!isFrameChannel(relayIn) || !isFrameChannel(relayOut)) return;
    const types: (string | undefined)[] = [];
    relayIn.divert((frame, type) => {
      types.push(type);
      if (type !== 'task') return false;
      relayOut.sendFrame(frame);
      return true;
    });
    const atRelay = collect(relayIn);
    const atSpoke = collect(spoke);
    hub.send(task(1));
    hub.send({ type: 'heartbeat', v: 3, seq: 7 });
    hub.send(task(2));
    await nextMessage(spoke, (m) => m.type === 'task' && m.taskId === 2);
    expect(types).toEqual(['task', 'heartbeat', 'task']);
    expect(atSpoke).toEqual([task(1), task(2)]);
    expect(atRelay).toEqual([{ type: 'heartbeat', v: 3, seq: 7 }]);
  });

  it('leaves a malformed frame to its receiver, which closes with SPMTransportError; the relay carries on', async () => {
    const [hub, relayIn] = createInprocPair('relay-c');
    if (!isFrameChannel(hub)) throw new Error('expected a frame channel');
    const thread = spawnThread({ entry });
    spawned.push(thread);
    const toWorker = thread.channel;
    if (!isFrameChannel(relayIn) || !isFrameChannel(toWorker)) throw new Error('expected frame channels');
    relayIn.divert((frame, type) => {
      if (type !== 'task') return false;
      toWorker.sendFrame(frame);
      return true;
    });
    const closed = closeOf(toWorker);
    hub.sendFrame(BAD_TASK);
    const error = await closed;
    // The echo spoke's channel refused the frame and closed with the reason, which its hub end reports.
    expect(error).toBeInstanceOf(SPMTransportError);
    expect(error?.message).toMatch(/task\.taskId/);
    expect(relayIn.closed).toBe(false);
    hub.send({ type: 'heartbeat', v: 3, seq: 1 });
    expect(await nextMessage(relayIn, (m) => m.type === 'heartbeat')).toEqual({ type: 'heartbeat', v: 3, seq: 1 });
  });

  it('refuses to send a frame over the channel’s maxFrameBytes, or on a closed channel', () => {
    const [a, b] = createInprocPair('relay-d', { maxFrameBytes: 64 });
    if (!isFrameChannel(a)) throw new Error('expected a frame channel');
    const big = encodeFrame({ type: 'notify', v: 3, taskId: 1, attempt: 1, body: 'x'.repeat(100) });
    expect(() => a.sendFrame(big)).toThrow(SPMTransportError);
    a.close();
    expect(() => a.sendFrame(BAD_TASK)).toThrow(SPMTransportError);
    b.close();
  });
});
