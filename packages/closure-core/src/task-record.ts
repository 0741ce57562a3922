import { SPMTypedefError, describeValue, messageOfThrown, type TaskId } from '@spm/exceptions';
import { createRecord, validateRecord, MAX_TIMEOUT_MS, type TaskSchema } from '@spm/typedef';
import { timerMs } from './duration.js';

/** A task ready to dispatch: its complete record and what the runtime reads from `spm`. */
export interface PreparedTask {
  readonly taskId: TaskId;
  /** The complete record (plain data). */
  readonly record: Record<string, unknown>;
  /** `spm.meta.timeout` in ms, if set. */
  readonly timeoutMs: number | undefined;
  /** `spm.core.relaunchPre`: relaunch the spoke before this task. */
  readonly relaunchPre: boolean;
  /** `spm.core.relaunchPost`: relaunch the spoke after this task. */
  readonly relaunchPost: boolean;
}

/**
 * `record.a.b.c`, `undefined` where a level is missing. A record without a typedef is the user's
 * object as it is: a field that throws when read (a getter, a revoked Proxy) is refused naming
 * the task and the path — it escaped as the getter's own Error, with no class, code or task.
 */
function get(taskId: TaskId, record: unknown, ...path: string[]): unknown {
  let value = record;
  for (let i = 0; i < path.length; i++) {
    if (typeof value !== 'object' || value === null) return undefined;
    try {
      value = (value as Record<string, unknown>)[path[i] as string];
    } catch (error) {
      throw unreadable(taskId, path.slice(0, i + 1).join('.'), error);
    }
  }
  return value;
}

function unreadable(taskId: TaskId, path: string, error: unknown): SPMTypedefError {
  return new SPMTypedefError(`Task ${String(taskId)}: Expected \`${path}\` to be readable, got a value that threw when read: ${messageOfThrown(error)}`, {
    cause: error,
    path,
    expected: 'readable',
    found: 'a value that threw when read',
  });
}

/**
 * `spm.meta.timeout` in ms: a `Timeout` (`after(…)`), or milliseconds from 0 to `MAX_TIMEOUT_MS`
 * (a record without a typedef may give a number); absent or `null` is no timeout. Anything else
 * is refused naming the task: it used to be ignored (`'10'`: no timeout at all) or to fire at
 * once (-1, NaN, or more than a Node timer waits).
 */
function timeoutOf(taskId: TaskId, timeout: unknown): number | undefined {
  if (timeout === undefined || timeout === null) return undefined;
  let ms: number | undefined;
  try {
    ms = timerMs(timeout);
  } catch (error) {
    // A Proxy or an object whose fields throw, read to tell whether it is a Timeout.
    throw unreadable(taskId, 'spm.meta.timeout', error);
  }
  if (ms !== undefined) return ms;
  const expected = `a Timeout (after({ seconds })) or milliseconds from 0 to ${MAX_TIMEOUT_MS}`;
  throw new SPMTypedefError(`Task ${String(taskId)}: Expected \`spm.meta.timeout\` to be ${expected}, got ${describeValue(timeout)}`, {
    path: 'spm.meta.timeout',
    expected,
    found: describeValue(timeout),
  });
}

/**
 * Completes and validates one task before it is dispatched: with a typedef, `input` is a partial
 * record (defaults filled, `deferred` fields required, types checked), and an error names the
 * task and the field path; without one, an object `input` is used as it is, and anything else
 * becomes the record `{ value: input }` (`undefined`, a hole: `{}` once sent).
 */
export function prepareTask(schema: TaskSchema | undefined, taskId: TaskId, input: unknown): PreparedTask {
  let record: Record<string, unknown>;
  if (schema === undefined) {
    record = (typeof input === 'object' && input !== null ? input : { value: input }) as Record<string, unknown>;
  } else {
    // `undefined` (an array's hole, a generator's bare `yield`) is no task: createRecord took it as
    // "no init" and the record of defaults failed, if at all, naming a missing field.
    if (input === undefined) {
      throw new SPMTypedefError(`Task ${String(taskId)}: Expected the task to be a record (a plain object), got ${describeValue(input)}`, {
        path: '',
        expected: 'a record (a plain object)',
        found: describeValue(input),
      });
    }
    try {
      const draft = createRecord(schema, input as never);
      validateRecord(schema, draft);
      record = draft as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof SPMTypedefError)) throw error;
      throw new SPMTypedefError(`Task ${String(taskId)}: ${error.message}`, {
        cause: error,
        ...(error.path !== undefined ? { path: error.path } : {}),
        ...(error.expected !== undefined ? { expected: error.expected } : {}),
        ...(error.found !== undefined ? { found: error.found } : {}),
      });
    }
  }
  return {
    taskId,
    record,
    timeoutMs: timeoutOf(taskId, get(taskId, record, 'spm', 'meta', 'timeout')),
    relaunchPre: get(taskId, record, 'spm', 'core', 'relaunchPre') === true,
    relaunchPost: get(taskId, record, 'spm', 'core', 'relaunchPost') === true,
  };
}

/** A copy of `record` with `spm.core.nameHost`/`whoAmI` (and `spm.stat`, when given) filled, where the record has those structs. */
export function fillRecord(record: Record<string, unknown>, core: { host: string; spokeId: string }, stat?: { returnValue?: unknown; exception?: string }): Record<string, unknown> {
  const spm = record['spm'];
  if (typeof spm !== 'object' || spm === null) return record;
  const spmRecord = spm as Record<string, unknown>;
  const next: Record<string, unknown> = { ...spmRecord };
  if (typeof spmRecord['core'] === 'object' && spmRecord['core'] !== null) {
    next['core'] = { ...(spmRecord['core'] as object), nameHost: core.host, whoAmI: core.spokeId };
  }
  if (stat !== undefined && typeof spmRecord['stat'] === 'object' && spmRecord['stat'] !== null) {
    next['stat'] = { ...(spmRecord['stat'] as object), returnValue: stat.returnValue ?? null, exception: stat.exception ?? null };
  }
  return { ...record, spm: next };
}
