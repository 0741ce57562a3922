import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { freeMemoryNow, freeMemoryOf } from './machine-memory.js';

const MEMINFO = 'MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:    9000000 kB\nBuffers:           20000 kB\nCached:           400000 kB\nSwapCached:         3000 kB\nActive:          5000000 kB\nSwapTotal:             0 kB\n';

describe('free memory (--memfree)', () => {
  it('sums MemFree, Buffers, Cached and SwapCached of /proc/meminfo, in bytes (GNU parallel’s measure)', () => {
    expect(freeMemoryOf(MEMINFO)).toBe((1_000_000 + 20_000 + 400_000 + 3_000) * 1024);
    expect(freeMemoryOf('MemFree: 7 kB\n')).toBe(7 * 1024);
    // Not MemAvailable, not Active: only the four; and none without MemFree.
    expect(freeMemoryOf('Cached: 5 kB\nMemAvailable: 9 kB\n')).toBeUndefined();
    expect(freeMemoryNow(() => MEMINFO)).toBe(freeMemoryOf(MEMINFO));
    expect(
      freeMemoryNow(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it('reads this machine’s', () => {
    expect(freeMemoryNow(() => readFileSync('/proc/meminfo', 'latin1'))).toBeGreaterThan(0);
  });
});
