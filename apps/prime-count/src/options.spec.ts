import { describe, it, expect } from '@jest/globals';
import { MAX_BUCKETS, MAX_TASK_TIMEOUT_SECONDS, parseOptions, UsageError } from './options.js';

/** The message of the UsageError that `argv` is refused with. */
function refusal(argv: string[]): string {
  try {
    parseOptions(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

describe('--buckets by default', () => {
  it.each([
    [2, 3, 1],
    [2, 7, 5],
    [0, 10, 10],
    [2, 502_347, 10],
    [3, 3, 1],
  ])('is 10, or one per integer of a smaller range: [%i, %i) in %i', (min, max, buckets) => {
    expect(parseOptions(['--min', String(min), '--max', String(max)]).buckets).toBe(buckets);
  });
});

describe('--buckets given', () => {
  it('may be as large as the range, up to the maximum', () => {
    expect(parseOptions(['--min', '3', '--max', '4', '--buckets', '1']).buckets).toBe(1);
    expect(parseOptions(['--max', String(MAX_BUCKETS + 2), '--buckets', String(MAX_BUCKETS)]).buckets).toBe(MAX_BUCKETS);
  });

  it('is refused above the maximum, naming it, however large the range', () => {
    expect(refusal(['--max', '10000000002', '--buckets', '10000000000'])).toBe('Expected --buckets to be an integer ≥ 1 and ≤ 1000000, got `10000000000`');
    expect(refusal(['--max', String(MAX_BUCKETS + 3), '--buckets', String(MAX_BUCKETS + 1)])).toBe('Expected --buckets to be an integer ≥ 1 and ≤ 1000000, got `1000001`');
  });

  it('is refused when larger than the range, and above 1 on an empty range', () => {
    expect(refusal(['--min', '2', '--max', '3', '--buckets', '10'])).toBe('Expected --buckets (10) ≤ the size of the range (1)');
    expect(refusal(['--min', '3', '--max', '3', '--buckets', '5'])).toBe('Expected --buckets to be 1 for an empty range ([3, 3)), got `5`');
    expect(parseOptions(['--min', '3', '--max', '3', '--buckets', '1']).buckets).toBe(1);
  });
});

describe('--task-timeout', () => {
  it('may be as long as a timer waits, in whole seconds', () => {
    expect(parseOptions(['--task-timeout', String(MAX_TASK_TIMEOUT_SECONDS)]).taskTimeoutSeconds).toBe(2_147_483);
  });

  it.each(['2147483.5', '2147484', '3000000000'])('is refused above 2147483 s, naming the maximum: %s', (seconds) => {
    expect(refusal(['--task-timeout', seconds])).toBe(`Expected --task-timeout to be a number of seconds (decimal, e.g. 2.5) from 0.001 to 2147483 (about 24.8 days, the longest a timer waits), got \`${seconds}\``);
  });

  it.each(['0x1', '1e-3', '5e-324', ' 5', '5 ', '0.0001', 'Infinity'])('is a decimal number of at least a millisecond, as the other numbers are decimal: %j refused', (seconds) => {
    // Number() took hex, exponents and spaces; 5e-324 raced the bucket.
    expect(refusal(['--task-timeout', seconds])).toMatch(/^Expected --task-timeout to be a number of seconds \(decimal, e\.g\. 2\.5\) from 0\.001/);
  });

  it('takes fractions of a second', () => {
    expect(parseOptions(['--task-timeout', '0.25']).taskTimeoutSeconds).toBe(0.25);
    expect(parseOptions(['--task-timeout', '.5']).taskTimeoutSeconds).toBe(0.5);
  });
});

describe('integer options', () => {
  it('say the largest integer they take when given a larger one', () => {
    expect(refusal(['--max', '9007199254741000'])).toBe('Expected --max to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got `9007199254741000`');
  });

  it.each([
    ['min', '-10', 'Expected --min to be an integer ≥ 0'],
    ['max', '-1', 'Expected --max to be an integer ≥ 0'],
    ['buckets', '-3', 'Expected --buckets to be an integer ≥ 1'],
    ['spokes', '-2', 'Expected --spokes to be an integer ≥ 1'],
    ['prefetch', '-1', 'Expected --prefetch to be an integer ≥ 0'],
    ['task-timeout', '-0.5', 'Expected --task-timeout to be a number of seconds (decimal'],
  ])('refuse a negative value given as its own argument (--%s %s) with their own message', (name, value, message) => {
    const text = refusal([`--${name}`, value]);
    expect(text).toContain(message);
    expect(text).toContain(`got \`${value}\``);
  });

  it('say an option lacks its value when another option, or nothing, follows it (not the option parser’s “ambiguous”)', () => {
    expect(refusal(['--min', '--max', '5'])).toBe('Expected a value after --min, got the option `--max`');
    expect(refusal(['--max', '5', '--trace'])).toBe('Expected a value after --trace, got nothing (it is the last argument)');
    expect(refusal(['--split', '-1'])).toBe('Expected --split to be one of cost, width, got `-1`');
  });

  it('take no spaces around a number, and say an unknown option or a stray argument plainly', () => {
    expect(refusal(['--min', ' 7'])).toBe('Expected --min to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got ` 7`');
    expect(refusal(['--foo'])).toBe('Unknown option `--foo` (the options are below)');
    expect(refusal(['7'])).toBe('Expected only options, got the argument `7`');
    // The default named as such.
    expect(refusal(['--min', '600000'])).toBe('Expected --max (502347, its default) ≥ --min (600000)');
  });

  it('cap --spokes at 256 (a million thread spokes ran the machine out of memory)', () => {
    expect(refusal(['--spokes', '257'])).toBe('Expected --spokes to be an integer ≥ 1 and ≤ 256, got `257`');
    expect(parseOptions(['--spokes', '256']).spokes).toBe(256);
  });
});

describe('--trace', () => {
  it('takes a file name, and refuses `-` (not stdout, where --json goes) and an empty one', () => {
    expect(parseOptions(['--trace', 'run.json']).trace).toBe('run.json');
    expect(parseOptions(['--trace', './-']).trace).toBe('./-');
    expect(refusal(['--trace', '-'])).toBe('Expected --trace to be followed by a file name, got `-` (the trace cannot go to stdout; for a file named -, say ./-)');
    expect(refusal(['--trace='])).toBe('Expected --trace to be followed by a file name, got ``');
  });
});
