/**
 * @spm/closure-fine-limited — fine-grain (limited) task managers on `@spm/closure-core`: tasks
 * ask the hub (`context.hub.request`) and tell it (`context.hub.notify`) while they evaluate; the
 * closure's `onMessage` answers on the hub; stale replies are filtered at the hub.
 * @packageDocumentation
 */
export { limited, LimitedClosure, type LimitedFamily, type LimitedSpec, type MessageHandler } from './limited.js';
export type { MessageSource } from '@spm/closure-core';
