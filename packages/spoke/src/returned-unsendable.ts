import type { TaskId } from '@spm/exceptions';

/**
 * How the spoke's report of a task whose return value cannot cross the wire begins:
 * `Task 8 returned a value that cannot be sent to the hub: ` and then what is wrong with the
 * value (`` `value.f` is a function, which is not data``). The hub matches it with
 * {@link unsendableReturnDetail} to say the task returned the value, not that it threw.
 */
export function returnedUnsendable(taskId: TaskId): string {
  return `Task ${String(taskId)} returned a value that cannot be sent to the hub: `;
}

/**
 * What is wrong with the value task `taskId` returned, when `message` (of an `SPMTaskEval` a spoke
 * reported) is the spoke's report that it cannot be sent (see {@link returnedUnsendable}); else
 * `undefined` (the task threw).
 */
export function unsendableReturnDetail(taskId: TaskId, message: string): string | undefined {
  const start = returnedUnsendable(taskId);
  return message.startsWith(start) ? message.slice(start.length) : undefined;
}
