import type { SPMTypedefError } from '@spm/exceptions';
import { assertSchema } from './internal/assert-schema.js';
import { checkStruct, Problems } from './internal/check-value.js';
import { problemError } from './internal/record-errors.js';
import { unwrap } from './internal/unwrap.js';
import type { Infer, TaskSchema } from './schema.js';

/** The most problems `checkRecord` reports, so that a huge bad record makes a bounded list. */
const MAX_PROBLEMS = 100;

/**
 * Checks that `record` is a complete record of `schema`, as a task must be before it is
 * pushed: a plain object with no unknown field, every `deferred` field set, every `None` or
 * literal field present (`createRecord` fills them in), every value of its type, plain data
 * where the type is `auto`, `record` or `mixed`. Fields written without a default may be
 * missing.
 *
 * @throws SPMTypedefError for the first problem, with `path` (e.g. `spm.meta.timeout`),
 * `expected` and `found`.
 */
export function validateRecord<S extends TaskSchema>(schema: S, record: unknown): asserts record is Infer<S> {
  assertSchema(schema, 'validateRecord()');
  const problems = new Problems(1);
  checkStruct(schema.root, unwrap(record), '', problems, 'complete', 0, new Set());
  const problem = problems.list[0];
  if (problem !== undefined) throw problemError(problem);
}

/**
 * Every problem `validateRecord` would find in `record` (at most 100), as errors to report;
 * an empty array when the record is complete and valid.
 */
export function checkRecord(schema: TaskSchema, record: unknown): SPMTypedefError[] {
  assertSchema(schema, 'checkRecord()');
  const problems = new Problems(MAX_PROBLEMS);
  checkStruct(schema.root, unwrap(record), '', problems, 'complete', 0, new Set());
  return problems.list.map(problemError);
}
