import { describe, it, expect } from '@jest/globals';
import { fillerFrame, FrameCounter } from './frame-counter.js';

describe('FrameCounter', () => {
  const stream = Buffer.concat([fillerFrame(3), fillerFrame(0), fillerFrame(300), fillerFrame(17)]);

  it('counts the frames of a stream cut at any point', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const counter = new FrameCounter();
      expect(counter.push(stream.subarray(0, cut)) + counter.push(stream.subarray(cut))).toBe(4);
    }
  });

  it('counts a frame only once its last byte is in', () => {
    const counter = new FrameCounter();
    const counts = [...stream].map((byte) => counter.push(Uint8Array.of(byte)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(counts[stream.length - 1]).toBe(1);
  });

  it('builds frames whose prefix is the payload length', () => {
    const frame = fillerFrame(260);
    expect(frame.length).toBe(264);
    expect(Buffer.from(frame).readUInt32BE(0)).toBe(260);
  });
});
