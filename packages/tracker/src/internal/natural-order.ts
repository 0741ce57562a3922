/**
 * Compares two ids in natural order: runs of digits as numbers (`local:2` before `local:10`),
 * everything else by UTF-16 code units; a tie between equal-valued numbers (`7`, `007`) is
 * broken by the plain comparison, so the order is total. Used instead of
 * `new Intl.Collator('en', { numeric: true })`, whose construction costs ~12 ms of ICU
 * start-up — on the critical path of every run that starts a tracker.
 */
export function naturalCompare(a: string, b: string): number {
  const x = a.match(RUNS) ?? [];
  const y = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const p = x[i] as string;
    const q = y[i] as string;
    if (p === q) continue;
    const digits = DIGIT.test(p) && DIGIT.test(q);
    const order = digits ? compareDigits(p, q) : p < q ? -1 : 1;
    if (order !== 0) return order;
  }
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

const RUNS = /\d+|\D+/g;
const DIGIT = /^\d/;

/** Two runs of digits by value, of any length (no precision lost past 2⁵³). */
function compareDigits(p: string, q: string): number {
  const s = p.replace(/^0+(?=\d)/, '');
  const t = q.replace(/^0+(?=\d)/, '');
  if (s.length !== t.length) return s.length < t.length ? -1 : 1;
  return s === t ? 0 : s < t ? -1 : 1;
}
