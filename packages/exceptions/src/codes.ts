/**
 * Stable error codes, one per class of the SPM hierarchy. Codes never change once
 * published: they cross the wire and users match on them.
 */
export const SPM_ERROR_CODES = {
  SPMError: 'SPM_ERROR',
  SPMInvariantError: 'SPM_INVARIANT',
  SPMTypedefError: 'SPM_TYPEDEF',
  SPMTaskError: 'SPM_TASK',
  SPMTaskDropped: 'SPM_TASK_DROPPED',
  SPMTaskTimeout: 'SPM_TASK_TIMEOUT',
  SPMTaskLoad: 'SPM_TASK_LOAD',
  SPMTaskEval: 'SPM_TASK_EVAL',
  SPMManagerError: 'SPM_MANAGER',
  SPMHubCallbackError: 'SPM_HUB_CALLBACK',
  SPMWaitForSpokesTimeout: 'SPM_WAIT_FOR_SPOKES_TIMEOUT',
  SPMExecutionTimeout: 'SPM_EXECUTION_TIMEOUT',
  SPMManagerBusy: 'SPM_MANAGER_BUSY',
  SPMGangError: 'SPM_GANG',
  SPMTransportError: 'SPM_TRANSPORT',
} as const;

/** The name of a class of the hierarchy. */
export type SPMErrorName = keyof typeof SPM_ERROR_CODES;
/** One of the stable codes of {@link SPM_ERROR_CODES}. */
export type SPMErrorCode = (typeof SPM_ERROR_CODES)[SPMErrorName];
