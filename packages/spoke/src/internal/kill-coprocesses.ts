import type { KillCoprocessesOptions } from '@spm/coprocess';

/** `Symbol.for` key `@spm/coprocess` sets on `globalThis` once a coprocess started in the thread. */
const COPROCESS_STARTED = Symbol.for('@spm/coprocess.started');

/**
 * `killAllCoprocesses` of `@spm/coprocess`, loaded only when this thread has started a coprocess
 * (otherwise there is none to kill, and a spoke whose tasks never start one — most thread spokes —
 * does not load the package, its child-process and crypto modules included, as it boots).
 * Resolves with how many were killed.
 */
export async function killCoprocesses(signal: NodeJS.Signals, options: KillCoprocessesOptions = {}): Promise<number> {
  if ((globalThis as Record<symbol, unknown>)[COPROCESS_STARTED] !== true) return 0;
  const { killAllCoprocesses } = await import('@spm/coprocess');
  return killAllCoprocesses(signal, options);
}
