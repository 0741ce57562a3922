import { SPMError } from './spm-error.js';

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`, case ignored. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  const rows: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const row = rows[i] as number[];
      const up = rows[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[x.length] as number[])[y.length] as number;
}

/**
 * The message for the first own key of `options` that is not one of `known`, or `undefined`
 * when there is none: ``Unknown option `timeoutExecuton` of manage() (did you mean
 * `timeoutExecution`?); expected one of `a`, `b` `` — the known key it most likely meant is named
 * when it is a few edits away. A misspelt option would otherwise be ignored, and what it asked
 * for silently not done. `what` names whose options they are (`manage()`, `runCoprocess()`).
 * Keys whose value is `undefined` are let pass (a spread of optional fields). The caller throws
 * the message in its own error class.
 */
export function unknownOptionMessage(what: string, options: object, known: readonly string[]): string | undefined {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    // Nearest first; on a tie, a known key the unknown one begins (`relaunch` → `relaunches`, not `onRelaunch`).
    const begins = (k: string): number => (k.toLowerCase().startsWith(key.toLowerCase()) ? 0 : 1);
    const near = known.map((k) => [k, distance(key, k)] as const).sort((a, b) => a[1] - b[1] || begins(a[0]) - begins(b[0]))[0];
    const hint = near !== undefined && near[1] <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean \`${near[0]}\`?)` : '';
    return `Unknown option \`${key}\` of ${what}${hint}; expected one of ${known.map((k) => `\`${k}\``).join(', ')}`;
  }
  return undefined;
}

/**
 * Throws `SPMError` with {@link unknownOptionMessage}'s message when `options` has an own key
 * that is not one of `known` (keys whose value is `undefined` are let pass): the closures' and
 * the tracker's options checks.
 *
 * @example
 * checkOptionKeys('manage()', { timeoutExecuton: 5 }, ['timeoutExecution']); // throws, naming both
 */
export function checkOptionKeys(what: string, options: object, known: readonly string[]): void {
  const message = unknownOptionMessage(what, options, known);
  if (message !== undefined) throw new SPMError(message);
}
