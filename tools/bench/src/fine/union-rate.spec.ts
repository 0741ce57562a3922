import { describe, it, expect } from '@jest/globals';
import { unionRate } from './union-rate.js';

describe('unionRate', () => {
  it('is one task’s requests over its own window', () => {
    expect(unionRate([{ requests: 1000, startedMs: 5000, endedMs: 5500 }])).toBe(2000);
  });

  it('counts tasks that ran one after the other at their combined pace, not as the sum of their rates', () => {
    // Each task alone: 1,000 requests in 250 ms (4,000/s); back to back, 2,000 in 500 ms.
    const windows = [
      { requests: 1000, startedMs: 1000, endedMs: 1250 },
      { requests: 1000, startedMs: 1250, endedMs: 1500 },
    ];
    expect(unionRate(windows)).toBe(4000);
  });

  it('counts tasks that overlapped over the span from the first start to the last end', () => {
    expect(unionRate([
      { requests: 1000, startedMs: 0, endedMs: 400 },
      { requests: 1000, startedMs: 100, endedMs: 500 },
    ])).toBe(4000);
  });

  it('is NaN without a window or a span', () => {
    expect(unionRate([])).toBeNaN();
    expect(unionRate([{ requests: 1, startedMs: 7, endedMs: 7 }])).toBeNaN();
  });
});
