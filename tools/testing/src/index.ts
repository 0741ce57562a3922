/**
 * @spm/testing — the workspace's reliability harness for integration tests: leftover-process
 * checks through /proc (also registered for every Jest file by `jest-leftover-check`), bounded
 * polling, and the run journal with its checker (one report per task, duplicate executions,
 * detection and recovery times). Test-only; never imported by runtime code.
 * @packageDocumentation
 */
export { liveDescendants, taggedProcesses, ancestors, isAlive, processState, groupStopped, waitFor } from './proc.js';
export { testProcesses, TEST_RUN_TAG, leftoverProcesses, awaitNoLeftovers, killLeftovers, formatLeftovers, commandLine, isCoprocessHelper, hubWatchdogs, type Leftover } from './leftovers.js';
export {
  RunJournal,
  type JournalEntry,
  type JournalTaskId,
  type JournalEmitter,
  type JournalClosureEvents,
  type JournalTrackerEvents,
  type AttemptLike,
  type ReportLike,
  type SpokeLike,
} from './run-journal.js';
export { checkJournal, percentiles, type JournalVerdict, type Percentiles } from './journal-check.js';
export { expectSequencePoint, processesWithArg, type CloudLike } from './sequence-point.js';
