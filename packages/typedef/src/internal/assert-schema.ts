import { SPMTypedefError } from '@spm/exceptions';
import type { TaskSchema } from '../schema.js';
import { describeValue } from './describe-value.js';

/** Whether `value` has a task schema's shape (`kind: 'task'`, a `root` struct with fields). */
export function isTaskSchema(value: unknown): value is TaskSchema {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, root } = value as { kind?: unknown; root?: { kind?: unknown; fields?: unknown } };
  return kind === 'task' && typeof root === 'object' && root !== null && root.kind === 'struct' && Array.isArray(root.fields);
}

/**
 * Refuses what is not a schema where one is expected, naming the function: typedef text given
 * for a schema (an easy slip) was a raw `TypeError` from inside the package.
 */
export function assertSchema(value: unknown, where: string): asserts value is TaskSchema {
  if (isTaskSchema(value)) return;
  const hint = typeof value === 'string' ? ' (typedef text: parse() it first)' : '';
  throw new SPMTypedefError(`Expected the schema given to ${where} to be a TaskSchema from parse() or t.task(), got ${describeValue(value)}${hint}`, {
    expected: 'a TaskSchema',
    found: describeValue(value),
  });
}
