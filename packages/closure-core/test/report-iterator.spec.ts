import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SPMError, SPMHubCallbackError } from '@spm/exceptions';
import type { StatusReport } from '@spm/closure-core';
import { currentSequence } from '@spm/sequence';
import { VirtualCloud } from '@spm/tracker';
import { work } from './fixtures/closures.mjs';

type Result = IteratorResult<StatusReport<number>>;

// The iterator had one `wake` slot: a second pending next() overwrote the first's resolver, so
// the first never settled, the delivery it held never returned, and the invocation never
// concluded (the hub stayed busy; even closing the cloud left both pending). An exploratory
// tester's repro: Promise.all([it.next(), it.next()]). Without the fix these specs hang until
// the test's timeout.
describe('reports() with overlapping next() calls', () => {
  let cloud: VirtualCloud;

  beforeAll(async () => {
    cloud = await VirtualCloud.start({ local: { kind: 'inproc', spokes: 2 } });
  });

  afterAll(async () => {
    await cloud.close();
  });

  it('gives each pending next() the next report in order, then the end, and the invocation concludes', async () => {
    const it = work.reports({ pool: cloud.pool.intraAll(), tasks: [{ n: 2 }, { n: 3 }, { n: 4 }] })[Symbol.asyncIterator]();
    const results = (await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()])) as Result[];
    expect(results.map((r) => r.done)).toEqual([false, false, false, true, true]);
    const values = results.filter((r) => r.done === false).map((r) => (r.value as StatusReport<number>).returnValue());
    expect(values.sort((a, b) => a - b)).toEqual([4, 9, 16]);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    // Concluded: the hub is free for the next manager.
    expect(currentSequence().state).toBe('offline');
    expect(await work.manage({ pool: cloud.pool.intraAll(), tasks: [{ n: 5 }] })).toMatchObject({ ok: 1 });
  });

  it('shares the reports between two loops over the same iterator, each report once', async () => {
    const reports = work.reports({ pool: cloud.pool.intraAll(), tasks: Array.from({ length: 12 }, (_, n) => ({ n, ms: n % 3 })) });
    const drain = async (): Promise<number[]> => {
      const ids: number[] = [];
      for await (const report of reports) ids.push(Number(report.taskId));
      return ids;
    };
    const [a, b] = await Promise.all([drain(), drain()]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, n) => n));
    expect(currentSequence().state).toBe('offline');
  });

  it('rejects one pending next() with the invocation’s error and ends the others', async () => {
    // An option refused before anything runs: deterministic, no report comes first.
    const it = work.reports({ pool: cloud.pool.intraAll(), tasks: [{ n: 1 }], timeoutExecution: 'soon' as never })[Symbol.asyncIterator]();
    const [first, second, third] = await Promise.allSettled([it.next(), it.next(), it.next()]);
    expect(first?.status).toBe('rejected');
    expect((first as PromiseRejectedResult).reason).toBeInstanceOf(SPMError);
    expect(second).toEqual({ status: 'fulfilled', value: { value: undefined, done: true } });
    expect(third).toEqual({ status: 'fulfilled', value: { value: undefined, done: true } });
  });

  it('delivers a failure during the run to a pending next(), the later ones done', async () => {
    const it = work
      .reports({
        pool: cloud.pool.intraAll(),
        tasks: [{ n: 1, ms: 20 }],
        onMetaStatus: () => {
          throw new RangeError('meta broke');
        },
      })
      [Symbol.asyncIterator]();
    const settled = await Promise.allSettled([it.next(), it.next(), it.next(), it.next()]);
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(SPMHubCallbackError);
    // In order: any report first, then the failure, then the end.
    const at = settled.findIndex((s) => s.status === 'rejected');
    expect(settled.slice(at + 1)).toEqual(Array.from({ length: settled.length - at - 1 }, () => ({ status: 'fulfilled', value: { value: undefined, done: true } })));
    expect(currentSequence().state).toBe('offline');
  });

  it('settles pending next() calls as done when the loop is closed with return()', async () => {
    const it = work.reports({ pool: cloud.pool.intraAll(), tasks: [{ n: 1, ms: 60_000 }, { n: 2, ms: 60_000 }] })[Symbol.asyncIterator]();
    const pending = Promise.all([it.next(), it.next()]);
    await it.return?.();
    expect(await pending).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
    expect(currentSequence().state).toBe('offline');
  });
});
