import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, afterAll } from '@jest/globals';
import { eventually, killMarked, marker, processesMarked } from './support/processes.js';

// The owner's death must take its coprocesses with it, however it dies. Each case starts a
// real owner process (a built .mjs importing @spm/coprocess), waits until its coprocess tree
// runs, ends the owner, and checks /proc until the tree is gone. The tree includes a setsid
// escapee and a leader that ignores SIGTERM, so the watchdog's SIGKILL round is exercised.
const fixture = fileURLToPath(new URL('./fixtures/owner.mjs', import.meta.url));
const marks: string[] = [];
const owners: ChildProcess[] = [];
afterAll(() => {
  for (const owner of owners) if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
  killMarked(marks);
});

/**
 * The owner's watchdog: its child whose command line names `spm-coprocess-watchdog` (programs
 * started with `spawn`) or `spm-fork-server` (the fork server is its own watchdog).
 */
function watchdogOf(owner: number, program: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === owner && cmdline.includes(program)) return Number(name);
    } catch {
      // Gone.
    }
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function startOwner(mode: string, launcher: string): { owner: ChildProcess; mark: string; ready: Promise<void>; exited: Promise<number | string | null> } {
  const mark = marker();
  marks.push(mark);
  const owner = spawn(process.execPath, [fixture, mode, mark], { stdio: [mode === 'natural' ? 'pipe' : 'ignore', 'pipe', 'inherit'], env: { ...process.env, SPM_COPROCESS_LAUNCHER: launcher } });
  owners.push(owner);
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    owner.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    owner.once('exit', (code, signal) => reject(new Error(`owner exited early (${code ?? signal}): ${output}`)));
  });
  const exited = new Promise<number | string | null>((resolve) => owner.once('exit', (code, signal) => resolve(code ?? signal)));
  return { owner, mark, ready, exited };
}

// The same cases whichever starts the programs: Node's spawn (with the shell watchdog) or the
// fork server (its own watchdog: its stdin is the lifeline).
describe.each(['fork-server', 'node'])('%s launcher', (launcher) => {
  describe('when the owner of coprocesses dies', () => {
    it('SIGKILLed: the watchdog kills the whole tree, escapee and TERM-ignorer included', async () => {
      const { owner, mark, ready, exited } = startOwner('wait', launcher);
      await ready;
      expect(processesMarked(mark)).toHaveLength(3);
      owner.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // Watchdog: SIGTERM at once, SIGKILL after its grace period (1 s here).
      expect(await eventually(() => processesMarked(mark).length === 0, 5000)).toBe(true);
    });

    it('calling process.exit: the exit hook and the watchdog kill the tree', async () => {
      const { mark, ready, exited } = startOwner('exit', launcher);
      await ready;
      expect(await exited).toBe(0);
      expect(await eventually(() => processesMarked(mark).length === 0, 5000)).toBe(true);
    });
  });

  describe('an owner with nothing left to do', () => {
    it('exits by itself: neither the watchdog nor its lifeline keep it alive', async () => {
      const { owner, mark, ready, exited } = startOwner('natural', launcher);
      await ready;
      // The owner waits for `go`: it would otherwise finish, and its watchdog leave, before this looks.
      const watchdog = watchdogOf(owner.pid ?? 0, launcher === 'node' ? 'spm-coprocess-watchdog' : 'spm-fork-server');
      expect(watchdog).toBeDefined();
      let output = '';
      owner.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      owner.stdin?.end('go\n');
      const timer = setTimeout(() => owner.kill('SIGKILL'), 10_000);
      const how = await exited;
      clearTimeout(timer);
      expect(how).toBe(0);
      expect(output).toContain('concluded true');
      expect(processesMarked(mark)).toEqual([]);
      // With nothing left to kill, the watchdog leaves at once instead of waiting its 30 s grace.
      expect(await eventually(() => !isAlive(watchdog ?? 0), 5000)).toBe(true);
    });
  });
});

describe('an owner killed while a lane holds programs on its fork server', () => {
  it('starts none of them: the server sweeps the running one and exits', async () => {
    const mark = marker();
    marks.push(mark);
    const dir = mkdtempSync(join(tmpdir(), 'spm-lane-owner-'));
    const script = `import { CoprocessLane, runCoprocess } from '@spm/coprocess';
      const lane = new CoprocessLane();
      await runCoprocess({ command: 'true' }); // the fork server is built and running
      void runCoprocess({ command: 'exec sleep ${mark}', lane });
      for (let i = 0; i < 3; i++) void runCoprocess({ command: 'touch ${dir}/ran-' + i, lane });
      setTimeout(() => process.stdout.write('ready\\n'), 300);
      setInterval(() => undefined, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SPM_COPROCESS_LAUNCHER: 'fork-server' } });
    owners.push(owner);
    await new Promise<void>((resolve) => owner.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    expect(processesMarked(mark)).toHaveLength(1);
    owner.kill('SIGKILL');
    expect(await eventually(() => processesMarked(mark).length === 0, 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything started late would have run by now
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('an owner SIGKILLed while its fork servers run programs that handle SIGTERM', () => {
  it('gives each program one SIGTERM — none to a run already in the grace its limit began — then SIGKILL', async () => {
    // Each program counts the SIGTERMs it handles in a file of its own, and lives on after them.
    // The server's sweep used to signal a run's group and then its leader again (a child of the
    // server), a `setsid` escapee's group and then the escapee again, and a run whose limit had
    // passed (SIGTERM sent, SIGKILL due) a second time, with a new grace from the owner's death.
    const mark = marker();
    marks.push(mark);
    const dir = mkdtempSync(join(tmpdir(), 'spm-sweep-terms-'));
    const loop = (tag: string, n: number): string => `trap 'echo TERM >> ${dir}/${tag}' TERM; touch ${dir}/up-${tag}; while :; do sleep ${mark}${n} & wait; done`;
    const script = `import { runCoprocess } from '@spm/coprocess';
      void runCoprocess({ command: ${JSON.stringify(`setsid sh -c ${JSON.stringify(loop('escapee', 2))} & ${loop('leader', 1)}`)}, killGraceMs: 1000 });
      void runCoprocess({ command: ${JSON.stringify(loop('limited', 3))}, timeoutMs: 300, killGraceMs: 1500 });
      setInterval(() => undefined, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'ignore', env: { ...process.env, SPM_COPROCESS_LAUNCHER: 'fork-server' } });
    owners.push(owner);
    try {
      const seen = (name: string): boolean => readdirSync(dir).includes(name);
      // Both loops up, and the limited run's SIGTERM handled: it is in its grace.
      expect(await eventually(() => seen('up-leader') && seen('up-escapee') && seen('limited'), 10_000)).toBe(true);
      owner.kill('SIGKILL');
      expect(await eventually(() => processesMarked(mark).length === 0, 10_000)).toBe(true);
      const terms = (tag: string): number => readFileSync(join(dir, tag), 'utf8').split('\n').filter(Boolean).length;
      expect({ leader: terms('leader'), escapee: terms('escapee'), limited: terms('limited') }).toEqual({ leader: 1, escapee: 1, limited: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// An owner that exits on its own (`process.exit`: spm-shell's second Ctrl-C) while one program is
// in the grace its abort began (with a `setsid` escapee, in that grace too), one was left behind
// by a leader that exited (in the grace of the sweep that follows), and another runs (its name
// holding a newline). Its exit hook used to SIGTERM every live tree, then its helper (fork server
// or watchdog), seeing it gone, swept with SIGTERM again: 3 SIGTERMs for the first program and 2
// for the last, on either launcher (the watchdog also signalled a cookie carrier as its group's
// member and again by pid; 2026-11-21, session 9). Now the helper alone sweeps, each process once,
// and a helper told of the owner's own SIGTERM (the server's "T", the watchdog's `t<pgid>`, sent
// once the SIGTERM is out, with every group it went to) spares those groups and SIGKILLs them at
// the grace.
describe.each(['fork-server', 'node'] as const)('an owner that exits while its programs run, some in their grace (%s launcher)', (launcher) => {
  it('gives each program one SIGTERM, then SIGKILL', async () => {
    const mark = marker();
    marks.push(mark);
    const dir = mkdtempSync(join(tmpdir(), 'spm-exit-terms-'));
    const loop = (tag: string, n: number): string => `trap 'echo TERM >> ${dir}/${tag}' TERM; touch ${dir}/up-${tag}; while :; do sleep ${mark}${n} & wait; done`;
    const graced = `setsid sh -c ${JSON.stringify(loop('escapee', 2))} & ${loop('graced', 1)}`;
    const left = `sh -c ${JSON.stringify(loop('left', 3))} & sleep 0.3`;
    const running = `printf 'nl\\nname' > /proc/$$/comm; ${loop('running', 4)}`;
    const script = `import { runCoprocess } from '@spm/coprocess';
      import { readdirSync } from 'node:fs';
      const stop = new AbortController();
      void runCoprocess({ command: ${JSON.stringify(graced)}, signal: stop.signal, killGraceMs: 2000 });
      void runCoprocess({ command: ${JSON.stringify(left)}, killGraceMs: 2000 });
      void runCoprocess({ command: ${JSON.stringify(running)}, killGraceMs: 1000 });
      const seen = (name) => readdirSync(${JSON.stringify(dir)}).includes(name);
      const step = setInterval(() => {
        if (!['graced', 'escapee', 'running'].every((tag) => seen('up-' + tag))) return;
        if (!stop.signal.aborted) stop.abort();
        if (seen('graced') && seen('escapee') && seen('left')) process.exit(0);
      }, 20);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'ignore', env: { ...process.env, SPM_COPROCESS_LAUNCHER: launcher } });
    owners.push(owner);
    try {
      const exited = new Promise<number | null>((resolve) => owner.on('exit', (code) => resolve(code)));
      expect(await exited).toBe(0);
      expect(await eventually(() => processesMarked(mark).length === 0, 10_000)).toBe(true);
      const terms = (tag: string): number => readFileSync(join(dir, tag), 'utf8').split('\n').filter(Boolean).length;
      expect(Object.fromEntries(['graced', 'escapee', 'left', 'running'].map((tag) => [tag, terms(tag)]))).toEqual({ graced: 1, escapee: 1, left: 1, running: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

// An owner that is a spoke (its environment carries the spoke cookie `<token>.0`, which every
// program its tasks start without @spm/coprocess inherits) SIGKILLed. Its helpers (fork servers,
// watchdog) end its coprocesses, and what those started, by their cookies `<token>.N`, N ≥ 1 —
// but not a program that carries the spoke cookie alone: @spm/spoke's untracked-programs watchdog
// ends that one, and a second SIGTERM from these helpers would run its TERM trap twice (until
// session 46 both signalled it).
describe.each(['fork-server', 'node'] as const)('a spoke-like owner SIGKILLed (%s launcher)', (launcher) => {
  it('ends its coprocesses, and leaves a program that carries only the spoke cookie to the spoke’s watchdog', async () => {
    const mark = marker();
    const untrackedMark = marker();
    marks.push(mark, untrackedMark);
    const token = 'c0ffee'.padEnd(32, '0');
    const script = `import { runCoprocess } from '@spm/coprocess';
      import { spawn } from 'node:child_process';
      void runCoprocess({ command: 'sleep ${mark}1 & setsid sleep ${mark}2 & exec sleep ${mark}3' });
      spawn('sleep', ['${untrackedMark}'], { stdio: 'ignore' });
      spawn('sleep', ['${untrackedMark}'], { stdio: 'ignore', detached: true });
      setInterval(() => undefined, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: 'ignore',
      env: { ...process.env, SPM_COPROCESS_LAUNCHER: launcher, SPM_COPROCESS_OWNER: token, SPM_COPROCESS: `${token}.0` },
    });
    owners.push(owner);
    expect(await eventually(() => processesMarked(mark).length === 3 && processesMarked(untrackedMark).length === 2, 10_000)).toBe(true);
    const untracked = processesMarked(untrackedMark);
    owner.kill('SIGKILL');
    expect(await eventually(() => processesMarked(mark).length === 0, 10_000)).toBe(true);
    // The helpers' sweep is over (their SIGTERM round found the coprocesses, the SIGKILL round
    // followed the grace): had it signalled the untracked sleeps, they would be gone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(untracked.filter(isAlive)).toEqual(untracked);
  }, 20_000);
});
