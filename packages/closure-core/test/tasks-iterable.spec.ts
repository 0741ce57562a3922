import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SPMHubCallbackError } from '@spm/exceptions';
import { ListSource } from '@spm/closure-core';
import { VirtualCloud } from '@spm/tracker';
import { work } from './fixtures/closures.mjs';

// A list's `[Symbol.iterator]()` was called unguarded: its throw escaped manage() as the raw
// error (no code), where a DAG, and a list whose next() throws, say SPMHubCallbackError.
describe('a list whose tasks iterable throws when asked for its iterator', () => {
  let cloud: VirtualCloud;

  beforeAll(async () => {
    cloud = await VirtualCloud.start({ local: { kind: 'inproc', spokes: 1 } });
  });

  afterAll(async () => {
    await cloud.close();
  });

  const broken = new TypeError('iterator broke');
  const cases: [string, object][] = [
    ['[Symbol.iterator]() throws', { [Symbol.iterator]: () => { throw broken; } }],
    ['[Symbol.asyncIterator]() throws', { [Symbol.asyncIterator]: () => { throw broken; } }],
    [
      'the [Symbol.iterator] getter throws',
      Object.defineProperty({}, Symbol.iterator, {
        get() {
          throw broken;
        },
      }),
    ],
  ];

  it.each(cases)('rejects with SPMHubCallbackError naming it, with the cause, before anything runs (%s)', async (_, tasks) => {
    let reports = 0;
    const error = await work.manage({ pool: cloud.pool.intraAll(), tasks: tasks as never, onStatus: () => void (reports += 1) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect(error).toMatchObject({ code: 'SPM_HUB_CALLBACK', message: 'The tasks iterable threw: iterator broke', cause: broken });
    expect(reports).toBe(0);
    // The same from reports().
    await expect(work.reports({ pool: cloud.pool.intraAll(), tasks: tasks as never }).next()).rejects.toMatchObject({ code: 'SPM_HUB_CALLBACK', cause: broken });
  });

  it('is refused the same way by a ListSource built by a closure family', () => {
    const hooks = { available: () => undefined, failed: () => undefined };
    expect(() => new ListSource(cases[0]?.[1] as Iterable<unknown>, hooks)).toThrow(SPMHubCallbackError);
  });
});
