import { describe, it, expect, afterEach } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, waitFor } from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';

// A task that shells out with plain `child_process` (no @spm/coprocess) and leaves its programs
// running — a serial program's `spawn`, a `setsid … &`, a shell's background job. On a thread
// spoke they are children of the hub's own process: until session 44 nothing ended them, and
// they outlived the spoke, `cloud.close()` and the program. On a process spoke, those that had
// left its tree (re-parented to init) outlived it too. They carry the spoke's cookie now, and the
// provisioner ends them when it stops the spoke.

let clouds: VirtualCloud[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clouds.map((c) => c.close()));
  clouds = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/**
 * A preload (it runs where tasks run, as a task's code would) that starts five `sleep 600`s the
 * ways a task might and writes their pids to `file`: a plain child, a detached one, two
 * background jobs of a shell that waits for them, and one in a session of its own whose shell has
 * exited (re-parented to init at once). With `spinOn`, once that file exists it writes
 * `spinning` to `file` and blocks its thread for good (the thread cannot end by itself): in a
 * busy loop, or (`block: 'execSync'`) waiting in `execSync` for a sixth `sleep 600`, whose pid it
 * writes first.
 * A data: URL: no `?` or `#` in the code.
 */
function starter(file: string, spinOn?: string, block: 'spin' | 'execSync' = 'spin'): string {
  const source = [
    "import { spawn, execSync } from 'node:child_process';",
    "import { appendFileSync, existsSync } from 'node:fs';",
    `const file = ${JSON.stringify(file)};`,
    "const note = (text) => appendFileSync(file, text + '\\n');",
    "note(String(spawn('sleep', ['600'], { stdio: 'ignore' }).pid));",
    "const detached = spawn('sleep', ['600'], { stdio: 'ignore', detached: true }); detached.unref(); note(String(detached.pid));",
    "spawn('sh', ['-c', 'sleep 600 & echo $! >> \"$0\"; sleep 600 & echo $! >> \"$0\"; wait', file], { stdio: 'ignore' });",
    "execSync('setsid sh -c \\'echo $$ >> \"$0\"; exec sleep 600\\' ' + JSON.stringify(file) + ' > /dev/null 2>&1 &');",
    ...(spinOn === undefined
      ? []
      : [
          `const timer = setInterval(() => { if (existsSync(${JSON.stringify(spinOn)})) { clearInterval(timer); note('spinning'); ${
            block === 'spin' ? 'for (;;);' : "execSync('echo $$ >> ' + JSON.stringify(file) + '; exec sleep 600', { stdio: 'ignore' });"
          } } }, 20);`,
        ]),
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

async function startOne(kind: 'thread' | 'process', preload: string): Promise<{ cloud: VirtualCloud; spoke: SpokeInfo }> {
  const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind, spokes: 1, preload: [preload] } });
  clouds.push(cloud);
  return { cloud, spoke: cloud.spokes()[0] as SpokeInfo };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spm-untracked-'));
  dirs.push(dir);
  return dir;
}

describe('programs a task started without @spm/coprocess', () => {
  it.each(['thread', 'process'] as const)('are ended when the provisioner stops a %s spoke: a plain child, a detached one, a shell’s jobs, an orphan in a session of its own', async (kind) => {
    const file = join(tempDir(), 'pids');
    const { cloud, spoke } = await startOne(kind, starter(file));
    await waitFor(() => lines(file).length === 5, 10_000, 'the five sleeps started');
    const pids = lines(file).map(Number);
    let left: number[] = [];
    try {
      expect(pids.every(isAlive)).toBe(true);
      await cloud.tracker.kill(spoke.id);
      left = pids.filter(isAlive);
      expect(left).toEqual([]);
    } finally {
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  it('are ended when a thread spoke stuck in synchronous code is terminated', async () => {
    const dir = tempDir();
    const file = join(dir, 'pids');
    const spin = join(dir, 'spin');
    const { cloud, spoke } = await startOne('thread', starter(file, spin));
    await waitFor(() => lines(file).length === 5, 10_000, 'the five sleeps started');
    writeFileSync(spin, '');
    await waitFor(() => lines(file).includes('spinning'), 10_000, 'the thread spinning');
    const pids = lines(file).filter((line) => line !== 'spinning').map(Number);
    try {
      expect(pids.every(isAlive)).toBe(true);
      await cloud.tracker.kill(spoke.id);
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  it('are ended when a thread spoke waits for one in execSync (terminate() cannot interrupt that wait), and the kill returns', async () => {
    // Until session 45 the kill, a task's timeout and cloud.close() waited for the program to end
    // by itself: a thread blocked in execSync ends only when its program does.
    const dir = tempDir();
    const file = join(dir, 'pids');
    const spin = join(dir, 'spin');
    const { cloud, spoke } = await startOne('thread', starter(file, spin, 'execSync'));
    await waitFor(() => lines(file).length === 5, 10_000, 'the five sleeps started');
    writeFileSync(spin, '');
    await waitFor(() => lines(file).length === 7, 10_000, 'the thread waiting in execSync');
    const pids = lines(file).filter((line) => line !== 'spinning').map(Number);
    try {
      expect(pids).toHaveLength(6);
      expect(pids.every(isAlive)).toBe(true);
      await cloud.tracker.kill(spoke.id);
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  it('are ended by cloud.close() too', async () => {
    const file = join(tempDir(), 'pids');
    const { cloud } = await startOne('thread', starter(file));
    await waitFor(() => lines(file).length === 5, 10_000, 'the five sleeps started');
    const pids = lines(file).map(Number);
    try {
      await cloud.close();
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);
});
