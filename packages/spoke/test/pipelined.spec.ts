import { describe, it, expect, beforeAll, afterEach } from '@jest/globals';
import { fromWire } from '@spm/exceptions';
import { installAsyncSequenceContext, TaskRunner } from '@spm/spoke';
import { createInprocPair, type MessageOf, type WireValue } from '@spm/transport';
import { began, log, onlineAtBegin, release, reset } from './fixtures/pipelined.mjs';
import { HubStub, v } from './hub-stub.js';

// The fixture's closures: `pipelined` (pipelined: true) and `serial` (not), both held open
// until the spec releases each task.
const fixture = new URL('./fixtures/pipelined.mjs', import.meta.url).href;

interface Rig {
  readonly hub: HubStub;
  readonly runner: TaskRunner;
  /** `started:<taskId>` and `status:<taskId>`, in the order the hub received them. */
  readonly reports: string[];
  /** Every event the runner fed its sequence machine: `evaluate:<taskId>`, `evaluated:<taskId>`. */
  readonly events: string[];
  /** The events the machine refused (none, ever). */
  readonly refused: unknown[];
}

let rigs: Rig[] = [];

function startRunner(): Rig {
  const [hubEnd, spokeEnd] = createInprocPair('pipelined');
  const hub = new HubStub(hubEnd);
  const runner = new TaskRunner(spokeEnd, { spokeId: 'spoke-1', host: 'lusaka' });
  const reports: string[] = [];
  hubEnd.on('message', (m) => {
    if (m.type === 'started' || m.type === 'status') reports.push(`${m.type}:${String(m.taskId)}`);
  });
  const events: string[] = [];
  const refused: unknown[] = [];
  const machine = runner.sequence;
  const apply = machine.apply.bind(machine);
  machine.apply = (event) => {
    events.push(`${event.type}:${event.id.replace(/^\w+:(.*)#\d+$/, '$1')}`);
    try {
      return apply(event);
    } catch (error) {
      refused.push(error);
      throw error;
    }
  };
  const rig = { hub, runner, reports, events, refused };
  rigs.push(rig);
  return rig;
}

function task(hub: HubStub, taskId: number, signature: 'pipelined' | 'serial', record: WireValue = {}): void {
  hub.channel.send({ type: 'task', v, taskId, attempt: 1, module: fixture, signature, preload: [], record });
}

function nextTask(hub: HubStub, taskId: number, record: WireValue = {}): void {
  hub.channel.send({ type: 'next-task', v, taskId, attempt: 1, record });
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the event loop until `condition` holds; gives up after `turns` turns (no clock involved). */
async function until(condition: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i += 1) {
    if (condition()) return;
    await turn();
  }
  throw new Error(`Gave up waiting for ${what}; log: ${log.join(', ')}`);
}

/** Lets `n` turns of the event loop pass (for what must *not* happen meanwhile). */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i += 1) await turn();
}

async function statuses(hub: HubStub, ...taskIds: number[]): Promise<MessageOf<'status'>[]> {
  const found: MessageOf<'status'>[] = [];
  for (const taskId of taskIds) found.push(await hub.next('status', taskId));
  return found;
}

const inOrder = (...taskIds: number[]): string[] => taskIds.flatMap((id) => [`started:${id}`, `status:${id}`]);
const cycles = (...taskIds: number[]): string[] => taskIds.flatMap((id) => [`evaluate:${id}`, `evaluated:${id}`]);

beforeAll(() => installAsyncSequenceContext());
afterEach(() => {
  for (const { runner, hub } of rigs) {
    runner.stop();
    hub.channel.close();
  }
  rigs = [];
  reset();
});

describe('a pipelined closure', () => {
  it('begins each task as it arrives, yet reports them in arrival order', async () => {
    const { hub, reports, events, refused, runner } = startRunner();
    task(hub, 1, 'pipelined');
    nextTask(hub, 2);
    nextTask(hub, 3);
    await began(1);
    await until(() => log.includes('begin:3'), 'task 3 to begin');
    expect(log).toEqual(['begin:1', 'begin:2', 'begin:3']); // three evaluations under way at once
    // 3 and 2 settle first: their reports wait for task 1.
    release(3, 'three');
    release(2, 'two');
    await until(() => log.includes('end:2'), 'task 2 to settle');
    await turns();
    expect(reports).toEqual(['started:1']);
    release(1, 'one');
    const [s1, s2, s3] = await statuses(hub, 1, 2, 3);
    expect([s1, s2, s3].map((s) => s?.ok && s.value)).toEqual(['one', 'two', 'three']);
    expect(reports).toEqual(inOrder(1, 2, 3));
    // The machine followed the head of the queue, one task online at a time, and is offline now.
    expect(refused).toEqual([]);
    expect(events).toEqual(cycles(1, 2, 3));
    expect(runner.sequence.state).toBe('offline');
    // The tasks that began early still evaluated online, in the spoke's sequence.
    expect([...onlineAtBegin.values()]).toEqual([true, true, true]);
  });

  it('sends a task’s `started` when it goes online (after the status of the task ahead), not when it begins', async () => {
    const { hub, reports, events } = startRunner();
    task(hub, 1, 'pipelined');
    nextTask(hub, 2);
    await began(1);
    await until(() => log.includes('begin:2'), 'task 2 to begin');
    await turns();
    expect(reports).toEqual(['started:1']);
    expect(events).toEqual(['evaluate:1']);
    release(1, 'one');
    await hub.next('status', 1);
    await until(() => reports.includes('started:2'), 'task 2 to start');
    expect(reports).toEqual(['started:1', 'status:1', 'started:2']);
    expect(events).toEqual(['evaluate:1', 'evaluated:1', 'evaluate:2']);
    release(2, 'two');
    await hub.next('status', 2);
    expect(reports).toEqual(inOrder(1, 2));
  });

  it('concludes a task whose evaluation throws synchronously with its error, in order', async () => {
    const { hub, reports, refused, runner } = startRunner();
    task(hub, 1, 'pipelined');
    nextTask(hub, 2, { throw: true });
    nextTask(hub, 3);
    await began(1);
    await until(() => log.includes('begin:3'), 'task 3 to begin');
    expect(log).toEqual(['begin:1', 'begin:2', 'throw:2', 'begin:3']);
    release(3, 'three');
    await until(() => log.includes('end:3'), 'task 3 to settle');
    await turns();
    expect(reports).toEqual(['started:1']);
    release(1, 'one');
    const [s1, s2, s3] = await statuses(hub, 1, 2, 3);
    expect(reports).toEqual(inOrder(1, 2, 3));
    expect(s1).toMatchObject({ ok: true, value: 'one' });
    expect(s2).toMatchObject({ ok: false, phase: 'eval' });
    expect(s2 === undefined || s2.ok ? undefined : fromWire(s2.error).remote).toMatchObject({ name: 'RangeError', message: 'task 2 threw' });
    expect(s3).toMatchObject({ ok: true, value: 'three' });
    expect(refused).toEqual([]);
    expect(runner.sequence.state).toBe('offline');
  });

  it('lets a task that began behind the head talk to the hub', async () => {
    const { hub } = startRunner();
    task(hub, 1, 'pipelined');
    nextTask(hub, 2, { ask: true });
    await began(1);
    await until(() => log.includes('begin:2'), 'task 2 to begin');
    const request = await hub.next('request', 2);
    expect(request.body).toEqual({ from: 2 });
    hub.channel.send({ type: 'reply', v, taskId: 2, attempt: 1, requestId: request.requestId, ok: true, body: 42 });
    release(2, 'two');
    release(1, 'one');
    const [, s2] = await statuses(hub, 1, 2);
    expect(s2).toMatchObject({ ok: true, value: { value: 'two', reply: 42 } });
  });

  it('on stop(), aborts the signal every pending evaluation sees, and settled() waits for them all', async () => {
    const { hub, runner, refused } = startRunner();
    task(hub, 1, 'pipelined');
    nextTask(hub, 2);
    await began(1);
    await until(() => log.includes('begin:2'), 'task 2 to begin');
    runner.stop();
    expect(log).toEqual(['begin:1', 'begin:2', 'abort:1', 'abort:2']);
    let settled = false;
    const settling = runner.settled(20_000).then(() => (settled = true));
    release(1, 'one');
    await until(() => log.includes('end:1'), 'task 1 to settle');
    await turns();
    expect(settled).toBe(false); // task 2 is still pending
    release(2, 'two');
    await settling;
    expect(log).toEqual(['begin:1', 'begin:2', 'abort:1', 'abort:2', 'end:1', 'end:2']);
    expect(refused).toEqual([]);
    expect(runner.sequence.state).toBe('offline');
  });
});

describe('switching between pipelined and non-pipelined closures', () => {
  it('a non-pipelined closure still evaluates one task at a time', async () => {
    const { hub, reports, events } = startRunner();
    task(hub, 1, 'serial');
    nextTask(hub, 2);
    await began(1);
    await turns();
    expect(log).toEqual(['begin:1']);
    release(1, 'one');
    await began(2);
    release(2, 'two');
    await statuses(hub, 1, 2);
    expect(log).toEqual(['begin:1', 'end:1', 'begin:2', 'end:2']);
    expect(reports).toEqual(inOrder(1, 2));
    expect(events).toEqual(cycles(1, 2));
  });

  it('a non-pipelined task queued behind pipelined ones begins only when they have all concluded', async () => {
    const { hub, reports, events } = startRunner();
    task(hub, 1, 'pipelined');
    nextTask(hub, 2);
    task(hub, 3, 'serial');
    await began(1);
    await until(() => log.includes('begin:2'), 'task 2 to begin');
    release(2, 'two');
    await until(() => log.includes('end:2'), 'task 2 to settle');
    await turns();
    expect(log).toEqual(['begin:1', 'begin:2', 'end:2']);
    release(1, 'one');
    await began(3);
    release(3, 'three');
    await statuses(hub, 1, 2, 3);
    expect(log).toEqual(['begin:1', 'begin:2', 'end:2', 'end:1', 'begin:3', 'end:3']);
    expect(reports).toEqual(inOrder(1, 2, 3));
    expect(events).toEqual(cycles(1, 2, 3));
  });

  it('a pipelined task queued behind a non-pipelined one waits for it, then the pipelined ones overlap', async () => {
    const { hub, reports, events } = startRunner();
    task(hub, 1, 'serial');
    task(hub, 2, 'pipelined');
    nextTask(hub, 3);
    await began(1);
    await turns();
    expect(log).toEqual(['begin:1']);
    release(1, 'one');
    await began(2);
    await until(() => log.includes('begin:3'), 'task 3 to begin');
    expect(log).toEqual(['begin:1', 'end:1', 'begin:2', 'begin:3']);
    release(3, 'three');
    release(2, 'two');
    await statuses(hub, 1, 2, 3);
    expect(reports).toEqual(inOrder(1, 2, 3));
    expect(events).toEqual(cycles(1, 2, 3));
  });
});
