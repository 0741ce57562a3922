import { describe, it, expect, jest } from '@jest/globals';
import { formatMiB, MemorySampler } from './memory-sampler.js';

describe('MemorySampler', () => {
  it('keeps the peak of each field across samples, including memory freed before stop()', async () => {
    const sampler = new MemorySampler().start(5);
    let block: Uint8Array | undefined = new Uint8Array(32 * 1024 * 1024).fill(1);
    sampler.sample();
    const held = process.memoryUsage().arrayBuffers;
    block = undefined;
    await new Promise((resolve) => setTimeout(resolve, 30));
    const peaks = sampler.stop();
    expect(block).toBeUndefined();
    expect(peaks.arrayBuffers).toBeGreaterThanOrEqual(held);
    expect(peaks.arrayBuffers).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(peaks.rss).toBeGreaterThan(0);
    expect(peaks.heapUsed).toBeGreaterThan(0);
    // one at start, one explicit, one at stop, and some from the interval
    expect(peaks.samples).toBeGreaterThanOrEqual(3);
  });

  it('samples on its interval until stopped, then no more', async () => {
    // Counted, not timed: wait (bounded) until the interval has sampled twice after the start.
    const reads = jest.spyOn(process, 'memoryUsage');
    try {
      const sampler = new MemorySampler().start(2);
      for (let waited = 0; reads.mock.calls.length < 3 && waited < 5000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      const first = sampler.stop().samples;
      expect(first).toBeGreaterThanOrEqual(4); // start, two from the interval, stop
      const after = reads.mock.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(reads.mock.calls.length).toBe(after); // stopped: no more interval samples
      expect(sampler.stop().samples).toBe(first + 1); // only stop()'s own sample
    } finally {
      reads.mockRestore();
    }
  });

  it('refuses a second start and an interval that is not a positive number', () => {
    const sampler = new MemorySampler().start(50);
    expect(() => sampler.start(50)).toThrow(/already sampling/);
    sampler.stop();
    expect(() => new MemorySampler().start(0)).toThrow('Expected `intervalMs` to be a positive number, got 0');
    expect(() => new MemorySampler().start(Number.NaN)).toThrow(/positive number/);
  });
});

describe('formatMiB', () => {
  it('prints bytes as MiB with one decimal', () => {
    expect(formatMiB(0)).toBe('0.0');
    expect(formatMiB(1024 * 1024)).toBe('1.0');
    expect(formatMiB(77.46 * 1024 * 1024)).toBe('77.5');
  });
});
