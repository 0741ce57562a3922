import type { ScalarKind } from '../schema.js';

/** Every scalar kind, in the order the docs list them. */
export const SCALAR_KINDS: readonly ScalarKind[] = [
  'auto',
  'int',
  'float',
  'bool',
  'string',
  'stringSnippet',
  'timeout',
  'record',
  'ApiMethod',
  'mixed',
];

const KIND_SET: ReadonlySet<string> = new Set(SCALAR_KINDS);

/** True when `name` is a scalar kind. */
export function isScalarKind(name: string): name is ScalarKind {
  return KIND_SET.has(name);
}

/** Kinds a `dict` key may have: JavaScript object keys are strings. */
export const DICT_KEY_KINDS: readonly ScalarKind[] = ['string', 'stringSnippet', 'ApiMethod'];

/** Kinds whose values are any plain data. */
export const PLAIN_DATA_KINDS: readonly ScalarKind[] = ['auto', 'record', 'mixed'];

/** Field names and container words: identifiers of the typedef language. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names a field may not have: assigning `__proto__` on a plain object changes its prototype
 * instead of setting a field, so a record could not hold it.
 */
export const FORBIDDEN_FIELD_NAMES: ReadonlySet<string> = new Set(['__proto__']);
