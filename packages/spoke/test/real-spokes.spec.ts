import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromWire } from '@spm/exceptions';
import { spokeEntry } from '@spm/spoke';
import { isFrameChannel, spawnProcess, spawnThread, type SpawnedProcess, type SpawnedThread } from '@spm/transport';
import { HubStub, v } from './hub-stub.js';

const closures = new URL('./fixtures/closures.mjs', import.meta.url).href;
const typed = new URL('./fixtures/ts/typed.ts', import.meta.url).href;

let processes: SpawnedProcess[] = [];
let threads: SpawnedThread[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exited(spawned: SpawnedProcess): Promise<number | null> {
  if (spawned.child.exitCode !== null) return Promise.resolve(spawned.child.exitCode);
  return new Promise((resolve) => spawned.child.once('exit', (code) => resolve(code)));
}

afterEach(async () => {
  for (const p of processes) p.killGroup('SIGKILL');
  for (const t of threads) await t.terminate();
  processes = [];
  threads = [];
});

function startProcessSpoke(heartbeatMs: number, env: Record<string, string> = {}): { hub: HubStub; spawned: SpawnedProcess; greeted: Promise<unknown> } {
  const spawned = spawnProcess({ entry: spokeEntry('process'), env: { SPM_SPOKE_ID: 'proc-1', SPM_SPOKE_HOST: 'kigali', SPM_SPOKE_TAGS: 'gpu,big', ...env } });
  processes.push(spawned);
  const hub = new HubStub(spawned.channel, heartbeatMs);
  // A hub sends nothing before its welcome, which the stub sends on the spoke's hello.
  return { hub, spawned, greeted: hub.next('hello') };
}

describe('a process spoke', () => {
  it('greets with the identity its provisioner gave it', async () => {
    const { spawned, greeted } = startProcessSpoke(0);
    expect(await greeted).toMatchObject({ spokeId: 'proc-1', host: 'kigali', tags: ['gpu', 'big'], pid: spawned.pid });
  });

  it('evaluates tasks in its evaluator thread and reports them', async () => {
    const { hub, spawned, greeted } = startProcessSpoke(0);
    await greeted;
    expect(await hub.status(1, closures, 'double', { n: 5 })).toMatchObject({ ok: true, value: { doubled: 10 } });
    const who = await hub.status(2, closures, 'whoami', {});
    expect(who).toMatchObject({ ok: true, value: { spokeId: 'proc-1', host: 'kigali', spoke: true, online: true, pid: spawned.pid } });
    const failed = await hub.status(3, closures, 'throws', {});
    expect(failed.ok ? undefined : fromWire(failed.error).remote?.name).toBe('RangeError');
  });

  it('keeps its provisioner’s variables to itself: tasks and the programs they start do not see them', async () => {
    // SPM_SPOKE_ID, _HOST and _TAGS reached every command of spm-shell --transport process.
    const { hub, greeted } = startProcessSpoke(0);
    await greeted;
    expect(await hub.status(6, closures, 'spoke-env', {})).toMatchObject({ ok: true, value: [] });
  });

  it('loads a user TypeScript module through ts-node', async () => {
    const { hub, greeted } = startProcessSpoke(0);
    await greeted;
    expect(await hub.status(4, typed, 'triple', { n: 7 })).toMatchObject({ ok: true, value: 21 });
  });

  it('keeps sending heartbeats while a long synchronous task runs', async () => {
    const { hub, greeted } = startProcessSpoke(20);
    await greeted;
    hub.task(5, closures, 'busy', { ms: 400 });
    await hub.next('started', 5);
    const before = hub.received.filter((m) => m.type === 'heartbeat').length;
    await hub.next('status', 5);
    const during = hub.received.filter((m) => m.type === 'heartbeat').length - before;
    process.stdout.write(`heartbeats received during a 400 ms synchronous task at a 20 ms interval: ${during}\n`);
    expect(during).toBeGreaterThan(0);
  });

  it('exits when its hub channel closes', async () => {
    const { spawned, greeted } = startProcessSpoke(0);
    await greeted;
    spawned.channel.close();
    expect(await exited(spawned)).toBe(0);
    expect(alive(spawned.pid)).toBe(false);
  });

  it('exits when the hub tells it to shut down', async () => {
    const { spawned, greeted } = startProcessSpoke(0);
    await greeted;
    spawned.channel.send({ type: 'shutdown', v: 3, reason: 'test' });
    expect(await exited(spawned)).toBe(0);
  });
});

describe('a process spoke relays frames between its hub and its evaluator thread', () => {
  it('answers a task’s request through the relay, both ways', async () => {
    const { hub, greeted } = startProcessSpoke(0);
    await greeted;
    hub.task(6, closures, 'ask-hub', { q: 'why' });
    const request = await hub.next('request', 6);
    expect(request.body).toEqual({ question: 'why' });
    hub.channel.send({ type: 'reply', v, taskId: 6, attempt: 1, requestId: request.requestId, ok: true, body: 'because' });
    expect(await hub.next('notify', 6)).toMatchObject({ body: { done: true } });
    expect(await hub.next('status', 6)).toMatchObject({ ok: true, value: { reply: 'because' } });
  });

  it('evaluates tasks that arrive inside a batch (frames its thread decodes)', async () => {
    const { hub, greeted } = startProcessSpoke(0);
    await greeted;
    const task = (taskId: number) => ({ type: 'task', v, taskId, attempt: 1, module: closures, signature: 'double', preload: [], record: { n: taskId } }) as const;
    hub.channel.send({ type: 'batch', v, messages: [task(11), task(12)] });
    expect(await hub.next('status', 11)).toMatchObject({ ok: true, value: { doubled: 22 } });
    expect(await hub.next('status', 12)).toMatchObject({ ok: true, value: { doubled: 24 } });
  });

  it('relays to its evaluator a frame as large as its hub’s channel takes (the evaluator thread gets the same limit)', async () => {
    // The hub's channel takes 8 MiB frames. The evaluator thread's used to take the default 4 MiB
    // whatever the hub's: a 5 MiB task ended the spoke as a broken channel (exit 1).
    const spawned = spawnProcess({ entry: spokeEntry('process'), maxFrameBytes: 8 * 1024 * 1024, env: { SPM_SPOKE_ID: 'proc-big', SPM_SPOKE_HOST: 'kigali' } });
    processes.push(spawned);
    const hub = new HubStub(spawned.channel, 0);
    await hub.next('hello');
    hub.task(14, closures, 'double', { n: 7, pad: 'x'.repeat(5 * 1024 * 1024) });
    expect(await hub.next('status', 14)).toMatchObject({ ok: true, value: { doubled: 14 } });
  });

  it('ends (exit 1) on a malformed task frame from its hub, without evaluating anything after it', async () => {
    const { hub, spawned, greeted } = startProcessSpoke(0);
    await greeted;
    if (!isFrameChannel(spawned.channel)) throw new Error('expected a frame channel');
    // A frame whose first bytes say `task`, holding only `type` and `v`: the evaluator refuses it.
    spawned.channel.sendFrame(new Uint8Array([0, 0, 0, 14, 0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa4, 0x74, 0x61, 0x73, 0x6b, 0xa1, 0x76, 0x03]));
    hub.task(13, closures, 'double', { n: 1 });
    const closed = new Promise((resolve) => spawned.channel.once('close', resolve));
    expect(await exited(spawned)).toBe(1);
    await closed;
    expect(hub.received.filter((m) => m.type === 'status')).toEqual([]);
  });
});

// A task that ends the evaluator thread (an uncaught throw from a timer, `process.exit(3)`, an
// unhandled rejection) loses the spoke. Until session 44 the hub saw only "the process exited
// with code 1"; a thread spoke said "the worker threw: …" or "the worker exited with code 3".
describe('a process spoke whose evaluator thread dies', () => {
  async function loseTo(signature: string, record: unknown): Promise<{ hub: HubStub; error: Error | undefined; code: number | null }> {
    const { hub, spawned, greeted } = startProcessSpoke(0);
    await greeted;
    const closed = new Promise<Error | undefined>((resolve) => spawned.channel.once('close', resolve));
    hub.task(21, closures, signature, record);
    const [error, code] = await Promise.all([closed, exited(spawned)]);
    return { hub, error, code };
  }

  it.each([
    ['throws-from-timer', {}, 'the evaluator thread threw: thrown from a timer', 1],
    ['exits', { code: 3 }, 'the evaluator thread exited with code 3', 3],
    ['rejects-unhandled', {}, 'the evaluator thread threw: rejected and unhandled', 1],
  ] as const)('tells its hub why (%s) and exits with the thread’s code', async (signature, record, reason, exitCode) => {
    const { hub, error, code } = await loseTo(signature, record);
    expect(code).toBe(exitCode);
    expect(hub.received).toContainEqual({ type: 'shutdown', v, reason });
    expect(hub.received.filter((m) => m.type === 'status')).toEqual([]);
    expect(error?.message).toMatch(new RegExp(`^Channel process:\\d+ lost: ${reason}; the process exited with code ${exitCode}$`, 'u'));
  });
});

describe('a thread spoke', () => {
  it('greets, evaluates inline in its worker, and reports', async () => {
    const thread = spawnThread({ entry: spokeEntry('thread'), workerData: { spokeId: 'thr-1', host: 'accra', tags: [] } });
    threads.push(thread);
    const hub = new HubStub(thread.channel);
    expect(await hub.next('hello')).toMatchObject({ spokeId: 'thr-1', host: 'accra', pid: process.pid });
    expect(await hub.status(1, closures, 'double', { n: 8 })).toMatchObject({ ok: true, value: { doubled: 16 } });
    expect(await hub.status(2, typed, 'triple', { n: 2 })).toMatchObject({ ok: true, value: 6 });
  });

  it('sends a finished task’s report before a synchronous task that arrived during it begins', async () => {
    // B arrives while A holds the thread, and is asked for no `started` (as the manager sends
    // it when nothing times it): the spoke takes B in the next poll phase, before the check
    // phase that wrote batched frames. A's report must not wait in the batch until B ends —
    // B spins until the hub has A's report (the hub creates a file when it does).
    const thread = spawnThread({ entry: spokeEntry('thread'), workerData: { spokeId: 'thr-3', host: 'accra', tags: [] } });
    threads.push(thread);
    const hub = new HubStub(thread.channel);
    await hub.next('hello');
    const flag = join(mkdtempSync(join(tmpdir(), 'spm-spoke-')), 'report-a-seen');
    hub.task('a', closures, 'busy', { ms: 50 });
    await hub.next('started', 'a');
    thread.channel.send({ type: 'task', v, taskId: 'b', attempt: 1, module: closures, signature: 'wait-file', preload: [], record: { path: flag, ms: 5_000 }, reportStart: false });
    await hub.next('status', 'a');
    writeFileSync(flag, '');
    expect(await hub.next('status', 'b')).toMatchObject({ ok: true, value: { sawFile: true } });
  });

  it('ends when its hub channel closes', async () => {
    const thread = spawnThread({ entry: spokeEntry('thread'), workerData: { spokeId: 'thr-2', host: 'accra', tags: [] } });
    threads.push(thread);
    const hub = new HubStub(thread.channel);
    await hub.next('hello');
    const exit = new Promise<number>((resolve) => thread.worker.once('exit', resolve));
    thread.channel.close();
    expect(await exit).toBe(0);
  });
});
