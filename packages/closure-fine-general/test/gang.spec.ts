import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { type RankReport, type GangRelaunch } from '@spm/closure-fine-general';
import {
  type SPMError,
  SPMExecutionTimeout,
  SPMGangError,
  SPMHubCallbackError,
  SPMManagerError,
  SPMTaskDropped,
  SPMTaskEval,
  SPMTaskTimeout,
  SPMTypedefError,
  SPMWaitForSpokesTimeout,
} from '@spm/exceptions';
import { amHub, amOnline } from '@spm/sequence';
import { expectSequencePoint, liveDescendants } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { assemble, pageRank, pageRankSerial, type PageRankBlock } from '../examples/pagerank/pagerank.mjs';
import { kit, rankLog, type TourResult } from './fixtures/gangs.mjs';

const SIZE = 3;
const problem = { vertices: 20_000, edges: 100_000, seed: 1, iterations: 20, damping: 0.85 };

/** The largest absolute difference between two vectors of one length. */
function largestDifference(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

// One suite, three transports: serial mode (every rank in this thread), worker threads (ranks in
// one process: peers on direct channels) and processes (peers through the hub).
describe.each(['inproc', 'thread', 'process'] as const)('a gang on %s spokes', (kind) => {
  let cloud: VirtualCloud;
  let baseline: number[];
  const pool = (): ReturnType<VirtualCloud['pool']['intraAll']> => cloud.pool.intraAll();
  // Thread spokes run again what their direct path changes (peer messages, collectives, how
  // failures reach the others, relaunches); rules that do not depend on the path run on inproc
  // and process spokes.
  const notOnThreads = (name: string, fn: () => Promise<void>): void => {
    if (kind !== 'thread') it(name, fn);
  };

  beforeAll(async () => {
    baseline = liveDescendants();
    cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind, spokes: SIZE } });
  });

  afterAll(async () => {
    await cloud.close();
  });

  it('gives every rank its rank and the size, point-to-point messages by source and tag, and every collective', async () => {
    const reports: RankReport<TourResult>[] = [];
    let online = true;
    const summary = await kit.manage({
      pool: pool(),
      size: SIZE,
      task: { mode: 'tour' },
      onStatus: (r) => {
        online &&= amHub() && amOnline();
        reports.push(r as RankReport<TourResult>);
      },
    });
    expect(summary).toMatchObject({ size: SIZE, gangAttempts: 1, links: kind === 'process' ? { direct: 0, hub: 3 } : { direct: 3, hub: 0 } });
    expect(reports.map((r) => [r.rank, r.ok, r.gangAttempt])).toEqual([
      [0, true, 1],
      [1, true, 1],
      [2, true, 1],
    ]);
    expect(new Set(reports.map((r) => r.spokeId)).size).toBe(SIZE); // one rank per spoke
    expect(online).toBe(true);
    for (const [rank, value] of summary.values.entries()) {
      const prev = (rank + SIZE - 1) % SIZE;
      expect(value).toEqual({
        rank,
        size: SIZE,
        first: { from: prev, tag: 'first', body: { hello: prev } },
        second: { from: prev, tag: 'second', body: [prev, prev * 10] },
        fromAny: rank === 0 ? [0, 1, 2].map((r) => [r, [r, 255 - r]]) : [],
        shared: { secret: 'from the last rank' },
        sum: 6,
        min: 8,
        max: [2, 0],
        concat: '012',
        all: [0, 1, 2].map((r) => ({ rank: r, square: r * r })),
        gangAttempt: 1,
      });
      expect(reports[rank]?.returnValue()).toEqual(value);
    }
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  if (kind === 'inproc') {
    it('runs the same gang through the hub when told to (peers: hub), with the same results', async () => {
      const direct = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'tour' } });
      const relayed = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'tour' }, peers: 'hub' });
      expect(relayed.links).toEqual({ direct: 0, hub: 3 });
      expect(relayed.values).toEqual(direct.values);
      await expectSequencePoint(cloud, baseline, () => 0);
    });
  }

  notOnThreads('answers the ranks’ messages to the hub with the gang’s onMessage, or the invocation’s, naming the rank', async () => {
    const declared = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'talk', q: 'hi' } });
    expect(declared.values).toEqual([0, 1, 2].map((rank) => ({ echo: { q: 'hi', rank }, rank, gangAttempt: 1 })));
    const notified: number[] = [];
    const own = await kit.manage({
      pool: pool(),
      size: SIZE,
      task: { mode: 'talk', q: 'yo' },
      onMessage: (body, from) => {
        if (from.kind === 'notify') notified.push((body as { done: number }).done);
        return from.kind === 'request' ? `rank ${from.rank} asked ${(body as { q: string }).q}` : undefined;
      },
    });
    expect(own.values).toEqual(['rank 0 asked yo', 'rank 1 asked yo', 'rank 2 asked yo']);
    expect(notified.sort()).toEqual([0, 1, 2]);
    await expectSequencePoint(cloud, baseline, () => notified.length);
  });

  it.each([
    ['throws', (): void => {
      throw new Error('onRelaunch boom');
    }],
    ['rejects', async (): Promise<void> => {
      await Promise.resolve();
      throw new Error('onRelaunch boom');
    }],
  ] as const)('stops the gang when onRelaunch %s: no relaunch, SPMHubCallbackError with the cause', async (_, onRelaunch) => {
    // A throwing onRelaunch used to be ignored (the gang ran again), and a rejecting one crashed
    // the hub with an unhandled rejection.
    let calls = 0;
    const error = await kit
      .manage({ pool: pool(), size: SIZE, task: { mode: 'throw', failRank: 2 }, relaunches: 1, onRelaunch: () => ((calls += 1), onRelaunch()) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as Error).message).toBe('The relaunch callback of gang `kit` threw: onRelaunch boom');
    expect(((error as Error).cause as Error).message).toBe('onRelaunch boom');
    expect(calls).toBe(1);
    await expectSequencePoint(cloud, baseline, () => calls);
  });

  it('names the rank that threw a value String() cannot print, and a relaunch callback throwing one stops the gang (both used to meet a TypeError)', async () => {
    const odd = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'throw-odd', failRank: 1 } }).catch((e: unknown) => e);
    expect(odd).toBeInstanceOf(SPMGangError);
    expect(odd).toMatchObject({ rank: 1 });
    expect((odd as Error).message).toMatch(/rank 1 failed.*\{"why":"odd"\}$/);
    expect((odd as Error).message).not.toContain('TypeError');
    let calls = 0;
    const stopped = await kit
      .manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'throw', failRank: 2 },
        relaunches: 1,
        onRelaunch: () => {
          calls += 1;
          throw Object.create(null);
        },
      })
      .catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(SPMHubCallbackError);
    expect((stopped as Error).message).toBe('The relaunch callback of gang `kit` threw: {}');
    expect(calls).toBe(1);
    await expectSequencePoint(cloud, baseline, () => calls);
  });

  it('fails the whole gang when a rank throws: every rank terminated, the gang run again, then every rank reported SPMGangError naming it', async () => {
    rankLog.length = 0;
    const reports: RankReport[] = [];
    const relaunched: GangRelaunch[] = [];
    const incarnations = new Map(cloud.spokes().map((s) => [s.id, s.incarnation]));
    const error = await kit
      .manage({ pool: pool(), size: SIZE, task: { mode: 'throw', failRank: 2 }, relaunches: 1, onStatus: (r) => void reports.push(r), onRelaunch: (e) => void relaunched.push(e) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMGangError);
    expect(error).toMatchObject({ code: 'SPM_GANG', rank: 2 });
    expect((error as Error).message).toMatch(/^Gang `kit` failed: rank 2 failed \(gang run 2 of at most 2\): Rank 2 threw on spoke local:\d: RangeError: rank 2 gives up on run 2$/);
    const cause = (error as SPMGangError).cause as SPMTaskEval;
    expect(cause).toBeInstanceOf(SPMTaskEval);
    expect(cause.remote).toMatchObject({ name: 'RangeError', message: 'rank 2 gives up on run 2' });
    expect(cause.remote?.stack).toContain('gangs.mjs');
    expect(relaunched.map((e) => [e.gangAttempt, e.error.rank])).toEqual([[1, 2]]);
    // Every rank is reported, with the first failure named; the failing rank's report is the rejection.
    expect(reports.map((r) => [r.rank, r.ok, r.gangAttempt, r.error?.rank])).toEqual([
      [0, false, 2, 2],
      [1, false, 2, 2],
      [2, false, 2, 2],
    ]);
    expect(reports[2]?.error).toBe(error);
    expect(reports[0]?.error?.message).toMatch(/^Rank 0 of gang `kit` was terminated with it: rank 2 failed/);
    expect(() => reports[1]?.returnValue()).toThrow(SPMGangError);
    if (kind === 'inproc') {
      // The survivors were waiting — rank 0 at a barrier, rank 1 in recv from rank 2 — and woke
      // with SPMGangError, in both runs (they cannot be killed in this thread, only cut off).
      expect(rankLog.map((e) => [e.gangAttempt, e.rank, e.what, e.error.split(':')[0]]).sort()).toEqual([
        [1, 0, 'barrier', 'SPMGangError'],
        [1, 1, 'recv', 'SPMGangError'],
        [2, 0, 'barrier', 'SPMGangError'],
        [2, 1, 'recv', 'SPMGangError'],
      ]);
    }
    await expectSequencePoint(cloud, baseline, () => reports.length);
    // The survivors' spokes were terminated (and relaunched) with the gang, twice.
    const survivors = reports.slice(0, 2).map((r) => r.spokeId as string);
    for (const id of survivors) expect(cloud.tracker.snapshot(id)?.incarnation).toBeGreaterThan(incarnations.get(id) as number);
  });

  it('relaunches a gang whose rank throws on the first run only: the second run succeeds', async () => {
    const reports: RankReport[] = [];
    const summary = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'throw', failRank: 2, failAttempts: 1 }, onStatus: (r) => void reports.push(r) });
    expect(summary.gangAttempts).toBe(2);
    expect(summary.values).toEqual([0, 1, 2].map((rank) => ({ rank, gangAttempt: 2 })));
    expect(reports.map((r) => [r.rank, r.ok, r.gangAttempt])).toEqual([
      [0, true, 2],
      [1, true, 2],
      [2, true, 2],
    ]);
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  it('relaunches once, not twice, when two ranks fail at once', async () => {
    const relaunched: GangRelaunch[] = [];
    const summary = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'throw-two', failAttempts: 1 }, relaunches: 3, onRelaunch: (e) => void relaunched.push(e) });
    expect(summary.gangAttempts).toBe(2);
    expect(summary.values).toEqual([0, 1, 2]);
    expect(relaunched).toHaveLength(1);
    expect([0, 1]).toContain(relaunched[0]?.error.rank);
    await expectSequencePoint(cloud, baseline, () => relaunched.length);
  });

  it('fails the gang when a rank runs past its timeout (SPMTaskTimeout); the ranks at the barrier do not wait forever', async () => {
    rankLog.length = 0;
    const reports: RankReport[] = [];
    // Only rank 1 has a timeout (its record's spm.meta.timeout); the others wait for it at a barrier.
    const hang = { mode: 'hang', failRank: 1 } as const;
    const error = await kit
      .manage({ pool: pool(), tasks: [hang, { ...hang, spm: { meta: { timeout: after({ ms: 300 }) } } }, hang], relaunches: 0, onStatus: (r) => void reports.push(r) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMGangError);
    expect(error).toMatchObject({ rank: 1 });
    expect((error as SPMGangError).cause).toBeInstanceOf(SPMTaskTimeout);
    expect(reports.map((r) => r.error?.rank)).toEqual([1, 1, 1]);
    if (kind === 'inproc') expect(rankLog.map((e) => [e.rank, e.what]).sort()).toEqual([[0, 'barrier'], [2, 'barrier']]);
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  if (kind !== 'inproc') {
    it('fails the gang when a rank’s spoke dies (SPMTaskDropped), and the relaunch succeeds', async () => {
      const relaunched: GangRelaunch[] = [];
      const summary = await kit.manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'die', failRank: 0, failAttempts: 1 },
        timeoutWaitForSpokes: after({ seconds: 10 }),
        onRelaunch: (e) => void relaunched.push(e),
      });
      expect(summary).toMatchObject({ gangAttempts: 2, values: [0, 1, 2] });
      expect(relaunched[0]?.error.rank).toBe(0);
      expect(relaunched[0]?.error.cause).toBeInstanceOf(SPMTaskDropped);
      expect((relaunched[0]?.error.cause as Error).message).toMatch(/was lost while evaluating it/);
      await expectSequencePoint(cloud, baseline, () => relaunched.length);
    });
  }

  it('rejects a wait for a rank that already returned with SPMGangError, instead of blocking forever', async () => {
    const reports: RankReport[] = [];
    const error = await kit.manage({ pool: pool(), size: 2, task: { mode: 'return-early' }, relaunches: 0, onStatus: (r) => void reports.push(r) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMGangError);
    expect(error).toMatchObject({ rank: 0 });
    expect((error as Error).message).toMatch(/SPMGangError: Rank 0 waits in recv\(from: 1\) for rank 1, which already returned without sending it: it would wait forever$/);
    expect(reports.map((r) => r.ok)).toEqual([false, false]);
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  it('fails the gang when ranks call different collectives, naming both', async () => {
    const error = await kit.manage({ pool: pool(), size: 2, task: { mode: 'mismatch' }, relaunches: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMGangError);
    expect((error as Error).message).toMatch(/collective #1 is (barrier|allgather)\(\) but rank [01]'s is (barrier|allgather)\(\): every rank must call the same collectives in the same order/);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('completes every collective at once in a gang of one rank (barrier, allgather and allreduce used to wait forever)', async () => {
    const summary = await kit.manage({ pool: pool(), size: 1, task: { mode: 'tour' }, timeoutExecution: after({ seconds: 10 }) });
    expect(summary.values).toEqual([
      {
        rank: 0,
        size: 1,
        first: { from: 0, tag: 'first', body: { hello: 0 } },
        second: { from: 0, tag: 'second', body: [0, 0] },
        fromAny: [[0, [0, 255]]],
        shared: { secret: 'from the last rank' },
        sum: 1,
        min: 10,
        max: [0, 0],
        concat: '0',
        all: [{ rank: 0, square: 0 }],
        gangAttempt: 1,
      },
    ]);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  notOnThreads('refuses a class instance in a message or a collective on every path, naming it (a structured clone used to flatten it)', async () => {
    const sent = await kit.manage({ pool: pool(), size: 2, task: { mode: 'send-instance' }, relaunches: 0 }).catch((e: unknown) => e);
    expect(sent).toBeInstanceOf(SPMGangError);
    expect(sent).toMatchObject({ rank: 0 });
    expect((sent as Error).message).toMatch(
      /Rank 0 threw on spoke \S+: SPMError: Expected the message to rank 1 to be plain data \(null, boolean, number, string, Uint8Array, arrays and plain objects of those\), found an instance of Point at `body\.p` \(send a plain object\)$/,
    );
    // It used to say that the rank lost the hub (process spokes), or pass (inproc, thread).
    const gathered = await kit.manage({ pool: pool(), size: 2, task: { mode: 'allgather-instance' }, relaunches: 0 }).catch((e: unknown) => e);
    expect(gathered).toBeInstanceOf(SPMGangError);
    expect(gathered).toMatchObject({ rank: 1 });
    expect((gathered as Error).message).toMatch(/SPMError: Expected the value of allgather\(\) to be plain data .*, found an instance of Point at `body` \(send a plain object\)$/);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('delivers a body as the wire does on every path: undefined properties dropped, -0 as 0 (a direct channel used to keep both)', async () => {
    const paths = kind === 'inproc' ? (['auto', 'hub'] as const) : (['auto'] as const);
    for (const peers of paths) {
      const summary = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'bodies' }, peers });
      expect(summary.values[1]).toEqual({ received: [{ b: 1 }, 0, [1, { y: 0 }, 3], { n: [0, 2] }], gathered: [0, 0, 0] });
      // Every rank gathers the same values, its own slot included (it used to keep its own -0).
      for (const value of summary.values) expect((value as { gathered: unknown }).gathered).toEqual([0, 0, 0]);
    }
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  notOnThreads('refuses an array with a hole on every path, as it refuses undefined in one (a direct channel delivered the hole, the hub null)', async () => {
    const error = await kit.manage({ pool: pool(), size: 2, task: { mode: 'send-hole' }, relaunches: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMGangError);
    expect(error).toMatchObject({ rank: 0 });
    expect((error as Error).message).toMatch(
      /Rank 0 threw on spoke \S+: SPMError: Expected the message to rank 1 to be plain data \(.*\), found a hole \(a missing element\) at `body\[1\]` \(the wire delivers it as null: put null there\)$/,
    );
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  notOnThreads('refuses recv options it does not have, naming the likely one (they were ignored: the rank waited for any rank, or forever)', async () => {
    const summary = await kit.manage({ pool: pool(), size: 2, task: { mode: 'recv-options' }, relaunches: 0 });
    expect(summary.values[0]).toEqual([
      { name: 'SPMError', code: 'SPM_ERROR', message: "Unknown option `fromm` of rank 0's recv() (did you mean `from`?); expected one of `from`, `tag`" },
      { name: 'SPMError', code: 'SPM_ERROR', message: "Unknown option `timeout` of rank 0's recv(); expected one of `from`, `tag`" },
    ]);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  notOnThreads('blames a throwing onStatus on the rank whose report it handled (it named whichever core report delivered it), and rejects with it when delivering a failure too (it was lost)', async () => {
    const seen: number[] = [];
    const thrown = new Error("rank 2's callback fails");
    const sync = await kit
      .manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'ok' },
        onStatus: (r) => {
          seen.push(r.rank);
          if (r.rank === 2) throw thrown;
        },
      })
      .catch((e: unknown) => e);
    expect(sync).toBeInstanceOf(SPMHubCallbackError);
    expect(sync).toMatchObject({ code: 'SPM_HUB_CALLBACK', message: "The status callback of gang `kit` threw on rank 2's report: rank 2's callback fails" });
    expect((sync as Error).cause).toBe(thrown);
    expect(seen).toEqual([0, 1, 2]);
    const rejects = await kit
      .manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'ok' },
        onStatus: async (r) => {
          await Promise.resolve();
          if (r.rank === 0) throw new Error('rank 0 rejects');
        },
      })
      .catch((e: unknown) => e);
    expect(rejects).toBeInstanceOf(SPMHubCallbackError);
    expect((rejects as Error).message).toBe("The status callback of gang `kit` threw on rank 0's report: rank 0 rejects");
    seen.length = 0;
    const failing = await kit
      .manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'throw', failRank: 2 },
        relaunches: 0,
        onStatus: (r) => {
          seen.push(r.rank);
          if (r.rank === 1) throw new Error('rank 1 cannot take it');
        },
      })
      .catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(SPMHubCallbackError);
    expect((failing as Error).message).toBe("The status callback of gang `kit` threw on rank 1's report: rank 1 cannot take it");
    expect(seen).toEqual([0, 1]); // no callback after it threw
    await expectSequencePoint(cloud, baseline, () => seen.length);
  });

  if (kind !== 'thread') {
    // On the hub path the hub sees the ranks' collective contributions go by; a direct channel it does not see.
    const peers = kind === 'inproc' ? 'hub' : 'auto';

    it('says, when a rank times out, which ranks were waiting in which collective for whom (hub path)', async () => {
      const stall = { mode: 'stall' } as const;
      const error = await kit
        .manage({ pool: pool(), tasks: [stall, { ...stall, spm: { meta: { timeout: after({ ms: 1000 }) } } }, stall], relaunches: 0, peers })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMGangError);
      expect(error).toMatchObject({ rank: 1 });
      expect((error as SPMGangError).cause).toBeInstanceOf(SPMTaskTimeout);
      expect((error as Error).message).toMatch(/^Gang `kit` failed: rank 1 failed \(gang run 1 of at most 1\): Task 1 timed out after 1000 ms .*; ranks 0 and 2 were waiting in allreduce\(\) \(collective #1\) for rank 1$/);
      await expectSequencePoint(cloud, baseline, () => 0);
    });

    it('says so past timeoutExecution too', async () => {
      const error = await kit.manage({ pool: pool(), size: SIZE, task: { mode: 'stall' }, timeoutExecution: after({ ms: 1500 }), peers }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMExecutionTimeout);
      expect((error as Error).message).toBe('Gang `kit` ran past its timeoutExecution of 1500 ms: every rank was killed; ranks 0 and 2 were waiting in allreduce() (collective #1) for rank 1');
      await expectSequencePoint(cloud, baseline, () => 0);
    });
  }

  if (kind === 'inproc') {
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

    it('past timeoutExecution while onStatus is delivering the reports of a finished run: rejects SPMExecutionTimeout, and calls onStatus no more (it used to resolve, and go on)', async () => {
      const seen: number[] = [];
      let firstDone = (): void => undefined;
      const first = new Promise<void>((resolve) => (firstDone = resolve));
      const error = await kit
        .manage({
          pool: pool(),
          size: 2,
          task: { mode: 'tour' },
          timeoutExecution: after({ ms: 200 }),
          onStatus: async (r) => {
            seen.push(r.rank);
            // Longer than the deadline plus the core's grace for a hung callback.
            await sleep(1400);
            firstDone();
          },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMExecutionTimeout);
      expect((error as Error).message).toBe('Gang `kit` ran past its timeoutExecution of 200 ms: every rank was killed');
      await first;
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([0]);
      await expectSequencePoint(cloud, baseline, () => seen.length);
    });

    it('past timeoutExecution while onRelaunch runs: rejects SPMExecutionTimeout and starts no other run (it used to relaunch past the deadline)', async () => {
      const dispatched: number[] = [];
      const onDispatch = (e: { taskId: unknown }): void => void dispatched.push(Number(e.taskId));
      kit.core.on('dispatch', onDispatch);
      let relaunchDone = (): void => undefined;
      const relaunched = new Promise<void>((resolve) => (relaunchDone = resolve));
      try {
        const error = await kit
          .manage({
            pool: pool(),
            size: SIZE,
            task: { mode: 'throw', failRank: 2 },
            relaunches: 1,
            timeoutExecution: after({ ms: 300 }),
            onRelaunch: async () => {
              await sleep(800);
              relaunchDone();
            },
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SPMExecutionTimeout);
        await relaunched;
        await sleep(50);
        expect(dispatched.sort()).toEqual([0, 1, 2]); // the first run only
      } finally {
        kit.core.off('dispatch', onDispatch);
      }
      await expectSequencePoint(cloud, baseline, () => dispatched.length);
    });

    it('starts a relaunch only once onRelaunch has returned, even after the core stopped waiting for it', async () => {
      const events: string[] = [];
      const onDispatch = (e: { taskId: unknown }): void => void events.push(`dispatch ${String(e.taskId)}`);
      kit.core.on('dispatch', onDispatch);
      try {
        const summary = await kit.manage({
          pool: pool(),
          size: 2,
          task: { mode: 'throw', failRank: 1, failAttempts: 1 },
          onRelaunch: async () => {
            events.push('relaunch');
            await sleep(1200); // past the core's grace for a hung callback
            events.push('relaunch done');
          },
        });
        expect(summary.gangAttempts).toBe(2);
        expect(events.slice(2)).toEqual(['relaunch', 'relaunch done', expect.stringMatching(/^dispatch /), expect.stringMatching(/^dispatch /)]);
      } finally {
        kit.core.off('dispatch', onDispatch);
      }
      await expectSequencePoint(cloud, baseline, () => events.length);
    });

    it('past timeoutExecution or on its signal while onMessage hangs: rejects with the gang’s own error (it used to be the core’s, wrapping it)', async () => {
      const hang = (): Promise<never> => new Promise<never>(() => undefined);
      const late = await kit.manage({ pool: pool(), size: 2, task: { mode: 'talk' }, onMessage: hang, timeoutExecution: after({ ms: 300 }) }).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(SPMExecutionTimeout);
      expect((late as Error).message).toBe('Gang `kit` ran past its timeoutExecution of 300 ms: every rank was killed');
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('Ctrl-C')), 300);
      const aborted = await kit.manage({ pool: pool(), size: 2, task: { mode: 'talk' }, onMessage: hang, signal: controller.signal }).catch((e: unknown) => e);
      expect(aborted).toBeInstanceOf(SPMManagerError);
      expect((aborted as Error).message).toBe('Gang `kit` was aborted (Ctrl-C)');
      await expectSequencePoint(cloud, baseline, () => 0);
    });
  }

  notOnThreads('treats an onMessage that throws as a hub-callback error: every spoke terminated, SPMHubCallbackError, no report', async () => {
    const reports: RankReport[] = [];
    const bug = new TypeError('bug in my handler');
    const error = await kit
      .manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'talk' },
        onStatus: (r) => void reports.push(r),
        onMessage: () => {
          throw bug;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as SPMError).cause).toBe(bug);
    expect(reports).toEqual([]);
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  notOnThreads('stops on its signal: every rank reported SPMGangError, manage() rejects with SPMManagerError', async () => {
    const reports: RankReport[] = [];
    const controller = new AbortController();
    const error = await kit
      .manage({
        pool: pool(),
        size: SIZE,
        task: { mode: 'hang', failRank: 0 },
        signal: controller.signal,
        onStatus: (r) => void reports.push(r),
        onMetaStatus: (status) => {
          if (status.phase === 'eval') setTimeout(() => controller.abort(new Error('Ctrl-C')), 100);
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toBe('Gang `kit` was aborted (Ctrl-C)');
    expect(reports.map((r) => [r.rank, r.error?.cause])).toEqual([0, 1, 2].map((rank) => [rank, error]));
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  notOnThreads('past timeoutExecution kills every rank, reports each SPMGangError, and rejects with SPMExecutionTimeout', async () => {
    const reports: RankReport[] = [];
    const error = await kit
      .manage({ pool: pool(), size: SIZE, task: { mode: 'hang', failRank: 2 }, timeoutExecution: after({ ms: 400 }), onStatus: (r) => void reports.push(r) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMExecutionTimeout);
    expect(reports.every((r) => r.error instanceof SPMGangError && r.error.cause === error)).toBe(true);
    expect(reports).toHaveLength(SIZE);
    await expectSequencePoint(cloud, baseline, () => reports.length);
  });

  notOnThreads('refuses bad options and records before anything runs, and times out waiting for more spokes than there are', async () => {
    const started: unknown[] = [];
    kit.core.on('dispatch', (e) => started.push(e));
    try {
      await expect(kit.manage({ pool: pool(), size: 2, tasks: [{}] })).rejects.toThrow('Expected `tasks` to hold one task per rank (2), got 1');
      await expect(kit.manage({ pool: pool(), tasks: [{}], task: {} })).rejects.toThrow('Expected either `tasks` (one per rank) or `task` (the same for every rank), got both');
      await expect(kit.manage({ pool: pool(), size: 0 })).rejects.toThrow('Expected `size` to be an integer ≥ 1, got `0` (number)');
      await expect(kit.manage({ pool: pool(), size: 1, relaunches: -1 })).rejects.toThrow('Expected `relaunches` to be an integer ≥ 0, got `-1` (number)');
      await expect(kit.manage({ pool: pool(), size: 1, peers: 'smoke' as never })).rejects.toThrow("Expected `peers` to be 'auto' or 'hub', got `\"smoke\"` (string)");
      // Not an AbortSignal: refused up front (it used to meet a TypeError, after part of the run).
      await expect(kit.manage({ pool: pool(), size: 2, signal: 'abort' as never })).rejects.toThrow('Expected `signal` to be an AbortSignal, got `"abort"` (string)');
      await expect(kit.manage({ pool: pool(), size: 2, signal: { aborted: true, reason: 'fake' } as never })).rejects.toThrow(/^Expected `signal` to be an AbortSignal, got /);
      const bad = await kit.manage({ pool: pool(), tasks: [{}, { mode: 7 } as never] }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(SPMTypedefError);
      expect((bad as SPMTypedefError).message).toMatch(/^Task 1: /);
      expect((bad as SPMTypedefError).path).toBe('mode');
    } finally {
      kit.core.removeAllListeners('dispatch');
    }
    expect(started).toEqual([]);
    const error = await kit.manage({ pool: pool(), size: SIZE + 1, timeoutWaitForSpokes: after({ ms: 200 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMWaitForSpokesTimeout);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('computes a BSP PageRank on a generated graph of 100k edges equal to the serial computation', async () => {
    const summary = await pageRank.manage({ pool: pool(), size: SIZE, task: problem });
    const pr = assemble(summary.values, problem.vertices);
    expect(summary.values.map((b: PageRankBlock) => [b.rank, b.lo, b.hi])).toEqual([
      [0, 0, 6666],
      [1, 6666, 13333],
      [2, 13333, 20000],
    ]);
    expect(largestDifference(pr, pageRankSerial(problem))).toBeLessThanOrEqual(1e-15);
    expect(pr.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  notOnThreads('relaunches a PageRank whose rank throws at superstep 3 on the first run only; the result still equals the serial one', async () => {
    const relaunched: GangRelaunch[] = [];
    const summary = await pageRank.manage({ pool: pool(), size: SIZE, task: { ...problem, iterations: 6, failRank: 1, failSuperstep: 3 }, onRelaunch: (e) => void relaunched.push(e) });
    expect(summary.gangAttempts).toBe(2);
    expect(relaunched.map((e) => e.error.rank)).toEqual([1]);
    expect(relaunched[0]?.error.message).toMatch(/rank 1 fails at superstep 3 \(first run only\)/);
    expect(largestDifference(assemble(summary.values, problem.vertices), pageRankSerial({ ...problem, iterations: 6 }))).toBeLessThanOrEqual(1e-15);
    await expectSequencePoint(cloud, baseline, () => relaunched.length);
  });
});
