/**
 * @spm/typedef — the schema of a task record: the seed's typedef language (`parse`,
 * `typedef`, `print`), the builder `t` with static types, records (`createRecord`,
 * `validateRecord`, `checkRecord`), the seed's `tie()` handles, durations (`after`, `toMs`),
 * and the standard SPM component.
 * @packageDocumentation
 */
export { parse, typedef, type DeclaredRecordTypes } from './parse.js';
export { print } from './print.js';
export {
  t,
  type Spec,
  type TypeSpec,
  type StructSpec,
  type FieldSpecs,
  type ElementSpec,
  type DictKeyKind,
  type ScalarValues,
  type Views,
  type StructViews,
  type ScalarViews,
  type ArrayViews,
  type DictViews,
  type RecordViews,
  type DefaultTag,
} from './builder.js';
export { createRecord } from './create-record.js';
export { isTaskSchema } from './internal/assert-schema.js';
export { validateRecord, checkRecord } from './validate-record.js';
export { tie, type Tied, type TiedObject, type TiedValue, type HandleMethods, type HandleExtras, type TieOptions } from './tie.js';
export { after, toMs, isTimeout, isTimeoutMs, MAX_TIMEOUT_MS, type Timeout, type AfterOptions } from './timeout.js';
export { SPM_COMPONENT, withSpmComponent, type WithSpmRecordTypes } from './spm-component.js';
export type {
  TaskSchema,
  StructType,
  ScalarType,
  TupleType,
  ListType,
  DictType,
  TypeNode,
  Field,
  FieldDefault,
  LiteralValue,
  ScalarKind,
  PlainData,
  PlainObject,
  RecordTypes,
  UntypedRecord,
  Infer,
  InferInput,
  InferDraft,
} from './schema.js';
