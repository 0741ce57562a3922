import { describe, it, expect } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { which } from '../src/shell/shell-race.js';
import { isAlive, isCoprocessHelper, liveDescendants } from '@spm/testing';
import { benchCgroups, sleepsWith, until } from './support/procs.js';

// The benchmarks' entries, built, interrupted as a user interrupts them (Ctrl-C, SIGTERM):
// what each started runs detached, where the terminal's signal does not reach it, so the entry
// must kill it before exiting — nothing of it may be left.
const dist = (path: string): string => fileURLToPath(new URL(`../dist/${path}`, import.meta.url));
const RACE = fileURLToPath(new URL('./fixtures/race-interrupt.mjs', import.meta.url));

function start(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

let sleeps = 0;
const sleepArg = (): string => `4${++sleeps}.${process.pid}`;

describe('an interrupted benchmark', () => {
  it('throughput: Ctrl-C kills the measuring child and exits 130', async () => {
    const bench = start(dist('throughput-bench.js'), [], { BENCH_TASKS: '200000', BENCH_RUNS: '1' });
    const pid = bench.child.pid as number;
    expect(await until(() => liveDescendants(pid).length > 0, 20_000)).toBe(true);
    const started = liveDescendants(pid);
    bench.child.kill('SIGINT');
    expect(await bench.exited).toBe(130);
    expect(await until(() => started.every((p) => !isAlive(p)), 5000)).toBe(true);
  });

  it('memory: SIGTERM kills the measuring child and its spokes and exits 143', async () => {
    const bench = start(dist('memory-bench.js'), [], { BENCH_SIZES: '1000000' });
    const pid = bench.child.pid as number;
    // The measuring child and its 2 process spokes (not counting its untracked-programs watchdog).
    expect(await until(() => liveDescendants(pid).filter((p) => !isCoprocessHelper(p)).length >= 3, 20_000)).toBe(true);
    const started = liveDescendants(pid);
    bench.child.kill('SIGTERM');
    expect(await bench.exited).toBe(143);
    expect(await until(() => started.every((p) => !isAlive(p)), 8000)).toBe(true);
  });

  const maybe = which('parallel') === undefined ? it.skip : it;

  maybe('shell (runBench around a GNU parallel run): Ctrl-C kills its jobs, each in a process group of its own, and removes the run’s cgroup', async () => {
    const arg = sleepArg();
    const bench = start(RACE, ['wait', arg]);
    expect(await until(() => sleepsWith(arg).length === 2, 20_000)).toBe(true);
    bench.child.kill('SIGINT');
    expect(await bench.exited).toBe(130);
    expect(await until(() => sleepsWith(arg).length === 0, 3000)).toBe(true);
    expect(benchCgroups(bench.child.pid as number)).toEqual([]);
  });

  maybe('shell: a benchmark that fails with a run under way kills the run’s jobs too, and exits 1', async () => {
    const arg = sleepArg();
    const bench = start(RACE, ['fail', arg, '4000']);
    const seen = until(() => sleepsWith(arg).length > 0, 4000);
    expect(await bench.exited).toBe(1);
    expect(await seen).toBe(true);
    expect(bench.stderr()).toContain('the benchmark failed while a run was under way');
    expect(await until(() => sleepsWith(arg).length === 0, 3000)).toBe(true);
    expect(benchCgroups(bench.child.pid as number)).toEqual([]);
  });
});

describe('a benchmark given a bad knob', () => {
  it.each([
    ['shell/shell-bench.js', { BENCH_RUNS: '0' }, [], 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `0`'],
    ['shell/shell-bench.js', { BENCH_JOBS: '0' }, [], 'Expected `BENCH_JOBS` to be an integer ≥ 1, got `0`'],
    ['shell/pipe-bench.js', { BENCH_RUNS: 'abc' }, [], 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `abc`'],
    ['shell/perl-bench.js', { BENCH_PERL_JOBS: '1.5' }, [], 'Expected `BENCH_PERL_JOBS` to be an integer ≥ 1, got `1.5`'],
    ['transport-bench.js', { BENCH_RUNS: '0' }, [], 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `0`'],
    ['fine/fine-bench.js', { BENCH_RUNS: '0' }, [], 'Expected `BENCH_RUNS` to be an integer ≥ 1, got `0`'],
    ['throughput-bench.js', { BENCH_TASKS: 'abc' }, [], 'Expected `BENCH_TASKS` to be an integer ≥ 1, got `abc`'],
    ['memory-bench.js', { BENCH_SIZES: 'abc' }, [], 'Expected `BENCH_SIZES` to be integers ≥ 1 separated by commas (e.g. `10000,100000,1000000`), got `abc`'],
    ['primes/primes-speedup.js', {}, ['--runs', '0'], 'Expected `--runs` to be an integer ≥ 1, got `0`'],
    ['primes/primes-speedup.js', {}, ['--runs', 'abc'], 'Expected `--runs` to be an integer ≥ 1, got `abc`'],
  ])('%s %j %j: refuses it before anything runs, exit 2', (script, env, args, message) => {
    const run = spawnSync(process.execPath, [dist(script), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
    expect(run.stderr).toBe(`${message}\n`);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });
});
