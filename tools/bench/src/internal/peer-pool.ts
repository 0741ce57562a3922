import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';

/** The worker-pool libraries a user would pick instead of spm for tiny tasks. */
export type PeerLibrary = 'piscina' | 'tinypool' | 'workerpool';

/** A peer pool configuration, as measured. */
export interface PeerSpec {
  readonly library: PeerLibrary;
  /** Workers (threads or processes), fixed: min = max. */
  readonly workers: number;
  /** Piscina and tinypool: tasks a worker is handed at once. @default 1 */
  readonly concurrentTasksPerWorker?: number;
  /** Tinypool and workerpool: run workers as threads (default) or child processes. */
  readonly runtime?: 'thread' | 'process';
}

/** An open peer pool: submit a task, close it. */
export interface PeerPool {
  run(task: { n: number }): Promise<unknown>;
  close(): Promise<void>;
}

const NOOP_TASK = new URL('../entries/noop-task.js', import.meta.url);
const NOOP_WORKERPOOL = fileURLToPath(new URL('../entries/noop-workerpool.js', import.meta.url));

/** Opens a peer pool whose workers run the same no-op as the spm closure. */
export function openPeerPool(spec: PeerSpec): PeerPool {
  const concurrentTasksPerWorker = spec.concurrentTasksPerWorker ?? 1;
  switch (spec.library) {
    case 'piscina': {
      if (spec.runtime === 'process') throw new Error('Piscina runs worker threads only');
      const pool = new Piscina({ filename: NOOP_TASK.href, minThreads: spec.workers, maxThreads: spec.workers, concurrentTasksPerWorker, idleTimeout: 60_000 });
      return { run: (task) => pool.run(task) as Promise<unknown>, close: () => pool.destroy() };
    }
    case 'tinypool': {
      const pool = new Tinypool({
        filename: NOOP_TASK.href,
        minThreads: spec.workers,
        maxThreads: spec.workers,
        concurrentTasksPerWorker,
        idleTimeout: 60_000,
        runtime: spec.runtime === 'process' ? 'child_process' : 'worker_threads',
      });
      return { run: (task) => pool.run(task) as Promise<unknown>, close: () => pool.destroy() };
    }
    case 'workerpool': {
      if (concurrentTasksPerWorker !== 1) throw new Error('workerpool hands a worker one task at a time');
      const pool = workerpool.pool(NOOP_WORKERPOOL, { minWorkers: spec.workers, maxWorkers: spec.workers, workerType: spec.runtime === 'process' ? 'process' : 'thread' });
      return {
        run: (task) => pool.exec('noop', [task]) as Promise<unknown>,
        close: async () => {
          await pool.terminate(true);
        },
      };
    }
    default:
      throw new Error(`Unknown peer library ${String(spec.library)}`);
  }
}

/**
 * Submits `count` tasks keeping at most `window` unsettled (a producer that streams, as the spm
 * list does from a generator) and resolves when all have settled; rejects on the first failure.
 */
export function runPeerTasks(pool: PeerPool, count: number, window: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let sent = 0;
    let settled = 0;
    let failed = false;
    const fill = (): void => {
      while (!failed && sent < count && sent - settled < window) {
        const n = sent++;
        pool.run({ n }).then(
          () => {
            settled += 1;
            if (settled === count) resolve();
            else fill();
          },
          (error: unknown) => {
            failed = true;
            reject(error as Error);
          },
        );
      }
    };
    if (count === 0) resolve();
    else fill();
  });
}
