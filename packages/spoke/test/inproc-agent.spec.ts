import { describe, it, expect, beforeAll, afterEach } from '@jest/globals';
import { fromWire, SPMInvariantError, SPMTaskEval, SPMTaskLoad } from '@spm/exceptions';
import { installAsyncSequenceContext, SpokeAgent } from '@spm/spoke';
import { createInprocPair, type WireValue } from '@spm/transport';
import { HubStub } from './hub-stub.js';

const closures = new URL('./fixtures/closures.mjs', import.meta.url).href;
const broken = new URL('./fixtures/broken.mjs', import.meta.url).href;
const typed = new URL('./fixtures/ts/typed.ts', import.meta.url).href;

let agents: SpokeAgent[] = [];

async function startSpoke(): Promise<HubStub> {
  const [hubEnd, spokeEnd] = createInprocPair();
  const hub = new HubStub(hubEnd);
  const agent = new SpokeAgent({ channel: spokeEnd, spokeId: 'inproc-1', host: 'lusaka', tags: ['gpu'] });
  agents.push(agent);
  await agent.start();
  return hub;
}

beforeAll(() => installAsyncSequenceContext());
afterEach(() => {
  for (const agent of agents) agent.stop();
  agents = [];
});

describe('the spoke agent greets the hub', () => {
  it('says hello with its id, host, pid and tags, and takes the id the hub gives', async () => {
    const hub = await startSpoke();
    const hello = await hub.next('hello');
    expect(hello).toMatchObject({ spokeId: 'inproc-1', host: 'lusaka', pid: process.pid, tags: ['gpu'] });
  });
});

describe('the spoke cycle', () => {
  it('preloads the module, evaluates the closure and reports the value', async () => {
    const hub = await startSpoke();
    const status = await hub.status(1, closures, 'double', { n: 21 });
    expect(status).toMatchObject({ taskId: 1, attempt: 1, ok: true, value: { doubled: 42 } });
  });

  it('sends `started` before the status, and evaluates online as a spoke (across awaits)', async () => {
    const hub = await startSpoke();
    hub.task('t', closures, 'whoami', {}, 3);
    const started = await hub.next('started', 't');
    const status = await hub.next('status', 't');
    expect(started).toMatchObject({ taskId: 't', attempt: 3 });
    expect(status).toMatchObject({ ok: true, value: { spokeId: 'inproc-1', host: 'lusaka', taskId: 't', attempt: 3, spoke: true, online: true } });
  });

  it('evaluates queued tasks one at a time, in order', async () => {
    const hub = await startSpoke();
    for (let i = 0; i < 20; i += 1) hub.task(i, closures, 'double', { n: i });
    const order: (string | number)[] = [];
    hub.channel.on('message', (m) => {
      if (m.type === 'started' || m.type === 'status') order.push(`${m.type}:${String(m.taskId)}`);
    });
    await hub.next('status', 19);
    // started/status alternate: task i+1 starts only after task i reported.
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => [`started:${i}`, `status:${i}`]).flat());
  });
});

describe('a closure named once per channel (`task`, then `next-task`)', () => {
  const next = (taskId: number, record: WireValue, attempt = 1) => ({ type: 'next-task', v: 3, taskId, attempt, record, reportStart: false }) as const;

  it('evaluates each `next-task` with the closure the last `task` named, synchronous and asynchronous alike', async () => {
    const hub = await startSpoke();
    hub.task(1, closures, 'double', { n: 1 });
    for (let i = 2; i <= 5; i += 1) hub.channel.send(next(i, { n: i }));
    hub.task(6, closures, 'whoami', {});
    hub.channel.send(next(7, {}, 2));
    const values: { value?: unknown }[] = [];
    for (let i = 1; i <= 5; i += 1) values.push((await hub.next('status', i)) as { value?: unknown });
    expect(values.map((s) => s.value)).toEqual([1, 2, 3, 4, 5].map((n) => ({ doubled: 2 * n })));
    expect(await hub.next('status', 6)).toMatchObject({ ok: true, value: { taskId: 6, attempt: 1, spoke: true, online: true } });
    expect(await hub.next('status', 7)).toMatchObject({ ok: true, value: { taskId: 7, attempt: 2, spoke: true, online: true } });
  });

  it('reports a `next-task` before any `task` named a closure as SPMTaskLoad, and carries on', async () => {
    const hub = await startSpoke();
    hub.channel.send(next(1, { n: 1 }));
    const failed = await hub.next('status', 1);
    expect(failed.ok).toBe(false);
    const error = failed.ok ? undefined : fromWire(failed.error);
    expect(failed.ok ? undefined : failed.phase).toBe('load');
    expect(error).toBeInstanceOf(SPMTaskLoad);
    expect(error?.message).toMatch(/no `task` named its closure/);
    expect(await hub.status(2, closures, 'double', { n: 4 })).toMatchObject({ ok: true, value: { doubled: 8 } });
  });

  it('reports every `next-task` of a closure that cannot load as SPMTaskLoad, as it did the `task`', async () => {
    const hub = await startSpoke();
    hub.task(1, broken, 'anything', {});
    hub.channel.send(next(2, {}));
    for (const taskId of [1, 2]) {
      const status = await hub.next('status', taskId);
      expect(status.ok ? undefined : status.phase).toBe('load');
    }
  });
});

describe('failures become status reports, never a crashed spoke', () => {
  it('an evaluation that throws is reported with phase eval and the remote stack', async () => {
    const hub = await startSpoke();
    const status = await hub.status(2, closures, 'throws', {});
    expect(status.ok).toBe(false);
    if (status.ok) return;
    expect(status.phase).toBe('eval');
    const error = fromWire(status.error);
    expect(error.remote).toMatchObject({ name: 'RangeError', message: 'n out of range' });
    expect(error.stack).toContain('closures.mjs');
    // and the spoke still works
    expect(await hub.status(3, closures, 'double', { n: 1 })).toMatchObject({ ok: true, value: { doubled: 2 } });
  });

  it('a module that fails to load is reported with phase load', async () => {
    const hub = await startSpoke();
    const status = await hub.status(4, broken, 'x', {});
    expect(status).toMatchObject({ ok: false, phase: 'load' });
    if (status.ok) return;
    expect(fromWire(status.error).message).toBe('this module fails to load');
  });

  it('a module that does not exist is reported with phase load', async () => {
    const hub = await startSpoke();
    const status = await hub.status(5, new URL('./fixtures/missing.mjs', import.meta.url).href, 'x', {});
    expect(status).toMatchObject({ ok: false, phase: 'load' });
  });

  it('an unknown signature is SPMTaskLoad listing what the module declares', async () => {
    const hub = await startSpoke();
    const status = await hub.status(6, closures, 'nope', {});
    expect(status).toMatchObject({ ok: false, phase: 'load' });
    if (status.ok) return;
    const error = fromWire(status.error);
    expect(error).toBeInstanceOf(SPMTaskLoad);
    expect(error.message).toMatch(/No closure `nope`.*`double`/);
  });

  it('a declaration that is not evaluable is SPMTaskLoad', async () => {
    const hub = await startSpoke();
    const status = await hub.status(7, closures, 'not-evaluable', {});
    expect(status.ok ? undefined : fromWire(status.error)).toBeInstanceOf(SPMTaskLoad);
  });

  it('a value that cannot cross the wire is an evaluation error', async () => {
    const hub = await startSpoke();
    const status = await hub.status(8, closures, 'returns-function', {});
    expect(status).toMatchObject({ ok: false, phase: 'eval' });
    if (status.ok) return;
    expect(fromWire(status.error).message).toMatch(/cannot be sent to the hub/);
    // Said by what the value holds, not by the spoke's internal channel (`… on inproc:…`, `thread:parent`).
    // Named as the task's value (`value.f`; it read `message.value.f`).
    expect(fromWire(status.error).message).toMatch(/^Task 8 returned a value that cannot be sent to the hub: `value[^`]*` is a function, which is not data$/);
    expect(fromWire(status.error)).toBeInstanceOf(SPMTaskEval);
  });

  it.each([
    ['a function deep in the value, by its path', 'returns-nested-function', 'Task 8 returned a value that cannot be sent to the hub: `value.a[1].f` is a function, which is not data'],
    ['a getter that throws, by its path (no path was said)', 'returns-throwing-getter', 'Task 8 returned a value that cannot be sent to the hub: `value.x` threw when read: x is not ready'],
  ])('a value that cannot cross the wire names %s', async (_, signature, message) => {
    const hub = await startSpoke();
    const status = await hub.status(8, closures, signature, {});
    expect(status.ok ? undefined : fromWire(status.error).message).toBe(message);
  });

  it('declaring a closure while online is refused with SPMInvariantError (seed Fig. 2)', async () => {
    const hub = await startSpoke();
    const status = await hub.status(9, closures, 'declares-online', {});
    expect(status.ok ? undefined : fromWire(status.error)).toBeInstanceOf(SPMInvariantError);
  });
});

describe('talking to the hub', () => {
  it('a task’s request gets the hub’s reply; a notify arrives', async () => {
    const hub = await startSpoke();
    hub.task(10, closures, 'ask-hub', { q: 'bound?' });
    const request = await hub.next('request', 10);
    expect(request).toMatchObject({ taskId: 10, attempt: 1, body: { question: 'bound?' } });
    hub.channel.send({ type: 'reply', v: 3, taskId: 10, attempt: 1, requestId: request.requestId, ok: true, body: 42 });
    expect(await hub.next('notify', 10)).toMatchObject({ body: { done: true } });
    expect(await hub.next('status', 10)).toMatchObject({ ok: true, value: { reply: 42 } });
  });

  it('a reply for another attempt is ignored (stale)', async () => {
    const hub = await startSpoke();
    hub.task(11, closures, 'ask-hub', { q: 'x' }, 2);
    const request = await hub.next('request', 11);
    hub.channel.send({ type: 'reply', v: 3, taskId: 11, attempt: 1, requestId: request.requestId, ok: true, body: 'stale' });
    hub.channel.send({ type: 'reply', v: 3, taskId: 11, attempt: 2, requestId: request.requestId, ok: true, body: 'fresh' });
    expect(await hub.next('status', 11)).toMatchObject({ ok: true, value: { reply: 'fresh' } });
  });
});

describe('TypeScript modules', () => {
  // (Under Jest the import goes through Jest's own transform; the ts-node path is exercised
  // by the process-spoke spec, in a real child process.)
  it('are loaded as they are', async () => {
    const hub = await startSpoke();
    const status = await hub.status(12, typed, 'triple', { n: 14 });
    expect(status).toMatchObject({ ok: true, value: 42 });
  });
});

describe('the protocol', () => {
  it('a hub that sends a task before its welcome is refused: the channel closes with an error', async () => {
    const [hubEnd, spokeEnd] = createInprocPair();
    const agent = new SpokeAgent({ channel: spokeEnd, spokeId: 'x' });
    agents.push(agent);
    const started = agent.start();
    hubEnd.send({ type: 'task', v: 3, taskId: 1, attempt: 1, module: closures, signature: 'double', preload: [], record: { n: 1 } });
    await expect(started).rejects.toThrow(/Expected the hub's `welcome` first/);
    expect(await agent.done).toBeDefined();
  });
});

describe('a hub that lets the spoke go before welcoming it', () => {
  it('is a clean stop, not an error', async () => {
    const [hubEnd, spokeEnd] = createInprocPair();
    const agent = new SpokeAgent({ channel: spokeEnd, spokeId: 'y' });
    agents.push(agent);
    const started = agent.start();
    hubEnd.close();
    await expect(started).resolves.toBeUndefined();
    expect(await agent.done).toBeUndefined();
    expect(agent.spokeId).toBeUndefined();
  });
});
