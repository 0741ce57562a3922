// A TCP spoke (spm-spoke) has no provisioner on its host to end what its tasks started without
// @spm/coprocess: it takes a coprocess owner token of its own and ends those programs itself
// whenever it stops. Real spm-spoke processes on loopback, real programs, checked by pid in /proc.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COPROCESS_OWNER_ENV, endUntrackedPrograms, newCoprocessOwnerToken, spokeEntry } from '@spm/spoke';
import { listenTcp, spawnProcess, type SpawnedProcess, type TcpHub } from '@spm/transport';
import { commandLine, isAlive, isCoprocessHelper, liveDescendants, taggedProcesses, waitFor } from '@spm/testing';
import { HubStub, v } from './hub-stub.js';

const bin = fileURLToPath(new URL('../dist/bin/spm-spoke.js', import.meta.url));
const programs = new URL('./fixtures/programs.mjs', import.meta.url).href;
const SECRET = randomBytes(16).toString('hex');
/** Tags every process a spoke of these specs starts (spm-spoke and what its tasks start inherit it). */
const TAG = 'SPM_SPOKE_PROGRAMS_SPEC';
/** A bound for what must happen, never an assertion on time. */
const BOUND_MS = 20_000;

interface TcpSpoke {
  readonly hub: TcpHub;
  readonly child: ChildProcess;
  readonly stub: Promise<HubStub>;
  readonly tag: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string;
}

let hubs: TcpHub[] = [];
let children: ChildProcess[] = [];
let processes: SpawnedProcess[] = [];
let tags: string[] = [];
let extra: number[] = [];
let dirs: string[] = [];

afterEach(async () => {
  // On the old code the programs outlive the spoke (and an spm-spoke held in execSync lives on):
  // whatever is left of this test goes now, so that the next test and the leftover check see none.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const p of processes) p.killGroup('SIGKILL');
  for (const pid of [...tags.flatMap((tag) => taggedProcesses(TAG, tag)), ...extra]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const hub of hubs) await hub.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  hubs = [];
  children = [];
  processes = [];
  tags = [];
  extra = [];
  dirs = [];
});

/** A TCP hub on loopback (a free port) and an spm-spoke joined to it, as a user starts one on another host. */
async function startTcpSpoke(): Promise<TcpSpoke> {
  const hub = await listenTcp({ secret: SECRET, log: () => undefined });
  hubs.push(hub);
  const stub = new Promise<HubStub>((resolve) => hub.once('channel', (channel) => resolve(new HubStub(channel))));
  const tag = randomBytes(8).toString('hex');
  tags.push(tag);
  const child = spawn(process.execPath, [bin, '--hub', hub.url], { env: { ...process.env, SPM_SECRET: SECRET, [TAG]: tag }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const spoke: TcpSpoke = { hub, child, stub, tag, exit, stderr: '' };
  child.stderr?.on('data', (chunk: Buffer) => (spoke.stderr += chunk.toString()));
  await (await stub).next('hello');
  return spoke;
}

/** The live processes carrying `tag` other than `spokePid` and the coprocess runtime's helpers: what the spoke's tasks started. */
function programsOf(tag: string, spokePid: number | undefined): number[] {
  return taggedProcesses(TAG, tag).filter((pid) => pid !== spokePid && !isCoprocessHelper(pid));
}

/** Of `pids`, those running `sleep <seconds>`. */
function sleeps(pids: readonly number[], seconds: number): number[] {
  return pids.filter((pid) => commandLine(pid) === `sleep ${seconds}`);
}

/** How the spoke's process ended, or `still running` once {@link BOUND_MS} has passed. */
async function ending(spoke: TcpSpoke): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([spoke.exit, new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), BOUND_MS)))]);
  clearTimeout(timer);
  return result;
}

/** What the tracker's join provisioner does to a joined spoke it kills (a task timeout, a loss): says why, then closes. */
function killForTimeout(stub: HubStub): void {
  stub.channel.send({ type: 'shutdown', v, reason: 'killed by the hub to be relaunched' });
  stub.channel.close();
}

const stops: readonly { readonly how: string; readonly stop: (spoke: TcpSpoke, stub: HubStub) => void }[] = [
  { how: 'the hub kills it for a task timeout', stop: (_spoke, stub) => killForTimeout(stub) },
  { how: 'its hub connection is lost', stop: (_spoke, stub) => stub.channel.close() },
  { how: 'it gets SIGINT', stop: (spoke) => spoke.child.kill('SIGINT') },
  { how: 'it gets SIGTERM', stop: (spoke) => spoke.child.kill('SIGTERM') },
  { how: 'it gets SIGHUP', stop: (spoke) => spoke.child.kill('SIGHUP') },
];

describe('a TCP spoke ends the programs its tasks started without @spm/coprocess', () => {
  it.each(stops)('when $how: a plain child, a detached one, a setsid orphan and a shell’s background jobs', async ({ stop }) => {
    const spoke = await startTcpSpoke();
    const stub = await spoke.stub;
    const seconds = 291;
    stub.task(1, programs, 'leaves-programs', { seconds });
    await stub.next('notify', 1);
    // Five sleeps: the plain child, the detached one, the setsid orphan, the shell's two.
    await waitFor(() => sleeps(programsOf(spoke.tag, spoke.child.pid), seconds).length === 5, BOUND_MS, 'the task’s five sleeps');
    const started = programsOf(spoke.tag, spoke.child.pid);
    expect(started.length).toBeGreaterThanOrEqual(6);
    stop(spoke, stub);
    expect(await ending(spoke)).toEqual({ code: 0, signal: null });
    expect(started.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
    expect(programsOf(spoke.tag, undefined)).toEqual([]);
  });

  it('when the hub kills it for a timeout of a task held in execSync: the program ends, and so does spm-spoke', async () => {
    const spoke = await startTcpSpoke();
    const stub = await spoke.stub;
    const seconds = 292;
    stub.task(1, programs, 'blocks-in-execsync', { seconds });
    await stub.next('started', 1);
    await waitFor(() => sleeps(programsOf(spoke.tag, spoke.child.pid), seconds).length === 1, BOUND_MS, 'the task’s sleep');
    const started = programsOf(spoke.tag, spoke.child.pid);
    killForTimeout(stub);
    // Ended by itself, not by the bound (its programs' end let execSync return).
    expect(await ending(spoke)).toEqual({ code: 0, signal: null });
    expect(spoke.stderr).toContain('spm-spoke: the hub let this spoke go: killed by the hub to be relaunched');
    expect(started.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
    expect(programsOf(spoke.tag, undefined)).toEqual([]);
  });

  it('when its evaluator thread is held by a program it cannot find (env -i): spm-spoke still ends, by SIGKILL, saying why', async () => {
    const spoke = await startTcpSpoke();
    const stub = await spoke.stub;
    const seconds = 293;
    stub.task(1, programs, 'blocks-in-execsync', { seconds, clearEnv: true });
    await stub.next('started', 1);
    // Without its environment the sleep carries neither the tag nor the cookie: found as the spoke's descendant.
    const pid = spoke.child.pid as number;
    await waitFor(() => sleeps(liveDescendants(pid), seconds).length === 1, BOUND_MS, 'the task’s sleep');
    extra.push(...sleeps(liveDescendants(pid), seconds));
    killForTimeout(stub);
    expect(await ending(spoke)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(spoke.stderr).toContain('spm-spoke: the evaluator thread did not end within 3.5 s');
  });

  it('gives a plain program’s TERM trap one SIGTERM, and leaves a coprocess to its fork server (never two)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-spoke-traps-'));
    dirs.push(dir);
    const file = join(dir, 'terms');
    const spoke = await startTcpSpoke();
    const stub = await spoke.stub;
    const seconds = 294;
    stub.task(1, programs, 'term-traps', { seconds, file });
    await stub.next('notify', 1);
    await waitFor(() => sleeps(programsOf(spoke.tag, spoke.child.pid), seconds).length === 2, BOUND_MS, 'both shells’ sleeps');
    killForTimeout(stub);
    expect(await ending(spoke)).toEqual({ code: 0, signal: null });
    // The coprocess's fork server ends it after its owner's end (SIGTERM, SIGKILL after its grace).
    const coprocessShell = (): number[] => programsOf(spoke.tag, undefined).filter((pid) => commandLine(pid).includes('echo coprocess'));
    await waitFor(() => coprocessShell().length === 0, BOUND_MS, 'the coprocess to end');
    const lines = (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n').filter((line) => line !== '');
    process.stdout.write(`TERM traps run after the spoke's end: plain ${lines.filter((line) => line === 'plain').length}, coprocess ${lines.filter((line) => line === 'coprocess').length}\n`);
    expect(lines.filter((line) => line === 'plain')).toEqual(['plain']);
    // One SIGTERM from its fork server — or none, when the evaluator thread's last act SIGKILLed it first.
    expect(lines.filter((line) => line === 'coprocess').length).toBeLessThanOrEqual(1);
    await waitFor(() => programsOf(spoke.tag, undefined).length === 0, BOUND_MS, 'the coprocess’s sleep to end');
  });
});

describe('a TCP spoke SIGKILLed (it can end nothing itself): its watchdog ends what its tasks started without @spm/coprocess', () => {
  it('a plain child, a detached one, a setsid orphan and a shell’s background jobs', async () => {
    const spoke = await startTcpSpoke();
    const stub = await spoke.stub;
    const seconds = 296;
    stub.task(1, programs, 'leaves-programs', { seconds });
    await stub.next('notify', 1);
    await waitFor(() => sleeps(programsOf(spoke.tag, spoke.child.pid), seconds).length === 5, BOUND_MS, 'the task’s five sleeps');
    const started = programsOf(spoke.tag, spoke.child.pid);
    spoke.child.kill('SIGKILL');
    expect(await ending(spoke)).toEqual({ code: null, signal: 'SIGKILL' });
    await waitFor(() => !started.some(isAlive), BOUND_MS, 'the programs to end');
    await waitFor(() => programsOf(spoke.tag, undefined).length === 0, BOUND_MS, 'nothing of the spoke’s left');
  });

  it('a plain program’s TERM trap runs once; a coprocess is its fork server’s (never two SIGTERMs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-spoke-traps-'));
    dirs.push(dir);
    const file = join(dir, 'terms');
    const spoke = await startTcpSpoke();
    const stub = await spoke.stub;
    const seconds = 297;
    stub.task(1, programs, 'term-traps', { seconds, file });
    await stub.next('notify', 1);
    await waitFor(() => sleeps(programsOf(spoke.tag, spoke.child.pid), seconds).length === 2, BOUND_MS, 'both shells’ sleeps');
    spoke.child.kill('SIGKILL');
    expect(await ending(spoke)).toEqual({ code: null, signal: 'SIGKILL' });
    // Both shells live on after a SIGTERM: SIGKILL after the grace ends them.
    await waitFor(() => programsOf(spoke.tag, undefined).length === 0, BOUND_MS, 'both shells to end');
    const lines = (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n').filter((line) => line !== '');
    expect(lines.sort()).toEqual(['coprocess', 'plain']);
  });
});

describe('a process spoke its provisioner gave a token', () => {
  it('leaves its tasks’ programs to the provisioner (which ends them with endUntrackedPrograms): no second SIGTERM from the spoke', async () => {
    const token = newCoprocessOwnerToken();
    const tag = randomBytes(8).toString('hex');
    tags.push(tag);
    const spawned = spawnProcess({ entry: spokeEntry('process'), env: { SPM_SPOKE_ID: 'proc-1', [COPROCESS_OWNER_ENV]: token, [TAG]: tag } });
    processes.push(spawned);
    const exited = new Promise<number | null>((resolve) => spawned.child.once('exit', (code) => resolve(code)));
    const stub = new HubStub(spawned.channel);
    await stub.next('hello');
    const seconds = 295;
    stub.task(1, programs, 'leaves-programs', { seconds });
    await stub.next('notify', 1);
    await waitFor(() => sleeps(programsOf(tag, spawned.pid), seconds).length === 5, BOUND_MS, 'the task’s five sleeps');
    const started = programsOf(tag, spawned.pid);
    spawned.channel.close();
    expect(await exited).toBe(0);
    // Still running after the spoke's exit: the spoke signalled none of them.
    expect(started.filter(isAlive)).toEqual(started);
    await endUntrackedPrograms(token);
    expect(started.filter(isAlive)).toEqual([]);
  });
});
