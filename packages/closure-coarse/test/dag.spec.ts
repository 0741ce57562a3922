import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  SPMError,
  SPMExecutionTimeout,
  SPMHubCallbackError,
  SPMTaskDropped,
  SPMTaskEval,
  SPMTaskTimeout,
  SPMTypedefError,
  type TaskId,
} from '@spm/exceptions';
import {
  definePolicy,
  type AttemptEvent,
  type StatusReport,
} from '@spm/closure-core';
import { dag, DagClosure } from '@spm/closure-coarse';
import { expectSequencePoint, liveDescendants } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { loose, steps } from './fixtures/dags.mjs';

type Step = {
  id: TaskId;
  after?: TaskId[];
  name: string;
  ms?: number;
  fail?: boolean;
  spm?: unknown;
};
type Event = { type: 'dispatch' | 'report'; taskId: TaskId };

/** Records the order of dispatches and reports of `closure` while `body` runs. */
async function recordEvents<T>(
  closure: DagClosure<never, unknown> | DagClosure<Step, string>,
  body: () => Promise<T>,
): Promise<{ result: T; events: Event[] }> {
  const events: Event[] = [];
  const onDispatch = (e: AttemptEvent): void =>
    void events.push({ type: 'dispatch', taskId: e.taskId });
  const onReport = (r: StatusReport): void =>
    void events.push({ type: 'report', taskId: r.taskId });
  closure.on('dispatch', onDispatch);
  closure.on('report', onReport);
  try {
    return { result: await body(), events };
  } finally {
    closure.off('dispatch', onDispatch);
    closure.off('report', onReport);
  }
}

/** One spoke, one task at a time: dispatch order is the source's order. */
const oneAtATime = definePolicy({ name: 'one-at-a-time', prefetch: 0 });

describe.each(['inproc', 'process'] as const)('a DAG on %s spokes', (kind) => {
  let cloud: VirtualCloud;
  let baseline: number[];

  beforeAll(async () => {
    baseline = liveDescendants();
    cloud = await VirtualCloud.start({
      hubHost: 'hub',
      local: { kind, spokes: 2 },
    });
  });

  afterAll(async () => {
    await cloud.close();
  });

  it('never dispatches a task before every one of its dependencies was reported', async () => {
    const tasks: Step[] = [
      { id: 'f', after: ['d', 'e'], name: 'f' },
      { id: 'a', name: 'a', ms: 40 },
      { id: 'b', after: ['a'], name: 'b', ms: 20 },
      { id: 'c', after: ['a'], name: 'c', ms: 60 },
      { id: 'd', after: ['b', 'c'], name: 'd' },
      { id: 'e', name: 'e', ms: 10 },
      { id: 7, after: ['a'], name: 'seven' },
    ];
    const reports: StatusReport<string>[] = [];
    const { result: summary, events } = await recordEvents(steps, () =>
      steps.manage({
        pool: cloud.pool.intraAll(),
        tasks,
        onStatus: (r) => void reports.push(r),
      }),
    );
    expect(steps.family).toBe('dag');
    expect(summary).toMatchObject({ reports: 7, ok: 7, failed: 0 });
    for (const report of reports)
      expect(report).toMatchObject({
        ok: true,
        attempt: 1,
        value: `${tasks.find((t) => t.id === report.taskId)?.name}@${String(report.taskId)}`,
      });
    for (const task of tasks) {
      const dispatchedAt = events.findIndex(
        (e) => e.type === 'dispatch' && e.taskId === task.id,
      );
      expect(dispatchedAt).toBeGreaterThanOrEqual(0);
      for (const dep of task.after ?? []) {
        const reportedAt = events.findIndex(
          (e) => e.type === 'report' && e.taskId === dep,
        );
        expect([
          task.id,
          dep,
          reportedAt >= 0 && reportedAt < dispatchedAt,
        ]).toEqual([task.id, dep, true]);
      }
    }
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  it('sends ready tasks out in submission order; a task becomes ready once its dependencies’ reports were delivered', async () => {
    // One spoke, one task at a time, so the dispatch order is the source's order. Ready at the
    // start: y, x, v (submission order). When y's status arrives, the spoke is refilled at once
    // with x, ready then; z becomes ready only when y's report has been delivered, so z comes
    // before v (lower index) but after x. w waits for x the same way.
    const tasks: Step[] = [
      { id: 'z', after: ['y'], name: 'z' },
      { id: 'y', name: 'y' },
      { id: 'x', name: 'x' },
      { id: 'w', after: ['x'], name: 'w' },
      { id: 'v', name: 'v' },
    ];
    const { events } = await recordEvents(steps, () =>
      steps.manage({
        pool: cloud.pool.intraAll(),
        nSpokesMax: 1,
        policy: oneAtATime,
        tasks,
      }),
    );
    expect(
      events.filter((e) => e.type === 'dispatch').map((e) => e.taskId),
    ).toEqual(['y', 'x', 'z', 'w', 'v']);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('drops the dependents of a failed task, transitively, as SPMTaskDropped with the failure as cause', async () => {
    const tasks: Step[] = [
      { id: 'a', name: 'a', fail: true },
      { id: 'b', after: ['a'], name: 'b' },
      { id: 'c', after: ['b'], name: 'c' },
      { id: 'e', name: 'e', ms: 30 },
      { id: 'd', after: ['e', 'a'], name: 'd' },
      { id: 'g', after: ['e'], name: 'g' },
    ];
    const reports = new Map<TaskId, StatusReport<string>>();
    const { result: summary, events } = await recordEvents(steps, () =>
      steps.manage({
        pool: cloud.pool.intraAll(),
        tasks,
        onStatus: (r) => void reports.set(r.taskId, r),
      }),
    );
    expect(summary).toMatchObject({ reports: 6, ok: 2, failed: 4 });
    const a = reports.get('a') as StatusReport<string>;
    expect(a.error).toBeInstanceOf(SPMTaskEval);
    expect(a.error).toMatchObject({
      code: 'SPM_TASK_EVAL',
      taskId: 'a',
      attempt: 1,
    });
    expect(a.error?.remote).toMatchObject({
      name: 'RangeError',
      message: 'step a failed',
    });

    const b = reports.get('b') as StatusReport<string>;
    expect(b.error).toBeInstanceOf(SPMTaskDropped);
    expect(b.error).not.toBeInstanceOf(SPMTaskTimeout);
    expect(b).toMatchObject({
      ok: false,
      taskId: 'b',
      attempt: 0,
      spokeId: undefined,
    });
    expect(b.error).toMatchObject({
      code: 'SPM_TASK_DROPPED',
      taskId: 'b',
      attempt: 0,
    });
    expect(b.error?.message).toBe(
      'Task b was dropped: its dependency `a` failed with SPMTaskEval',
    );
    expect(b.error?.cause).toBe(a.error);
    expect(() => b.returnValue()).toThrow(SPMTaskDropped);

    const c = reports.get('c') as StatusReport<string>;
    expect(c.error).toMatchObject({
      code: 'SPM_TASK_DROPPED',
      taskId: 'c',
      attempt: 0,
    });
    expect(c.error?.message).toBe(
      'Task c was dropped: its dependency `b` was dropped (task `a` failed with SPMTaskEval)',
    );
    expect(c.error?.cause).toBe(b.error);

    // d also waits for e, which succeeds: one failed dependency is enough.
    const d = reports.get('d') as StatusReport<string>;
    expect(d.error).toMatchObject({
      code: 'SPM_TASK_DROPPED',
      taskId: 'd',
      attempt: 0,
    });
    expect(d.error?.cause).toBe(a.error);
    expect(reports.get('e')).toMatchObject({ ok: true, value: 'e@e' });
    expect(reports.get('g')).toMatchObject({ ok: true, value: 'g@g' });

    // Dropped tasks never ran; each was reported after the failure it names.
    const dispatched = events
      .filter((e) => e.type === 'dispatch')
      .map((e) => e.taskId);
    expect(dispatched.sort()).toEqual(['a', 'e', 'g']);
    const reported = events
      .filter((e) => e.type === 'report')
      .map((e) => e.taskId);
    expect(reported.indexOf('a')).toBeLessThan(reported.indexOf('b'));
    expect(reported.indexOf('b')).toBeLessThan(reported.indexOf('c'));
    await expectSequencePoint(cloud, baseline, () => reports.size);
  });

  it('drops 5,000 dependents of a failed task, fanned out or chained, with and without onStatus (each drop nested a call: the hub died of a RangeError past ~2,000)', async () => {
    const many = 5_000;
    const fanOut: Step[] = [{ id: 'root', name: 'root', fail: true }, ...Array.from({ length: many }, (_, i): Step => ({ id: i, after: ['root'], name: `f${i}` }))];
    const chain: Step[] = [{ id: 0, name: 'c0', fail: true }, ...Array.from({ length: many }, (_, i): Step => ({ id: i + 1, after: [i], name: `c${i + 1}` }))];
    for (const tasks of [fanOut, chain]) {
      let dropped = 0;
      const summary = await steps.manage({
        pool: cloud.pool.intraAll(),
        tasks,
        onStatus: (r) => void (r.error instanceof SPMTaskDropped && (dropped += 1)),
      });
      expect(summary).toMatchObject({ reports: many + 1, ok: 0, failed: many + 1 });
      expect(dropped).toBe(many);
      expect(await steps.manage({ pool: cloud.pool.intraAll(), tasks })).toMatchObject({ reports: many + 1, failed: many + 1 });
    }
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('drops the dependents of a task that timed out, with its SPMTaskTimeout as cause', async () => {
    const reports = new Map<TaskId, StatusReport<string>>();
    await steps.manage({
      pool: cloud.pool.intraAll(),
      tasks: [
        {
          id: 'slow',
          name: 'slow',
          ms: 30_000,
          spm: { meta: { timeout: after({ ms: 300 }) } },
        },
        { id: 'next', after: ['slow'], name: 'next' },
      ],
      onStatus: (r) => void reports.set(r.taskId, r),
    });
    const slow = reports.get('slow') as StatusReport<string>;
    expect(slow.error).toBeInstanceOf(SPMTaskTimeout);
    expect(slow.error).toMatchObject({
      code: 'SPM_TASK_TIMEOUT',
      taskId: 'slow',
      attempt: 1,
    });
    const next = reports.get('next') as StatusReport<string>;
    expect(next.error).toMatchObject({
      code: 'SPM_TASK_DROPPED',
      taskId: 'next',
      attempt: 0,
      message:
        'Task next was dropped: its dependency `slow` failed with SPMTaskTimeout',
    });
    expect(next.error?.cause).toBe(slow.error);
    await expectSequencePoint(cloud, baseline, () => reports.size);
  });

  it('past timeoutExecution, reports every task (running, waiting or never ready) SPMTaskDropped and rejects', async () => {
    const reports = new Map<TaskId, StatusReport<string>>();
    const error = await steps
      .manage({
        pool: cloud.pool.intraAll(),
        tasks: [
          { id: 'quick', name: 'quick' },
          { id: 'slow', name: 'slow', ms: 30_000 },
          { id: 'then', after: ['slow'], name: 'then' },
          { id: 'last', after: ['then', 'quick'], name: 'last' },
        ],
        onStatus: (r) => void reports.set(r.taskId, r),
        timeoutExecution: after({ ms: 400 }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMExecutionTimeout);
    expect([...reports.keys()].sort()).toEqual([
      'last',
      'quick',
      'slow',
      'then',
    ]);
    // The quick task may or may not beat the deadline on a loaded machine; either way it has
    // exactly one report, and only a success or a drop.
    const quick = reports.get('quick');
    expect(quick?.ok ? quick.value : quick?.error?.code).toMatch(/^(quick@quick|SPM_TASK_DROPPED)$/);
    expect(reports.get('slow')?.error).toMatchObject({
      code: 'SPM_TASK_DROPPED',
      taskId: 'slow',
      attempt: 1,
    });
    for (const id of ['then', 'last']) {
      expect(reports.get(id)?.error).toMatchObject({
        code: 'SPM_TASK_DROPPED',
        taskId: id,
        attempt: 0,
      });
      expect(reports.get(id)?.error?.message).toMatch(
        /passed its timeoutExecution of 400 ms/,
      );
    }
    await expectSequencePoint(cloud, baseline, () => reports.size);
  });

  it('refuses a cycle before anything runs, naming it', async () => {
    const seen: string[] = [];
    const listeners = {
      dispatch: () => seen.push('dispatch'),
      lease: () => seen.push('lease'),
      'meta-status': () => seen.push('meta-status'),
    };
    for (const [event, fn] of Object.entries(listeners))
      steps.on(event as 'dispatch', fn);
    try {
      const error = await steps
        .manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            { id: 'start', name: 'start' },
            { id: 'a', after: ['start', 'c'], name: 'a' },
            { id: 'b', after: ['a'], name: 'b' },
            { id: 'c', after: ['b'], name: 'c' },
          ],
          onStatus: () => void seen.push('status'),
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMError);
      expect(error).toMatchObject({ code: 'SPM_ERROR' });
      expect((error as Error).message).toBe(
        "Expected the tasks' `after` dependencies to form a DAG, found a cycle, so none of its tasks could ever run: a → c → b → a (each waits for the next)",
      );
      const self = await steps
        .manage({
          pool: cloud.pool.intraAll(),
          tasks: [{ id: 1, after: [1], name: 'me' }],
        })
        .catch((e: unknown) => e);
      expect((self as Error).message).toMatch(
        /found a cycle, so none of its tasks could ever run: 1 → 1 /,
      );
    } finally {
      for (const [event, fn] of Object.entries(listeners))
        steps.off(event as 'dispatch', fn);
    }
    expect(seen).toEqual([]); // not even a lease was taken
    await expectSequencePoint(cloud, baseline, () => seen.length);
  });

  it('refuses duplicate ids, unknown dependencies, bad options and bad records before anything runs', async () => {
    const dispatched: unknown[] = [];
    steps.on('dispatch', (e) => dispatched.push(e));
    const attempt = (call: object): Promise<unknown> =>
      steps
        .manage({ pool: cloud.pool.intraAll(), ...call } as never)
        .catch((e: unknown) => e);
    try {
      expect(
        await attempt({
          tasks: [
            { id: 'a', name: 'a' },
            { id: 'a', name: 'again' },
          ],
        }),
      ).toMatchObject({
        code: 'SPM_ERROR',
        message:
          'Expected task ids to be unique, got `a` for tasks[0] and tasks[1]',
      });
      expect(
        await attempt({ tasks: [{ id: 'a', name: 'a', after: ['nope'] }] }),
      ).toMatchObject({
        message:
          'Expected every id in `tasks[0].after` (task `a`) to be the id of a task of this invocation, got `"nope"` (string)',
      });
      expect(await attempt({ tasks: [{ name: 'no id' }] })).toMatchObject({
        message:
          'Expected `tasks[0].id` to be a non-empty string or a safe integer (at most 2^53 - 1 either way), got nothing (undefined)',
      });
      expect(
        await attempt({ tasks: [{ id: 'a', name: 'a', after: 'b' }] }),
      ).toMatchObject({
        message:
          'Expected `tasks[0].after` (task `a`) to be an array of task ids, got `"b"` (string)',
      });
      expect(
        await attempt({
          tasks: (async function* () {
            yield { id: 'a', name: 'a' };
          })(),
        }),
      ).toMatchObject({
        message: expect.stringMatching(
          /^Expected `tasks` of a DAG to be an array or a finite iterable/,
        ) as unknown,
      });
      expect(
        await attempt({ tasks: [{ id: 'a', name: 'a' }], nSpokesMin: 0 }),
      ).toMatchObject({
        message: 'Expected `nSpokesMin` to be an integer ≥ 1, got `0` (number)',
      });
      // The user's own code throwing, said as for a list (they were a raw TypeError and Error).
      const threw = await attempt({
        tasks: (function* () {
          yield { id: 'a', name: 'a' };
          throw new Error('gen broke');
        })(),
      });
      expect(threw).toBeInstanceOf(SPMHubCallbackError);
      expect(threw).toMatchObject({ message: 'The tasks iterable threw: gen broke' });
      expect((threw as Error).cause).toBeInstanceOf(Error);
      const getter = await attempt({
        tasks: [
          {
            id: 'a',
            get name(): string {
              throw new Error('getter broke');
            },
          },
        ],
      });
      expect(getter).toBeInstanceOf(SPMError);
      expect(getter).toMatchObject({ message: 'Expected `tasks[0]` to be a task whose fields can be read, got one that threw: getter broke' });
      // The last task's record is wrong: refused up front, though the first is valid.
      const bad = await attempt({
        tasks: [
          { id: 'ok', name: 'ok' },
          { id: 'bad', name: 7 },
        ],
      });
      expect(bad).toBeInstanceOf(SPMTypedefError);
      expect(bad).toMatchObject({ code: 'SPM_TYPEDEF', path: 'name' });
      expect((bad as Error).message).toMatch(/^Task bad: /);
    } finally {
      steps.removeAllListeners('dispatch');
    }
    expect(dispatched).toEqual([]);
    // Without a typedef too: what the runtime reads of a record (`spm.meta.timeout`, fields that
    // throw when read) is checked before anything runs. Task `a` ran first and got no report.
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    loose.on('dispatch', (e) => dispatched.push(e));
    try {
      for (const [task, expected] of [
        [{ id: 'b', spm: { meta: { timeout: '10' } } }, { code: 'SPM_TYPEDEF', path: 'spm.meta.timeout', message: expect.stringMatching(/^Task b: Expected `spm\.meta\.timeout` to be a Timeout/) }],
        [{ id: 'b', spm: revoked }, { code: 'SPM_TYPEDEF', path: 'spm.meta', message: "Task b: Expected `spm.meta` to be readable, got a value that threw when read: Cannot perform 'get' on a proxy that has been revoked" }],
        [revoked, { code: 'SPM_ERROR', message: "Expected `tasks[1]` to be a task whose fields can be read, got one that threw: Cannot perform 'IsArray' on a proxy that has been revoked" }],
      ] as const) {
        const refused = await loose.manage({ pool: cloud.pool.intraAll(), tasks: [{ id: 'a' }, task as never] }).catch((e: unknown) => e);
        expect(refused).toMatchObject(expected);
      }
    } finally {
      loose.removeAllListeners('dispatch');
    }
    expect(dispatched).toEqual([]);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('takes `id` and `after` off the task before its record is built, and offers reports() too', async () => {
    const values: unknown[] = [];
    for await (const report of loose.reports({
      pool: cloud.pool.intraAll(),
      tasks: [
        { id: 1, x: 1 },
        { id: 2, after: [1], y: 2, z: 3 },
      ],
    }))
      values.push([report.taskId, report.returnValue()]);
    expect(values).toEqual([
      [1, { keys: ['x'] }],
      [2, { keys: ['y', 'z'] }],
    ]);
    await expectSequencePoint(cloud, baseline, () => values.length);
  });
});

describe('dag.define', () => {
  it('refuses a typedef that declares the DAG’s own keys', () => {
    expect(() =>
      dag.define({
        signature: 'bad-typedef',
        module: import.meta.url,
        typedef: 'task<dag> :: struct { id :: scalar<string> = deferred; };',
        evaluate: () => 0,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'SPM_TYPEDEF',
        path: 'id',
      }) as unknown as Error,
    );
    // Refused before it was declared: the signature is still free.
    expect(
      dag.define({
        signature: 'bad-typedef',
        module: import.meta.url,
        evaluate: () => 0,
      }),
    ).toBeInstanceOf(DagClosure);
  });

  it('refuses a typedef that is neither text nor a schema, and unknown keys, as SPMError naming them', () => {
    expect(() => dag.define({ signature: 'bad-42', module: import.meta.url, typedef: 42 as never, evaluate: () => 0 })).toThrow(
      /^Expected `typedef` of closure `bad-42` to be typedef text or a schema from @spm\/typedef/,
    );
    expect(() => dag.define({ signature: 'bad-obj', module: import.meta.url, typedef: {} as never, evaluate: () => 0 })).toThrow(SPMError);
    expect(() => dag.define({ signature: 'bad-key', module: import.meta.url, evaluate: () => 0, typdef: 'task<dag> :: struct {};' } as never)).toThrow(
      /^Unknown option `typdef` of dag.define\(\) \(did you mean `typedef`\?\)/,
    );
    expect(() => dag.define({ signature: 'bad-family', module: import.meta.url, evaluate: () => 0, family: 'list' } as never)).toThrow(/^Unknown option `family` of dag.define\(\)/);
  });
});
