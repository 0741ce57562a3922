// The spm side of the task-manager benchmarks: a coarse-list closure whose tasks do nothing.
// The hub imports this module to manage it; every spoke imports the same built file (by its
// URL, carried in each task) to evaluate it, so it must stay free of hub-only work.
import { defineClosure } from '@spm/closure-core';

/** A no-op task: the same payload every peer pool receives. */
export interface NoopTask {
  readonly n: number;
}

/** The coarse list of no-op tasks (family `list`, seed Partition/List pattern). */
export const noopList = defineClosure<NoopTask, null>({
  family: 'list',
  signature: 'bench:noop',
  module: import.meta.url,
  evaluate: () => null,
});
