import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { definePolicy, type StatusReport } from '@spm/closure-core';
import { type SPMError, SPMHubCallbackError, SPMTaskTimeout } from '@spm/exceptions';
import { amHub, amOnline } from '@spm/sequence';
import { expectSequencePoint, liveDescendants } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { knapsack, makeInstance, newIncumbent, solveSerial, subproblems, type SubproblemResult } from '../examples/knapsack/knapsack.mjs';
import { bare, chat, spokeLog, type ChatResult } from './fixtures/talkers.mjs';

// Without prefetch a spoke holds one task at a time, so a loss or a timeout is charged to the
// task that caused it, and "the next task on that spoke" is well defined.
const oneAtATime = definePolicy({ name: 'one-at-a-time', prefetch: 0 });

const until = (emitter: { once(event: 'spoke-lost' | 'timeout', fn: () => void): unknown }, event: 'spoke-lost' | 'timeout'): Promise<void> =>
  new Promise<void>((resolve) => void emitter.once(event, () => resolve()));

// One suite, two transports: the serial mode (spokes in this thread) and real processes.
describe.each(['inproc', 'process'] as const)('fine-grain (limited) closures on %s spokes', (kind) => {
  let cloud: VirtualCloud;
  let baseline: number[];

  beforeAll(async () => {
    baseline = liveDescendants();
    cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind, spokes: 2 } });
  });

  afterAll(async () => {
    await cloud.close();
  });

  it('answers requests with the closure’s own onMessage, online on the hub, one callback at a time, and receives notifies', async () => {
    const reports: StatusReport<ChatResult>[] = [];
    const summary = await chat.manage({
      pool: cloud.pool.intraAll(),
      tasks: ['a', 'b', 'c', 'd'].map((q) => ({ q })),
      onStatus: (r) => void reports.push(r),
    });
    expect(summary).toMatchObject({ reports: 4, ok: 4, staleMessages: 0 });
    // Each task got the reply to its own question, addressed to its own id and attempt.
    for (const report of reports) {
      const value = report.returnValue();
      expect(value.reply).toEqual({ answer: `closure:${['a', 'b', 'c', 'd'][Number(report.taskId)]}`, taskId: report.taskId, attempt: 1 });
      expect(value).toMatchObject({ taskId: report.taskId, attempt: 1 });
    }
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  it('lets an invocation’s onMessage replace the closure’s own, and calls it on the hub, online, never two at once', async () => {
    const seen: string[] = [];
    let online = true;
    let active = 0;
    let most = 0;
    const reports: StatusReport<ChatResult>[] = [];
    await chat.manage({
      pool: cloud.pool.intraAll(),
      tasks: ['x', 'y', 'z'].map((q) => ({ q })),
      onStatus: (r) => void reports.push(r),
      onMessage: async (body, from) => {
        online &&= amHub() && amOnline();
        active += 1;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 5)); // an async handler is awaited before the next
        active -= 1;
        const { q, done } = body as { q?: string; done?: string };
        seen.push(`${from.kind}:${q ?? done}:${String(from.taskId)}:${from.attempt}:${from.spokeId.startsWith('local:') ? 'spoke' : from.spokeId}`);
        return from.kind === 'request' ? `invocation:${q}` : undefined;
      },
    });
    expect(reports.map((r) => r.returnValue().reply).sort()).toEqual(['invocation:x', 'invocation:y', 'invocation:z']);
    expect(seen.filter((s) => s.startsWith('request')).sort()).toEqual(['request:x:0:1:spoke', 'request:y:1:1:spoke', 'request:z:2:1:spoke']);
    expect(seen.filter((s) => s.startsWith('notify')).sort()).toEqual(['notify:x:0:1:spoke', 'notify:y:1:1:spoke', 'notify:z:2:1:spoke']);
    expect(online).toBe(true);
    expect(most).toBe(1);
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  it('fails a task’s request when neither the closure nor the invocation has a handler (SPMTaskEval)', async () => {
    const reports: StatusReport[] = [];
    await bare.manage({ pool: cloud.pool.intraAll(), tasks: [{ q: 'anyone?' }], onStatus: (r) => void reports.push(r) });
    expect(reports[0]?.error?.code).toBe('SPM_TASK_EVAL');
    expect(reports[0]?.error?.message).toMatch(/takes no messages from its tasks/);
    const answered: StatusReport[] = [];
    await bare.manage({ pool: cloud.pool.intraAll(), tasks: [{ q: 'anyone?' }], onStatus: (r) => void answered.push(r), onMessage: () => 'here' });
    expect(answered[0]?.returnValue()).toEqual({ reply: 'here' });
    await expectSequencePoint(cloud, baseline, () => reports.length + answered.length);
  });

  it('discards at the hub a reply held for an attempt that timed out: it reaches neither the next task on that spoke nor any other', async () => {
    const reports: StatusReport<ChatResult>[] = [];
    const stale: { taskId: unknown; attempt: number; kind: string }[] = [];
    const onStale = (e: { taskId: unknown; attempt: number; kind: string }): void => void stale.push({ taskId: e.taskId, attempt: e.attempt, kind: e.kind });
    chat.on('stale-message', onStale);
    spokeLog.length = 0;
    try {
      const summary = await chat.manage({
        pool: cloud.pool.intraOnePerServer(), // one spoke: task 1 runs on the spoke relaunched after task 0 timed out
        policy: oneAtATime,
        tasks: [{ q: 'slow', spm: { meta: { timeout: after({ ms: 300 }) } } }, { q: 'next' }],
        onStatus: (r) => void reports.push(r),
        onMessage: async (body, from) => {
          if (from.kind === 'notify') return undefined;
          const { q } = body as { q: string };
          // Hold the answer for `slow` until its attempt has timed out (its spoke is being killed).
          if (q === 'slow') await until(chat, 'timeout');
          return { answer: `for:${q}`, taskId: from.taskId, attempt: from.attempt };
        },
      });
      const slow = reports.find((r) => r.taskId === 0);
      expect(slow?.error).toBeInstanceOf(SPMTaskTimeout);
      // The next task, on the relaunched spoke, got its own answer and nothing else.
      expect(reports.find((r) => r.taskId === 1)?.returnValue()).toEqual({ reply: { answer: 'for:next', taskId: 1, attempt: 1 }, taskId: 1, attempt: 1 });
      expect(summary.staleMessages).toBe(1);
      expect(stale).toEqual([{ taskId: 0, attempt: 1, kind: 'reply' }]);
      if (kind === 'inproc') {
        // The timed-out evaluation (cut off in this thread) saw its request fail, never the answer.
        expect(spokeLog.filter((e) => e.q === 'slow')).toEqual([{ q: 'slow', taskId: 0, attempt: 1, failed: expect.stringMatching(/^SPMError: .*stopp/) }]);
        expect(spokeLog.filter((e) => e.reply !== undefined).map((e) => e.q)).toEqual(['next']);
      }
    } finally {
      chat.off('stale-message', onStale);
    }
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  if (kind === 'process') {
    it('discards at the hub a reply held for an attempt whose spoke died mid-conversation: the next attempt gets its own', async () => {
      const reports: StatusReport<ChatResult>[] = [];
      const answered: string[] = [];
      const summary = await chat.manage({
        pool: cloud.pool.intraAll(),
        policy: oneAtATime,
        tasks: [{ q: 'bound', mode: 'die-mid-conversation' }],
        timeoutWaitForSpokes: after({ seconds: 10 }),
        onStatus: (r) => void reports.push(r),
        onMessage: async (body, from) => {
          if (from.kind === 'notify') return undefined;
          // Hold the first attempt's answer until its spoke is gone (it SIGKILLs itself).
          if (from.attempt === 1) await until(chat, 'spoke-lost');
          answered.push(`attempt ${from.attempt}`);
          return { answer: `for attempt ${from.attempt}`, taskId: from.taskId, attempt: from.attempt };
        },
      });
      expect(answered).toEqual(['attempt 1', 'attempt 2']); // the hub answered both…
      expect(reports[0]?.returnValue()).toEqual({ reply: { answer: 'for attempt 2', taskId: 0, attempt: 2 }, taskId: 0, attempt: 2 }); // …the stale one was filtered
      expect(summary).toMatchObject({ retries: 1, staleMessages: 1 });
      await expectSequencePoint(cloud, baseline, () => reports.length);
    });
  }

  it('says a reply that cannot be sent is one, not that the handler threw', async () => {
    const error = await chat.manage({ pool: cloud.pool.intraAll(), tasks: [{ q: 'map' }], onMessage: () => new Map([[1, 2]]) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as SPMError).message).toMatch(/^The message handler of `chat` returned a reply to task 0 that cannot be sent: /);
  });

  it('treats an onMessage that throws as a hub-callback error: the pending request fails on the spoke, every spoke is terminated and relaunched, no callback fires after', async () => {
    const reports: StatusReport[] = [];
    const incarnations = new Map(cloud.spokes().map((s) => [s.id, s.incarnation]));
    const bug = new TypeError('bug in my handler');
    let calls = 0;
    spokeLog.length = 0;
    const error = await chat
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: [{ q: 'boom' }],
        onStatus: (r) => void reports.push(r),
        onMessage: () => {
          calls += 1;
          throw bug;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as SPMError).cause).toBe(bug);
    expect((error as SPMError).message).toMatch(/message handler of `chat` threw on a message of task 0: bug in my handler/);
    expect(calls).toBe(1);
    expect(reports).toEqual([]);
    if (kind === 'inproc') {
      // The request was pending on the spoke when the hub concluded: it failed there.
      expect(spokeLog).toEqual([{ q: 'boom', taskId: 0, attempt: 1, failed: expect.stringMatching(/^SPMError: Spoke local:\d stopped before the hub replied/) }]);
    }
    await expectSequencePoint(cloud, baseline, () => reports.length + calls);
    for (const spoke of cloud.spokes()) expect(spoke.incarnation).toBeGreaterThan(incarnations.get(spoke.id) as number);
  });

  it('solves a knapsack by parallel branch-and-bound, sharing the incumbent through the hub; the result equals the serial solver’s', async () => {
    const instance = makeInstance(40, 7);
    const { state, onMessage } = newIncumbent();
    const results: SubproblemResult[] = [];
    const tasks = subproblems(instance, 4);
    const summary = await knapsack.manage({
      pool: cloud.pool.intraAll(),
      tasks,
      onMessage,
      onStatus: (r) => void results.push(r.returnValue()),
    });
    expect(summary).toMatchObject({ reports: 16, ok: 16, failed: 0, staleMessages: 0 });
    expect(state.value).toBe(solveSerial(instance));
    // The incumbent is a real solution: its items fit and are worth what it says.
    expect(new Set(state.take).size).toBe(state.take.length);
    expect(state.take.reduce((sum, i) => sum + (instance.weights[i] as number), 0)).toBeLessThanOrEqual(instance.capacity);
    expect(state.take.reduce((sum, i) => sum + (instance.values[i] as number), 0)).toBe(state.value);
    // The tasks did talk: each asked for the bound at least once, and improvements were reported.
    expect(state.questions).toBe(results.reduce((n, r) => n + r.questions, 0));
    expect(state.questions).toBeGreaterThanOrEqual(16);
    expect(state.improvements).toBeGreaterThanOrEqual(1);
    expect(Math.max(...results.map((r) => r.best?.value ?? 0))).toBe(state.value);
    await expectSequencePoint(cloud, baseline, () => results.length);
  });
});
