/**
 * @spm/exceptions — the SPM error hierarchy (DESIGN.md, "Parallel exceptions"), its stable
 * codes, and the wire form that carries any error across a channel as plain data.
 * @packageDocumentation
 */
export { SPM_ERROR_CODES, type SPMErrorCode, type SPMErrorName } from './codes.js';
export { SPMError, isSPMError, type SPMErrorOptions, type RemoteErrorInfo, type ErrorFieldValue } from './spm-error.js';
export {
  SPMInvariantError,
  SPMTypedefError,
  SPMTaskError,
  SPMTaskDropped,
  SPMTaskTimeout,
  SPMTaskLoad,
  SPMTaskEval,
  SPMManagerError,
  SPMHubCallbackError,
  SPMWaitForSpokesTimeout,
  SPMExecutionTimeout,
  SPMManagerBusy,
  SPMGangError,
  SPMTransportError,
  type SPMInvariantErrorOptions,
  type SPMTypedefErrorOptions,
  type SPMTaskErrorOptions,
  type SPMGangErrorOptions,
  type SPMTransportErrorOptions,
  type TaskContext,
  type TaskId,
} from './errors.js';
export { toWire, fromWire, errorClassForCode, WIRE_ERROR_VERSION, type WireError, type WireErrorLimits } from './wire.js';
export { describeValue } from './describe-value.js';
export { messageOfThrown } from './message-of-thrown.js';
export { checkOptionKeys, unknownOptionMessage } from './unknown-option.js';
export { isPlainPrototype } from './plain-prototype.js';
