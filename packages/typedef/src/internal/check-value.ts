import type { Field, ScalarKind, StructType, TypeNode } from '../schema.js';
import { isTimeout, isTimeoutMs, MAX_TIMEOUT_MS } from '../timeout.js';
import { describeValue } from './describe-value.js';
import { childPath, pathText } from './field-path.js';
import { MAX_SNIPPET_LENGTH, MAX_VALUE_DEPTH } from './limits.js';
import { messageOfThrown } from '@spm/exceptions';
import { FORBIDDEN_KEYS } from './scalar-kinds.js';
import { typeText } from './type-text.js';

/** One way a value fails its schema; becomes an `SPMTypedefError` with these fields. */
export interface Problem {
  readonly message: string;
  readonly path: string;
  readonly expected: string;
  readonly found: string;
}

/**
 * `complete`: a record about to be pushed — every field present, `deferred` ones set.
 * `draft`: a record being filled in — fields may be unset; what is set must be right.
 */
export type CheckMode = 'complete' | 'draft';

/** Collects problems, stopping once `limit` are found (1 for a throw, more for a report). */
export class Problems {
  readonly list: Problem[] = [];
  constructor(private readonly limit: number) {}
  get full(): boolean {
    return this.list.length >= this.limit;
  }
  /** A problem whose `found` describes `value`; the message defaults to "Expected … to be …, got …". */
  add(path: string, expected: string, value: unknown, message?: string): void {
    this.addFound(path, expected, describeValue(value), message);
  }
  /** A problem whose `found` is already text. */
  addFound(path: string, expected: string, found: string, message?: string): void {
    if (this.full) return;
    this.list.push({ path, expected, found, message: message ?? `Expected ${pathText(path)} to be ${expected}, got ${found}` });
  }
}

const API_METHOD = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

/** What each scalar kind expects, as errors say it. */
export const SCALAR_EXPECTED: Readonly<Record<ScalarKind, string>> = {
  auto: 'scalar<auto> (any plain data)',
  int: 'scalar<int> (a safe integer)',
  float: 'scalar<float> (a finite number)',
  bool: 'scalar<bool> (a boolean)',
  string: 'scalar<string> (a string)',
  stringSnippet: `scalar<stringSnippet> (a string of at most ${MAX_SNIPPET_LENGTH} UTF-16 code units)`,
  timeout: `scalar<timeout> (a Timeout from after(), or milliseconds from 0 to ${MAX_TIMEOUT_MS})`,
  record: 'scalar<record> (any plain data)',
  ApiMethod: 'scalar<ApiMethod> (a dotted method name such as coprocess.shell.policyA)',
  mixed: 'scalar<mixed> (any plain data)',
};

const readFailures = new WeakSet<object>();

/**
 * What a snapshot (see `snapshotValue`) holds where reading the value threw: checking it reports
 * the error at its path, as checking the value itself would have.
 */
export class ReadFailure {
  constructor(readonly error: unknown) {
    readFailures.add(this);
  }
}

/** Whether `value` is a {@link ReadFailure}, asking no proxy anything (`instanceof` would call its traps). */
export function isReadFailure(value: unknown): value is ReadFailure {
  return typeof value === 'object' && value !== null && readFailures.has(value);
}

/**
 * A value that threw when read (a getter, a revoked proxy, a proxy trap): a problem at its path,
 * never the raw error — which escaped before, with no path and no task.
 */
function unreadable(problems: Problems, path: string, error: unknown): void {
  problems.addFound(path, 'readable plain data', 'a value that threw when read', `Expected ${pathText(path)} to be readable, got a value that threw when read: ${messageOfThrown(error)}`);
}

/** A key no record may hold (see `FORBIDDEN_KEYS`): a problem naming it, or false. */
function forbiddenKey(problems: Problems, path: string, key: string): boolean {
  const why = FORBIDDEN_KEYS.get(key);
  if (why === undefined) return false;
  problems.addFound(childPath(path, key), `a key other than ${key}`, JSON.stringify(key), `Expected ${pathText(path)} not to have the key \`${key}\`: ${why}`);
  return true;
}

/** The names of a struct's fields, for a lookup per key (a scan per key was quadratic). */
const fieldNames = new WeakMap<StructType, ReadonlySet<string>>();
function namesOf(type: StructType): ReadonlySet<string> {
  let names = fieldNames.get(type);
  if (names === undefined) {
    names = new Set(type.fields.map((field) => field.name));
    fieldNames.set(type, names);
  }
  return names;
}

/** True when `value` is a plain object: prototype `Object.prototype` or `null`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Reads an own field only: a field named `toString` must not find `Object.prototype.toString`. */
export function ownValue(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Checks a non-undefined value against a scalar kind, with no path work for the simple kinds. */
export function scalarAccepts(kind: ScalarKind, value: unknown): boolean {
  switch (kind) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'stringSnippet':
      return typeof value === 'string' && value.length <= MAX_SNIPPET_LENGTH;
    case 'timeout':
      return isTimeout(value) || isTimeoutMs(value);
    case 'ApiMethod':
      return typeof value === 'string' && API_METHOD.test(value);
    case 'auto':
    case 'record':
    case 'mixed': {
      const problems = new Problems(1);
      checkPlainData(value, '', problems, 0, new Set());
      return problems.list.length === 0;
    }
  }
}

/** Checks `value` against `type` at `path`; `undefined` is handled by the caller (the field). */
export function checkType(type: TypeNode, value: unknown, path: string, problems: Problems, mode: CheckMode, depth: number, seen: Set<object>): void {
  try {
    checkTypeNow(type, value, path, problems, mode, depth, seen);
  } catch (error) {
    unreadable(problems, path, error);
  }
}

function checkTypeNow(type: TypeNode, value: unknown, path: string, problems: Problems, mode: CheckMode, depth: number, seen: Set<object>): void {
  if (problems.full) return;
  if (isReadFailure(value)) throw value.error;
  if (depth > MAX_VALUE_DEPTH) {
    problems.add(path, `a value nested at most ${MAX_VALUE_DEPTH} levels deep`, value, `Expected ${pathText(path)} to be nested at most ${MAX_VALUE_DEPTH} levels deep`);
    return;
  }
  switch (type.kind) {
    case 'scalar':
      if (type.scalar === 'auto' || type.scalar === 'record' || type.scalar === 'mixed') {
        checkPlainData(value, path, problems, depth, seen);
      } else if (!scalarAccepts(type.scalar, value)) {
        problems.add(path, SCALAR_EXPECTED[type.scalar], value);
      }
      return;
    case 'tuple':
    case 'list':
      if (!Array.isArray(value)) {
        problems.add(path, `${typeText(type)} (an array)`, value);
        return;
      }
      for (let i = 0; i < value.length && !problems.full; i += 1) {
        const element: unknown = value[i];
        if (element === undefined) problems.add(childPath(path, i), typeText(type.element), element);
        else checkType(type.element, element, childPath(path, i), problems, mode, depth + 1, seen);
      }
      return;
    case 'dict':
      if (!isPlainObject(value)) {
        problems.add(path, `${typeText(type)} (a plain object)`, value);
        return;
      }
      for (const key of Object.keys(value)) {
        if (problems.full) return;
        const at = childPath(path, key);
        if (forbiddenKey(problems, path, key)) continue;
        if (!scalarAccepts(type.key.scalar, key)) {
          problems.add(at, `a key of ${SCALAR_EXPECTED[type.key.scalar]}`, key, `Expected the keys of ${pathText(path)} to be ${SCALAR_EXPECTED[type.key.scalar]}, got ${describeValue(key)}`);
          continue;
        }
        const element = value[key];
        if (element === undefined) problems.add(at, typeText(type.value), element);
        else checkType(type.value, element, at, problems, mode, depth + 1, seen);
      }
      return;
    case 'struct':
      checkStruct(type, value, path, problems, mode, depth, seen);
      return;
  }
}

/** Checks a struct's value: a plain object with only declared fields, each checked by mode. */
export function checkStruct(type: StructType, value: unknown, path: string, problems: Problems, mode: CheckMode, depth: number, seen: Set<object>): void {
  let keys: string[];
  try {
    if (isReadFailure(value)) throw value.error;
    if (!isPlainObject(value)) {
      problems.add(path, 'a struct (a plain object)', value);
      return;
    }
    keys = Object.keys(value);
  } catch (error) {
    unreadable(problems, path, error);
    return;
  }
  const names = namesOf(type);
  for (const key of keys) {
    if (problems.full) return;
    if (!names.has(key)) {
      problems.addFound(childPath(path, key), fieldList(type), JSON.stringify(key), unknownFieldMessage(type, path, key));
    }
  }
  for (const field of type.fields) {
    if (problems.full) return;
    const at = childPath(path, field.name);
    let fieldValue: unknown;
    try {
      fieldValue = ownValue(value, field.name);
    } catch (error) {
      unreadable(problems, at, error);
      continue;
    }
    checkField(field, fieldValue, at, problems, mode, depth + 1, seen);
  }
}

/** Checks one field's value, `undefined` meaning unset. */
export function checkField(field: Field, value: unknown, path: string, problems: Problems, mode: CheckMode, depth: number, seen: Set<object>): void {
  if (value === undefined) {
    if (mode === 'draft') return;
    const fieldDefault = field.default;
    if (field.type.kind === 'struct') {
      problems.add(path, 'a struct (a plain object)', value, `Expected ${pathText(path)} to be a struct (a plain object), got nothing (unset); createRecord() fills in every struct`);
    } else if (fieldDefault?.kind === 'deferred') {
      problems.add(
        path,
        typeText(field.type),
        value,
        `Expected ${pathText(path)} (deferred) to be set to ${typeText(field.type)} before the task is pushed, got nothing (unset)`,
      );
    } else if (fieldDefault !== undefined) {
      const fallback = fieldDefault.kind === 'none' ? 'None' : JSON.stringify(fieldDefault.value);
      problems.add(
        path,
        `${typeText(field.type)} or its default ${fallback}`,
        value,
        `Expected ${pathText(path)} to hold ${typeText(field.type)} or its default ${fallback}, got nothing (unset); createRecord() fills in defaults`,
      );
    }
    return;
  }
  if (value === null && field.default?.kind === 'none') return;
  checkType(field.type, value, path, problems, mode, depth, seen);
}

function fieldList(type: StructType): string {
  if (type.fields.length === 0) return 'no fields';
  return `one of ${type.fields.map((field) => `\`${field.name}\``).join(', ')}`;
}

function unknownFieldMessage(type: StructType, path: string, key: string): string {
  const where = path === '' ? 'the task' : `\`${path}\``;
  const known = type.fields.length === 0 ? `${where} has no fields` : `expected ${fieldList(type)} of ${where}`;
  return `Unknown field ${pathText(childPath(path, key))}: ${known}, got ${JSON.stringify(key)}`;
}

/**
 * Checks that `value` is plain data: null, boolean, finite number, string, Uint8Array, and
 * arrays and plain objects of these, with no cycle (a value shared twice is fine).
 */
export function checkPlainData(value: unknown, path: string, problems: Problems, depth: number, seen: Set<object>): void {
  try {
    checkPlainDataNow(value, path, problems, depth, seen);
  } catch (error) {
    unreadable(problems, path, error);
  }
}

function checkPlainDataNow(value: unknown, path: string, problems: Problems, depth: number, seen: Set<object>): void {
  if (problems.full) return;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) problems.add(path, 'plain data (numbers must be finite)', value);
      return;
    case 'object':
      break;
    default:
      problems.add(path, 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', value);
      return;
  }
  if (value === null || value instanceof Uint8Array) return;
  if (depth > MAX_VALUE_DEPTH) {
    problems.add(path, `a value nested at most ${MAX_VALUE_DEPTH} levels deep`, value, `Expected ${pathText(path)} to be nested at most ${MAX_VALUE_DEPTH} levels deep`);
    return;
  }
  if (seen.has(value)) {
    problems.add(path, 'plain data without cycles', value, `Expected ${pathText(path)} to be plain data without cycles, got a reference back to an enclosing value`);
    return;
  }
  if (Array.isArray(value)) {
    seen.add(value);
    try {
      for (let i = 0; i < value.length && !problems.full; i += 1) checkElement(value, i, childPath(path, i), problems, depth, seen);
    } finally {
      seen.delete(value);
    }
    return;
  }
  if (!isPlainObject(value)) {
    problems.add(path, 'plain data (null, boolean, number, string, Uint8Array, array or plain object)', value);
    return;
  }
  const keys = Object.keys(value);
  seen.add(value);
  try {
    for (const key of keys) {
      if (problems.full) break;
      if (forbiddenKey(problems, path, key)) continue;
      checkElement(value, key, childPath(path, key), problems, depth, seen);
    }
  } finally {
    seen.delete(value);
  }
}

/** Checks one element of an array or plain object of plain data, read here (a read may throw). */
function checkElement(container: unknown, key: string | number, at: string, problems: Problems, depth: number, seen: Set<object>): void {
  let element: unknown;
  try {
    element = (container as Record<string | number, unknown>)[key];
  } catch (error) {
    unreadable(problems, at, error);
    return;
  }
  if (element === undefined) problems.add(at, 'plain data (undefined is not data)', element);
  else checkPlainData(element, at, problems, depth + 1, seen);
}
