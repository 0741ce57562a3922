/**
 * @spm/closure-core — the task-manager machinery every closure family builds on: declaration,
 * lease, dispatch, policies, timeouts, relaunch, status reports, the sequence-point guarantee,
 * typed events and the seed's status lines.
 * @packageDocumentation
 */
export { Closure, defineClosure, type ClosureSpec, type ManageCall } from './closure.js';
export { type ManageOptions, type MessageSource, resolveManageOptions, type ResolvedManageOptions } from './manage-options.js';
export { StatusReport } from './status-report.js';
export { policyA, policyB, definePolicy, checkPolicy, type Policy } from './policy.js';
export { formatMetaStatus, type MetaStatus } from './meta-status.js';
export type { ManagerEvents, ManageSummary, AttemptEvent } from './manager-events.js';
export { ListSource, type TaskSource, type TaskSourceHooks, type SourceTask, type TaskInput } from './task-source.js';
export { durationMs, type Duration } from './duration.js';
export { checkOptionKeys } from './option-keys.js';
export { prepareTask, type PreparedTask } from './task-record.js';
export { defun, type StagedClosure, type StagedSpec, type StagedManageOptions, type Stage1View, type Stage2View, type RecordHandle } from './staged.js';
export { ChromeTrace, type TraceEvent, type TraceInner, type TraceSpan, type TraceSource } from './chrome-trace.js';
export { isFifo, waitForFifoReaders, type FifoReaderProbes, type FifoWaitOptions, type RunOutput } from './fifo-readers.js';
