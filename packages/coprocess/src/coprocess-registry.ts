import { SPMError, describeValue } from '@spm/exceptions';
import { constants } from 'node:os';
import { live } from './internal/live-coprocesses.js';

/**
 * Kills every coprocess this thread is running, whole trees included: `signal` first
 * (SIGTERM by default), then SIGKILL after each run's `killGraceMs`. Resolves with how many
 * were running once all of them have concluded (their results say `aborted`). A spoke calls
 * this when its task is dropped or when it is told to stop.
 */
export async function killAllCoprocesses(signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
  if (typeof signal !== 'string' || !Object.hasOwn(constants.signals, signal)) {
    throw new SPMError(`Expected \`signal\` to be a signal name such as \`SIGTERM\`, got ${describeValue(signal)}`);
  }
  const runs = [...live];
  await Promise.all(runs.map((run) => run.kill(signal)));
  return runs.length;
}

/** How many coprocesses this thread is running (started and not yet concluded). */
export function liveCoprocessCount(): number {
  return live.size;
}
