import type { StructType, TypeNode } from '../schema.js';
import { isPlainObject, isReadFailure, ReadFailure } from './check-value.js';
import { MAX_VALUE_DEPTH } from './limits.js';
import { containsStruct } from './normalize.js';
import { unwrap } from './unwrap.js';

/**
 * `value` read once, for a check and then a copy: every struct level, and every array or dict
 * holding a struct, copied into a fresh object with each field or element read exactly once
 * (a read that throws becomes a {@link ReadFailure} in its place); other values as they are,
 * kept by reference as the record keeps them. `createRecord` checked one read and copied a
 * second, so a getter that answered differently made a record that was never checked.
 *
 * The copies have no prototype (a `__proto__` key stays a key, for the check to refuse) and
 * never reach a record: `normalizeValue` copies them again. Beyond `MAX_VALUE_DEPTH` the value
 * is left as it is: the check refuses it there without reading it.
 */
export function snapshotValue(type: TypeNode, value: unknown, depth: number): unknown {
  const given = unwrap(value);
  if (typeof given !== 'object' || given === null || isReadFailure(given) || depth > MAX_VALUE_DEPTH || !containsStruct(type)) return given;
  try {
    switch (type.kind) {
      case 'struct':
        return snapshotStruct(type, given, depth);
      case 'tuple':
      case 'list': {
        if (!Array.isArray(given)) return given;
        const copy: unknown[] = [];
        for (let i = 0, n = given.length; i < n; i += 1) copy.push(snapshotValue(type.element, readOnce(given, i), depth + 1));
        return copy;
      }
      case 'dict': {
        if (!isPlainObject(given)) return given;
        const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        for (const key of Object.keys(given)) copy[key] = snapshotValue(type.value, readOnce(given, key), depth + 1);
        return copy;
      }
      case 'scalar':
        return given;
    }
  } catch (error) {
    return new ReadFailure(error);
  }
}

/**
 * A struct's snapshot: each declared own field read once; undeclared keys kept by name only
 * (their values are never read), so that the check still names them.
 */
function snapshotStruct(type: StructType, value: object, depth: number): unknown {
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[key] = undefined;
  for (const field of type.fields) {
    let fieldValue: unknown;
    try {
      fieldValue = Object.hasOwn(value, field.name) ? value[field.name] : undefined;
    } catch (error) {
      fieldValue = new ReadFailure(error);
    }
    if (fieldValue === undefined) delete copy[field.name];
    else copy[field.name] = snapshotValue(field.type, fieldValue, depth + 1);
  }
  return copy;
}

function readOnce(container: unknown, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch (error) {
    return new ReadFailure(error);
  }
}
