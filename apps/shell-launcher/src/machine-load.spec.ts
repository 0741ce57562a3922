import { describe, it, expect } from '@jest/globals';
import { loadNow, loadOf } from './machine-load.js';

const STAT = 'cpu  1 2 3\nintr 5 0 0\nctxt 9\nbtime 1\nprocesses 77\nprocs_running 5\nprocs_blocked 2\nsoftirq 1 2\n';

describe('machine load (--load)', () => {
  it('counts running and waiting tasks, less the one counting, from /proc/stat', () => {
    expect(loadOf(STAT)).toBe(6);
    expect(loadOf('procs_running 1\nprocs_blocked 0\n')).toBe(0);
    expect(loadOf('procs_running 3\n')).toBeUndefined();
    expect(loadNow(() => STAT)).toBe(6);
    expect(
      loadNow(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it('reads this machine’s, counting this thread at least', () => {
    // Linux CI: /proc/stat is there; the reading thread itself is running, so the count is ≥ 0.
    expect(loadNow()).toBeGreaterThanOrEqual(0);
  });
});
