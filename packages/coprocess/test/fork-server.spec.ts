import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { CoprocessLane, coprocessLauncher, killAllCoprocesses, runCoprocess, withdrawWaiting } from '@spm/coprocess';
import { eventually, killMarked, marker, processesMarked } from './support/processes.js';

// What only the fork server does: a server per concurrent run, and what happens to a run whose
// server is killed under it.
const marks: string[] = [];
const mark = (): string => {
  const m = marker();
  marks.push(m);
  return m;
};
let before: string | undefined;
beforeAll(() => {
  before = process.env['SPM_COPROCESS_LAUNCHER'];
  process.env['SPM_COPROCESS_LAUNCHER'] = 'fork-server';
});
afterAll(() => {
  if (before === undefined) delete process.env['SPM_COPROCESS_LAUNCHER'];
  else process.env['SPM_COPROCESS_LAUNCHER'] = before;
  killMarked(marks);
});

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Live fork servers that are children of this process. */
function servers(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return parentOf(pid) === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('spm-fork-server-');
      } catch {
        return false;
      }
    });
}

describe('the fork server', () => {
  it('gives each concurrent run a server of its own, and reuses idle ones', async () => {
    await runCoprocess({ command: 'true' }); // the build, if this is the first use
    expect(coprocessLauncher().launcher).toBe('fork-server');
    const m = mark();
    const runs = [1, 2, 3].map((n) => runCoprocess({ command: `echo $PPID; exec sleep ${m}${n}`, timeoutMs: 60_000 }));
    expect(await eventually(() => processesMarked(m).length === 3, 5000)).toBe(true);
    const parents = new Set(processesMarked(m).map(parentOf));
    expect(parents.size).toBe(3);
    for (const pid of processesMarked(m)) process.kill(pid, 'SIGTERM');
    const results = await Promise.all(runs);
    expect(results.map((r) => r.signal)).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
    expect(new Set(results.map((r) => Number(r.stdout.trim())))).toEqual(parents);
    // Idle now: the next runs take those servers, no new one.
    const again = await Promise.all([runCoprocess({ command: 'echo $PPID' }), runCoprocess({ command: 'echo $PPID' })]);
    for (const r of again) expect(parents.has(Number(r.stdout.trim()))).toBe(true);
  });

  it('starts a lane’s next program itself when the previous one exits, while the owner’s thread is busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-lane-'));
    const started = join(dir, 'started');
    const lane = new CoprocessLane();
    const first = runCoprocess({ command: 'sleep 0.2', lane });
    const second = runCoprocess({ command: `touch ${started}`, lane });
    await new Promise((resolve) => setTimeout(resolve, 50)); // both requests are out
    // No event loop here for 1.5 s, long past the first program's end: only the server can start the second.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    expect(existsSync(started)).toBe(true);
    expect(await first).toMatchObject({ exitCode: 0 });
    expect(await second).toMatchObject({ exitCode: 0 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a program’s input while the owner’s thread is blocked: the server feeds it, to a lane’s held run too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-input-'));
    try {
      // 2 MiB each: far more than a pipe holds, so most of it is written as the program reads.
      const input = Buffer.alloc(2 * 1024 * 1024, 'z');
      const lane = new CoprocessLane();
      const first = runCoprocess({ command: `sleep 0.6; wc -c > ${join(dir, 'first')}`, input, lane });
      const second = runCoprocess({ command: `wc -c > ${join(dir, 'second')}`, input, lane });
      // The frames (inputs and all) reach the server — bytes past what the pipe to it holds at
      // once take this thread's event loop, as `spawn`'s writes do — while the first program
      // sleeps; then no event loop here for 2.5 s: only the server can write the first input
      // as it is read, and start and feed the second run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
      expect(readFileSync(join(dir, 'first'), 'utf8').trim()).toBe(String(input.length));
      expect(readFileSync(join(dir, 'second'), 'utf8').trim()).toBe(String(input.length));
      expect(await first).toMatchObject({ exitCode: 0 });
      expect(await second).toMatchObject({ exitCode: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies a file range into a program’s stdin while the owner’s thread is blocked, to a lane’s held run too, and keeps no file open after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-input-file-'));
    try {
      const file = join(dir, 'data');
      writeFileSync(file, Buffer.alloc(12 * 1024 * 1024, 'q'));
      const lane = new CoprocessLane();
      const first = runCoprocess({ command: `sleep 0.6; wc -c > ${join(dir, 'first')}; echo $PPID`, inputFile: { path: file, offset: 1, length: 8 * 1024 * 1024 }, lane });
      const second = runCoprocess({ command: `wc -c > ${join(dir, 'second')}`, input: 'ab', inputFile: { path: file, offset: 2 }, lane });
      // No event loop here for 2.5 s: only the server can copy the range as it is read, and
      // start and feed the second run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
      expect(readFileSync(join(dir, 'first'), 'utf8').trim()).toBe(String(8 * 1024 * 1024));
      expect(readFileSync(join(dir, 'second'), 'utf8').trim()).toBe(String(12 * 1024 * 1024));
      const server = Number((await first).stdout.trim());
      expect(await second).toMatchObject({ exitCode: 0 });
      // The server closed the file once each range was done (its descriptors name no `data`).
      const open = readdirSync(`/proc/${String(server)}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${String(server)}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      expect(open.filter((target) => target === file)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a long lane handed out at once in order, one at a time, and drops all its waiting runs when asked', async () => {
    // 400 runs waiting on one server at once: its index of waiting runs grows several times over.
    const dir = mkdtempSync(join(tmpdir(), 'spm-lane-'));
    const log = join(dir, 'log');
    const lane = new CoprocessLane();
    const n = 400;
    const runs = Array.from({ length: n }, (_, i) => runCoprocess({ command: `[ -e ${log}.busy ] && echo overlap >> ${log}; touch ${log}.busy; echo ${i} >> ${log}; rm ${log}.busy`, lane }));
    const results = await Promise.all(runs);
    expect(results.every((r) => r.exitCode === 0)).toBe(true);
    expect(readFileSync(log, 'utf8')).toBe(Array.from({ length: n }, (_, i) => `${i}\n`).join(''));
    // Behind a long one: every waiting run is withdrawn, none starts; the lane goes on after.
    const m = mark();
    const long = runCoprocess({ command: `exec sleep ${m}`, lane, timeoutMs: 60_000 });
    const queued = Array.from({ length: n }, (_, i) => runCoprocess({ command: `echo late ${i} >> ${log}`, lane }));
    expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
    expect(withdrawWaiting(lane)).toBe(n);
    const after = runCoprocess({ command: `echo after >> ${log}`, lane });
    expect((await Promise.all(queued)).every((r) => r.withdrawn)).toBe(true);
    for (const pid of processesMarked(m)) process.kill(pid, 'SIGTERM');
    expect(await long).toMatchObject({ signal: 'SIGTERM' });
    expect(await after).toMatchObject({ exitCode: 0 });
    expect(readFileSync(log, 'utf8').split('\n').slice(n)).toEqual(['after', '']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('times a lane’s run by the server’s clocks: right although the owner’s thread was busy when it started and ended', async () => {
    const lane = new CoprocessLane();
    const first = runCoprocess({ command: 'sleep 0.2', lane });
    const second = runCoprocess({ command: 'sleep 1', lane, timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000); // both end meanwhile
    const unblocked = Date.now();
    const [a, b] = await Promise.all([first, second]);
    expect(b.startTime).toBeGreaterThanOrEqual(a.startTime + a.durationMs - 5); // after its turn came…
    expect(b.startTime).toBeLessThan(unblocked - 500); // …not when this thread heard of it
    expect(b.durationMs).toBeGreaterThanOrEqual(1000); // a `sleep 1` (0 when timed by this thread)
  });

  it('kills a run at its timeout while the owner’s thread is blocked past it: the server keeps the time', async () => {
    // The timeout used to be this thread's timer alone: blocked past it, the program ran on and
    // ended as it would have (here: wrote its file), reported `timedOut: false`.
    const dir = mkdtempSync(join(tmpdir(), 'spm-limit-'));
    const late = join(dir, 'late');
    try {
      const run = runCoprocess({ command: `sleep 1; touch ${late}`, timeoutMs: 200 });
      // The request is written as runCoprocess returns; then no event loop here for 2.5 s.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
      expect(existsSync(late)).toBe(false); // killed before its `sleep 1` ended
      expect(await run).toMatchObject({ timedOut: true, signal: 'SIGTERM', exitCode: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a blocked owner’s timed-out run its kill sequence’s first signal and the final SIGKILL (the steps between are the owner’s)', async () => {
    const m = mark();
    const run = runCoprocess({
      command: `trap 'echo INT' INT; trap 'echo HUP' HUP; echo up; while :; do sleep ${m}; done`,
      timeoutMs: 200,
      killSequence: [
        { signal: 'SIGINT', waitMs: 300 },
        { signal: 'SIGHUP', waitMs: 300 },
      ],
    });
    // No event loop here past the limit and the whole sequence (200 + 600 ms).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    expect(processesMarked(m)).toEqual([]);
    expect(await run).toMatchObject({ timedOut: true, signal: 'SIGKILL', stdout: 'up\nINT\n' });
  });

  it('sends a timed-out program’s group one SIGTERM, not one from the server and one from the owner', async () => {
    // A program that handles SIGTERM (a graceful shutdown) and outlives the grace: it must see the
    // limit's SIGTERM once, then SIGKILL — as when the owner's timer alone enforced the limit.
    const program = `process.on('SIGTERM', () => console.log('TERM')); setInterval(() => undefined, 1000); console.log('up');`;
    const r = await runCoprocess({ argv: [process.execPath, '-e', program], timeoutMs: 1500, killGraceMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL', stdout: 'up\nTERM\n' });
  });

  it('sends one SIGTERM to a program aborted just before its limit (the server drops the limit)', async () => {
    const program = `process.on('SIGTERM', () => console.log('TERM')); setInterval(() => undefined, 1000); console.log('up');`;
    const controller = new AbortController();
    const running = runCoprocess({ argv: [process.execPath, '-e', program], timeoutMs: 1200, killGraceMs: 1000, signal: controller.signal });
    setTimeout(() => controller.abort(), 1000);
    // Aborted within its grace when the limit passes: one SIGTERM (the abort's), not timed out.
    expect(await running).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGKILL', stdout: 'up\nTERM\n' });
  });

  it('sends one SIGTERM when the server’s word of the limit comes late (a shared server behind floods of output)', async () => {
    // 64 runs flooding output take every server; the next runs share them, and the server's word
    // of their limit waits behind megabytes of output: this thread's own timer used to run out
    // first and signal the group a second time. And once this thread had killed the tree, the
    // server, still relaying the floods, was taken for wedged 1 s later (its report of the
    // leader's end queued behind them) and killed: the run ended as lost, the TERM line its
    // program printed never read (in 2 of ~40 runs of this spec beside two busy loops).
    const floods = Array.from({ length: 64 }, () => runCoprocess({ command: 'exec yes 0123456789abcdef0123456789abcdef', timeoutMs: 2500, killGraceMs: 100, maxOutputBytes: 1024 }));
    const program = `process.on('SIGTERM', () => console.log('TERM')); setInterval(() => undefined, 1000); console.log('up');`;
    const loggers = await Promise.all(Array.from({ length: 3 }, () => runCoprocess({ argv: [process.execPath, '-e', program], timeoutMs: 1500, killGraceMs: 500 })));
    for (const r of loggers) expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL', stdout: 'up\nTERM\n', stderr: '' });
    expect((await Promise.all(floods)).every((r) => r.timedOut)).toBe(true);
  });

  it('SIGKILLs at the grace a group member that ignores SIGTERM and closed its output, while the owner’s thread is blocked', async () => {
    const m = mark();
    const running = runCoprocess({ command: `(trap '' TERM; exec sleep ${m} >/dev/null 2>&1) & wait`, timeoutMs: 200, killGraceMs: 300 });
    expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000); // limit + grace pass meanwhile
    expect(processesMarked(m)).toEqual([]); // before this thread had a turn: the server killed it
    expect(await running).toMatchObject({ timedOut: true });
  });

  it('counts a lane’s held run’s timeout from its own start on the server, while the owner’s thread is blocked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-limit-'));
    const late = join(dir, 'late');
    try {
      const lane = new CoprocessLane();
      const first = runCoprocess({ command: 'sleep 0.5', lane, timeoutMs: 400_000 });
      const second = runCoprocess({ command: `sleep 1.2; touch ${late}`, lane, timeoutMs: 700 });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
      expect(existsSync(late)).toBe(false);
      const [a, b] = await Promise.all([first, second]);
      expect(a).toMatchObject({ timedOut: false, exitCode: 0 });
      expect(b).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
      // From its own start (after the first's 0.5 s), not from the request: it ran its 700 ms.
      expect(b.durationMs).toBeGreaterThanOrEqual(650);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets an idle server quit without touching the runs of the owner’s other servers', async () => {
    // Two servers: one for a run that outlives the other server's idle period (2 s), one for a
    // quick run. The idle one quits while the owner lives: it must sweep only its own trees,
    // not every process carrying the owner's token (what it does when the owner is gone).
    const long = runCoprocess({ command: 'sleep 3; echo finished', timeoutMs: 20_000 });
    const quick = await runCoprocess({ command: 'echo $PPID' });
    expect(quick.exitCode).toBe(0);
    const quickServer = Number(quick.stdout.trim());
    expect(await eventually(() => !servers().includes(quickServer), 6000)).toBe(true);
    expect(await long).toMatchObject({ exitCode: 0, signal: null, timedOut: false, stdout: 'finished\n' });
  });

  it('settles a run whose server is killed under it in a program that has nothing else to wait for', async () => {
    // Regression: the server's process handle was unref'd; killed mid-run, its output pipe
    // closed first, the owner's event loop emptied before the server's exit was delivered, and
    // the program (awaiting the run at its top level) exited with status 13, no result at all.
    // Jest's own handles hide that here, so the owner is a plain Node process.
    const m = mark();
    const script = `import { runCoprocess } from '@spm/coprocess'; const r = await runCoprocess({ command: 'exec sleep ${m}' }); process.stdout.write(JSON.stringify({ signal: r.signal, stderr: r.stderr }));`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, SPM_COPROCESS_LAUNCHER: 'fork-server' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    owner.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = new Promise<number | null>((resolve) => owner.on('close', resolve));
    expect(await eventually(() => processesMarked(m).length === 1, 10_000)).toBe(true);
    const [sleeper] = processesMarked(m);
    process.kill(parentOf(sleeper ?? 0), 'SIGKILL'); // the server
    expect(await closed).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ signal: 'SIGKILL', stderr: expect.stringContaining('the fork server exited') });
    expect(await eventually(() => processesMarked(m).length === 0, 5000)).toBe(true);
  });

  it('ends a timed-out run whose fork server stopped answering: the server is killed, the run reported', async () => {
    // A server that never reports the leader's end (here: stopped) would hold the run past its
    // own timeout forever; after the kill and a bound it is taken for wedged and killed.
    const m = mark();
    const running = runCoprocess({ command: `exec sleep ${m}`, timeoutMs: 300, killGraceMs: 200 });
    expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
    const [sleeper] = processesMarked(m);
    const server = parentOf(sleeper ?? 0);
    process.kill(server, 'SIGSTOP');
    const r = await running;
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    // 1000 ms (SERVER_SILENT_MS) once this thread has read the server's word that the run
    // started; 1200 (the kill's grace first) when the server was stopped before that word was
    // read — the sleep exists, but under load its frame may still be in the pipe (seen in CI).
    expect(r.stderr).toMatch(/sent nothing for (1000|1200) ms while a run it was told to kill had not ended/);
    expect(await eventually(() => !servers().includes(server), 5000)).toBe(true);
    expect(processesMarked(m)).toEqual([]);
  });

  it('reports a run killed with its tree when its server is killed under it, and the next run gets a new server', async () => {
    const m = mark();
    const running = runCoprocess({ command: `trap '' TERM; sleep ${m} & sleep ${m}; wait`, timeoutMs: 60_000, killGraceMs: 30_000 });
    expect(await eventually(() => processesMarked(m).length === 2, 5000)).toBe(true);
    const [sleeper] = processesMarked(m);
    const leader = parentOf(sleeper ?? 0);
    const server = parentOf(leader);
    expect(servers()).toContain(server);
    process.kill(server, 'SIGKILL');
    const r = await running;
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: false });
    expect(r.stderr).toMatch(/^spm-coprocess: the fork server exited \(SIGKILL\); the program was killed\n$/);
    expect(processesMarked(m)).toEqual([]);
    const next = await runCoprocess({ command: 'echo $PPID' });
    expect(next.exitCode).toBe(0);
    expect(Number(next.stdout.trim())).not.toBe(server);
  });

  it('never starts a run again whose server dies before saying it started; what it may have started is killed', async () => {
    await runCoprocess({ command: 'true' }); // an idle server, ready
    const idle = servers();
    expect(idle.length).toBeGreaterThan(0);
    const m = mark();
    const running = runCoprocess({ command: `exec sleep ${m}`, timeoutMs: 60_000 });
    // The request is written; kill every idle server before its 'started' can arrive.
    for (const pid of idle) process.kill(pid, 'SIGKILL');
    const r = await running;
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(r.stderr).toMatch(/^spm-coprocess: the fork server exited \(SIGKILL\); the program (\(if it had started\) )?was killed\n$/);
    expect(processesMarked(m)).toEqual([]);
  });

  it('relays a large output in order and counts every byte past the cap', async () => {
    const r = await runCoprocess({ command: 'seq 1 2000000; echo done >&2', maxOutputBytes: 64 * 1024 });
    const total = Array.from({ length: 2_000_000 }, (_, i) => String(i + 1).length + 1).reduce((a, b) => a + b, 0);
    expect(r.exitCode).toBe(0);
    expect(r.outputBytes).toEqual({ stdout: total, stderr: 5 });
    expect(r.stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(r.stdout.length).toBe(64 * 1024);
    expect(r.stderr).toBe('done\n');
  });
});

describe('a fork server that cannot be started', () => {
  it('fails each run it was to carry like a program that cannot be started (EMFILE), and nothing crashes', () => {
    // 15 concurrent runs under 64 file descriptors: each wants a server of its own (3 pipes and
    // a /proc file), so some servers' spawns fail with EMFILE. That used to throw a TypeError in
    // the owner (a server without pipes) and then an unhandled `error`: the owner died.
    const script =
      `import { runCoprocess } from '@spm/coprocess'; ` +
      `const rs = await Promise.all(Array.from({ length: 15 }, () => runCoprocess({ command: 'sleep 0.3' }))); ` +
      `process.stdout.write(JSON.stringify(rs.map((r) => [r.exitCode, r.spawnError, r.stderr])));`;
    const owner = spawnSync('/bin/sh', ['-c', 'ulimit -n 64 && exec "$0" --input-type=module -e "$1"', process.execPath, script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, SPM_COPROCESS_LAUNCHER: 'fork-server' },
      encoding: 'utf8',
    });
    expect(owner.stderr).toBe('');
    expect(owner.status).toBe(0);
    const results = JSON.parse(owner.stdout) as [number | null, string | null, string][];
    const failed = results.filter(([, spawnError]) => spawnError !== null);
    expect(failed.length).toBeGreaterThan(0);
    for (const [code, spawnError, stderr] of failed) {
      expect([code, spawnError]).toEqual([126, 'EMFILE']);
      expect(stderr).toContain('EMFILE (too many open files)');
    }
    expect(results.filter(([code]) => code === 0).length + failed.length).toBe(15);
  });
});

describe('a run killed before its fork server said it started', () => {
  it('gets the SIGKILL asked last, not the SIGTERM asked first and its grace period', async () => {
    // An abort (SIGTERM, then SIGKILL after killGraceMs) and then a spoke's stop (SIGKILL now)
    // both came before the server's `started`: the pending kill stayed SIGTERM, so a program
    // that ignores it lived out the grace period — spm-shell --halt now could exit first, and
    // the tree outlived it by ~2 s. With a 60 s grace the old code would hold this run 60 s.
    const m = mark();
    const abort = new AbortController();
    const running = runCoprocess({ command: `trap '' TERM; sleep ${m}`, killGraceMs: 60_000, signal: abort.signal });
    abort.abort();
    await killAllCoprocesses('SIGKILL', { startedWith: abort.signal });
    const r = await running;
    expect(r).toMatchObject({ aborted: true, signal: 'SIGKILL' });
    expect(processesMarked(m)).toEqual([]);
  });
});

