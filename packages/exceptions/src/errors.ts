import { SPM_ERROR_CODES } from './codes.js';
import { SPMError, type SPMErrorOptions } from './spm-error.js';

/** A wrong role or state: a closure declared online, a manager invoked from a spoke, … */
export interface SPMInvariantErrorOptions extends SPMErrorOptions {
  /** `hub` or `spoke`. */
  readonly role?: string;
  /** The state the machine was in. */
  readonly from?: string;
  /** The state or action that was refused. */
  readonly to?: string;
}

/** A parallel invariant was violated (wrong role or state). */
export class SPMInvariantError extends SPMError {
  static override readonly code = SPM_ERROR_CODES.SPMInvariantError;
  declare readonly role?: string;
  declare readonly from?: string;
  declare readonly to?: string;
  constructor(message: string, options: SPMInvariantErrorOptions = {}) {
    super(message, options);
    this.assignFields({ role: options.role, from: options.from, to: options.to });
  }
}

/** Where a typedef error was found: text position (syntax) or field path (validation). */
export interface SPMTypedefErrorOptions extends SPMErrorOptions {
  /** The record field path, e.g. `spm.meta.timeout`. */
  readonly path?: string;
  /** 1-based line of the typedef text. */
  readonly line?: number;
  /** 1-based column of the typedef text. */
  readonly column?: number;
  /** What was expected, e.g. `scalar<int>`. */
  readonly expected?: string;
  /** What was found, e.g. `"ten" (string)`. */
  readonly found?: string;
}

/** A typedef syntax error (line:column) or a record that does not match its schema (field path). */
export class SPMTypedefError extends SPMError {
  static override readonly code = SPM_ERROR_CODES.SPMTypedefError;
  declare readonly path?: string;
  declare readonly line?: number;
  declare readonly column?: number;
  declare readonly expected?: string;
  declare readonly found?: string;
  constructor(message: string, options: SPMTypedefErrorOptions = {}) {
    super(message, options);
    this.assignFields({
      path: options.path,
      line: options.line,
      column: options.column,
      expected: options.expected,
      found: options.found,
    });
  }
}

/** A task's identity: string or number, as the user or the manager assigned it. */
export type TaskId = string | number;

/** The task context of a task's final status. */
export interface TaskContext {
  /** The task's id within its manager invocation. */
  readonly taskId?: TaskId;
  /** 1 for the first dispatch, 2 for the first retry, … */
  readonly attempt?: number;
  /** The spoke that ran (or last ran) the task. */
  readonly spokeId?: string;
  /** The server (host name) of that spoke. */
  readonly host?: string;
}

/** Options of every task error. */
export interface SPMTaskErrorOptions extends SPMErrorOptions, TaskContext {}

/** The final status of one task, when it did not return a value. */
export class SPMTaskError extends SPMError {
  static override readonly code: SPMError['code'] = SPM_ERROR_CODES.SPMTaskError;
  declare readonly taskId?: TaskId;
  declare readonly attempt?: number;
  declare readonly spokeId?: string;
  declare readonly host?: string;
  constructor(message: string, options: SPMTaskErrorOptions = {}) {
    super(message, options);
    this.assignFields({ taskId: options.taskId, attempt: options.attempt, spokeId: options.spokeId, host: options.host });
  }
}

/** The task never concluded: its spoke was lost, its manager concluded, or a deadline passed. */
export class SPMTaskDropped extends SPMTaskError {
  static override readonly code: SPMError['code'] = SPM_ERROR_CODES.SPMTaskDropped;
}

/** The task's own timeout expired; what it ran was killed. */
export class SPMTaskTimeout extends SPMTaskDropped {
  static override readonly code = SPM_ERROR_CODES.SPMTaskTimeout;
}

/** The task's module or closure could not be loaded on the spoke. */
export class SPMTaskLoad extends SPMTaskError {
  static override readonly code = SPM_ERROR_CODES.SPMTaskLoad;
}

/** The task's evaluation threw; `remote` keeps the name, message and stack of what was thrown. */
export class SPMTaskEval extends SPMTaskError {
  static override readonly code = SPM_ERROR_CODES.SPMTaskEval;
}

/** A task manager could not do what it was asked. */
export class SPMManagerError extends SPMError {
  static override readonly code: SPMError['code'] = SPM_ERROR_CODES.SPMManagerError;
}

/** A hub callback threw; the lease's spokes were terminated. `cause` is what it threw. */
export class SPMHubCallbackError extends SPMManagerError {
  static override readonly code = SPM_ERROR_CODES.SPMHubCallbackError;
}

/** Fewer than `nSpokesMin` spokes could be leased within `timeoutWaitForSpokes`. */
export class SPMWaitForSpokesTimeout extends SPMManagerError {
  static override readonly code = SPM_ERROR_CODES.SPMWaitForSpokesTimeout;
}

/** The whole invocation ran past `timeoutExecution`. */
export class SPMExecutionTimeout extends SPMManagerError {
  static override readonly code = SPM_ERROR_CODES.SPMExecutionTimeout;
}

/** Another manager is online in this hub (one lease at a time). */
export class SPMManagerBusy extends SPMManagerError {
  static override readonly code = SPM_ERROR_CODES.SPMManagerBusy;
}

/** Options of {@link SPMGangError}. */
export interface SPMGangErrorOptions extends SPMErrorOptions {
  /** The rank whose failure failed the gang. */
  readonly rank?: number;
}

/** Fine grain (general): one member of the gang failed, so all did. */
export class SPMGangError extends SPMManagerError {
  static override readonly code = SPM_ERROR_CODES.SPMGangError;
  declare readonly rank?: number;
  constructor(message: string, options: SPMGangErrorOptions = {}) {
    super(message, options);
    this.assignFields({ rank: options.rank });
  }
}

/** Options of {@link SPMTransportError}. */
export interface SPMTransportErrorOptions extends SPMErrorOptions {
  /** The channel or peer concerned, e.g. `tcp://127.0.0.1:4000`. */
  readonly channel?: string;
  /**
   * `true` when the same attempt may succeed later with nothing changed: nothing listens at the
   * address yet, or the peer closed before its handshake began (a hub holding as many handshakes
   * as it takes). Absent otherwise — a wrong secret or a timeout is not worth repeating blindly.
   */
  readonly transient?: boolean;
}

/** A broken channel, a bad frame, a failed authentication, an oversize message. */
export class SPMTransportError extends SPMError {
  static override readonly code = SPM_ERROR_CODES.SPMTransportError;
  declare readonly channel?: string;
  /** See {@link SPMTransportErrorOptions.transient}. */
  declare readonly transient?: boolean;
  constructor(message: string, options: SPMTransportErrorOptions = {}) {
    super(message, options);
    this.assignFields({ channel: options.channel, transient: options.transient });
  }
}
