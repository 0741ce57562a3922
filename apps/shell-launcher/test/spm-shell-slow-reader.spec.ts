// A reader slower than the commands (a pager, a paused pipe): what the commands printed waits in
// spm-shell's memory until the reader takes it. Until session 46 every job started as fast as the
// spokes could run them, and their outputs piled up in memory whatever their number (1,000 jobs of
// 1 MB to a paused reader: ~1 GB). Past a bound (16 MiB, or --max-output if larger) no job starts
// now until the reader has taken it — as GNU parallel, blocked writing, starts none.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesWithArg, waitFor } from '@spm/testing';
import { BIN, MARK_VARIABLE } from './run-spm-shell.js';

const JOBS = 100;
const BYTES_PER_JOB = 1_000_000;

let children: ChildProcess[] = [];
let dirs: string[] = [];
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  children = [];
  dirs = [];
});

function started(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

function rssKiB(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line === undefined ? undefined : Number(line.split(/\s+/)[1]);
  } catch {
    return undefined;
  }
}

/**
 * The bin started with `args` and a reader that reads nothing for now (its stdout paused: the
 * pipe fills, then spm-shell's queue): its stdout to resume, its stderr so far, and its exit code
 * on 'close' — not 'exit': the last of its output may still be in the pipe when it exits.
 */
function startPaused(args: readonly string[], mark: string): { child: ChildProcess; stdout: NodeJS.ReadableStream; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PARALLEL: undefined, [MARK_VARIABLE]: `${mark}-${process.pid}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stdout = child.stdout as NonNullable<typeof child.stdout>;
  stdout.pause();
  return { child, stdout, stderr: () => stderr, exited };
}

describe('spm-shell with a reader slower than its commands', () => {
  it('starts no more jobs while its output waits past the bound, and delivers all of it once the reader reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-shell-slow-reader-'));
    dirs.push(dir);
    const file = join(dir, 'started');
    const args = ['-j2', `echo {} >> ${file}; head -c ${BYTES_PER_JOB} /dev/zero`, ':::', ...Array.from({ length: JOBS }, (_, k) => String(k + 1))];
    const { child, stdout, stderr, exited } = startPaused(args, 'slow-reader');
    await waitFor(() => started(file) >= 10, 20_000, 'the first jobs to start');
    // Time for the old code to start every job (it did, in ~1 s here); the new one starts no more.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const whilePaused = started(file);
    const rss = rssKiB(child.pid as number);
    process.stdout.write(`slow reader: ${whilePaused} of ${JOBS} jobs started while the reader read nothing; spm-shell's RSS ${String(rss)} KiB\n`);
    // 16 MiB of 1 MB outputs, what the running jobs hold, and a batch or two read ahead.
    expect(whilePaused).toBeLessThan(60);
    let bytes = 0;
    stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stdout.resume();
    expect(await exited).toBe(0);
    expect(stderr()).toBe('');
    expect(bytes).toBe(JOBS * BYTES_PER_JOB);
    expect(started(file)).toBe(JOBS);
  }, 60_000);

  // A command that prints live (--line-buffer, -u) to a reader that reads nothing: its output was
  // taken as fast as it came and queued in the hub, without bound (a `yes` to a paused pager:
  // ~120 MB a second, until the machine ran out of memory). Now the hub, behind, has its
  // output held unread: the command blocks writing, as under GNU parallel.
  for (const option of ['--line-buffer', '-u']) {
    it(`${option}: a command writing to a reader that reads nothing blocks, and all it wrote arrives once the reader reads`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-shell-slow-live-'));
      dirs.push(dir);
      const done = join(dir, 'done');
      // A count no other process names: the writer is found by it.
      const bytes = 200_000_000 + Math.floor(Math.random() * 1_000_000);
      const { child, stdout, stderr, exited } = startPaused([option, `yes | head -c {}; echo > ${done}`, ':::', String(bytes)], 'slow-live');
      // `head`, not the hub (whose arguments hold the count too).
      const writers = (): number[] => processesWithArg(String(bytes)).filter((pid) => pid !== child.pid);
      await waitFor(() => writers().length > 0, 20_000, 'the writer to start');
      const [writer] = writers() as [number];
      // What it has written so far (its `wchar`), until it writes no more (or is gone: it wrote all of it).
      const written = (): number | undefined => {
        try {
          return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${writer}/io`, 'latin1'))?.[1]);
        } catch {
          return undefined;
        }
      };
      let last = written();
      let still = 0;
      await waitFor(
        () => {
          const now = written();
          if (now === undefined) return true;
          still = now === last ? still + 1 : 0;
          last = now;
          // Past a stall of the start (a busy hub reads late), at half the hub's bound at least.
          return still >= 50 && now > 8 * 1024 * 1024;
        },
        30_000,
        'the writer to stop writing, or to end',
      );
      const rss = rssKiB(child.pid as number);
      process.stdout.write(`slow reader, ${option}: the writer stopped at ${String(last)} of ${bytes} bytes; spm-shell's RSS ${String(rss)} KiB\n`);
      // Not gone: blocked, having written the bound (16 MiB), what is in flight and the pipes.
      expect(written()).toBeDefined();
      expect(last).toBeLessThan(64 * 1024 * 1024);
      expect(existsSync(done)).toBe(false);
      let got = 0;
      stdout.on('data', (chunk: Buffer) => (got += chunk.length));
      stdout.resume();
      expect(await exited).toBe(0);
      expect(stderr()).toBe('');
      expect(got).toBe(bytes);
      expect(existsSync(done)).toBe(true);
    }, 90_000);
  }

  // Thread spokes, four commands at once: the spokes' output waits in the busy hub's channel,
  // where its stdout's count does not see it. Without a bound on what a task may have unanswered,
  // -j4 pulled 1.7–2.7 GB into the hub while its reader slept, and its Ctrl-C was heard seconds late.
  it('--transport thread -u -j4: the commands block too, what they wrote bounded, all of it delivered', async () => {
    const count = 4;
    // Counts no other process names: the writers are found by them.
    const sizes = Array.from({ length: count }, (_, k) => 150_000_000 + k * 1000 + Math.floor(Math.random() * 1000));
    const { child, stdout, stderr, exited } = startPaused(['--transport', 'thread', '-u', '-j4', 'yes | head -c {}', ':::', ...sizes.map(String)], 'slow-threads');
    /** A process that is `head` now (not the hub, nor a shell's fork on its way to exec it). */
    const isHead = (pid: number): boolean => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'latin1').trim() === 'head';
      } catch {
        return false;
      }
    };
    /** Each size's writer, once there is exactly one `head` naming it. */
    const writers = (): number[] => sizes.flatMap((size) => processesWithArg(String(size)).filter(isHead).slice(0, 1));
    await waitFor(() => writers().length === count, 20_000, 'the writers to start');
    const pids = writers();
    /** What they have written so far (their `wchar`), the ones gone counted as having written all. */
    const written = (): number =>
      pids.reduce((sum, pid, k) => {
        try {
          // (A pid taken again once its writer is gone is not the writer.)
          if (!isHead(pid)) throw new Error('gone');
          return sum + Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'))?.[1]);
        } catch {
          return sum + (sizes[k] as number);
        }
      }, 0);
    let last = written();
    let still = 0;
    await waitFor(
      () => {
        const now = written();
        still = now === last ? still + 1 : 0;
        last = now;
        return still >= 50 && now > 8 * 1024 * 1024;
      },
      60_000,
      'the writers to stop writing',
    );
    process.stdout.write(`slow reader, thread spokes -u -j4: the writers stopped at ${last} of ${sizes.reduce((a, b) => a + b, 0)} bytes; spm-shell's RSS ${String(rssKiB(child.pid as number))} KiB\n`);
    // The hub's bound (16 MiB), 2 MiB a task unanswered, what the fork servers and pipes hold.
    expect(last).toBeLessThan(160 * 1024 * 1024);
    let got = 0;
    stdout.on('data', (chunk: Buffer) => (got += chunk.length));
    stdout.resume();
    expect(await exited).toBe(0);
    expect(stderr()).toBe('');
    expect(got).toBe(sizes.reduce((a, b) => a + b, 0));
  }, 120_000);

  // -k behind a slow job: every job after it finished, and each one's output waited for its turn
  // in memory (200 jobs of 1 MB behind one: 574 MB of RSS). Past a bound (16 M characters), the
  // outputs waiting now go to files of the run's temporary directory, read back in their turn.
  it('-k: outputs waiting behind a slow job go to files past the bound, and come out whole, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-shell-held-'));
    dirs.push(dir);
    const go = join(dir, 'go');
    const joblog = join(dir, 'joblog');
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const jobs = 60;
    const command = `if [ {} = 1 ]; then while [ ! -e ${go} ]; do sleep 0.05; done; fi; head -c ${BYTES_PER_JOB} /dev/zero | tr '\\0' $(({} % 10))`;
    const child = spawn(process.execPath, [BIN, '-k', '-j2', '--joblog', joblog, command, ':::', ...Array.from({ length: jobs }, (_, k) => String(k + 1))], { env: { ...process.env, PARALLEL: undefined, TMPDIR: tmp, [MARK_VARIABLE]: `held-${process.pid}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const rows = (): number => (existsSync(joblog) ? readFileSync(joblog, 'utf8').split('\n').filter(Boolean).length - 1 : 0);
    // Every job but the first has finished (its row is written as it ends).
    await waitFor(() => rows() >= jobs - 1, 60_000, 'the jobs behind the first to finish');
    const held = readdirSync(tmp).flatMap((run) => readdirSync(join(tmp, run)).filter((name) => name.startsWith('held-')));
    process.stdout.write(`-k behind a slow job: ${held.length} of ${jobs - 1} waiting outputs in files; spm-shell's RSS ${String(rssKiB(child.pid as number))} KiB\n`);
    // 59 MB wait; 16 M characters of them in memory, the rest in files.
    expect(held.length).toBeGreaterThanOrEqual(jobs - 1 - 17);
    writeFileSync(go, '');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const out = Buffer.concat(chunks);
    expect(out.length).toBe(jobs * BYTES_PER_JOB);
    // In input order, each whole: job N's bytes are all the digit N % 10.
    for (let k = 0; k < jobs; k += 1) {
      const part = out.subarray(k * BYTES_PER_JOB, (k + 1) * BYTES_PER_JOB);
      expect(part.every((byte) => byte === 0x30 + ((k + 1) % 10))).toBe(true);
    }
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);
});
