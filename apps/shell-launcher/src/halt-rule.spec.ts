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
  });

  it('refuses anything else, saying what it expected and what it got', () => {
    expect(() => parseHalt('sometimes')).toThrow(SPMError);
    expect(() => parseHalt('now,fail=0')).toThrow(/got `now,fail=0`/);
    expect(() => parseHalt('now,fail=10%')).toThrow(/percentages are not supported/);
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
});
