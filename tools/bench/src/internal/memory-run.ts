import type { BenchSpokeKind } from './bench-cloud.js';
import type { MemoryPeaks } from './memory-sampler.js';
import type { ListRunResult } from './noop-list-run.js';

/** The input of one memory measurement (`entries/memory-subject.js`). */
export interface MemoryInput {
  readonly spokeKind: BenchSpokeKind;
  readonly spokes: number;
  /** No-op tasks streamed from a generator. */
  readonly tasks: number;
  /** Prefetch of the policy; the default policy (`policyA`) when absent. */
  readonly prefetch?: number;
  /** How often the hub's memory is sampled, in ms. */
  readonly sampleMs: number;
}

/** What one memory measurement found on the hub. */
export interface MemoryResult extends ListRunResult {
  readonly tasks: number;
  /** The policy the list ran with, and its prefetch. */
  readonly policy: string;
  readonly prefetch: number;
  /** `process.memoryUsage()` just before the measured run (after a 1,000-task warm-up and a full collection). */
  readonly baseline: NodeJS.MemoryUsage;
  /** The peaks sampled during the run. */
  readonly peak: MemoryPeaks;
  /** `process.memoryUsage()` after the run (and a full collection, like the baseline). */
  readonly after: NodeJS.MemoryUsage;
}

/** True when the run concluded with one ok report per task. */
export function isComplete(result: MemoryResult): boolean {
  return result.reports === result.tasks && result.ok === result.tasks;
}
