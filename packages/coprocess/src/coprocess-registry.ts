import { SPMError, describeValue } from '@spm/exceptions';
import { constants } from 'node:os';
import { live } from './internal/live-coprocesses.js';

/** Which coprocesses {@link killAllCoprocesses} kills. */
export interface KillCoprocessesOptions {
  /**
   * Only those started with this AbortSignal — one evaluation's, when several spokes share a
   * thread (inproc spokes in the hub's thread). @default every coprocess of this thread
   */
  readonly startedWith?: AbortSignal;
}

/**
 * Kills every coprocess this thread is running (or, with `startedWith`, those of one
 * evaluation), whole trees included: by each run's kill sequence (`killSequence`; SIGTERM, then
 * SIGKILL after `killGraceMs`, by default), or — with a `signal` other than SIGTERM — that signal
 * first, then SIGKILL after each run's `killGraceMs`; SIGKILL kills at once. Resolves with how many
 * were running once all of them have concluded (their results say `aborted`). A spoke calls
 * this when its task is dropped or when it is told to stop.
 */
export async function killAllCoprocesses(signal: NodeJS.Signals = 'SIGTERM', options: KillCoprocessesOptions = {}): Promise<number> {
  if (typeof signal !== 'string' || !Object.hasOwn(constants.signals, signal)) {
    throw new SPMError(`Expected \`signal\` to be a signal name such as \`SIGTERM\`, got ${describeValue(signal)}`);
  }
  const runs = [...live].filter((run) => options.startedWith === undefined || run.abortSignal === options.startedWith);
  await Promise.all(runs.map((run) => run.kill(signal)));
  return runs.length;
}

/** How many coprocesses this thread is running (started and not yet concluded). */
export function liveCoprocessCount(): number {
  return live.size;
}
