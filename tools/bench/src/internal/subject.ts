import type { BenchSpokeKind } from './bench-cloud.js';
import type { PeerSpec } from './peer-pool.js';

/** What one throughput measurement runs: the spm list on some spokes, or a peer pool. */
export type Subject =
  | { readonly type: 'spm'; readonly spokeKind: BenchSpokeKind; readonly spokes: number; readonly prefetch: number }
  | { readonly type: 'peer'; readonly peer: PeerSpec };

/** The input of one measuring child (`entries/throughput-subject.js`). */
export interface ThroughputInput {
  readonly subject: Subject;
  /** Tasks per measured run. */
  readonly tasks: number;
  /** Measured runs (best reported). */
  readonly runs: number;
  /** Tasks of the warm-up run. */
  readonly warmupTasks: number;
  /** Peers: tasks submitted ahead (unsettled at once). */
  readonly window: number;
}

/**
 * The subject's row name, e.g. `spm list (thread)`, `piscina`, `tinypool (threads)` or
 * `workerpool (child processes)` (the names docs/benchmarks.md's tables use).
 */
export function subjectName(subject: Subject): string {
  if (subject.type === 'spm') return `spm list (${subject.spokeKind})`;
  // Piscina runs threads only: one row name, as ever.
  if (subject.peer.library === 'piscina') return 'piscina';
  return `${subject.peer.library} (${subject.peer.runtime === 'process' ? 'child processes' : 'threads'})`;
}

/** The swept setting of the subject, e.g. `prefetch 8` or `concurrentTasksPerWorker 4`. */
export function subjectSetting(subject: Subject): string {
  if (subject.type === 'spm') return `prefetch ${subject.prefetch}`;
  return subject.peer.concurrentTasksPerWorker === undefined ? '—' : `concurrentTasksPerWorker ${subject.peer.concurrentTasksPerWorker}`;
}
