// One memory measurement in its own process (see internal/run-child.ts): argv[2] is a
// MemoryInput; streams that many no-op tasks through the list and prints a MemoryResult.
import { policyA } from '@spm/closure-core';
import { startBenchCloud } from '../internal/bench-cloud.js';
import { MemorySampler } from '../internal/memory-sampler.js';
import type { MemoryInput, MemoryResult } from '../internal/memory-run.js';
import { prefetchPolicy, runNoopList } from '../internal/noop-list-run.js';
import { readInput, sendResult } from '../internal/run-child.js';
import { noopList } from './noop-closure.js';

/** A full collection, when the process runs with `--expose-gc` (the memory benchmark starts it so). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

const input = readInput<MemoryInput>();
const bench = await startBenchCloud(input.spokeKind, input.spokes);
try {
  const policy = input.prefetch === undefined ? policyA : prefetchPolicy(input.prefetch);
  // A short run first, so the baseline already holds the loaded modules and warmed pools.
  await runNoopList(bench, noopList, 1_000, policy);
  collectGarbage();
  const baseline = process.memoryUsage();
  const sampler = new MemorySampler().start(input.sampleMs);
  const run = await runNoopList(bench, noopList, input.tasks, policy);
  const peak = sampler.stop();
  // What the run left behind, once garbage is collected: it should not grow with the count.
  collectGarbage();
  const after = process.memoryUsage();
  const result: MemoryResult = { ...run, tasks: input.tasks, policy: policy.name, prefetch: policy.prefetch, baseline, peak, after };
  sendResult(result);
} finally {
  await bench.close();
}
