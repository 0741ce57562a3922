import { describe, it, expect } from '@jest/globals';
import { envChoice, envInteger, envIntegers, integerKnob, KnobError } from './knobs.js';

describe('integer knobs', () => {
  it('take the default when unset and a decimal integer as given', () => {
    expect(envInteger('BENCH_RUNS', 5, 1, {})).toBe(5);
    expect(envInteger('BENCH_RUNS', 5, 1, { BENCH_RUNS: '3' })).toBe(3);
    expect(envInteger('BENCH_PREFETCH', 2, 0, { BENCH_PREFETCH: '0' })).toBe(0);
    expect(integerKnob('--runs', '7', 3, 1)).toBe(7);
  });

  it.each([
    ['0', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `0`'],
    ['abc', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `abc`'],
    ['1.5', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `1.5`'],
    ['1e3', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `1e3`'],
    [' 5', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got ` 5`'],
    ['-2', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `-2`'],
    ['', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `` (empty)'],
    ['99999999999999999999', 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `99999999999999999999`'],
  ])('refuse %j, naming the variable, what was expected and what was found', (text, message) => {
    expect(() => envInteger('BENCH_RUNS', 5, 1, { BENCH_RUNS: text })).toThrow(new KnobError(message));
    expect(() => envInteger('BENCH_RUNS', 5, 1, { BENCH_RUNS: text })).toThrow(KnobError);
  });
});

describe('list and choice knobs', () => {
  it('read comma-separated integers, each checked', () => {
    expect(envIntegers('BENCH_SIZES', [10, 20], 1, {})).toEqual([10, 20]);
    expect(envIntegers('BENCH_SIZES', [10, 20], 1, { BENCH_SIZES: '5,500' })).toEqual([5, 500]);
    for (const text of ['abc', '10,,5', '10,0', '1.5', '']) {
      expect(() => envIntegers('BENCH_SIZES', [10, 20], 1, { BENCH_SIZES: text })).toThrow(/^Expected `BENCH_SIZES` to be integers ≥ 1 separated by commas \(e\.g\. `10,20`\), got `/);
    }
  });

  it('read one of the choices', () => {
    expect(envChoice('BENCH_KIND', ['process', 'thread'], 'process', { BENCH_KIND: 'thread' })).toBe('thread');
    expect(() => envChoice('BENCH_KIND', ['process', 'thread'], 'process', { BENCH_KIND: 'gpu' })).toThrow(new KnobError('Expected `BENCH_KIND` to be one of `process`, `thread`, got `gpu`'));
  });
});
