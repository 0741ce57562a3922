import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { DEFAULT_KILL_GRACE_MS, DEFAULT_MAX_OUTPUT_BYTES, resolveCoprocessOptions, type CoprocessOptions } from './coprocess-options.js';

describe('resolveCoprocessOptions', () => {
  it('runs a command through /bin/sh -c, with defaults', () => {
    expect(resolveCoprocessOptions({ command: 'echo hi' })).toEqual({
      file: '/bin/sh',
      args: ['-c', 'echo hi'],
      label: 'echo hi',
      cwd: undefined,
      env: undefined,
      input: undefined,
      timeoutMs: undefined,
      killGraceMs: DEFAULT_KILL_GRACE_MS,
      killSequence: [{ signal: 'SIGTERM', waitMs: DEFAULT_KILL_GRACE_MS }],
      maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
      signal: undefined,
      terminal: false,
      inheritOutput: false,
    });
    expect(DEFAULT_MAX_OUTPUT_BYTES).toBe(1048576);
    expect(resolveCoprocessOptions({ command: 'vi', terminal: true, inheritOutput: true })).toMatchObject({ terminal: true, inheritOutput: true });
  });

  it('runs argv without a shell', () => {
    expect(resolveCoprocessOptions({ argv: ['grep', '-c', 'a b'], timeoutMs: 5, killGraceMs: 0, maxOutputBytes: 0 })).toMatchObject({
      file: 'grep',
      args: ['-c', 'a b'],
      timeoutMs: 5,
      killGraceMs: 0,
      maxOutputBytes: 0,
    });
  });

  it('takes a kill sequence, whose waits add up to the grace', () => {
    const killSequence = [
      { signal: 'SIGINT', waitMs: 200 },
      { signal: 'SIGTERM', waitMs: 100.5 },
      { signal: 'SIGKILL', waitMs: 25 },
    ] as const;
    expect(resolveCoprocessOptions({ command: 'x', killSequence })).toMatchObject({ killSequence, killGraceMs: 325.5 });
  });

  it.each<[string, unknown, string]>([
    ['both', { command: 'x', argv: ['x'] }, 'Expected exactly one of `command` and `argv`, got both'],
    ['neither', {}, 'Expected exactly one of `command` and `argv`, got neither'],
    ['not an object', null, 'Expected coprocess options to be an object, got `null`'],
    ['an empty command', { command: ' ' }, 'Expected `command` to be a non-empty string, got `" "` (string)'],
    ['an empty argv', { argv: [] }, 'Expected `argv` to be a non-empty array of strings, got an array of length 0'],
    ['a non-string argument', { argv: ['ls', 3] }, 'Expected `argv[1]` to be a string, got `3` (number)'],
    ['an empty program', { argv: [''] }, 'Expected `argv[0]` (the program) to be a non-empty string'],
    ['a grace and a kill sequence', { command: 'x', killGraceMs: 5, killSequence: [{ signal: 'SIGTERM', waitMs: 5 }] }, 'Expected at most one of `killGraceMs` and `killSequence`, got both'],
    ['an empty kill sequence', { command: 'x', killSequence: [] }, 'Expected `killSequence` to be an array of 1 to 64 steps, got an array of length 0'],
    ['a kill step that is not an object', { command: 'x', killSequence: ['SIGTERM'] }, 'Expected `killSequence[0]` to be an object { signal, waitMs }, got `"SIGTERM"` (string)'],
    ['an unknown signal', { command: 'x', killSequence: [{ signal: 'SIGTERM', waitMs: 1 }, { signal: 'TERM', waitMs: 1 }] }, 'Expected `killSequence[1].signal` to be a signal name such as `SIGTERM`, got `"TERM"` (string)'],
    ['a negative wait', { command: 'x', killSequence: [{ signal: 'SIGTERM', waitMs: -1 }] }, 'Expected `killSequence[0].waitMs` to be a number ≥ 0 and ≤ 2147483647, got `-1` (number)'],
    ['waits past a timer', { command: 'x', killSequence: [{ signal: 'SIGTERM', waitMs: 2_000_000_000 }, { signal: 'SIGTERM', waitMs: 2_000_000_000 }] }, 'Expected the waits of `killSequence` to add up to ≤ 2147483647 ms, got 4000000000'],
    ['a zero timeout', { command: 'x', timeoutMs: 0 }, 'Expected `timeoutMs` to be a number > 0 and ≤ 2147483647, got `0` (number)'],
    ['an infinite timeout', { command: 'x', timeoutMs: Infinity }, 'Expected `timeoutMs` to be a number > 0 and ≤ 2147483647, got `Infinity` (number)'],
    ['a timeout longer than a timer waits (it would fire after 1 ms)', { command: 'x', timeoutMs: 3_000_000_000 }, 'Expected `timeoutMs` to be a number > 0 and ≤ 2147483647, got `3000000000` (number)'],
    ['a grace longer than a timer waits', { command: 'x', killGraceMs: 2_147_483_648 }, 'Expected `killGraceMs` to be a number ≥ 0 and ≤ 2147483647, got `2147483648` (number)'],
    ['a negative grace', { command: 'x', killGraceMs: -1 }, 'Expected `killGraceMs` to be a number ≥ 0 and ≤ 2147483647, got `-1` (number)'],
    ['a fractional cap', { command: 'x', maxOutputBytes: 1.5 }, 'Expected `maxOutputBytes` to be an integer ≥ 0, got `1.5` (number)'],
    ['a non-string env value', { command: 'x', env: { A: 1 } }, 'Expected `env.A` to be a string, got `1` (number)'],
    ['a bad input', { command: 'x', input: 5 }, 'Expected `input` to be a string or a Uint8Array, got `5` (number)'],
    ['a bad signal', { command: 'x', signal: {} }, 'Expected `signal` to be an AbortSignal, got an empty object'],
    ['an empty cwd', { command: 'x', cwd: '' }, 'Expected `cwd` to be a non-empty string without NUL bytes, got `""` (string)'],
    ['a terminal that is not a boolean', { command: 'x', terminal: 1 }, 'Expected `terminal` to be a boolean, got `1` (number)'],
    ['input with the terminal', { command: 'x', terminal: true, input: 'a' }, "Expected no `input` with `terminal` (the program's stdin is the terminal), got one"],
    ['an input file with the terminal', { command: 'x', terminal: true, inputFile: { path: '/etc/hostname' } }, 'Expected no `inputFile` with `terminal`'],
    ['inheritOutput that is not a boolean', { command: 'x', inheritOutput: 'yes' }, 'Expected `inheritOutput` to be a boolean, got `"yes"` (string)'],
    ['inheritOutput with onOutput', { command: 'x', inheritOutput: true, onOutput: () => undefined }, 'Expected at most one of `inheritOutput` and `onOutput` (inherited output is not read here), got both'],
  ])('refuses %s', (_name, options, message) => {
    expect(() => resolveCoprocessOptions(options as CoprocessOptions)).toThrow(SPMError);
    expect(() => resolveCoprocessOptions(options as CoprocessOptions)).toThrow(message);
  });

  it('refuses a frozen environment with a bad value every time (only good ones are remembered)', () => {
    const env = Object.freeze({ A: 1 }) as unknown as Record<string, string>;
    for (let i = 0; i < 2; i++) expect(() => resolveCoprocessOptions({ command: 'x', env })).toThrow('Expected `env.A` to be a string, got `1` (number)');
    const good = Object.freeze({ A: 'x' });
    expect(resolveCoprocessOptions({ command: 'x', env: good }).env).toBe(good);
    expect(resolveCoprocessOptions({ command: 'x', env: good }).env).toBe(good);
  });
});
