/**
 * The schema of a task record, as plain data: what `parse`, the builder `t` and
 * `withSpmComponent` produce, and what `print`, `createRecord`, `validateRecord` and `tie`
 * read. Two schemas for the same definition are deep-equal whichever way they were made.
 */

/**
 * The kinds a `scalar<…>` may name (seed Figs. 11 and 16, plus `int`, `float`, `string`).
 * `auto`, `record` and `mixed` hold any plain data; see the docs for each kind's check.
 */
export type ScalarKind =
  | 'auto'
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  | 'stringSnippet'
  | 'timeout'
  | 'record'
  | 'ApiMethod'
  | 'mixed';

/** `scalar<kind>`; in element position the bare kind (`tuple<string>`) means the same. */
export interface ScalarType {
  readonly kind: 'scalar';
  readonly scalar: ScalarKind;
}

/** `tuple<T>`: an array of T (the seed uses `tuple<string>` for module paths). */
export interface TupleType {
  readonly kind: 'tuple';
  readonly element: TypeNode;
}

/** `list<T>`: an array of T. */
export interface ListType {
  readonly kind: 'list';
  readonly element: TypeNode;
}

/** `dict<K,V>`: a plain object whose keys satisfy K (a string kind) and values V. */
export interface DictType {
  readonly kind: 'dict';
  readonly key: ScalarType;
  readonly value: TypeNode;
}

/** `struct { … }`: a nested record with fields in declaration order. */
export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly Field[];
}

/** Any type a field or an element may have. */
export type TypeNode = ScalarType | TupleType | ListType | DictType | StructType;

/** A literal a field may default to: `= 3;`, `= "text";`, `= True;`. */
export type LiteralValue = number | string | boolean;

/**
 * A field's default: `= deferred` (must be set before the task is pushed), `= None` (null),
 * or a literal. A field written without `= …` has no `default` key at all: it may stay unset.
 */
export type FieldDefault =
  | { readonly kind: 'deferred' }
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: LiteralValue };

/** `name :: type = default;` — struct fields never carry a default (their fields do). */
export interface Field {
  readonly name: string;
  readonly type: TypeNode;
  readonly default?: FieldDefault;
}

/**
 * Any plain data: what msgpackr (and structured clone) carry unchanged. Values of
 * `scalar<auto|record|mixed>` must be plain data; functions, class instances, symbols,
 * bigints, `undefined` and cycles are rejected.
 */
export type PlainData = null | boolean | number | string | Uint8Array | readonly PlainData[] | PlainObject;

/** A plain object of plain data (prototype `Object.prototype` or `null`). */
export interface PlainObject {
  readonly [key: string]: PlainData;
}

/**
 * The static types a schema stands for (type-only: never present at runtime).
 * `record` is a complete record (what `validateRecord` guarantees), `input` what a user
 * writes for one task (`deferred` fields required, the rest optional), `draft` a record
 * being filled in (everything optional).
 */
export interface RecordTypes {
  readonly record: object;
  readonly input: object;
  readonly draft: object;
}

/** A record of a schema whose static types are unknown (a parsed typedef without a type argument). */
export interface UntypedRecord {
  [field: string]: unknown;
}

// Type-only key for the phantom record types: no value of it ever exists.
declare const recordTypes: unique symbol;

/**
 * A whole typedef: `task<container> :: struct { … };`. `container` keeps the word the text
 * used (`list`, `dag`, `gang`, any identifier); `root` is the task's struct.
 *
 * The type parameter carries the static record types (from the builder, or given as a type
 * argument to `parse`); it has no runtime presence, so a schema stays plain data. Plain
 * `TaskSchema` accepts a schema of any record types.
 */
export interface TaskSchema<T extends RecordTypes = RecordTypes> {
  readonly kind: 'task';
  readonly container: string;
  readonly root: StructType;
  /** Type-only: never set. */
  readonly [recordTypes]?: T;
}

/** The complete record type of a schema: what `validateRecord` asserts and `tie` reads. */
export type Infer<S extends TaskSchema> = NonNullable<S[typeof recordTypes]>['record'];

/** What a user writes for one task: `deferred` fields required, every other field optional. */
export type InferInput<S extends TaskSchema> = NonNullable<S[typeof recordTypes]>['input'];

/** A record being filled in (`createRecord`'s argument and result): every field optional. */
export type InferDraft<S extends TaskSchema> = NonNullable<S[typeof recordTypes]>['draft'];
