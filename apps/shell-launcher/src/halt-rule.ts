import { SPMError } from '@spm/exceptions';

/** When to stop early (GNU parallel's `--halt when,why=N`). */
export interface HaltRule {
  /** `never`: run everything; `soon`: start no new command; `now`: also kill the running ones. */
  readonly when: 'never' | 'soon' | 'now';
  /** What is counted: failed, succeeded, or finished commands. */
  readonly why: 'fail' | 'success' | 'done';
  /** How many of them trigger the halt. */
  readonly count: number;
  /**
   * `fail=10%`: the share of all the jobs, in percent, whose count triggers the halt (`count` is
   * then unused). Needs the number of jobs before the first starts: every input is read first.
   */
  readonly percent?: number;
}

/** Run everything, whatever fails. */
export const HALT_NEVER: HaltRule = Object.freeze({ when: 'never', why: 'fail', count: 1 });

// GNU parallel's numeric forms, kept for its users' scripts.
const LEGACY: Readonly<Record<string, HaltRule>> = {
  '0': HALT_NEVER,
  '1': { when: 'soon', why: 'fail', count: 1 },
  '2': { when: 'now', why: 'fail', count: 1 },
  '-1': { when: 'soon', why: 'success', count: 1 },
  '-2': { when: 'now', why: 'success', count: 1 },
};

/**
 * Parses `--halt`: `never`, `now,fail=1`, `soon,fail=3`, `now,success=1`, `soon,done=5`, a
 * percentage of all the jobs (`soon,fail=10%`; `10%` alone is `soon,fail=10%`, as in GNU
 * parallel), or the numeric forms 0, 1, 2, -1, -2.
 */
export function parseHalt(text: string): HaltRule {
  const legacy = LEGACY[text];
  if (legacy !== undefined) return legacy;
  if (text === 'never') return HALT_NEVER;
  // GNU parallel splits the rule at `,` and `=` alike and drops empty fields at the end: `now=fail=1`
  // and `now,fail=1,` are `now,fail=1` there too.
  const match = /^(soon|now)[,=](fail|success|done)[,=](\d+(?:\.\d+)?)(%?),*$/.exec(/^\d+(?:\.\d+)?%$/.test(text) ? `soon,fail=${text}` : text);
  const n = Number(match?.[3]);
  const percent = match?.[4] === '%';
  if (match === null || (percent ? !(n > 0 && n <= 100) : !(Number.isInteger(n) && n >= 1))) {
    throw new SPMError(`Expected \`--halt\` to be \`never\`, \`now|soon,fail|success|done=N\` with N ≥ 1 or N% (0 < N ≤ 100: of all the jobs), \`N%\` (soon,fail=N%), or 0/1/2/-1/-2, got \`${text}\``);
  }
  const when = match[1] as 'soon' | 'now';
  const why = match[2] as HaltRule['why'];
  return percent ? { when, why, count: 1, percent: n } : { when, why, count: n };
}

/** The rule as `--halt` spells it. */
export function formatHalt(rule: HaltRule): string {
  return rule.when === 'never' ? 'never' : `${rule.when},${rule.why}=${rule.percent !== undefined ? `${rule.percent}%` : rule.count}`;
}

/** How many jobs a rule's percentage of `total` jobs is (GNU parallel's: not rounded; reached by a count at or past it). */
export function haltThreshold(rule: HaltRule, total: number): number {
  return rule.percent === undefined ? rule.count : (total * rule.percent) / 100;
}

/** True once `counts` meet the rule (never for `never`); `total`: the number of jobs, for a percentage. */
export function haltReached(rule: HaltRule, counts: { readonly failed: number; readonly succeeded: number }, total = 0): boolean {
  if (rule.when === 'never') return false;
  const n = rule.why === 'fail' ? counts.failed : rule.why === 'success' ? counts.succeeded : counts.failed + counts.succeeded;
  return n >= 1 && n >= haltThreshold(rule, total);
}
