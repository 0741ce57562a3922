// A reader slower than the commands (a pager, a paused pipe): what the commands printed waits in
// spm-shell's memory until the reader takes it. Until session 46 every job started as fast as the
// spokes could run them, and their outputs piled up in memory whatever their number (1,000 jobs of
// 1 MB to a paused reader: ~1 GB). Past a bound (16 MiB, or --max-output if larger) no job starts
// now until the reader has taken it — as GNU parallel, blocked writing, starts none.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@spm/testing';
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

describe('spm-shell with a reader slower than its commands', () => {
  it('starts no more jobs while its output waits past the bound, and delivers all of it once the reader reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-shell-slow-reader-'));
    dirs.push(dir);
    const file = join(dir, 'started');
    const args = ['-j2', `echo {} >> ${file}; head -c ${BYTES_PER_JOB} /dev/zero`, ':::', ...Array.from({ length: JOBS }, (_, k) => String(k + 1))];
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PARALLEL: undefined, [MARK_VARIABLE]: `slow-reader-${process.pid}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // 'close', not 'exit': the last of its output may still be in the pipe when it exits.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // The reader reads nothing for now: the pipe fills, then spm-shell's queue.
    const stdout = child.stdout as NonNullable<typeof child.stdout>;
    stdout.pause();
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
    expect(stderr).toBe('');
    expect(bytes).toBe(JOBS * BYTES_PER_JOB);
    expect(started(file)).toBe(JOBS);
  }, 60_000);
});
