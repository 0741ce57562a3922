import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DemoUsageError, parseDemoArgs } from './demo-args.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('spm-demo’s arguments', () => {
  it('default to 2 servers of 2 process spokes, and take each option as typed', () => {
    expect(parseDemoArgs([])).toEqual({ servers: 2, spokesPerServer: 2, kind: 'process' });
    expect(parseDemoArgs(['--spokes', '3', '--servers=1', '--kind', 'thread'])).toEqual({ servers: 1, spokesPerServer: 3, kind: 'thread' });
  });

  it.each([
    [['--spokes', 'abc'], 'Expected --spokes to be an integer ≥ 1, got `abc`'],
    [['--spokes', '0'], 'Expected --spokes to be an integer ≥ 1, got `0`'],
    [['--spokes', '1.5'], 'Expected --spokes to be an integer ≥ 1, got `1.5`'],
    [['--servers', 'abc'], 'Expected --servers to be an integer ≥ 1, got `abc`'],
    [['--servers', '0'], 'Expected --servers to be an integer ≥ 1, got `0`'],
    [['--servers', '1.5'], 'Expected --servers to be an integer ≥ 1, got `1.5`'],
    [['--servers', '-1'], 'Expected --servers to be an integer ≥ 1, got `-1`'],
    [['--kind', 'gpu'], 'Expected --kind to be one of inproc, thread, process, got `gpu`'],
    [['--bogus'], 'Unknown option `--bogus`; expected one of --spokes, --servers, --kind'],
    [['extra'], 'Expected only options (--spokes, --servers, --kind), got the argument `extra`'],
    [['--spokes'], 'Expected a value after --spokes, got nothing (it is the last argument)'],
    [['--spokes', '--kind', 'thread'], 'Expected a value after --spokes, got the option `--kind`'],
  ])('refuse %j before anything runs, naming the option, what was expected and what was found', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(new DemoUsageError(message));
  });

  it('are refused by the bin with its message and usage, exit 2 and no stack trace', () => {
    for (const argv of [['--bogus'], ['--spokes', 'abc']]) {
      const run = spawnSync(process.execPath, [MAIN, ...argv], { encoding: 'utf8', timeout: 20_000 });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe(''); // the tour did not start
      expect(run.stderr).toMatch(/^spm-demo: (Unknown option `--bogus`|Expected --spokes to be an integer ≥ 1, got `abc`)/);
      expect(run.stderr).toContain('usage: spm-demo');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
