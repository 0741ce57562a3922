import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAlive, waitFor } from '@spm/testing';

// A hub that dies without a word (SIGKILL, the OOM killer) cannot end what its spokes' tasks
// started. Coprocesses have their fork servers and lifeline; until session 46 the programs a task
// started without @spm/coprocess (`spawn`, `execSync`) outlived it, on thread and process spokes
// alike, unless the thread happened to have a coprocess lifeline alive. A watchdog of the hub's
// (`guardUntrackedPrograms`) now ends them: SIGTERM, SIGKILL after 2 s — and only it, so that a
// program's TERM trap runs once.

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

let hubs: ChildProcess[] = [];
let dirs: string[] = [];
let started: number[] = [];
afterEach(() => {
  for (const hub of hubs) if (hub.exitCode === null && hub.signalCode === null) hub.kill('SIGKILL');
  hubs = [];
  for (const pid of started.filter(isAlive)) process.kill(pid, 'SIGKILL');
  started = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/** Starts a hub process with one spoke of `kind` that starts the fixture's programs; resolves once it said `ready`. */
async function startHub(kind: 'thread' | 'process', file: string, coprocesses: boolean): Promise<ChildProcess> {
  const preload = `${pathToFileURL(join(fixtures, 'programs-then-hold.mjs')).href}?file=${encodeURIComponent(file)}${coprocesses ? '&coprocesses=1' : ''}`;
  // Its own process group, as a hub started from a shell is: only the hub gets the SIGKILL.
  const hub = spawn(process.execPath, [join(fixtures, 'hub-until-killed.mjs'), kind, preload], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  hubs.push(hub);
  await new Promise<void>((resolve, reject) => {
    let said = '';
    hub.stdout?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('ready\n')) resolve();
    });
    hub.once('exit', (code, signal) => reject(new Error(`the hub exited (${String(code ?? signal)}) before it was ready`)));
  });
  return hub;
}

async function killHub(hub: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => hub.once('exit', () => resolve()));
  hub.kill('SIGKILL');
  await exited;
}

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spm-hub-killed-'));
  dirs.push(dir);
  return join(dir, 'pids');
}

describe('programs a task started without @spm/coprocess, when its hub is SIGKILLed', () => {
  it.each(['thread', 'process'] as const)('are ended on a %s spoke: a plain child, a detached one, a shell and its job (its TERM trap runs once), an orphan in a session of its own', async (kind) => {
    const file = tempFile();
    const hub = await startHub(kind, file, false);
    await waitFor(() => lines(file).length === 5, 10_000, 'the five programs started');
    const pids = lines(file).map(Number);
    started.push(...pids);
    expect(pids.every(isAlive)).toBe(true);
    await killHub(hub);
    await waitFor(() => !pids.some(isAlive), 15_000, 'the programs ended');
    expect(lines(`${file}.traps`)).toEqual(['untracked']);
  }, 40_000);

  it('are ended, each TERM trap once, on a thread spoke whose fork server and lifeline are alive for its coprocesses (which end too)', async () => {
    const file = tempFile();
    const hub = await startHub('thread', file, true);
    await waitFor(() => lines(file).length === 8, 10_000, 'the eight programs started');
    const pids = lines(file).map(Number);
    started.push(...pids);
    expect(pids.every(isAlive)).toBe(true);
    await killHub(hub);
    await waitFor(() => !pids.some(isAlive), 15_000, 'the programs ended');
    expect(lines(`${file}.traps`).sort()).toEqual(['coprocess', 'untracked']);
  }, 40_000);
});
