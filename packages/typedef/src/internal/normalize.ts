import type { FieldDefault, StructType, TypeNode } from '../schema.js';
import { isPlainObject, ownValue } from './check-value.js';

const holdsStruct = new WeakMap<TypeNode, boolean>();

/** True when a struct occurs anywhere inside `type` (so its values need defaults filled in). */
export function containsStruct(type: TypeNode): boolean {
  const known = holdsStruct.get(type);
  if (known !== undefined) return known;
  let result: boolean;
  switch (type.kind) {
    case 'scalar':
      result = false;
      break;
    case 'tuple':
    case 'list':
      result = containsStruct(type.element);
      break;
    case 'dict':
      result = containsStruct(type.value);
      break;
    case 'struct':
      result = true;
      break;
  }
  holdsStruct.set(type, result);
  return result;
}

/** The value a field starts with: null for `None`, the literal, or unset. */
export function defaultValue(fieldDefault: FieldDefault | undefined): unknown {
  if (fieldDefault?.kind === 'none') return null;
  if (fieldDefault?.kind === 'value') return fieldDefault.value;
  return undefined;
}

/**
 * A struct's record with defaults filled in: fields in schema order, each struct a new plain
 * object (also inside arrays and dicts), `None` fields null, literal fields their literal,
 * `deferred` and default-less fields left unset unless `given` sets them. Other values are
 * kept by reference. `given` has already passed a draft check.
 */
export function normalizeStruct(type: StructType, given: unknown): Record<string, unknown> {
  const source = isPlainObject(given) ? given : {};
  const out: Record<string, unknown> = {};
  for (const field of type.fields) {
    const value = ownValue(source, field.name);
    const filled = value === undefined ? (field.type.kind === 'struct' ? {} : defaultValue(field.default)) : value;
    if (filled !== undefined) out[field.name] = normalizeValue(field.type, filled);
  }
  return out;
}

/** `value` with structs inside it normalized (see {@link normalizeStruct}). */
export function normalizeValue(type: TypeNode, value: unknown): unknown {
  if (value === null || !containsStruct(type)) return value;
  switch (type.kind) {
    case 'struct':
      return normalizeStruct(type, value);
    case 'tuple':
    case 'list':
      return Array.isArray(value) ? value.map((element: unknown) => normalizeValue(type.element, element)) : value;
    case 'dict': {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) out[key] = normalizeValue(type.value, value[key]);
      return out;
    }
    case 'scalar':
      return value;
  }
}
