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
 * Keys no record may hold, field names and keys of dicts and plain data alike, with why:
 * assigning `__proto__` on a plain object changes its prototype instead of setting a key (a
 * dict's `__proto__` entry vanished and the record no longer validated), and the transport
 * refuses both keys in any message (a receiver's guard against prototype pollution), so a task
 * holding one could never be sent.
 */
export const FORBIDDEN_KEYS: ReadonlyMap<string, string> = new Map([
  ['__proto__', 'a plain object cannot hold it as a key (assigning it sets the prototype), and no spoke accepts it'],
  ['constructor', 'no spoke accepts it (the transport refuses it in every message, against prototype pollution)'],
]);

/** Names a field may not have: the {@link FORBIDDEN_KEYS}. */
export const FORBIDDEN_FIELD_NAMES: ReadonlySet<string> = new Set(FORBIDDEN_KEYS.keys());
