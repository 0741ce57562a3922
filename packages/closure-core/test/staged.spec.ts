import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { currentSequence } from '@spm/sequence';
import { VirtualCloud } from '@spm/tracker';
import { SPMInvariantError, SPMTypedefError } from '@spm/exceptions';
import { ctRange, failures, main, pc, rolling } from './fixtures/is_prime.mjs';

/** Odd primes below `n`, by a sieve: what the seed's ctRange counts from 3 (it skips 2). */
function oddPrimesBelow(n: number): number {
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i += 1) {
    if (composite[i]) continue;
    if (i % 2 === 1) count += 1;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

describe.each(['inproc', 'process'] as const)('the seed’s Appendix A (Fig. 14–16) in the staged API, on %s spokes', (kind) => {
  let cloud: VirtualCloud;
  beforeAll(async () => {
    cloud = await VirtualCloud.start({ local: { kind, spokes: 2 } });
  });
  afterAll(() => cloud.close());

  it('counts the primes of [3, 502347) in 10 buckets, as the serial loop would', async () => {
    const total = await main(cloud.pool.intraAll(), 10);
    expect(total).toBe(oddPrimesBelow(502347));
    expect(total).toBe(ctRange(2, 502347)); // the serial run of Fig. 14
    expect(rolling).toHaveLength(10);
    expect(rolling[9]).toBe(total);
    expect(failures).toEqual([]);
    expect(currentSequence().state).toBe('offline');
  });

  it('refuses a push with a deferred field unset, naming it', () => {
    pc.stage0.init.main({ typedef: 'task<list> :: struct { nMin :: scalar<int> = deferred; };' });
    const hdl = pc.stage0.payload.tie();
    expect(() => hdl.Push()).toThrow(SPMTypedefError);
    expect(() => hdl.Push()).toThrow(/`nMin`/);
    expect(() => (hdl as Record<string, unknown>)['nMax']).toThrow(/nMax/);
  });

  it('refuses stage 0 while the hub is online', async () => {
    let refused: unknown;
    pc.stage0.init.main({ typedef: 'task<list> :: struct { nMin :: scalar<int> = deferred; nMax :: scalar<int> = deferred; };' });
    const hdl = pc.stage0.payload.tie();
    hdl['nMin'] = 3;
    hdl['nMax'] = 10;
    hdl.Push();
    pc.events.once('report', () => {
      try {
        pc.stage0.init.main({ typedef: 'task<list> :: struct { };' });
      } catch (error) {
        refused = error;
      }
    });
    await pc.stage0.event.manage({ pool: cloud.pool.intraAll() });
    expect(refused).toBeInstanceOf(SPMInvariantError);
  });
});
