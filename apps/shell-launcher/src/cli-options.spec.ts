import { describe, it, expect } from '@jest/globals';
import { availableParallelism } from 'node:os';
import { SPMError } from '@spm/exceptions';
import { DEFAULT_MAX_OUTPUT, parseShellArgs } from './cli-options.js';

describe('parseShellArgs', () => {
  it('applies defaults', () => {
    const o = parseShellArgs([]);
    expect(o).toMatchObject({ jobs: availableParallelism(), tries: 1, keepOrder: false, tag: false, json: false, progress: 'auto', maxOutputBytes: DEFAULT_MAX_OUTPUT, transport: 'inproc' });
    expect(o.timeoutMs).toBeUndefined();
    expect(o.template).toBeUndefined();
    expect(o.argGroups).toBeUndefined();
    expect(o.halt.when).toBe('never');
  });

  it('reads options, then the command template, then ::: groups', () => {
    const o = parseShellArgs(['-j3', '--timeout', '1.5', '--retries=2', '-k', '--tag', '--halt', 'now,fail=1', '--joblog', 'jl', '--json', '--no-progress', '-v', '--trace', 't.json', '--max-output', '64K', '--transport', 'process', 'grep', '-c', 'x', '{}', ':::', 'a', 'b', ':::', '1']);
    expect(o).toMatchObject({ jobs: 3, timeoutMs: 1500, tries: 2, keepOrder: true, tag: true, joblog: 'jl', json: true, progress: 'off', verbose: true, trace: 't.json', maxOutputBytes: 65536, transport: 'process' });
    expect(o.halt).toEqual({ when: 'now', why: 'fail', count: 1 });
    // Words after the first non-option belong to the command, options of the command included.
    expect(o.template).toBe('grep -c x {}');
    expect(o.argGroups).toEqual([['a', 'b'], ['1']]);
  });

  it('takes ::: right after the options as whole commands, and -a/--file as the input', () => {
    expect(parseShellArgs([':::', 'echo a', 'echo b'])).toMatchObject({ template: undefined, argGroups: [['echo a', 'echo b']] });
    expect(parseShellArgs(['-a', 'cmds.txt']).file).toBe('cmds.txt');
    expect(parseShellArgs(['--file=cmds.txt', 'gzip']).template).toBe('gzip');
    expect(parseShellArgs(['--', '-weird-command']).template).toBe('-weird-command');
  });

  it('refuses bad values with the option, what it expected and what it got', () => {
    const cases: [string[], RegExp][] = [
      [['-j', '0'], /Expected `-j` to be an integer ≥ 1, got `0`/],
      [['--jobs'], /Expected `--jobs` to be an integer ≥ 1, got nothing/],
      [['--timeout', '-1'], /Expected `--timeout` to be a number of seconds > 0/],
      [['--timeout', '10%'], /got `10%`/],
      [['--retries', '0'], /Expected `--retries` to be an integer ≥ 1, got `0`/],
      [['--max-output', '2M'], /Expected `--max-output` to be a size from 1 byte to 1.5M/],
      [['--transport', 'tcp'], /Expected `--transport` to be `inproc`, `thread` or `process`, got `tcp`/],
      [['--halt', 'soon'], /Expected `--halt`/],
      [['--frobnicate'], /Expected an option of spm-shell \(see --help\), got `--frobnicate`/],
      [['--json=yes'], /Expected `--json` to take no value/],
      [['-a', 'f', 'echo', ':::', 'x'], /either `:::` or `--file`/],
      [['echo', ':::'], /at least one argument after each `:::`/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseShellArgs(argv)).toThrow(SPMError);
      expect(() => parseShellArgs(argv)).toThrow(message);
    }
  });
});
