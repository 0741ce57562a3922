// guardUntrackedPrograms: a watchdog that ends a spoke's untracked programs (they carry the
// spoke cookie `<token>.0` and no coprocess cookie after it) when the process that guards them
// dies without ending them itself. Real owner processes, SIGKILLed; real programs, by pid in /proc.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newCoprocessOwnerToken } from '@spm/spoke';
import { isAlive, waitFor } from '@spm/testing';

const BOUND_MS = 15_000;
let owners: ChildProcess[] = [];
let pids: number[] = [];
let dirs: string[] = [];

afterEach(() => {
  for (const owner of owners) if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  owners = [];
  pids = [];
  dirs = [];
});

/**
 * An owner process that guards `token`, starts each of `programs` (shell commands) with `env`'s
 * `SPM_COPROCESS`, prints their pids, then does `then` (`ending`, `release` or nothing) and
 * says `ready`.
 */
async function startOwner(token: string, programs: readonly { readonly command: string; readonly cookies: string }[], then: 'ending' | 'release' | 'none'): Promise<{ owner: ChildProcess; pids: number[] }> {
  const script = `import { guardUntrackedPrograms } from '@spm/spoke';
    import { spawn } from 'node:child_process';
    const guard = guardUntrackedPrograms(${JSON.stringify(token)});
    const programs = ${JSON.stringify(programs)};
    const pids = programs.map((p) => spawn('sh', ['-c', p.command], { stdio: 'ignore', env: { ...process.env, SPM_COPROCESS: p.cookies } }).pid);
    ${then === 'none' ? '' : `guard.${then}();`}
    setTimeout(() => process.stdout.write(pids.join(' ') + '\\nready\\n'), 200);
    setInterval(() => undefined, 1000);`;
  const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  owners.push(owner);
  const said = await new Promise<string>((resolve, reject) => {
    let text = '';
    owner.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ready\n')) resolve(text);
    });
    owner.once('exit', (code, signal) => reject(new Error(`the owner exited (${String(code ?? signal)}) before it was ready`)));
  });
  const started = (said.split('\n')[0] ?? '').split(' ').map(Number);
  pids.push(...started);
  return { owner, pids: started };
}

async function sigkill(owner: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => owner.once('exit', () => resolve()));
  owner.kill('SIGKILL');
  await exited;
}

function traps(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spm-untracked-watchdog-'));
  dirs.push(dir);
  return join(dir, 'traps');
}

/** A shell that appends `name` to `file` at each SIGTERM and lives on (only SIGKILL ends it). */
const trapShell = (name: string, file: string): string => `trap 'echo ${name} >> ${file}' TERM; while :; do sleep 1; done`;

describe('guardUntrackedPrograms, when its process is SIGKILLed', () => {
  it('ends the guarded token’s untracked programs — SIGTERM once, SIGKILL after the grace — and nothing else', async () => {
    const token = newCoprocessOwnerToken();
    const other = newCoprocessOwnerToken();
    const file = tempFile();
    const { owner, pids: started } = await startOwner(
      token,
      [
        { command: trapShell('untracked', file), cookies: `${token}.0` },
        // An untracked program of a nested spoke, started by one of ours: still ours.
        { command: trapShell('nested', file), cookies: `${token}.0:${other}.0` },
        // A coprocess of ours (its fork servers' to end), or of a runtime an untracked program ran.
        { command: trapShell('coprocess', file), cookies: `${token}.0:${token}.3` },
        { command: trapShell('foreign-coprocess', file), cookies: `${token}.0:${other}.2` },
        // Another spoke's, which this process does not guard.
        { command: trapShell('unguarded', file), cookies: `${other}.0` },
      ],
      'none',
    );
    await sigkill(owner);
    const [untracked, nested, ...kept] = started as [number, number, ...number[]];
    await waitFor(() => !isAlive(untracked) && !isAlive(nested), BOUND_MS, 'the untracked programs to end');
    expect(traps(file).sort()).toEqual(['nested', 'untracked']);
    expect(kept.filter(isAlive)).toEqual(kept);
  }, 30_000);

  it('after ending(): SIGKILL only (this process had sent the SIGTERM)', async () => {
    const token = newCoprocessOwnerToken();
    const file = tempFile();
    const { owner, pids: started } = await startOwner(token, [{ command: trapShell('untracked', file), cookies: `${token}.0` }], 'ending');
    await sigkill(owner);
    await waitFor(() => !started.some(isAlive), BOUND_MS, 'the program to end');
    expect(traps(file)).toEqual([]);
  }, 30_000);

  it('after release(): nothing (the programs were this process’s to end, and it said it had)', async () => {
    const token = newCoprocessOwnerToken();
    const file = tempFile();
    const { owner, pids: started } = await startOwner(token, [{ command: trapShell('untracked', file), cookies: `${token}.0` }], 'release');
    await sigkill(owner);
    // The watchdog quit when it was released; had it swept, the trap would have run at once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(started.filter(isAlive)).toEqual(started);
    expect(traps(file)).toEqual([]);
  }, 30_000);
});
