/**
 * @spm/closure-fine-general — gangs on `@spm/closure-core`: `size` ranks evaluated together, one
 * per spoke, with peer messages (`send`/`recv`) and collectives (`barrier`, `broadcast`,
 * `allgather`, `allreduce`); the failure of any rank is the failure of all, and the whole gang is
 * relaunched if allowed.
 * @packageDocumentation
 */
export { gang, GangClosure, type GangFamily, type GangSpec, type GangManageCall, type GangSummary, type GangRelaunch, type GangMessageHandler, type GangMessageSource } from './gang.js';
export type { GangContext, PeerData, PeerMessage, RecvOptions, Tag } from './gang-context.js';
export { RankReport } from './rank-report.js';
export type { ReduceOp } from './reduce-op.js';
