import type { TaskId } from '@spm/exceptions';
import type { MetaStatus } from './meta-status.js';
import type { StatusReport } from './status-report.js';

/** One task attempt on one spoke. */
export interface AttemptEvent {
  readonly taskId: TaskId;
  readonly attempt: number;
  readonly spokeId: string;
  /** `Date.now()` when it happened on the hub. */
  readonly at: number;
}

/** What one invocation did, when it concluded. */
export interface ManageSummary {
  /** Final reports delivered (one per task pulled from the source). */
  readonly reports: number;
  /** Of which returned a value. */
  readonly ok: number;
  /** Of which were parallel exceptions. */
  readonly failed: number;
  /** Re-dispatches after a spoke was lost mid-task. */
  readonly retries: number;
  /** Executions whose late report was discarded (their attempt had been given up): counted, not hidden. */
  readonly duplicates: number;
  /** Messages from, or replies to, attempts that were no longer running: filtered at the hub. */
  readonly staleMessages: number;
  /** Spokes leased at the start. */
  readonly spokes: number;
  /** Wall time of the invocation, ms. */
  readonly wallMs: number;
}

/** Typed events of a closure's invocations (eventemitter3). A throwing listener is a hub-callback error. */
export interface ManagerEvents {
  'meta-status': [status: MetaStatus];
  /** Spokes were leased (ids). */
  lease: [spokeIds: readonly string[]];
  /** A task attempt was sent to a spoke. */
  dispatch: [event: AttemptEvent];
  /** A spoke began evaluating a task attempt (went online). */
  started: [event: AttemptEvent];
  /** A final report (also given to `onStatus`). */
  report: [report: StatusReport];
  /** A task is dispatched again because its spoke was lost mid-task. */
  retry: [event: AttemptEvent & { readonly reason: string }];
  /** A task attempt's timeout expired; its spoke is being killed (and relaunched, where the hub starts its spokes). */
  timeout: [event: AttemptEvent];
  /** A late report of an abandoned attempt was discarded. */
  stale: [event: AttemptEvent];
  /** A message from (or a reply to) an attempt no longer running was discarded at the hub. */
  'stale-message': [event: AttemptEvent & { readonly kind: 'request' | 'notify' | 'reply' }];
  /** A leased spoke was lost. */
  'spoke-lost': [spokeId: string, reason: string];
  /** A leased spoke became ready (joined, or back after a relaunch). */
  'spoke-ready': [spokeId: string];
  /** The invocation concluded (resolved or rejected). */
  concluded: [summary: ManageSummary, error: Error | undefined];
}
