import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type SPMError,
  SPMExecutionTimeout,
  SPMHubCallbackError,
  SPMInvariantError,
  SPMManagerBusy,
  SPMManagerError,
  SPMTaskDropped,
  SPMTaskEval,
  SPMTaskLoad,
  SPMTaskTimeout,
  SPMTypedefError,
  SPMWaitForSpokesTimeout,
} from '@spm/exceptions';
import { defineClosure, definePolicy, formatMetaStatus, policyB, type StatusReport } from '@spm/closure-core';
import { amHub, amOnline, currentSequence } from '@spm/sequence';
import { isCoprocessHelper, liveDescendants, processesWithArg, waitFor } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { ask, broken, pipe, pipedWork, pipedYielding, plain, shellSync, spin, work, yielding } from './fixtures/closures.mjs';

type Task = { n: number; ms?: number; mode?: string; spm?: unknown };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// One suite, two transports: the serial mode (spokes in this thread) and real processes.
describe.each(['inproc', 'process'] as const)('a coarse list on %s spokes', (kind) => {
  let cloud: VirtualCloud;
  let baseline: number[];

  beforeAll(async () => {
    baseline = liveDescendants();
    cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind, spokes: 2 } });
  });

  afterAll(async () => {
    await cloud.close();
  });

  /** The sequence-point guarantee, checked after every invocation. */
  async function expectSequencePoint(reportsSoFar: () => number): Promise<void> {
    const count = reportsSoFar();
    expect(currentSequence().state).toBe('offline');
    expect(cloud.tracker.activeLease).toBeUndefined();
    expect(cloud.spokes().every((s) => s.state !== 'leased')).toBe(true);
    await sleep(50);
    expect(reportsSoFar()).toBe(count); // no callback fires after manage() settled
    // Spokes killed at the conclusion come back as new incarnations; once they are all idle, no
    // process lives but the current spokes (the killed incarnations and their children are gone).
    await waitFor(() => cloud.spokes().every((s) => s.state === 'idle'), 10_000, 'every spoke idle');
    if (kind === 'process') {
      const spokePids = cloud.spokes().map((s) => s.pid);
      // (And the runtime's helpers: the hub's untracked-programs watchdog, while it has spokes.)
      const extra = liveDescendants().filter((pid) => !baseline.includes(pid) && !spokePids.includes(pid) && !isCoprocessHelper(pid));
      expect(extra).toEqual([]); // nothing but the spokes themselves (no coprocess, no stray)
    }
  }

  it('delivers one report per task, online on the hub, with the runtime’s fields filled', async () => {
    const reports: StatusReport<number>[] = [];
    const lines: string[] = [];
    let onlineInCallback = true;
    const summary = await work.manage({
      pool: cloud.pool.intraAll(),
      tasks: Array.from({ length: 20 }, (_, n) => ({ n })),
      onStatus: (report) => {
        onlineInCallback &&= amHub() && amOnline();
        reports.push(report as StatusReport<number>);
      },
      onMetaStatus: (status) => lines.push(formatMetaStatus(status)),
      timeoutWaitForSpokes: after({ seconds: 10 }),
    });
    expect(summary).toMatchObject({ reports: 20, ok: 20, failed: 0, retries: 0, duplicates: 0, spokes: 2 });
    expect(reports.map((r) => r.taskId).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const report of reports) {
      expect(report.ok).toBe(true);
      expect(report.returnValue()).toBe(Number(report.taskId) ** 2);
      expect(report.attempt).toBe(1);
      expect(report.host).toBe('hub');
      expect(['local:1', 'local:2']).toContain(report.spokeId);
      const spm = (report.record as { spm: { core: { nameHost: string; whoAmI: string }; stat: { returnValue: unknown } } }).spm;
      expect(spm.core).toMatchObject({ nameHost: 'hub', whoAmI: report.spokeId });
      expect(spm.stat.returnValue).toBe(report.value);
    }
    expect(onlineInCallback).toBe(true);
    expect(lines).toEqual(['#: MetaStatus (hub): Waiting - ForSpokes [ for up to 10 secs ]', '#: MetaStatus (hub): Tasks - Eval', '#: MetaStatus (hub): Tasks - EvalDone']);
    await expectSequencePoint(() => reports.length);
  });

  it('evaluates online on a spoke, with spm.core.nameHost and whoAmI filled', async () => {
    const reports: StatusReport[] = [];
    await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1, mode: 'who' }], onStatus: (r) => void reports.push(r) });
    expect(reports[0]?.returnValue()).toMatchObject({ host: 'hub', nameHost: 'hub', spoke: true, online: true, hub: false, whoAmI: reports[0]?.spokeId });
  });

  it('reports an evaluation that throws as SPMTaskEval with the remote name and stack; the others succeed', async () => {
    const reports: StatusReport[] = [];
    await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, { n: 2, mode: 'throw' }, { n: 3 }], onStatus: (r) => void reports.push(r) });
    const failed = reports.find((r) => r.taskId === 1) as StatusReport;
    expect(failed.ok).toBe(false);
    expect(() => failed.returnValue()).toThrow(SPMTaskEval);
    expect(failed.error).toMatchObject({ code: 'SPM_TASK_EVAL', taskId: 1, attempt: 1, spokeId: failed.spokeId, host: 'hub' });
    expect(failed.error?.remote?.name).toBe('RangeError');
    expect(failed.error?.remote?.stack).toContain('closures.mjs');
    expect(failed.error?.message).toMatch(/Task 1 threw on spoke local:\d: RangeError: n=2 is out of range/);
    expect((failed.record as { spm: { stat: { exception: string } } }).spm.stat.exception).toBe(failed.error?.message);
    expect(reports.filter((r) => r.ok).map((r) => r.value)).toEqual(expect.arrayContaining([1, 9]));
  });

  it('reports a module that cannot load as SPMTaskLoad', async () => {
    const reports: StatusReport[] = [];
    await broken.manage({ pool: cloud.pool.intraAll(), tasks: [{}], onStatus: (r) => void reports.push(r) });
    expect(reports[0]?.error).toBeInstanceOf(SPMTaskLoad);
    expect(reports[0]?.error?.message).toMatch(/could not be loaded/);
  });

  it('kills a task past its own timeout (SPMTaskTimeout), relaunches its spoke, and runs the rest', async () => {
    const reports: StatusReport[] = [];
    const before = new Map(cloud.spokes().map((s) => [s.id, s.incarnation]));
    await work.manage({
      pool: cloud.pool.intraAll(),
      tasks: [{ n: 1, ms: 30_000, spm: { meta: { timeout: after({ ms: 300 }) } } }, { n: 2 }, { n: 3 }],
      onStatus: (r) => void reports.push(r),
    });
    const timedOut = reports.find((r) => r.taskId === 0) as StatusReport;
    expect(timedOut.error).toBeInstanceOf(SPMTaskTimeout);
    expect(timedOut.error).toBeInstanceOf(SPMTaskDropped);
    expect(timedOut.error).toMatchObject({ code: 'SPM_TASK_TIMEOUT', taskId: 0, attempt: 1 });
    expect(reports.filter((r) => r.ok).map((r) => r.value).sort()).toEqual([4, 9]);
    const victim = timedOut.spokeId as string;
    await waitFor(() => (cloud.tracker.snapshot(victim)?.incarnation ?? 0) > (before.get(victim) as number), 10_000, 'the killed spoke relaunched');
    await expectSequencePoint(() => reports.length);
  });

  it('past timeoutExecution, kills running tasks, drops every unfinished one and rejects with SPMExecutionTimeout', async () => {
    const reports: StatusReport[] = [];
    const error = await work
      .manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, ...Array.from({ length: 6 }, (_, i) => ({ n: i + 2, ms: 30_000 }))], onStatus: (r) => void reports.push(r), timeoutExecution: after({ ms: 400 }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMExecutionTimeout);
    // One report per task, those never dispatched included; the quick task may or may not have
    // finished before the deadline, the sleepers cannot have.
    expect(reports.map((r) => r.taskId).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(reports.filter((r) => Number(r.taskId) > 0).every((r) => r.error instanceof SPMTaskDropped)).toBe(true);
    expect(reports.every((r) => r.ok || r.error instanceof SPMTaskDropped)).toBe(true);
    await expectSequencePoint(() => reports.length);
  });

  it('timeoutExecution 0: timed out before anything is dispatched, every time (a 0 ms timer let quick inproc tasks finish first now and then)', async () => {
    for (let run = 0; run < 5; run += 1) {
      const reports: StatusReport[] = [];
      const error = await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, { n: 2 }], onStatus: (r) => void reports.push(r), timeoutExecution: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMExecutionTimeout);
      expect(reports.map((r) => [r.taskId, r.error instanceof SPMTaskDropped])).toEqual([
        [0, true],
        [1, true],
      ]);
    }
    await expectSequencePoint(() => 0);
  });

  it('aborts on its signal: running tasks killed, unfinished ones dropped, SPMManagerError', async () => {
    const reports: StatusReport[] = [];
    const controller = new AbortController();
    const error = await work
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: Array.from({ length: 5 }, (_, n) => ({ n, ms: 30_000 })),
        onStatus: (r) => void reports.push(r),
        signal: controller.signal,
        onMetaStatus: (status) => {
          if (status.phase === 'eval') setTimeout(() => controller.abort(new Error('Ctrl-C')), 100);
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toMatch(/was aborted \(Ctrl-C\)/);
    expect(reports.map((r) => r.taskId).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(reports.every((r) => r.error instanceof SPMTaskDropped)).toBe(true);
    await expectSequencePoint(() => reports.length);
  });

  it.each([
    ['one at a time', yielding, 2],
    ['pipelined', pipedYielding, 6],
  ] as const)('with abortGrace (%s), lets the running tasks end by themselves first: their reports kept, tasks not begun dropped, spokes kept', async (_, closure, begin) => {
    // 2 spokes hold 3 tasks each (prefetch 2): one evaluates, or (pipelined) all three do. The
    // abort comes once those have begun; the grace is long enough that only their reports can
    // have ended it (waiting it out would time the spec out).
    const reports: StatusReport[] = [];
    const phases: string[] = [];
    const begun = new Set<unknown>();
    const controller = new AbortController();
    const error = await closure
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: Array.from({ length: 10 }, (_, n) => ({ n, ms: 60_000 })),
        onStatus: (r) => void reports.push(r),
        onMessage: (body) => {
          begun.add((body as { begun: number }).begun);
          if (begun.size === begin) controller.abort(new Error('Ctrl-C'));
        },
        onMetaStatus: (status) => void phases.push(formatMetaStatus(status)),
        signal: controller.signal,
        abortGrace: after({ minutes: 10 }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toMatch(/was aborted \(Ctrl-C\)/);
    expect(phases).toContain('#: MetaStatus (hub): Tasks - Cancelling [ 6 running, for up to 600 secs ]');
    expect(reports.map((r) => r.taskId).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 10 }, (_, n) => n));
    // Those that had begun ended by themselves, through their signal, and reported what they made of it.
    const ended = reports.filter((r) => r.ok);
    expect(ended.map((r) => r.taskId).sort()).toEqual([...begun].sort());
    expect(ended.every((r) => (r.value as { stopped: boolean }).stopped)).toBe(true);
    // Held by a spoke, not begun: dropped by the spoke's cancel; the rest never left the hub.
    const dropped = reports.filter((r) => !r.ok);
    expect(dropped.every((r) => r.error instanceof SPMTaskDropped && /was aborted \(Ctrl-C\)/.test(r.error.message))).toBe(true);
    expect(dropped.filter((r) => /before it began on spoke/.test(r.error?.message ?? ''))).toHaveLength(6 - begin);
    await expectSequencePoint(() => reports.length);
    // The spokes were not relaunched: every task had reported. They take the next invocation.
    expect(await closure.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1, ms: 0 }], onMessage: () => undefined })).toMatchObject({ ok: 1 });
  });

  it('with abortGrace, drops and kills what has not ended when the grace has passed', async () => {
    const reports: StatusReport[] = [];
    const controller = new AbortController();
    let begun = 0;
    const error = await yielding
      .manage({
        pool: cloud.pool.intraAll(),
        // Deaf to their signal: they run on through the grace.
        tasks: Array.from({ length: 4 }, (_, n) => ({ n, ms: 1500, deaf: true })),
        onStatus: (r) => void reports.push(r),
        onMessage: () => {
          if (++begun === 2) controller.abort(new Error('Ctrl-C'));
        },
        signal: controller.signal,
        abortGrace: 200,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toMatch(/was aborted \(Ctrl-C\): running tasks were killed and every unfinished task was reported SPMTaskDropped$/);
    expect(reports.map((r) => r.taskId).sort()).toEqual([0, 1, 2, 3]);
    expect(reports.every((r) => r.error instanceof SPMTaskDropped)).toBe(true);
    // The two still running past the grace say where (until session 47: "the invocation was
    // aborted (Ctrl-C)", no spoke), as the ones the cancel found not begun do. (Without a
    // timeout their spokes do not say when they begin: "while it was on", not "while it ran on".)
    const ran = reports.filter((r) => /while it was on spoke/.test(r.error?.message ?? ''));
    expect(ran.map((r) => r.taskId).sort()).toEqual([0, 1]);
    for (const r of ran) {
      expect(r.error?.message).toBe(`Task ${String(r.taskId)} was dropped: the invocation was aborted (Ctrl-C) while it was on spoke ${String(r.spokeId)}`);
      expect(r.spokeId).toMatch(/^local:\d+$/);
    }
    await expectSequencePoint(() => reports.length);
  });

  it('concludes at timeoutExecution even when a hub callback never returns (it is abandoned after a grace)', async () => {
    let calls = 0;
    // The first report must reach the hung callback before the deadline. The test before this one
    // killed the spokes; a process spoke's first task after a relaunch loads the closure's module
    // (measured up to 110 ms beside two other suites), so warm both spokes up first and leave the
    // deadline ample room.
    await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, { n: 2, ms: 20 }] });
    const error = await work
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: [{ n: 1 }, { n: 2, ms: 30_000 }],
        onStatus: () => {
          calls += 1;
          return new Promise<void>(() => undefined); // hangs forever
        },
        timeoutExecution: after({ ms: 1500 }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMExecutionTimeout);
    // It used to say every unfinished task "was reported", though none was.
    expect((error as Error).message).toMatch(/ran past its timeoutExecution of 1500 ms: running tasks were killed and every unfinished task was dropped \(SPMTaskDropped\), but no report was delivered: a hub callback was still running 1000 ms after the deadline and was abandoned/);
    expect(calls).toBe(1); // the hung callback blocked the rest; none was called after the deadline
    await expectSequencePoint(() => calls);
  });

  it('breaking out of the report iterator concludes the invocation', async () => {
    let seen = 0;
    for await (const report of work.reports({ pool: cloud.pool.intraAll(), tasks: Array.from({ length: 50 }, (_, n) => ({ n, ms: 5 })) })) {
      expect(report.ok).toBe(true);
      seen += 1;
      if (seen === 3) break;
    }
    expect(seen).toBe(3);
    await expectSequencePoint(() => seen);
  });

  it('when onStatus throws: no further callback, spokes terminated and relaunched, SPMHubCallbackError with the original', async () => {
    const seen: number[] = [];
    const incarnations = new Map(cloud.spokes().map((s) => [s.id, s.incarnation]));
    const bug = new TypeError('bug in my callback');
    const error = await work
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: Array.from({ length: 10 }, (_, n) => ({ n, ms: 20 })),
        onStatus: (r) => {
          seen.push(Number(r.taskId));
          if (seen.length === 2) throw bug;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as SPMError).cause).toBe(bug);
    expect(seen).toHaveLength(2);
    await expectSequencePoint(() => seen.length);
    // Every spoke of the lease was terminated and relaunched (seed: forcible termination).
    for (const spoke of cloud.spokes()) expect(spoke.incarnation).toBeGreaterThan(incarnations.get(spoke.id) as number);
    // The cloud heals: the relaunched spokes serve the next manager.
    const summary = await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 4 }], timeoutWaitForSpokes: after({ seconds: 10 }) });
    expect(summary.ok).toBe(1);
  });

  it('a throwing `report` listener is named as one (it was blamed on the status callback); reports() refuses an onStatus it would never call', async () => {
    const listener = (): void => {
      throw new Error('listener broke');
    };
    work.on('report', listener);
    try {
      const error = await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], onStatus: () => undefined }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMHubCallbackError);
      expect((error as Error).message).toBe('A `report` listener of `work` threw on task 0: listener broke');
    } finally {
      work.off('report', listener);
    }
    await expectSequencePoint(() => 0);
    expect(() => work.reports({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], onStatus: () => undefined } as never)).toThrow(
      'Expected no `onStatus` with reports() of `work` (its iterator gives the reports; use manage() for a callback), got one',
    );
  });

  it('a callback, a listener, a tasks iterable or an abort reason that is a value String() cannot print fails the manager, never the hub', async () => {
    // `Object.create(null)` has no toString; a message getter that throws: messages built with
    // String(value) threw a TypeError inside the hub's catch and took the process down.
    const odd = Object.create(null) as object;
    const badMessage = new Error('x');
    Object.defineProperty(badMessage, 'message', {
      get() {
        throw Object.create(null);
      },
    });
    const tasks = (): { n: number; ms: number }[] => Array.from({ length: 4 }, (_, n) => ({ n, ms: 5 }));
    const outcomes: [string, unknown][] = [];
    for (const thrown of [odd, badMessage]) {
      const status = await work.manage({ pool: cloud.pool.intraAll(), tasks: tasks(), onStatus: () => { throw thrown; } }).catch((e: unknown) => e);
      const asyncStatus = await work.manage({ pool: cloud.pool.intraAll(), tasks: tasks(), onStatus: () => Promise.reject(thrown) }).catch((e: unknown) => e);
      const meta = await work.manage({ pool: cloud.pool.intraAll(), tasks: tasks(), onMetaStatus: () => { throw thrown; } }).catch((e: unknown) => e);
      const iterable = await work
        .manage({
          pool: cloud.pool.intraAll(),
          tasks: (function* () {
            yield { n: 1 };
            throw thrown;
          })(),
        })
        .catch((e: unknown) => e);
      const controller = new AbortController();
      const aborted = work.manage({ pool: cloud.pool.intraAll(), tasks: tasks().map((t) => ({ ...t, ms: 500 })), signal: controller.signal }).catch((e: unknown) => e);
      setTimeout(() => controller.abort(thrown), 50);
      outcomes.push(['onStatus', status], ['async onStatus', asyncStatus], ['onMetaStatus', meta], ['tasks', iterable], ['abort', await aborted]);
    }
    for (const [where, error] of outcomes) {
      expect({ where, hub: error instanceof SPMHubCallbackError || error instanceof SPMManagerError, message: typeof (error as Error).message }).toEqual({ where, hub: true, message: 'string' });
    }
    expect((outcomes[0]?.[1] as Error).message).toMatch(/threw on task \S+: \{\}$/);
    await expectSequencePoint(() => 0);
  });

  it('an asynchronous onMetaStatus or event listener that rejects fails the manager with SPMHubCallbackError (its rejection ended the hub process)', async () => {
    const bug = new RangeError('async bug');
    const meta = await work
      .manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], onMetaStatus: async (status) => { if (status.phase === 'eval') throw bug; } })
      .catch((e: unknown) => e);
    expect(meta).toBeInstanceOf(SPMHubCallbackError);
    expect((meta as SPMError).message).toBe('The meta-status callback of `work` threw: async bug');
    expect((meta as SPMError).cause).toBe(bug);
    // Rejecting last, at `eval-done`, after every report: still awaited, still the invocation's error.
    const last = await work
      .manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], onMetaStatus: (status) => (status.phase === 'eval-done' ? sleep(5).then(() => Promise.reject(bug)) : undefined) })
      .catch((e: unknown) => e);
    expect(last).toBeInstanceOf(SPMHubCallbackError);
    for (const event of ['report', 'meta-status', 'dispatch'] as const) {
      const listener = async (): Promise<void> => {
        await sleep(1);
        throw bug;
      };
      work.on(event, listener);
      try {
        const error = await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, { n: 2 }] }).catch((e: unknown) => e);
        expect({ event, error: error instanceof SPMHubCallbackError, cause: (error as SPMError).cause }).toEqual({ event, error: true, cause: bug });
        expect((error as SPMError).message).toMatch(new RegExp(`^A \`${event}\` listener of \`work\` threw( on task \\d+)?: async bug$`));
      } finally {
        work.off(event, listener);
      }
    }
    await expectSequencePoint(() => 0);
    // A `concluded` listener's rejection has nothing left to fail: it is caught, not left unhandled.
    const concluded = (): Promise<void> => Promise.reject(bug);
    work.once('concluded', concluded);
    await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }] })).resolves.toMatchObject({ ok: 1 });
    expect(work.listenerCount('concluded')).toBe(0); // once: removed as eventemitter3's emit removes it
  });

  it('delivers one report at a time when onStatus is synchronous for some reports and asynchronous for others', async () => {
    const seen: number[] = [];
    let inside = 0;
    let overlapped = false;
    const summary = await work.manage({
      pool: cloud.pool.intraAll(),
      tasks: Array.from({ length: 40 }, (_, n) => ({ n })),
      policy: definePolicy({ name: 'deep', prefetch: 8 }),
      onStatus: (r) => {
        overlapped ||= inside > 0;
        inside += 1;
        seen.push(Number(r.taskId));
        if (Number(r.taskId) % 3 !== 0) {
          inside -= 1;
          return undefined; // synchronous: delivered at once
        }
        return sleep(2).then(() => void (inside -= 1)); // asynchronous: awaited before the next
      },
    });
    expect(summary).toMatchObject({ reports: 40, ok: 40 });
    expect(overlapped).toBe(false);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await expectSequencePoint(() => seen.length);
  });

  it('when an asynchronous onStatus rejects: no further callback, SPMHubCallbackError with the reason', async () => {
    const seen: number[] = [];
    const bug = new RangeError('async bug');
    const error = await work
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: Array.from({ length: 10 }, (_, n) => ({ n, ms: 5 })),
        onStatus: async (r) => {
          seen.push(Number(r.taskId));
          await sleep(1);
          if (seen.length === 3) throw bug;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as SPMError).cause).toBe(bug);
    expect(seen).toHaveLength(3);
    await expectSequencePoint(() => seen.length);
  });

  it('delivers the reports a synchronous onStatus raises (by aborting) after it returns, never inside it', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    let inside = false;
    let nested = false;
    const error = await work
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: Array.from({ length: 6 }, (_, n) => ({ n, ms: n === 0 ? 0 : 30_000 })),
        signal: controller.signal,
        onStatus: (r) => {
          nested ||= inside;
          inside = true;
          seen.push(Number(r.taskId));
          if (r.taskId === 0) controller.abort(new Error('enough')); // drops tasks 1–5, reporting them now
          inside = false;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect(nested).toBe(false);
    expect(seen[0]).toBe(0);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    await expectSequencePoint(() => seen.length);
  });

  it('refuses bad options and bad records before anything runs', async () => {
    const dispatched: unknown[] = [];
    work.on('dispatch', (e) => dispatched.push(e));
    try {
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], nSpokesMin: 3, nSpokesMax: 2 })).rejects.toThrow('Expected `nSpokesMin` (3) ≤ `nSpokesMax` (2)');
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], timeoutExecution: -5 })).rejects.toThrow(/Expected `timeoutExecution` to be a duration/);
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], abortGrace: -1 })).rejects.toThrow(/Expected `abortGrace` to be a duration \(after\(\{ seconds \}\) or milliseconds from 0 to \d+\), got `-1` \(number\)/);
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: 42 as never })).rejects.toThrow(/Expected `tasks` to be an array/);
      // null is a wrong value, not "the default" (as the tracker's lease() says too).
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], nSpokesMin: null as never })).rejects.toThrow('Expected `nSpokesMin` to be an integer ≥ 1, got `null`');
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], timeoutExecution: null as never })).rejects.toThrow(/Expected `timeoutExecution` to be a duration .*, got `null`/);
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], policy: null as never })).rejects.toThrow('Expected `policy` to be a policy (e.g. policyA), got `null`');
      const bad = await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, { ms: 5 } as Task] }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(SPMTypedefError);
      expect((bad as SPMTypedefError).message).toMatch(/^Task 1: .*`n`/);
      expect((bad as SPMTypedefError).path).toBe('n');
      // A hole is no task (it was skipped by the check, then read as a record of defaults), nor is null.
      const holey: Task[] = [{ n: 1 }];
      holey[2] = { n: 2 };
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: holey })).rejects.toThrow('Task 1: Expected the task to be a record (a plain object), got nothing (undefined)');
      await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }, null as never] })).rejects.toThrow('Task 1: Expected the record to be a struct (a plain object), got `None` (null)');
    } finally {
      work.removeAllListeners('dispatch');
    }
    expect(dispatched).toEqual([]); // an array is checked whole before anything is dispatched
    await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], policy: { ...definePolicy({ name: 'p' }), prefetch: -1 } })).rejects.toThrow(
      'Expected policy `prefetch` to be an integer ≥ 0, got `-1` (number)',
    );
    // A misspelt option was ignored, and what it asked for (a deadline) silently not applied.
    await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], timeoutExecuton: 1 } as never)).rejects.toThrow(
      /^Unknown option `timeoutExecuton` of manage\(\) \(did you mean `timeoutExecution`\?\); expected one of `pool`, `tasks`, /,
    );
    await expect(work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], colour: 'red' } as never)).rejects.toThrow(/^Unknown option `colour` of manage\(\); expected one of/);
    expect(() => definePolicy({ name: 'p', prefetcj: 1 } as never)).toThrow(/^Unknown option `prefetcj` of a policy \(did you mean `prefetch`\?\)/);
    expect(currentSequence().state).toBe('offline');
  });

  it('stops at a bad record read from a generator: every task read gets one report, the bad one and the unfinished ones SPMTaskDropped', async () => {
    const reports: StatusReport[] = [];
    // Six slots on two spokes: tasks 0–5 go out at once; when task 0 (the only quick one) reports, task 6 is read.
    function* tasks(): Generator<Task> {
      for (let n = 0; n < 10; n++) yield n === 6 ? ({ n: 'six' } as unknown as Task) : { n, ms: n === 0 ? 0 : 20_000 };
    }
    const error = await work.manage({ pool: cloud.pool.intraAll(), tasks: tasks(), onStatus: (r) => void reports.push(r) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMTypedefError);
    expect((error as SPMTypedefError).message).toMatch(/^Task 6: Expected `n` to be scalar<int>/);
    expect((error as SPMTypedefError).path).toBe('n');
    // Tasks 0–5 were dispatched and 6 was read: one report each (they used to get none); 7–9 were never read.
    expect(reports.map((r) => Number(r.taskId)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const byId = new Map(reports.map((r) => [Number(r.taskId), r]));
    expect(byId.get(0)).toMatchObject({ ok: true, value: 0 }); // it reported before task 6 was read
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const report = byId.get(n) as StatusReport;
      expect({ n, dropped: report.error instanceof SPMTaskDropped, cause: report.error?.cause }).toEqual({ n, dropped: true, cause: error });
    }
    expect(byId.get(6)?.error?.message).toMatch(/^Task 6 was dropped: its record was refused \(Task 6: Expected `n`/);
    expect(byId.get(2)?.error?.message).toBe('Task 2 was dropped: the invocation stopped at task 6, whose record was refused');
    await expectSequencePoint(() => reports.length);
  });

  it('allows one manager at a time: one invoked from a status callback gets SPMManagerBusy', async () => {
    let inner: unknown;
    await work.manage({
      pool: cloud.pool.intraAll(),
      tasks: [{ n: 1 }],
      onStatus: async () => {
        inner = await plain.manage({ pool: cloud.pool.intraAll(), tasks: [{}] }).catch((e: unknown) => e);
      },
    });
    expect(inner).toBeInstanceOf(SPMManagerBusy);
    // It names the busy manager by its closure, and the one refused.
    expect((inner as Error).message).toContain(`Another manager is online in this hub, \`${work.signature}\``);
    expect((inner as Error).message).toContain(`\`${plain.signature}\` must wait`);
  });

  it('refuses to declare a closure while the hub is online (SPMInvariantError)', async () => {
    let declared: unknown;
    await work.manage({
      pool: cloud.pool.intraAll(),
      tasks: [{ n: 1 }],
      onStatus: () => {
        try {
          defineClosure({ family: 'list', signature: 'late', module: import.meta.url, evaluate: () => 0 });
        } catch (e) {
          declared = e;
        }
      },
    });
    expect(declared).toBeInstanceOf(SPMInvariantError);
  });

  it('times out waiting for more spokes than there are, and goes back offline', async () => {
    const error = await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], nSpokesMin: 5, timeoutWaitForSpokes: after({ ms: 100 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMWaitForSpokesTimeout);
    expect(currentSequence().state).toBe('offline');
  });

  it('streams an async generator with back-pressure: it is never drained ahead of the spokes', async () => {
    let pulled = 0;
    let reported = 0;
    let maxAhead = 0;
    async function* tasks(): AsyncGenerator<Task> {
      for (let n = 0; n < 300; n += 1) {
        pulled += 1;
        maxAhead = Math.max(maxAhead, pulled - reported);
        yield { n };
      }
    }
    const summary = await work.manage({
      pool: cloud.pool.intraAll(),
      tasks: tasks(),
      onStatus: async () => {
        reported += 1;
        if (reported % 50 === 0) await sleep(5); // a slow consumer now and then
      },
    });
    expect(summary.reports).toBe(300);
    process.stdout.write(`${kind}: at most ${maxAhead} tasks pulled ahead of their reports (300 tasks, 2 spokes)\n`);
    expect(maxAhead).toBeLessThan(60);
  });

  it('offers the reports as an async iterator', async () => {
    const values: unknown[] = [];
    for await (const report of work.reports({ pool: cloud.pool.intraAll(), tasks: [{ n: 2 }, { n: 3 }, { n: 4 }] })) values.push(report.returnValue());
    expect(values.sort()).toEqual([16, 4, 9]);
    expect(currentSequence().state).toBe('offline');
  });

  it('relaunches the spoke before a relaunchPre task and after a relaunchPost task', async () => {
    const before = new Map(cloud.spokes().map((s) => [s.id, s.incarnation]));
    const reports: StatusReport[] = [];
    await work.manage({ pool: cloud.pool.intraOnePerServer(), tasks: [{ n: 1, spm: { core: { relaunchPre: true } } }, { n: 2, spm: { core: { relaunchPost: true } } }], onStatus: (r) => void reports.push(r) });
    expect(reports.every((r) => r.ok)).toBe(true);
    const id = reports[0]?.spokeId as string;
    await waitFor(() => cloud.tracker.snapshot(id)?.incarnation === (before.get(id) as number) + 2 && cloud.tracker.snapshot(id)?.state === 'idle', 10_000, 'two relaunches');
    expect(cloud.tracker.snapshot(id)?.incarnation).toBe((before.get(id) as number) + 2);
  });

  it('names its closure again to every relaunched spoke: the tasks after a relaunch run, on the new incarnation', async () => {
    const before = new Map(cloud.spokes().map((s) => [s.id, s.incarnation]));
    const reports: StatusReport[] = [];
    // One spoke: task 1 relaunches it after it ran; tasks 2–4 go to the new incarnation, whose
    // channel has not been told the closure yet (a task frame that only referred to it would fail).
    await work.manage({
      pool: cloud.pool.intraOnePerServer(),
      tasks: [{ n: 0 }, { n: 1, spm: { core: { relaunchPost: true } } }, { n: 2 }, { n: 3 }, { n: 4 }],
      policy: definePolicy({ name: 'deep', prefetch: 4 }),
      onStatus: (r) => void reports.push(r),
    });
    expect(reports.map((r) => [r.taskId, r.ok, r.error?.message])).toEqual([0, 1, 2, 3, 4].map((n) => [n, true, undefined]));
    const id = reports[0]?.spokeId as string;
    expect(reports.every((r) => r.spokeId === id)).toBe(true);
    await waitFor(() => cloud.tracker.snapshot(id)?.state === 'idle', 10_000, 'the spoke idle');
    expect(cloud.tracker.snapshot(id)?.incarnation).toBeGreaterThan(before.get(id) as number);
  });

  it('answers a task’s requests with onMessage (hub, online, one at a time) and receives its notifies', async () => {
    const seen: string[] = [];
    let online = true;
    const reports: StatusReport[] = [];
    await ask.manage({
      pool: cloud.pool.intraAll(),
      tasks: [{ q: 'a' }, { q: 'b' }, { q: 'c' }],
      onStatus: (r) => void reports.push(r),
      onMessage: (body, from) => {
        online &&= amHub() && amOnline();
        const { q, done } = body as { q?: string; done?: string };
        seen.push(`${from.kind}:${q ?? done}:${String(from.taskId)}`);
        return from.kind === 'request' ? `answer-${q}` : undefined;
      },
    });
    expect(reports.map((r) => r.returnValue()).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { reply: 'answer-a', attempt: 1 },
      { reply: 'answer-b', attempt: 1 },
      { reply: 'answer-c', attempt: 1 },
    ]);
    expect(seen.filter((s) => s.startsWith('request')).sort()).toEqual(['request:a:0', 'request:b:1', 'request:c:2']);
    expect(seen.filter((s) => s.startsWith('notify')).sort()).toEqual(['notify:a:0', 'notify:b:1', 'notify:c:2']);
    expect(online).toBe(true);
  });

  it('answers requests with an error when the invocation has no onMessage: the task fails with SPMTaskEval', async () => {
    const reports: StatusReport[] = [];
    await ask.manage({ pool: cloud.pool.intraAll(), tasks: [{ q: 'x' }], onStatus: (r) => void reports.push(r) });
    expect(reports[0]?.error).toBeInstanceOf(SPMTaskEval);
    expect(reports[0]?.error?.message).toMatch(/takes no messages from its tasks/);
  });

  it('treats an onMessage that throws as a hub-callback error', async () => {
    const bug = new Error('handler bug');
    const error = await ask
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: [{ q: 'x' }],
        onMessage: () => {
          throw bug;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as SPMError).cause).toBe(bug);
    await waitFor(() => cloud.spokes().every((s) => s.state === 'idle'), 10_000, 'spokes back');
  });

  if (kind === 'process') {
    it('filters at the hub a reply meant for an attempt that was dropped mid-conversation: it never reaches the next attempt', async () => {
      const reports: StatusReport[] = [];
      const replies: string[] = [];
      const summary = await ask.manage({
        pool: cloud.pool.intraAll(),
        tasks: [{ q: 'bound', mode: 'die-mid-conversation' }],
        policy: definePolicy({ name: 'exact', prefetch: 0 }),
        timeoutWaitForSpokes: after({ seconds: 10 }),
        onStatus: (r) => void reports.push(r),
        onMessage: async (body, from) => {
          if (from.kind === 'notify') return undefined;
          const { attempt } = body as { attempt: number };
          if (attempt === 1) {
            // Hold the first attempt's answer until its spoke is gone (it SIGKILLs itself).
            await new Promise<void>((resolve) => ask.once('spoke-lost', () => resolve()));
            replies.push('stale');
            return 'stale answer for attempt 1';
          }
          replies.push('fresh');
          return `fresh answer for attempt ${attempt}`;
        },
      });
      expect(replies).toEqual(['stale', 'fresh']);
      expect(reports[0]?.returnValue()).toEqual({ reply: 'fresh answer for attempt 2', attempt: 2 });
      expect(summary.staleMessages).toBeGreaterThanOrEqual(1);
      expect(summary.retries).toBe(1);
    });

    it('re-dispatches a task whose spoke dies mid-task, then drops it after the retry budget', async () => {
      const reports: StatusReport[] = [];
      // Without prefetch a spoke holds one task, so a loss is charged to the task that caused it.
      // (With prefetch, a neighbour that finished in under 1 ms may still have its report in the
      // spoke's batch when a poison task kills the spoke: it is lost with it and charged too —
      // at-least-once, counted, not hidden. A longer one's report is out first: next test.)
      const exact = definePolicy({ name: 'exact', prefetch: 0 });
      const summary = await work.manage({
        pool: cloud.pool.intraAll(),
        tasks: [{ n: 1, mode: 'kill-first' }, { n: 2, mode: 'kill-always' }, { n: 3 }],
        onStatus: (r) => void reports.push(r),
        timeoutWaitForSpokes: after({ seconds: 10 }),
        policy: exact,
      });
      const byId = new Map(reports.map((r) => [r.taskId, r]));
      expect(byId.get(0)).toMatchObject({ ok: true, value: 1, attempt: 2 });
      expect(byId.get(1)?.error).toBeInstanceOf(SPMTaskDropped);
      expect(byId.get(1)?.error).toMatchObject({ code: 'SPM_TASK_DROPPED', taskId: 1, attempt: 3 });
      expect(byId.get(1)?.error?.message).toMatch(/lost while evaluating it .* after 2 retries \(policy exact\)/);
      expect(byId.get(2)).toMatchObject({ ok: true, value: 9 });
      expect(summary.retries).toBe(3);
      await expectSequencePoint(() => reports.length);
    });

    it('with policyB drops a task at its first spoke loss', async () => {
      const reports: StatusReport[] = [];
      await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 5, mode: 'kill-always' }], onStatus: (r) => void reports.push(r), policy: policyB, timeoutWaitForSpokes: after({ seconds: 10 }) });
      expect(reports[0]?.error).toMatchObject({ code: 'SPM_TASK_DROPPED', attempt: 1 });
    });
  }
});

describe('a cloud closed while one of its managers runs', () => {
  it.each(['inproc', 'process'] as const)('concludes the invocation: its tasks dropped, manage() rejected (%s spokes)', async (kind) => {
    // manage() used to stay pending forever once its cloud was closed under it: the spokes were
    // stopped, but the lease never heard of it.
    const cloud = await VirtualCloud.start({ local: { kind, spokes: 2 } });
    const reports: StatusReport[] = [];
    const running = work.manage({ pool: cloud.pool.inter(), tasks: [{ n: 1, ms: 3000 }, { n: 2, ms: 3000 }], onStatus: (r) => void reports.push(r) });
    const outcome = running.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await waitFor(() => cloud.spokes().filter((s) => s.state === 'leased').length === 2, 10_000, 'both tasks to run');
    await cloud.close();
    const error = await outcome;
    expect(error).toBeInstanceOf(SPMManagerError);
    // Said as what happened (it used to say every spoke was lost and none coming back).
    expect((error as Error).message).toBe('The tracker (the cloud) was closed while `work` ran: its spokes (local:1, local:2) are gone and unfinished tasks are dropped');
    expect(reports.map((r) => r.error).every((e) => e instanceof SPMTaskDropped)).toBe(true);
    expect(reports.map((r) => r.error?.message).sort()).toEqual(['Task 0 was dropped: the tracker was closed', 'Task 1 was dropped: the tracker was closed']);
  });
});

describe('a cloud whose spokes take larger frames (maxFrameBytes)', () => {
  it.each(['inproc', 'thread', 'process'] as const)('carries a 6 MB value that the default 4 MiB frame refuses (%s spokes)', async (kind) => {
    for (const maxFrameBytes of [undefined, 16 << 20]) {
      const cloud = await VirtualCloud.start({ local: { kind, spokes: 1, ...(maxFrameBytes !== undefined ? { maxFrameBytes } : {}) } });
      try {
        const reports: StatusReport[] = [];
        await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 6_000_000, mode: 'big' }], onStatus: (r) => void reports.push(r) });
        // Said as what the task did and which option sets the limit (it read "threw … SPMTaskEval: … expected its frame to be at most 4194304 bytes").
        if (maxFrameBytes === undefined) {
          expect(reports[0]?.error).toBeInstanceOf(SPMTaskEval);
          expect(reports[0]?.error?.message).toMatch(
            /^Task 0 returned a value on spoke local:1 that cannot be sent to the hub: `value` is too large: its report is a frame of \d+ bytes, over the 4194304 a channel to the hub takes \(the channel's `maxFrameBytes`: a local spoke's is set with `local\(\{ maxFrameBytes \}\)`, a TCP spoke's is the transport's default\)$/,
          );
        }
        else expect((reports[0]?.value as string | undefined)?.length).toBe(6_000_000);
      } finally {
        await cloud.close();
      }
    }
  });
});

describe('a task whose record cannot be sent to a spoke', () => {
  it.each(['inproc', 'process'] as const)('fails alone, and the invocation goes on and settles (%s spokes)', async (kind) => {
    // A record that is not wire data (a BigInt) or larger than a frame was taken for a spoke
    // that went away: requeued forever, the spoke never used again, manage() never settled.
    const cloud = await VirtualCloud.start({ local: { kind, spokes: 1 } });
    try {
      const reports: StatusReport[] = [];
      const summary = await plain.manage({ pool: cloud.pool.inter(), tasks: [{ v: 10n }, { v: 'x'.repeat(5_000_000) }, { v: 2 }], onStatus: (r) => void reports.push(r) });
      expect(summary).toMatchObject({ reports: 3, ok: 1, failed: 2 });
      const byId = new Map(reports.map((r) => [r.taskId, r]));
      expect(byId.get(0)?.error).toBeInstanceOf(SPMTaskDropped);
      expect(byId.get(0)?.error?.message).toMatch(/^Task 0 was dropped: its record cannot be sent to a spoke \(.*`message\.record\.v` is a bigint/);
      expect(byId.get(1)?.error?.message).toMatch(/^Task 1 was dropped: its record cannot be sent to a spoke \(.*at most 4194304 bytes/);
      expect(byId.get(2)).toMatchObject({ ok: true, value: { echoed: { v: 2 } } });
    } finally {
      await cloud.close();
    }
  });
});

describe('a report loop left early', () => {
  it.each(['inproc', 'process'] as const)('concludes the invocation at once: running tasks killed, the rest dropped (%s spokes)', async (kind) => {
    // return() used to wait for the next report before stopping: a 60 s task held the loop's
    // exit (past this test's own timeout), and a task that never settled held it forever.
    const cloud = await VirtualCloud.start({ local: { kind, spokes: 2 } });
    try {
      const seen: unknown[] = [];
      for await (const report of work.reports({ pool: cloud.pool.inter(), tasks: [{ n: 1 }, { n: 2, ms: 60_000 }, { n: 3, ms: 60_000 }] })) {
        seen.push(report.taskId);
        break;
      }
      expect(seen).toEqual([0]);
      // Concluded: no spoke is still held by it, and a new invocation can lease them.
      expect(cloud.tracker.activeLease).toBeUndefined();
      expect(await plain.manage({ pool: cloud.pool.inter(), tasks: [{ v: 1 }] })).toMatchObject({ ok: 1 });
    } finally {
      await cloud.close();
    }
  });
});

describe('reports of synchronous tasks on a spoke that holds the next one', () => {
  it('reach the hub while the next task holds the spoke’s thread (thread spoke)', async () => {
    // Task 1 spins until the hub has heard of task 0 (onStatus writes a file). A report left in
    // the spoke's batch would go out only when task 1 ends: task 1 would never see the file.
    const dir = mkdtempSync(join(tmpdir(), 'spm-report-'));
    const heard = join(dir, 'heard-0');
    const cloud = await VirtualCloud.start({ local: { kind: 'thread', spokes: 1 } });
    try {
      const reports: StatusReport[] = [];
      await spin.manage({
        pool: cloud.pool.inter(),
        tasks: [{ ms: 50 }, { waitFor: heard }],
        policy: definePolicy({ name: 'p', prefetch: 1 }),
        onStatus: (r) => {
          reports.push(r);
          if (r.taskId === 0) writeFileSync(heard, '');
        },
      });
      expect(reports.map((r) => [r.taskId, r.returnValue()])).toEqual([
        [0, { saw: false }],
        [1, { saw: true }],
      ]);
    } finally {
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a thread spoke stopped while its task waits in execSync, with a task queued behind it', () => {
  // The stop ends the task's program; execSync returned, and the thread began the queued task
  // before it heard the stop (a message): a task the hub had reported dropped ran — twice at once
  // with its new attempt, after a timeout — and held the stop for as long as its program ran,
  // for ever for one that never ends (an exploratory tester, session 46: 4 of 4 runs). The stop
  // now sets a flag the thread reads before each task.
  it.each([
    ['an abort (Ctrl-C)', 'abort'],
    ['the first task’s timeout', 'timeout'],
  ] as const)('does not begin the queued task after %s', async (_what, how) => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-queued-'));
    const ran = join(dir, 'ran');
    const mark = `1000.${String(process.pid).padStart(7, '0')}${how === 'abort' ? 1 : 2}`;
    const cloud = await VirtualCloud.start({ local: { kind: 'thread', spokes: 1 } });
    try {
      const stop = new AbortController();
      const reports: StatusReport[] = [];
      // With `timeout`, each task is cut at 1 s: the queued one goes again on the relaunched spoke
      // and must run there once — not also on the stopped spoke. With `abort`, it must not run.
      const limit = how === 'timeout' ? { spm: { meta: { timeout: after({ seconds: 1 }) } } } : {};
      const running = shellSync.manage({
        pool: cloud.pool.intraAll(),
        signal: stop.signal,
        // The queued task writes a line to a file, then waits long.
        tasks: [
          { cmd: `exec sleep ${mark}`, ...limit },
          { cmd: `echo ran >> ${ran}; exec sleep ${mark}`, ...limit },
        ],
        policy: definePolicy({ name: 'queued', prefetch: 2, retriesOnSpokeLoss: 0 }),
        onStatus: (r) => void reports.push(r),
      });
      await waitFor(() => processesWithArg(mark).length === 1, 10_000, 'the first task’s sleep');
      if (how === 'abort') stop.abort(new Error('Ctrl-C'));
      await running.catch(() => undefined);
      const runs = existsSync(ran) ? readFileSync(ran, 'utf8').split('\n').filter(Boolean).length : 0;
      expect(runs).toBe(how === 'abort' ? 0 : 1);
      expect(processesWithArg(mark)).toEqual([]);
      expect(reports.map((r) => [r.taskId, r.ok]).sort()).toEqual([
        [0, false],
        [1, false],
      ]);
    } finally {
      for (const pid of processesWithArg(mark)) process.kill(pid, 'SIGKILL');
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('a process spoke killed by the task after a finished one', () => {
  /** Runs `tasks` on a fresh cloud of one process spoke holding one task ahead, no retries; the reports by task id. */
  async function onOneHeldSpoke(tasks: Task[]): Promise<Map<unknown, StatusReport>> {
    const cloud = await VirtualCloud.start({ local: { kind: 'process', spokes: 1 } });
    try {
      const reports: StatusReport[] = [];
      await work.manage({
        pool: cloud.pool.inter(),
        tasks,
        policy: definePolicy({ name: 'held', prefetch: 1, retriesOnSpokeLoss: 0 }),
        onStatus: (r) => void reports.push(r),
        timeoutWaitForSpokes: after({ seconds: 10 }),
      });
      return new Map(reports.map((r) => [r.taskId, r]));
    } finally {
      await cloud.close();
    }
  }

  it('keeps the finished task’s report when the next task, already on the spoke, kills it at once', async () => {
    // The report crosses the agent's thread; the next task began in the evaluator at once and
    // SIGKILLed the process before the agent wrote it: the finished task was lost with the spoke
    // in 8 of 8 runs (dropped here, with no retry allowed; re-run and charged under policyA).
    // Four pairs (a 30 ms task, then a poison one): each pair is one more chance for the race.
    const byId = await onOneHeldSpoke([3, 4, 5, 6].flatMap((n) => [{ n, ms: 30 }, { n: 1, mode: 'kill-always' }]));
    expect([0, 2, 4, 6].map((id) => [byId.get(id)?.ok, byId.get(id)?.value])).toEqual([3, 4, 5, 6].map((n) => [true, n * n]));
    expect([1, 3, 5, 7].every((id) => byId.get(id)?.error instanceof SPMTaskDropped)).toBe(true);
  });

  it('keeps a finished task’s report of megabytes, which the pipe does not take at once', async () => {
    // Counted "out" once handed to the socket, the part the pipe had not taken was still queued
    // in the spoke process when the next task killed it (0.5 MB and up: 3 of 6 to 6 of 6).
    const byId = await onOneHeldSpoke([0, 1].flatMap(() => [{ n: 2_000_000, ms: 5, mode: 'big' }, { n: 1, mode: 'kill-always' }]));
    expect([0, 2].map((id) => [byId.get(id)?.ok, (byId.get(id)?.value as string | undefined)?.length])).toEqual([
      [true, 2_000_000],
      [true, 2_000_000],
    ]);
  });
});

describe('a cloud that mixes an inproc spoke with a thread spoke', () => {
  it('hears the thread spoke while the inproc spoke runs synchronous tasks', async () => {
    // Each task holds the hub's thread while it runs on the inproc spoke. Task, report and next
    // task used to follow each other as one chain of microtasks: the hub flushed nothing to the
    // thread spoke and heard nothing from it until the inproc spoke's run ended (it got 3 of 40).
    const cloud = await VirtualCloud.start({ local: [{ kind: 'inproc', spokes: 1 }, { kind: 'thread', spokes: 1 }] });
    try {
      const order: string[] = [];
      await spin.manage({ pool: cloud.pool.inter(), tasks: Array.from({ length: 40 }, () => ({ ms: 20 })), onStatus: (r) => void order.push(r.spokeId as string) });
      const inproc = cloud.spokes().find((s) => s.kind === 'inproc')?.id as string;
      const thread = cloud.spokes().find((s) => s.kind === 'thread')?.id as string;
      expect(order).toHaveLength(40);
      // Some of the thread spoke's reports came in while the inproc spoke still had tasks to run.
      expect(order.indexOf(thread)).toBeGreaterThanOrEqual(0);
      expect(order.indexOf(thread)).toBeLessThan(order.lastIndexOf(inproc));
      process.stdout.write(`mixed cloud: ${order.filter((id) => id === thread).length} of 40 tasks on the thread spoke\n`);
    } finally {
      await cloud.close();
    }
  });
});

describe('a pipelined closure', () => {
  it.each(['inproc', 'process'] as const)('begins a task on a spoke before the one ahead ends, and still reports in task order (%s spokes)', async (kind) => {
    const cloud = await VirtualCloud.start({ local: { kind, spokes: 1 } });
    try {
      const reports: StatusReport[] = [];
      const summary = await pipe.manage({
        pool: cloud.pool.inter(),
        tasks: [0, 1, 2, 3].map((n) => ({ run: kind, last: n === 3 })),
        policy: definePolicy({ name: 'x', prefetch: 1 }),
        onStatus: (r) => void reports.push(r),
      });
      expect(summary).toMatchObject({ reports: 4, ok: 4, failed: 0, spokes: 1 });
      expect(reports.map((r) => r.taskId)).toEqual([0, 1, 2, 3]);
      // Each of tasks 1–3 began before the task ahead of it ended (the hub had sent it ahead).
      expect(reports.map((r) => r.returnValue())).toEqual([true, true, true, false].map((nextBegan) => ({ nextBegan })));
    } finally {
      await cloud.close();
    }
  });

  it('runs alone, uncharged, the tasks a spoke held when it died, so that the loss is charged to the task that causes it', async () => {
    // Task 1 kills its spoke whenever it runs; task 0 is still sleeping beside it then. Charging
    // the first task held dropped task 0 and spared task 1 (and its next runs took task 2 along).
    const cloud = await VirtualCloud.start({ local: { kind: 'process', spokes: 1 } });
    try {
      const reports: StatusReport[] = [];
      const retried: unknown[] = [];
      pipedWork.on('retry', (e) => void retried.push(e.taskId));
      await pipedWork.manage({
        pool: cloud.pool.inter(),
        tasks: [{ n: 0, ms: 1500 }, { n: 1, mode: 'kill-always' }, { n: 2 }],
        policy: definePolicy({ name: 'p', prefetch: 2 }),
        onStatus: (r) => void reports.push(r),
      });
      const byTask = new Map(reports.map((r) => [r.taskId, r]));
      expect(byTask.get(0)).toMatchObject({ ok: true, value: 0 });
      expect(byTask.get(2)).toMatchObject({ ok: true, value: 4 });
      expect(byTask.get(1)?.ok).toBe(false);
      expect(byTask.get(1)?.error).toBeInstanceOf(SPMTaskDropped);
      // The first loss is said of all three; task 1 alone pays for the next ones (policyA: 2 retries).
      expect(retried.filter((id) => id === 1)).toHaveLength(3);
      expect(retried.filter((id) => id !== 1).sort()).toEqual([0, 2]);
    } finally {
      pipedWork.removeAllListeners('retry');
      await cloud.close();
    }
  });

  it('is declared with `pipelined: true`; a closure is not pipelined by default', () => {
    expect(pipe.pipelined).toBe(true);
    expect(work.pipelined).toBe(false);
  });

  it('refuses a `pipelined` that is not a boolean', () => {
    expect(() => defineClosure({ family: 'list', signature: 'x', module: import.meta.url, pipelined: 'yes' as never, evaluate: () => 0 })).toThrow(
      'Expected `pipelined` of closure `x` to be a boolean, got `"yes"` (string)',
    );
  });

  it('refuses a relative `preload` path and a `typedef` that is neither text nor a schema, naming them', () => {
    // A relative preload was resolved against the spoke package: every task failed to load.
    expect(() => defineClosure({ family: 'list', signature: 'rel', module: import.meta.url, preload: ['./x.mjs'], evaluate: () => 0 })).toThrow(
      "Expected `preload` of closure `rel` to name modules by URL, absolute path or package name, got the relative path `./x.mjs` (write new URL('./x.mjs', import.meta.url).href)",
    );
    // It met a TypeError inside the SPM component's merge.
    for (const typedef of [7, null, {}, ['a']]) {
      expect(() => defineClosure({ family: 'list', signature: 'td', module: import.meta.url, typedef: typedef as never, evaluate: () => 0 })).toThrow(
        /^Expected `typedef` of closure `td` to be typedef text or a schema from @spm\/typedef \(parse\(\), t\.task\(\)\), got /,
      );
    }
  });
});

describe('a hub callback that hangs past a deadline, on inproc spokes in a plain Node process', () => {
  it('still settles manage(): the callback grace keeps the process alive (it exited 0 with manage() unsettled)', () => {
    // Jest's own handles would keep the process alive whatever the runtime does: a plain process.
    const fixtures = new URL('./fixtures/closures.mjs', import.meta.url).href;
    const script = [
      `import { work } from ${JSON.stringify(fixtures)};`,
      `import { VirtualCloud } from '@spm/tracker';`,
      `import { after } from '@spm/typedef';`,
      `const cloud = await VirtualCloud.start({ local: { kind: 'inproc', spokes: 1 } });`,
      `try {`,
      `  await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], onStatus: () => new Promise(() => undefined), timeoutExecution: after({ ms: 300 }) });`,
      `  console.log('resolved');`,
      `} catch (error) { console.log('rejected', error.name); }`,
      `await cloud.close();`,
      `console.log('closed');`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 30_000 });
    expect({ stdout: child.stdout, status: child.status }).toEqual({ stdout: 'rejected SPMExecutionTimeout\nclosed\n', status: 0 });
  });
});

describe('a task timeout when the hub reads the task’s start late', () => {
  let cloud: VirtualCloud;
  beforeAll(async () => {
    cloud = await VirtualCloud.start({ local: { kind: 'process', spokes: 1 } });
  });
  afterAll(async () => {
    await cloud.close();
  });

  it('holds the task to the time it ran on its spoke: a timeout, though its start and its status were read together', async () => {
    // Task 2 is prefetched behind task 1 and starts on the spoke as task 1 ends; the hub's thread
    // is then held (in onStatus of task 1) past task 2's end, so it reads task 2's `started` and
    // its status together: its timer was set and cleared at once, and its result taken (seen with
    // spm-primes --task-timeout while the hub's thread was busy).
    const reports: StatusReport[] = [];
    await work.manage({
      pool: cloud.pool.intraAll(),
      policy: definePolicy({ name: 'one-ahead', prefetch: 1 }),
      tasks: [{ n: 1, ms: 30 }, { n: 2, ms: 600, spm: { meta: { timeout: after({ ms: 100 }) } } }],
      onStatus: (report) => {
        reports.push(report);
        if (reports.length === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      },
    });
    expect(reports.map((r) => [r.taskId, r.ok])).toEqual([[0, true], [1, false]]);
    expect(reports[1]?.error).toBeInstanceOf(SPMTaskTimeout);
    expect(reports[1]?.error?.message).toMatch(/^Task 1 timed out: it ran \d+(\.\d+)? ms on spoke local:1, past its timeout of 100 ms \(the hub read its start late; its result is not taken\)$/);
  });
});

describe('a signature declared twice', () => {
  it('names the two declarations at the user’s call sites, not inside the library (both were closure-core’s own frames)', () => {
    defineClosure({ family: 'list', signature: 'twice', module: import.meta.url, evaluate: () => 0 });
    let error: unknown;
    try {
      defineClosure({ family: 'list', signature: 'twice', module: import.meta.url, evaluate: () => 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SPMInvariantError);
    const message = (error as Error).message;
    const site = /first at (.*), again at (.*)\. A signature must be unique within its module$/.exec(message);
    expect(site?.[1]).toMatch(/manage\.spec\.ts:\d+:\d+\)?$/);
    expect(site?.[2]).toMatch(/manage\.spec\.ts:\d+:\d+\)?$/);
    expect(site?.[1]).not.toBe(site?.[2]);
    expect(message).not.toMatch(/closure-core\/(dist|src)\//);
    expect(message).toMatch(/^Closure signature `twice` is declared twice in module `file:\/\/.*\/manage\.spec\.ts`: first at /);
  });
});
