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
    expect(refusal(['--task-timeout', seconds])).toBe(`Expected --task-timeout to be a number of seconds > 0 and ≤ 2147483 (about 24.8 days, the longest a timer waits), got \`${seconds}\``);
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
    ['task-timeout', '-0.5', 'Expected --task-timeout to be a number of seconds > 0'],
  ])('refuse a negative value given as its own argument (--%s %s) with their own message', (name, value, message) => {
    const text = refusal([`--${name}`, value]);
    expect(text).toContain(message);
    expect(text).toContain(`got \`${value}\``);
  });

  it('leave a value that is not a negative number to the option parser', () => {
    expect(refusal(['--min', '--max', '5'])).toContain("Option '--min' argument is ambiguous");
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
