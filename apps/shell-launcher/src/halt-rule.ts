import { SPMError } from '@spm/exceptions';

/** When to stop early (GNU parallel's `--halt when,why=N`). */
export interface HaltRule {
  /** `never`: run everything; `soon`: start no new command; `now`: also kill the running ones. */
  readonly when: 'never' | 'soon' | 'now';
  /** What is counted: failed, succeeded, or finished commands. */
  readonly why: 'fail' | 'success' | 'done';
  /** How many of them trigger the halt. */
  readonly count: number;
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
 * Parses `--halt`: `never`, `now,fail=1`, `soon,fail=3`, `now,success=1`, `soon,done=5`, … or the
 * numeric forms 0, 1, 2, -1, -2. Percentages (`fail=10%`) are refused: they need the number of
 * jobs up front, which a stream of commands on stdin does not have.
 */
export function parseHalt(text: string): HaltRule {
  const legacy = LEGACY[text];
  if (legacy !== undefined) return legacy;
  if (text === 'never') return HALT_NEVER;
  const match = /^(soon|now),(fail|success|done)=(\d+)$/.exec(text);
  if (match === null || Number(match[3]) < 1) {
    const hint = /%$/.test(text) ? ' (percentages are not supported)' : '';
    throw new SPMError(`Expected \`--halt\` to be \`never\`, \`now|soon,fail|success|done=N\` with N ≥ 1, or 0/1/2/-1/-2, got \`${text}\`${hint}`);
  }
  return { when: match[1] as 'soon' | 'now', why: match[2] as HaltRule['why'], count: Number(match[3]) };
}

/** The rule as `--halt` spells it. */
export function formatHalt(rule: HaltRule): string {
  return rule.when === 'never' ? 'never' : `${rule.when},${rule.why}=${rule.count}`;
}

/** True once `counts` meet the rule (never for `never`). */
export function haltReached(rule: HaltRule, counts: { readonly failed: number; readonly succeeded: number }): boolean {
  if (rule.when === 'never') return false;
  const n = rule.why === 'fail' ? counts.failed : rule.why === 'success' ? counts.succeeded : counts.failed + counts.succeeded;
  return n >= rule.count;
}
