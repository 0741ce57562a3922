import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, afterAll } from '@jest/globals';
import { COPROCESS_OWNER_VARIABLE, endUntrackedPrograms, newCoprocessOwnerToken, processesOfOwner, programsUnder, signalPrograms } from '@spm/coprocess';
import { OWNER_SCAN_SLICE } from '../src/coprocess-owner.js';
import { eventually, killMarked, marker, processesMarked, stateOf } from './support/processes.js';

// An owner token given from outside (what the local provisioner does for a thread spoke it may
// have to terminate): the owner's coprocesses and servers are found by it, and are gone once
// the owner is and its servers have swept.
const marks: string[] = [];
afterAll(() => killMarked(marks));

describe.each(['fork-server', 'node'] as const)('an owner token given in %s mode', (launcher) => {
  it('marks the owner’s coprocesses and servers, is not inherited by its programs, and finds nothing once the owner is gone', async () => {
    const m = marker();
    marks.push(m);
    const token = newCoprocessOwnerToken();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(await processesOfOwner(token)).toEqual([]);
    // The owner: runs a program that prints whether it sees the variable, then one that ignores
    // SIGTERM and waits; the owner is then SIGKILLed.
    const script =
      `import { runCoprocess } from '@spm/coprocess'; ` +
      `const seen = await runCoprocess({ command: 'echo "[$${COPROCESS_OWNER_VARIABLE}]"' }); process.stdout.write(seen.stdout); ` +
      `void runCoprocess({ command: "trap '' TERM; exec sleep ${m}", killGraceMs: 300 }); setInterval(() => undefined, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, SPM_COPROCESS_LAUNCHER: launcher, [COPROCESS_OWNER_VARIABLE]: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    owner.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = new Promise<void>((resolve) => owner.on('close', () => resolve()));
    try {
      // The owner printed its line before starting the sleeper, but this process may see the
      // sleeper (a timer, read from /proc) before it reads the pipe (the poll phase comes after
      // the timers in a turn): wait for both.
      expect(await eventually(() => processesMarked(m).length === 1 && stdout.endsWith('\n'), 10_000)).toBe(true);
      expect(stdout).toBe('[]\n');
      const [sleeper] = processesMarked(m);
      const found = await processesOfOwner(token);
      expect(found).toContain(sleeper);
      // Its helper (fork server or watchdog) carries the token too.
      expect(found.length).toBeGreaterThanOrEqual(2);
      expect(await processesOfOwner(newCoprocessOwnerToken())).toEqual([]);
      owner.kill('SIGKILL');
      await closed;
      // The helpers end the owner's programs as on an owner's death (SIGTERM, SIGKILL after
      // the grace), then exit: nothing carries the token any more.
      let left = await processesOfOwner(token);
      for (const until = Date.now() + 10_000; left.length > 0 && Date.now() < until; left = await processesOfOwner(token)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(left).toEqual([]);
      expect(processesMarked(m)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
    }
  }, 30_000);
});

describe('processesOfOwner on a machine with many processes', () => {
  it('lets the event loop turn while it reads /proc (three files per process, all in one go on the hub’s thread until session 42)', async () => {
    // A crowd of our own, in one group: ended by one signal.
    const crowd = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${3 * OWNER_SCAN_SLICE} ]; do sleep 600 & i=$((i+1)); done; echo ready; wait`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve, reject) => {
        crowd.stdout.on('data', (data: Buffer) => (data.toString().includes('ready') ? resolve() : undefined));
        crowd.once('exit', () => reject(new Error('the shell starting the crowd exited')));
      });
      let turns = 0;
      let scanning = true;
      const turn = (): void => {
        if (!scanning) return;
        turns += 1;
        setImmediate(turn);
      };
      setImmediate(turn);
      const found = await processesOfOwner(newCoprocessOwnerToken());
      scanning = false;
      expect(found).toEqual([]);
      // It read more than 3 slices' worth of processes: the loop turned between them.
      expect(turns).toBeGreaterThanOrEqual(3);
    } finally {
      process.kill(-(crowd.pid as number), 'SIGKILL');
    }
  }, 60_000);
});

describe('endUntrackedPrograms', () => {
  it('ends every carrier of the thread cookie (SIGTERM, then SIGKILL after the grace), and no keeper of the owner nor another owner’s program', async () => {
    const m = marker();
    const other = marker();
    marks.push(m, other);
    const token = newCoprocessOwnerToken();
    const carrying = { ...process.env, SPM_COPROCESS: `x.3:${token}.0` };
    // A plain child; a shell in a group of its own that ignores SIGTERM (so does its sleep).
    const plain = spawn('sleep', [m], { env: carrying, stdio: 'ignore' });
    const stubborn = spawn('/bin/sh', ['-c', `trap '' TERM; sleep ${m}; :`], { env: carrying, stdio: 'ignore', detached: true });
    // One of the owner's keepers (the token is one of its arguments), carrying the cookie too; a
    // program of another owner's thread.
    const keeper = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)', token], { env: carrying, stdio: 'ignore' });
    const stranger = spawn('sleep', [other], { env: { ...process.env, SPM_COPROCESS: `${newCoprocessOwnerToken()}.0` }, stdio: 'ignore' });
    // A coprocess started in the tree (a cookie of its own after the thread's): its fork server's to end.
    const coprocess = spawn('sleep', [other], { env: { ...process.env, SPM_COPROCESS: `x.3:${token}.0:${newCoprocessOwnerToken()}.2` }, stdio: 'ignore' });
    const exits = [plain, stubborn, keeper, stranger].map((child) => new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal))));
    try {
      expect(await eventually(() => processesMarked(m).length === 2 && processesMarked(other).length === 2, 10_000)).toBe(true);
      // The two sleeps and the stubborn shell.
      expect(await endUntrackedPrograms(token, 300)).toBe(3);
      expect(processesMarked(m)).toEqual([]);
      expect(await exits[0]).toBe('SIGTERM');
      expect(await exits[1]).toBe('SIGKILL');
      expect(keeper.exitCode === null && keeper.signalCode === null).toBe(true);
      expect(processesMarked(other)).toHaveLength(2);
      expect(await endUntrackedPrograms(token, 300)).toBe(0);
    } finally {
      coprocess.kill('SIGKILL');
      keeper.kill('SIGKILL');
      stranger.kill('SIGKILL');
      plain.kill('SIGKILL');
      try {
        if (stubborn.pid !== undefined) process.kill(-stubborn.pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  }, 30_000);
});

describe('programsUnder and signalPrograms', () => {
  it('find the descendants carrying a cookie this process does not (a helper carrying none is not one), and signal them while they are the processes found', async () => {
    const m = marker();
    const helperMark = marker();
    marks.push(m, helperMark);
    const own = process.env['SPM_COPROCESS'];
    const extra = `${newCoprocessOwnerToken()}.4`;
    // A program (its grandchild `sleep` too), and a helper with this process's own environment.
    const program = spawn('/bin/sh', ['-c', `sleep ${m}; :`], { env: { ...process.env, SPM_COPROCESS: own === undefined || own === '' ? extra : `${own}:${extra}` }, stdio: 'ignore' });
    const helper = spawn('sleep', [helperMark], { env: process.env, stdio: 'ignore' });
    try {
      expect(await eventually(() => processesMarked(m).length === 1 && processesMarked(helperMark).length === 1, 10_000)).toBe(true);
      const found = await programsUnder();
      const pids = found.map((p) => p.pid).sort((a, b) => a - b);
      expect(pids).toEqual([program.pid as number, ...processesMarked(m)].sort((a, b) => a - b));
      expect(signalPrograms(found, 'SIGSTOP')).toBe(2);
      expect(await eventually(() => pids.every((pid) => stateOf(pid) === 'T'), 10_000)).toBe(true);
      expect(stateOf(helper.pid as number)).not.toBe('T');
      expect(signalPrograms(found, 'SIGCONT')).toBe(2);
      expect(await eventually(() => pids.every((pid) => stateOf(pid) !== 'T'), 10_000)).toBe(true);
      // One that is gone is not signalled (nor a process given its pid since).
      program.kill('SIGKILL');
      await new Promise((resolve) => program.once('exit', resolve));
      expect(signalPrograms(found.filter((p) => p.pid === program.pid), 'SIGCONT')).toBe(0);
    } finally {
      program.kill('SIGKILL');
      helper.kill('SIGKILL');
    }
  }, 30_000);
});

