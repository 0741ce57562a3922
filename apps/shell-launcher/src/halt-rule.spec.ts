import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { formatHalt, haltReached, parseHalt } from './halt-rule.js';

describe('parseHalt', () => {
  it('reads when,why=N and GNU parallel’s numeric forms', () => {
    expect(parseHalt('now,fail=1')).toEqual({ when: 'now', why: 'fail', count: 1 });
    expect(parseHalt('soon,success=3')).toEqual({ when: 'soon', why: 'success', count: 3 });
    expect(parseHalt('2')).toEqual({ when: 'now', why: 'fail', count: 1 });
    expect(parseHalt('-1')).toEqual({ when: 'soon', why: 'success', count: 1 });
    expect(parseHalt('never').when).toBe('never');
    expect(formatHalt(parseHalt('soon,done=5'))).toBe('soon,done=5');
    // GNU parallel splits at `,` and `=` alike, empty fields at the end dropped.
    for (const spelled of ['now=fail=2', 'now,fail,2', 'now,fail=2,', 'now,fail=2,,']) expect(parseHalt(spelled)).toEqual({ when: 'now', why: 'fail', count: 2 });
  });

  it('refuses anything else, saying what it expected and what it got', () => {
    expect(() => parseHalt('sometimes')).toThrow(SPMError);
    expect(() => parseHalt('now,fail=0')).toThrow(/got `now,fail=0`/);
    expect(() => parseHalt('now,fail=1,x')).toThrow(/got `now,fail=1,x`/);
    for (const bad of ['now,fail=0%', 'now,fail=101%', 'soon,fail=1.5', '0%', 'now,fail=x%']) expect(() => parseHalt(bad)).toThrow(/0 < N ≤ 100/);
  });

  it('reads percentages of all the jobs; N% alone is soon,fail=N%', () => {
    expect(parseHalt('now,fail=10%')).toEqual({ when: 'now', why: 'fail', count: 1, percent: 10 });
    expect(parseHalt('25%')).toEqual({ when: 'soon', why: 'fail', count: 1, percent: 25 });
    expect(parseHalt('soon,done=2.5%')).toMatchObject({ why: 'done', percent: 2.5 });
    expect(formatHalt(parseHalt('now,success=30%'))).toBe('now,success=30%');
  });
});

describe('haltReached', () => {
  it('counts failures, successes or both', () => {
    expect(haltReached(parseHalt('soon,fail=2'), { failed: 1, succeeded: 9 })).toBe(false);
    expect(haltReached(parseHalt('soon,fail=2'), { failed: 2, succeeded: 0 })).toBe(true);
    expect(haltReached(parseHalt('now,success=1'), { failed: 3, succeeded: 1 })).toBe(true);
    expect(haltReached(parseHalt('now,done=4'), { failed: 2, succeeded: 1 })).toBe(false);
    expect(haltReached(parseHalt('never'), { failed: 100, succeeded: 0 })).toBe(false);
  });

  it('reaches a percentage at the count at or past that share of the jobs, never before one of them', () => {
    // 10 jobs, 25%: 2.5 — the third failure halts.
    expect(haltReached(parseHalt('soon,fail=25%'), { failed: 2, succeeded: 5 }, 10)).toBe(false);
    expect(haltReached(parseHalt('soon,fail=25%'), { failed: 3, succeeded: 0 }, 10)).toBe(true);
    // 1% of 10 jobs is 0.1: the first failure, and not a success.
    expect(haltReached(parseHalt('now,fail=1%'), { failed: 0, succeeded: 4 }, 10)).toBe(false);
    expect(haltReached(parseHalt('now,fail=1%'), { failed: 1, succeeded: 0 }, 10)).toBe(true);
    expect(haltReached(parseHalt('now,done=50%'), { failed: 1, succeeded: 1 }, 4)).toBe(true);
  });
});
