import { assertSchema } from './internal/assert-schema.js';
import { checkStruct, Problems } from './internal/check-value.js';
import { normalizeStruct } from './internal/normalize.js';
import { problemError } from './internal/record-errors.js';
import { snapshotValue } from './internal/snapshot.js';
import type { InferDraft, TaskSchema } from './schema.js';

/**
 * A new record of `schema`: every struct a nested plain object, `None` fields null, literal
 * fields their literal, and the values of `init` (checked now: an unknown field or a wrong
 * type throws). `deferred` fields not in `init` stay unset until `validateRecord` demands
 * them. The result is a fresh tree of plain objects; values of `init` that are not structs
 * (arrays, dicts, plain data) are kept by reference, not copied. Each field of `init` is read
 * once: what is checked is what the record gets. `init` omitted (or `undefined`) is no init;
 * `null` or any other non-object is refused.
 *
 * @throws SPMTypedefError naming the field path, the expected type and what was found.
 */
export function createRecord<S extends TaskSchema>(schema: S, init?: InferDraft<S>): InferDraft<S> {
  assertSchema(schema, 'createRecord()');
  // Only `undefined` means "no init": `null` was read as `{}`, hiding a caller's mistake.
  const given = snapshotValue(schema.root, init === undefined ? {} : init, 0);
  const problems = new Problems(1);
  checkStruct(schema.root, given, '', problems, 'draft', 0, new Set());
  const problem = problems.list[0];
  if (problem !== undefined) throw problemError(problem);
  return normalizeStruct(schema.root, given) as InferDraft<S>;
}
