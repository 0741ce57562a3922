import { definePolicy, type Closure, type Policy } from '@spm/closure-core';
import { after } from '@spm/typedef';
import type { BenchCloud } from './bench-cloud.js';

/** What one invocation of the no-op list concluded with. */
export interface ListRunResult {
  /** Reports delivered to `onStatus`. */
  readonly reports: number;
  /** Reports that carried a return value. */
  readonly ok: number;
  /** Wall time of `manage()`, lease to conclusion, in ms. */
  readonly wallMs: number;
}

/** The policy a prefetch setting is measured with: the default `policyA` with only `prefetch` changed. */
export function prefetchPolicy(prefetch: number): Policy {
  return definePolicy({ name: `bench-prefetch-${prefetch}`, prefetch });
}

/** Tasks `{ n: 0 }`, `{ n: 1 }`, … made one at a time as the manager pulls them: no array of `count` tasks exists. */
export function* noopTasks(count: number): Generator<{ n: number }> {
  for (let n = 0; n < count; n++) yield { n };
}

/**
 * Streams `count` no-op tasks from a generator through `closure.manage()` on every spoke of
 * `bench` and counts the reports. Nothing of a report is kept, so the hub holds only what the
 * manager itself holds while tasks are in flight.
 */
export async function runNoopList(bench: BenchCloud, closure: Closure<{ n: number }, null>, count: number, policy: Policy): Promise<ListRunResult> {
  let reports = 0;
  let ok = 0;
  const summary = await closure.manage({
    // inter(): joined TCP spokes name their own server, local ones the hub's.
    pool: bench.cloud.pool.inter(),
    tasks: noopTasks(count),
    onStatus: (report) => {
      reports += 1;
      if (report.ok) ok += 1;
    },
    nSpokesMin: bench.spokes,
    nSpokesMax: bench.spokes,
    timeoutWaitForSpokes: after({ seconds: 30 }),
    timeoutExecution: after({ seconds: 600 }),
    policy,
  });
  return { reports, ok, wallMs: summary.wallMs };
}
