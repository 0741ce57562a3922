/**
 * @spm/spoke — the spoke agent: handshake, module preload, evaluation through the closure
 * registry, status reports, heartbeats; entry points for thread and process spokes; the
 * `spm-spoke` bin for TCP spokes.
 * @packageDocumentation
 */
export { SpokeAgent, type SpokeAgentOptions, type SpokeAgentEvents, type EvaluatorMode, type EvaluatorEnd } from './spoke-agent.js';
export { STOP_GRACE_MS, TaskRunner, type TaskRunnerIdentity, type TaskRunnerOptions } from './task-runner.js';
export { type SpokeClosure, isSpokeClosure } from './spoke-closure.js';
export { returnedUnsendable, unsendableReturnDetail } from './returned-unsendable.js';
export type { EvaluationContext, HubLink } from './evaluation-context.js';
export { loadModule, moduleUrl } from './module-loader.js';
export { spokeEntry, type LocalSpokeKind } from './spoke-entry.js';
export { BOOT_PRELOAD_ENV, bootPreloadEnv } from './entries/internal/boot-preload-env.js';
export { installAsyncSequenceContext } from './async-sequence-context.js';
export { isSpokeThread } from './internal/spoke-thread.js';
export { prestartThreadSpokes, type PrestartSpokesOptions } from './prestart.js';
export { COPROCESS_OWNER_ENV, newCoprocessOwnerToken, coprocessesOfOwner, endUntrackedPrograms } from './coprocess-owner.js';
export { guardUntrackedPrograms, type UntrackedGuard } from './untracked-watchdog.js';
