/**
 * @spm/sequence — the seed's parallel sequence points (Fig. 2): a pure offline/online state
 * machine per role, the ambient "where am I" for guards, `dassert`, and the closure registry
 * (unique signatures, offline-only declaration). No I/O, no Node built-ins.
 * @packageDocumentation
 */
export {
  SequenceMachine,
  type SequenceRole,
  type SequenceState,
  type SequenceEvent,
  type SequenceEventType,
  type SequenceChange,
  type SequenceMachineOptions,
} from './sequence-machine.js';
export { currentSequence, runInSequence, setSequenceContextProvider, type SequenceContextProvider } from './sequence-context.js';
export { amHub, amSpoke, amOffline, amOnline } from './guards.js';
export { dassert, type SequencePredicate, type DassertDecorator } from './dassert.js';
export { declareClosure, findClosure, requireClosure, type ClosureRef } from './closure-registry.js';
export { moduleKey } from './module-key.js';
