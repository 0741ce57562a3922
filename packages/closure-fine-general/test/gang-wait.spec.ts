import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SPMExecutionTimeout, SPMWaitForSpokesTimeout } from '@spm/exceptions';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { kit } from './fixtures/gangs.mjs';

// With a timeoutExecution shorter than timeoutWaitForSpokes, the gang cuts the core's wait to
// the deadline, and took any SPMWaitForSpokesTimeout for the deadline's: 3 ranks on 2 spokes
// rejected at once (0 ms) with "ran past its timeoutExecution of 300 ms while waiting for 3
// spokes", hiding the real cause, "Only 2 spoke(s) can come" (an exploratory tester).
describe('a gang waiting for spokes with a timeoutExecution', () => {
  let cloud: VirtualCloud;

  beforeAll(async () => {
    cloud = await VirtualCloud.start({ local: { kind: 'inproc', spokes: 2 } });
  });

  afterAll(async () => {
    await cloud.close();
  });

  it.each([undefined, 300, 60_000])('says that fewer spokes can come than it needs, not that the deadline passed (timeoutExecution %p ms)', async (ms) => {
    const error = await kit
      .manage({ pool: cloud.pool.intraAll(), size: 3, ...(ms === undefined ? {} : { timeoutExecution: after({ ms }) }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMWaitForSpokesTimeout);
    expect((error as Error).message).toMatch(/^Only 2 spoke\(s\) can come, so stopped waiting for 3 spoke\(s\)/);
  });

  it('rejects SPMExecutionTimeout when the deadline does pass while it waits', async () => {
    // Two of three spokes in its pool, the third may still come: it waits, until the deadline.
    const big = await VirtualCloud.start({ local: { kind: 'inproc', spokes: 3 } });
    try {
      const first = big.spokes()[0]?.id;
      const pool = big.pool.where((s) => s.id !== first, 'all but one');
      const error = await kit.manage({ pool, size: 3, timeoutExecution: after({ ms: 300 }), timeoutWaitForSpokes: after({ seconds: 20 }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMExecutionTimeout);
      expect((error as Error).message).toMatch(/^Gang `kit` ran past its timeoutExecution of 300 ms/);
    } finally {
      await big.close();
    }
  });
});
