import { describe, it, expect } from '@jest/globals';
import { FrameCodec } from '../frame-codec.js';
import { PROTOCOL_VERSION } from '../protocol.js';
import { FrameBatcher } from './frame-batcher.js';

const codec = new FrameCodec();
const heartbeat = (seq: number): Uint8Array => codec.encode({ type: 'heartbeat', v: PROTOCOL_VERSION, seq });

describe('FrameBatcher with owned chunks (what a thread channel transfers)', () => {
  it('hands over a lone frame as a copy of its own, never a view of the codec’s shared buffer', () => {
    const chunks: Uint8Array[] = [];
    const batcher = new FrameBatcher((chunk) => chunks.push(chunk), true, true);
    const frame = heartbeat(1);
    batcher.push(frame);
    batcher.flush();
    const chunk = chunks[0] as Uint8Array;
    expect(chunk.buffer).not.toBe(frame.buffer);
    expect(chunk.byteLength).toBe(frame.byteLength);
    expect(chunk.buffer.byteLength).toBe(frame.byteLength);
    expect([...chunk]).toEqual([...frame]);
  });

  it('transferring what it handed over leaves the codec able to encode (regression: detached ArrayBuffer)', () => {
    const batcher = new FrameBatcher((chunk) => {
      structuredClone(chunk, { transfer: [chunk.buffer as ArrayBuffer] }); // as postMessage does
    }, false, true);
    for (let seq = 0; seq < 1000; seq += 1) batcher.push(heartbeat(seq));
    expect(() => heartbeat(1001)).not.toThrow();
  });
});
