// Worker threads started before the hub knows what they are for: a program's first lines start
// them, its runtime loads meanwhile, and the first `spawnThread` of the same entry adopts one
// instead of starting its own. This module imports nothing but `node:worker_threads`, `node:url`
// and @spm/exceptions, so that a bin can load it (and start the threads) before the rest of the
// runtime.
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SPMError } from '@spm/exceptions';

/** Marks a prestarted worker's `workerData`: its real one comes with its adoption. */
const PRESTARTED = 'spmPrestarted';
/** The key of the one message a prestarted worker receives before its channel opens. */
const ADOPT = 'spmAdopt';

/** What {@link prestartThreads} takes. */
export interface PrestartOptions {
  /** Variables added to (a copy of) this process's environment for the threads until they are adopted. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What an adoption tells a prestarted worker: what `spawnThread` would have started it with. */
interface Adoption {
  readonly workerData: unknown;
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface Prestarted {
  readonly worker: Worker;
  /** Set once the worker exits or throws before it was adopted: it is not handed out. */
  gone: boolean;
}

/**
 * The waiting workers by entry URL. On `globalThis` (a registered symbol) so that two copies of
 * this module — a bundle's and a package's — still share them.
 */
function registry(): Map<string, Prestarted[]> {
  const key = Symbol.for('spm.transport.prestarted');
  const holder = globalThis as { [key]?: Map<string, Prestarted[]> };
  return (holder[key] ??= new Map());
}

/** The entry as a `file:` URL: a path is taken as `Worker` takes it (relative to the working directory). */
function hrefOf(entry: URL | string): string {
  if (entry instanceof URL) return entry.href;
  return entry.startsWith('file:') ? new URL(entry).href : pathToFileURL(entry).href;
}

/**
 * Starts `count` worker threads on `entry` now; the next `count` calls of `spawnThread` with the
 * same entry (and no `execArgv` or `resourceLimits`) adopt them, in order, instead of starting
 * their own: each is then given the `workerData` and environment that call would have started
 * it with. A thread boots (Node's own start-up, the entry's imports) while the caller goes on
 * loading; ~30 ms of a worker's start-up leave the critical path of a short run.
 *
 * The entry must get its `workerData` from {@link threadData}, not from `worker_threads`, and
 * open its channel (`connectToParent()`) only after that resolves. Until adopted, the threads do
 * not keep the process alive, and one that dies is never handed out. Returns the workers (to
 * tell them apart by `threadId`, or to wait for one; do not post on them).
 */
export function prestartThreads(entry: URL | string, count: number, options: PrestartOptions = {}): Worker[] {
  if (!Number.isInteger(count) || count < 0) throw new SPMError(`Expected \`count\` to be an integer ≥ 0, got ${String(count)}`);
  const href = hrefOf(entry);
  const waiting = registry().get(href) ?? [];
  registry().set(href, waiting);
  const workers: Worker[] = [];
  for (let i = 0; i < count; i += 1) {
    const worker = new Worker(new URL(href), { workerData: { [PRESTARTED]: true }, env: { ...process.env, ...options.env } });
    const prestarted: Prestarted = { worker, gone: false };
    // A worker's `error` with no listener is rethrown in this thread: a thread that failed to
    // boot must not take the program down; it is simply not adopted.
    const gone = (): void => {
      prestarted.gone = true;
    };
    worker.on('error', gone);
    worker.once('exit', gone);
    worker.unref();
    waiting.push(prestarted);
    workers.push(worker);
  }
  return workers;
}

/**
 * Takes a live prestarted worker for `entry` and sends it its adoption, or returns undefined.
 * For `spawnThread`; the worker is referenced again (it keeps the process alive, as any spoke).
 */
export function adoptPrestartedThread(entry: URL | string, adoption: Adoption): Worker | undefined {
  const waiting = registry().get(hrefOf(entry));
  while (waiting !== undefined && waiting.length > 0) {
    const next = waiting.shift();
    if (next === undefined || next.gone || next.worker.threadId === -1) continue;
    next.worker.ref();
    next.worker.postMessage({ [ADOPT]: adoption });
    return next.worker;
  }
  return undefined;
}

/** Terminates the prestarted workers no `spawnThread` adopted (all entries); resolves once they have stopped. */
export async function discardPrestartedThreads(): Promise<void> {
  const all = [...registry().values()].flatMap((waiting) => waiting.splice(0));
  await Promise.all(all.map(async ({ worker }) => void (await worker.terminate())));
}

/**
 * In a worker thread started by `spawnThread`: its `workerData`. In a prestarted one, the
 * `workerData` of the `spawnThread` that adopted it, once adopted; this thread's `process.env`
 * is then replaced by the environment that call gave. Resolves to undefined elsewhere.
 */
export function threadData(): Promise<unknown> {
  const port = parentPort;
  if (isMainThread || port === null) return Promise.resolve(undefined);
  const data: unknown = workerData;
  if (typeof data !== 'object' || data === null || (data as Record<string, unknown>)[PRESTARTED] !== true) return Promise.resolve(data);
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      const adoption = typeof message === 'object' && message !== null ? (message as Record<string, unknown>)[ADOPT] : undefined;
      if (typeof adoption !== 'object' || adoption === null) return; // nothing else is sent before it
      port.off('message', onMessage);
      const { env, workerData: adopted } = adoption as Adoption;
      for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
      for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
      resolve(adopted);
    };
    port.on('message', onMessage);
  });
}
