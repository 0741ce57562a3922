import { describe, it, expect } from '@jest/globals';
import { checkRunsAll, contenders, EXTRA_CA_VARIABLE, killRunning, marginalRate, median, raceOnce, reapedChildrenCpuMs, which } from './shell-race.js';
import { isAlive } from '@spm/testing';
import { benchCgroups, sleepsWith, until } from '../../test/support/procs.js';

const PARALLEL = which('parallel');
/** A `sleep` argument no other process has: each spec's jobs are found by it. */
let sleeps = 0;
const sleepArg = (): string => `3${++sleeps}.${process.pid}`;

describe('the spm-shell benchmark’s contenders', () => {
  it('run every command through /bin/sh -c with the same number of jobs', () => {
    const [spm, gnu, xargs] = contenders({ jobs: 2, spmShellBin: '/x/spm-shell.cjs', parallel: '/usr/bin/parallel', env: {} });
    expect(spm).toEqual({ name: 'spm-shell', file: '/x/spm-shell.cjs', args: ['-j', '2', '--no-progress'] });
    expect(gnu).toEqual({ name: 'GNU parallel', file: '/usr/bin/parallel', args: ['--will-cite', '-j', '2'] });
    expect(xargs).toEqual({ name: 'xargs -P2', file: 'xargs', args: ['-P', '2', '-I{}', '/bin/sh', '-c', '{}'] });
    expect(contenders({ jobs: 4, spmShellBin: 'b', parallel: undefined, env: {} }).map((c) => c.name)).toEqual(['spm-shell', 'xargs -P4']);
  });

  it('add spm-shell run by node when the environment sets NODE_EXTRA_CA_CERTS, and run the references in Node without it', () => {
    const all = contenders({ jobs: 2, spmShellBin: '/x/spm-shell.cjs', parallel: undefined, coprocessAlone: '/x/coprocess-alone.js', nodeFloor: { script: '/x/node-floor.js', forkServer: '/f' }, env: { [EXTRA_CA_VARIABLE]: '/etc/ssl/certs/ca-certificates.crt' } });
    expect(all[1]).toEqual({ name: 'spm-shell, run by node (loads NODE_EXTRA_CA_CERTS)', file: process.execPath, args: ['/x/spm-shell.cjs', '-j', '2', '--no-progress'] });
    expect(all.map((c) => c.name)).toEqual(['spm-shell', 'spm-shell, run by node (loads NODE_EXTRA_CA_CERTS)', 'xargs -P2', '@spm/coprocess alone', 'Node floor (fork servers only)']);
    expect(all.map((c) => c.unset)).toEqual([undefined, undefined, undefined, ['NODE_EXTRA_CA_CERTS'], ['NODE_EXTRA_CA_CERTS']]);
  });

  it('end with the Node floor when its script and a fork server are given, with the same jobs', () => {
    const all = contenders({ jobs: 2, spmShellBin: 'b', parallel: undefined, coprocessAlone: '/x/coprocess-alone.js', nodeFloor: { script: '/x/node-floor.js', forkServer: '/c/spm-fork-server-1' }, env: {} });
    expect(all.map((c) => c.name)).toEqual(['spm-shell', 'xargs -P2', '@spm/coprocess alone', 'Node floor (fork servers only)']);
    expect(all[3]).toEqual({ name: 'Node floor (fork servers only)', file: process.execPath, args: ['/x/node-floor.js', '2', '/c/spm-fork-server-1'] });
  });

  it('end with the reference `@spm/coprocess alone` when its script is given, with the same jobs', () => {
    const all = contenders({ jobs: 3, spmShellBin: 'b', parallel: undefined, coprocessAlone: '/x/coprocess-alone.js', env: {} });
    expect(all.map((c) => c.name)).toEqual(['spm-shell', 'xargs -P3', '@spm/coprocess alone']);
    expect(all[2]).toEqual({ name: '@spm/coprocess alone', file: process.execPath, args: ['/x/coprocess-alone.js', '3'] });
  });

  it('are found in PATH', () => {
    expect(which('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(which('no-such-program-here', '/bin:/usr/bin')).toBeUndefined();
  });
});

describe('raceOnce', () => {
  it('times a launcher to its exit on the given commands and counts its tree’s CPU', async () => {
    const run = await raceOnce({ name: 'xargs -P2', file: 'xargs', args: ['-P', '2', '-I{}', '/bin/sh', '-c', '{}'] }, 'true\nexit 3\n', 20_000);
    expect(run.code).toBe(123); // xargs: some command exited 1–125
    expect(run.ms).toBeGreaterThan(0);
    expect(run.cpuMs === undefined || run.cpuMs >= 0).toBe(true);
    expect(['cgroup', 'reaped children']).toContain(run.cpuCounted);
    expect(reapedChildrenCpuMs()).toBeGreaterThanOrEqual(0);
  });

  it('removes the variables a contender unsets, and only for it', async () => {
    process.env['SPM_BENCH_PROBE'] = 'set';
    try {
      const probe = ['-c', 'test -z "${SPM_BENCH_PROBE+set}"'];
      expect((await raceOnce({ name: 'unset', file: '/bin/sh', args: probe, unset: ['SPM_BENCH_PROBE'] }, '', 20_000)).code).toBe(0);
      expect((await raceOnce({ name: 'inherited', file: '/bin/sh', args: probe }, '', 20_000)).code).toBe(1);
    } finally {
      delete process.env['SPM_BENCH_PROBE'];
    }
  });

  it('has every launcher run commands in /bin/sh, whatever shell the bench was started from', async () => {
    const probe = ['-c', 'test "$PARALLEL_SHELL" = /bin/sh && test "$SHELL" = /bin/sh'];
    expect((await raceOnce({ name: 'shell', file: '/bin/sh', args: probe }, '', 20_000)).code).toBe(0);
  });

  it('kills a launcher that runs past its bound, with what it started', async () => {
    // The launcher's child `sleep` must go too (the file's leftover check would catch it).
    await expect(raceOnce({ name: 'sleeper', file: '/bin/sh', args: ['-c', 'sleep 30; true'] }, '', 200)).rejects.toThrow('sleeper ran past 200 ms');
  });
});

describe('raceOnce with GNU parallel, whose jobs each lead a process group of their own', () => {
  const gnu = { name: 'GNU parallel', file: PARALLEL ?? 'parallel', args: ['--will-cite', '-j', '2'] };
  const maybe = PARALLEL === undefined ? it.skip : it;

  maybe('kills its jobs too when the benchmark is interrupted (killRunning), and removes the run’s cgroup', async () => {
    const arg = sleepArg();
    const run = raceOnce(gnu, `sleep ${arg}\n`.repeat(4), 60_000);
    const outcome = run.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    expect(await until(() => sleepsWith(arg).length === 2, 20_000)).toBe(true);
    const jobs = sleepsWith(arg);
    killRunning();
    expect(await outcome).toBe('GNU parallel was killed: the benchmark was interrupted');
    expect(await until(() => jobs.every((pid) => !isAlive(pid)), 3000)).toBe(true);
    expect(sleepsWith(arg)).toEqual([]);
    expect(benchCgroups(process.pid)).toEqual([]);
  });

  maybe('kills its jobs too past the bound', async () => {
    const arg = sleepArg();
    const run = raceOnce(gnu, `sleep ${arg}\n`.repeat(4), 6000);
    const seen = until(() => sleepsWith(arg).length > 0, 6000);
    await expect(run).rejects.toThrow('GNU parallel ran past 6000 ms');
    expect(await seen).toBe(true); // the jobs had started: there was something to kill
    expect(await until(() => sleepsWith(arg).length === 0, 3000)).toBe(true);
    expect(await until(() => benchCgroups(process.pid).length === 0, 6000)).toBe(true);
  });
});

describe('checkRunsAll', () => {
  it('passes a launcher that runs every command', async () => {
    await checkRunsAll({ name: 'xargs -P2', file: 'xargs', args: ['-P', '2', '-I{}', '/bin/sh', '-c', '{}'] }, 20, 20_000);
  });

  it('fails a launcher that exits 0 having run only some of the commands, saying how many', async () => {
    const firstTwo = { name: 'two only', file: '/bin/sh', args: ['-c', 'head -n 2 | sh'] };
    await expect(checkRunsAll(firstTwo, 5, 20_000)).rejects.toThrow('two only ran 2 of 5 commands (each appends a line to a file) and exited 0');
  });
});

describe('raceOnce’s stdout', () => {
  it('is collected when asked for, and not otherwise', async () => {
    const echo = { name: 'cat', file: '/bin/sh', args: ['-c', 'cat'] };
    expect((await raceOnce(echo, 'a\nb\n', 20_000, { stdout: true })).stdout).toBe('a\nb\n');
    expect((await raceOnce(echo, 'a\nb\n', 20_000)).stdout).toBe('');
  });
});

describe('median and marginalRate', () => {
  it('take the middle value and the rate of the extra commands over the extra time', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(marginalRate({ commands: 1002, ms: 2000 }, { commands: 2, ms: 1000 })).toBe(1000);
    expect(marginalRate({ commands: 10, ms: 100 }, { commands: 2, ms: 100 })).toBeUndefined();
  });
});
