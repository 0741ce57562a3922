import { describe, it, expect } from '@jest/globals';
import { runPeerTasks, type PeerPool } from './peer-pool.js';

/** A pool that settles each task on a later macrotask, recording what it was given. */
function fakePool(failAt?: number): PeerPool & { readonly seen: number[]; maxInFlight: number } {
  let inFlight = 0;
  const pool = {
    seen: [] as number[],
    maxInFlight: 0,
    run(task: { n: number }): Promise<unknown> {
      pool.seen.push(task.n);
      inFlight += 1;
      pool.maxInFlight = Math.max(pool.maxInFlight, inFlight);
      return new Promise((resolve, reject) =>
        setImmediate(() => {
          inFlight -= 1;
          if (task.n === failAt) reject(new Error(`task ${task.n} failed`));
          else resolve(null);
        }),
      );
    },
    close: async (): Promise<void> => undefined,
  };
  return pool;
}

describe('runPeerTasks', () => {
  it.each([1, 16, 1024])('submits every task once, in order, never more than window %i unsettled', async (window) => {
    const pool = fakePool();
    await runPeerTasks(pool, 500, window);
    expect(pool.seen).toEqual(Array.from({ length: 500 }, (_, n) => n));
    expect(pool.maxInFlight).toBe(Math.min(window, 500));
  });

  it('resolves at once for no tasks, and rejects with the first failure', async () => {
    const empty = fakePool();
    await runPeerTasks(empty, 0, 8);
    expect(empty.seen).toEqual([]);
    await expect(runPeerTasks(fakePool(42), 100, 8)).rejects.toThrow('task 42 failed');
  });
});
