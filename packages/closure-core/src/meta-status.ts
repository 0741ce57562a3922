/** A phase of a manager invocation, as the seed prints it (Fig. 13). */
export type MetaStatus =
  | { readonly phase: 'waiting-for-spokes'; readonly timeoutMs: number }
  | { readonly phase: 'eval'; readonly spokes: number }
  | { readonly phase: 'eval-done' };

function forUpTo(ms: number): string {
  if (ms === Infinity) return 'for as long as it takes';
  const seconds = ms / 1000;
  return `for up to ${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} secs`;
}

/**
 * The seed's status line for `status`:
 * `#: MetaStatus (hub): Waiting - ForSpokes [ for up to 30 secs ]`, `… Tasks - Eval`,
 * `… Tasks - EvalDone`.
 */
export function formatMetaStatus(status: MetaStatus): string {
  switch (status.phase) {
    case 'waiting-for-spokes':
      return `#: MetaStatus (hub): Waiting - ForSpokes [ ${forUpTo(status.timeoutMs)} ]`;
    case 'eval':
      return '#: MetaStatus (hub): Tasks - Eval';
    case 'eval-done':
      return '#: MetaStatus (hub): Tasks - EvalDone';
  }
}
