/** A phase of a manager invocation, as the seed prints it (Fig. 13). */
export type MetaStatus =
  | { readonly phase: 'waiting-for-spokes'; readonly timeoutMs: number }
  | { readonly phase: 'eval'; readonly spokes: number }
  /** An abort waits up to `graceMs` for the `running` tasks, told to cancel, to end by themselves (`abortGrace`). */
  | { readonly phase: 'cancelling'; readonly running: number; readonly graceMs: number }
  | { readonly phase: 'eval-done' };

function forUpTo(ms: number): string {
  if (ms === Infinity) return 'for as long as it takes';
  const seconds = ms / 1000;
  return `for up to ${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} secs`;
}

/**
 * The seed's status line for `status`:
 * `#: MetaStatus (hub): Waiting - ForSpokes [ for up to 30 secs ]`, `… Tasks - Eval`,
 * `… Tasks - EvalDone`; and, when an abort lets running tasks end first (`abortGrace`),
 * `… Tasks - Cancelling [ 2 running, for up to 5 secs ]`.
 */
export function formatMetaStatus(status: MetaStatus): string {
  switch (status.phase) {
    case 'waiting-for-spokes':
      return `#: MetaStatus (hub): Waiting - ForSpokes [ ${forUpTo(status.timeoutMs)} ]`;
    case 'eval':
      return '#: MetaStatus (hub): Tasks - Eval';
    case 'cancelling':
      return `#: MetaStatus (hub): Tasks - Cancelling [ ${status.running} running, ${forUpTo(status.graceMs)} ]`;
    case 'eval-done':
      return '#: MetaStatus (hub): Tasks - EvalDone';
  }
}
