import { SPMTypedefError } from '@spm/exceptions';
import type { Timeout } from './timeout.js';
import { checkField, checkPlainData, checkStruct, isPlainObject, ownValue, Problems } from './internal/check-value.js';
import { describeValue } from './internal/describe-value.js';
import { childPath, pathText } from './internal/field-path.js';
import { defaultValue, normalizeValue } from './internal/normalize.js';
import { problemError } from './internal/record-errors.js';
import { assertSchema } from './internal/assert-schema.js';
import { snapshotValue } from './internal/snapshot.js';
import { registerHandle, unwrap } from './internal/unwrap.js';
import type { Field, Infer, InferDraft, PlainData, StructType, TaskSchema } from './schema.js';
import { typeText } from './internal/type-text.js';

/** What every handle has besides its fields: the seed's `Has(attr = 'stdOut')`. */
export interface HandleMethods {
  /**
   * True when the field (of a struct handle) is declared and set, or the key (of a value
   * handle) is present. Accepts `Has('stdOut')` and the seed's `Has({ attr: 'stdOut' })`.
   */
  Has(attr: string | { readonly attr: string }): boolean;
}

/** A plain object read through a handle: its keys, plus `Has`; a missing key throws. */
export type TiedObject = { readonly [key: string]: TiedValue } & HandleMethods;

/**
 * A plain-data value through a handle. Reading, a plain object comes back as a
 * {@link TiedObject} (narrow to it, e.g. `as TiedObject`, to call `Has`); writing, any plain
 * data is accepted.
 */
export type TiedValue = PlainData | TiedObject;

type TiedField<V> = unknown extends V
  ? unknown
  : [PlainData] extends [V]
    ? TiedValue | Extract<V, undefined>
    : V extends readonly unknown[] | Timeout | Uint8Array
      ? V
      : V extends object
        ? string extends keyof V
          ? V
          : Tied<V>
        : V;

/**
 * The static type of a handle over a record of type `R`: struct fields are nested handles,
 * `auto`/`record`/`mixed` values that are plain objects are {@link TiedObject}s, other values
 * are as in the record.
 */
export type Tied<R> = { [K in keyof R]: TiedField<R[K]> } & HandleMethods;

/** Methods a caller adds to the root handle (a manager adds the seed's `Push()`). */
export type HandleExtras = Readonly<Record<string, (...args: never[]) => unknown>>;

/** Options of {@link tie}. */
export interface TieOptions<M extends HandleExtras> {
  /**
   * Methods of the root handle, e.g. `{ Push: () => … }`. A field of the same name wins.
   * @default {}
   */
  readonly methods?: M;
}

// Names that read through to the record instead of throwing: those every plain object
// answers (toString, valueOf, hasOwnProperty, …); `then`, so that `await` and promise
// resolution see a non-thenable; `toJSON`, for JSON.stringify; and the probes of Jest's
// equality and pretty-format (`asymmetricMatch`, `$$typeof`, `nodeType`, Immutable's
// markers), so that `expect(handle).toEqual(…)` compares instead of throwing.
const PASS_THROUGH = new Set<string>([
  ...Object.getOwnPropertyNames(Object.prototype),
  'then',
  'toJSON',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
  '@@__IMMUTABLE_KEYED__@@',
  '@@__IMMUTABLE_ORDERED__@@',
]);

const fieldMaps = new WeakMap<StructType, ReadonlyMap<string, Field>>();

function fieldsOf(struct: StructType): ReadonlyMap<string, Field> {
  let map = fieldMaps.get(struct);
  if (map === undefined) {
    map = new Map(struct.fields.map((field) => [field.name, field]));
    fieldMaps.set(struct, map);
  }
  return map;
}

function attrName(attr: unknown): string {
  if (typeof attr === 'string') return attr;
  if (typeof attr === 'object' && attr !== null && typeof (attr as { attr?: unknown }).attr === 'string') return (attr as { attr: string }).attr;
  throw new SPMTypedefError(`Expected Has() to get a name or { attr: name }, got ${describeValue(attr)}`, {
    expected: 'a string or { attr: string }',
    found: describeValue(attr),
  });
}

function refuse(message: string, path: string, expected: string, found: string): never {
  throw new SPMTypedefError(message, { path, expected, found });
}

function keyText(key: string | symbol): string {
  return typeof key === 'symbol' ? key.toString() : JSON.stringify(key);
}

function isPlainDataKind(field: Field): boolean {
  return field.type.kind === 'scalar' && (field.type.scalar === 'auto' || field.type.scalar === 'record' || field.type.scalar === 'mixed');
}

/** One tie() call: its handles, cached per target so that `hdl.spm === hdl.spm`. */
class Tier {
  private readonly handles = new WeakMap<object, object>();
  /** Each handled object's container, as handles were made from the root: a write's ancestors. */
  private readonly parents = new WeakMap<object, object>();

  constructor(private readonly methods: HandleExtras) {}

  structHandle(target: Record<string, unknown>, struct: StructType, path: string, root: boolean): object {
    const cached = this.handles.get(target);
    if (cached !== undefined) return cached;
    if (Object.isFrozen(target)) {
      // A handle returns nested handles and writes through: a frozen struct allows neither.
      refuse(`Cannot tie ${path === '' ? 'the record' : pathText(path)}: it is frozen, and a handle writes to its record`, path, 'a record that can be written', 'a frozen object');
    }
    const fields = fieldsOf(struct);
    const methods = root ? this.methods : {};
    const has = (attr: unknown): boolean => {
      const name = attrName(attr);
      return fields.has(name) && ownValue(target, name) !== undefined;
    };
    const where = path === '' ? 'the task' : `\`${path}\``;
    const unknownField = (key: string | symbol, verb: string): never => {
      const names = struct.fields.map((field) => `\`${field.name}\``).join(', ');
      const known = names === '' ? `${where} has no fields` : `expected one of ${names} of ${where}`;
      return refuse(
        `Cannot ${verb} unknown field ${typeof key === 'string' ? pathText(childPath(path, key)) : keyText(key)}: ${known}`,
        typeof key === 'string' ? childPath(path, key) : path,
        names === '' ? 'no fields' : `one of ${names}`,
        keyText(key),
      );
    };
    const handle = new Proxy(target, {
      get: (object, key) => {
        if (typeof key === 'symbol') return Reflect.get(object, key);
        const field = fields.get(key);
        if (field !== undefined) return this.readField(object, field, childPath(path, key));
        if (Object.hasOwn(methods, key)) return methods[key];
        if (key === 'Has') return has;
        if (PASS_THROUGH.has(key)) return Reflect.get(object, key);
        return unknownField(key, 'read');
      },
      set: (object, key, value: unknown) => {
        const field = typeof key === 'string' ? fields.get(key) : undefined;
        if (field === undefined) return unknownField(key, 'write');
        this.writeField(object, field, childPath(path, field.name), value);
        return true;
      },
      deleteProperty: (object, key) => {
        const field = typeof key === 'string' ? fields.get(key) : undefined;
        if (field === undefined) return unknownField(key, 'delete');
        this.writeField(object, field, childPath(path, field.name), undefined);
        return true;
      },
      has: (object, key) => (typeof key === 'string' ? fields.has(key) : Reflect.has(object, key)),
      defineProperty: (_object, key) => refuse(`Cannot define ${keyText(key)} on a handle of ${where}: assign fields instead`, path, 'an assignment', 'defineProperty'),
      setPrototypeOf: () => refuse(`Cannot change the prototype of a handle of ${where}`, path, 'a plain object', 'setPrototypeOf'),
    });
    this.handles.set(target, handle);
    registerHandle(handle, target);
    return handle;
  }

  private readField(object: Record<string, unknown>, field: Field, path: string): unknown {
    let value = ownValue(object, field.name);
    if (field.type.kind === 'struct') {
      if (!isPlainObject(value)) {
        // A draft given to tie() may lack a nested struct: make it, as createRecord would.
        value = normalizeValue(field.type, {});
        object[field.name] = value;
      }
      if (!this.parents.has(value as object)) this.parents.set(value as object, object);
      return this.structHandle(value as Record<string, unknown>, field.type, path, false);
    }
    if (value === undefined) {
      if (field.default?.kind === 'deferred') {
        refuse(`Cannot read ${pathText(path)}: it is deferred and has not been set (${typeText(field.type)})`, path, typeText(field.type), 'nothing (unset)');
      }
      return defaultValue(field.default);
    }
    if (isPlainDataKind(field) && isPlainObject(value)) {
      if (!this.parents.has(value)) this.parents.set(value, object);
      return this.valueHandle(value, path);
    }
    return value;
  }

  /**
   * Refuses a value that refers back to the object it is written into or one of its
   * containers: checked alone it is plain data, but written it made the record cyclic
   * (`h.m = record`), which no spoke can be sent.
   */
  private refuseCycle(object: object, value: unknown, path: string): void {
    if (typeof value !== 'object' || value === null) return;
    const ancestors = new Set<object>();
    for (let at: object | undefined = object; at !== undefined; at = this.parents.get(at)) ancestors.add(at);
    const visited = new Set<object>();
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const item = stack.pop();
      if (typeof item !== 'object' || item === null || item instanceof Uint8Array || visited.has(item)) continue;
      if (ancestors.has(item)) {
        refuse(`Cannot write ${pathText(path)}: the value refers back to the record it would be written into, and a cycle is not data`, path, 'plain data without cycles', 'a reference back to an enclosing value');
      }
      visited.add(item);
      for (const element of Array.isArray(item) ? item : Object.values(item)) stack.push(unwrap(element));
    }
  }

  private writeField(object: Record<string, unknown>, field: Field, path: string, raw: unknown): void {
    // Read once, then check and store that read (a getter read twice could store what was not checked).
    const value = snapshotValue(field.type, raw, 0);
    if (value === undefined) {
      if (field.type.kind === 'struct') refuse(`Cannot unset the struct ${pathText(path)}: assign its fields instead`, path, 'a struct (a plain object)', 'nothing (unset)');
      delete object[field.name];
      return;
    }
    const problems = new Problems(1);
    checkField(field, value, path, problems, 'draft', 0, new Set());
    const problem = problems.list[0];
    if (problem !== undefined) throw problemError(problem);
    this.refuseCycle(object, value, path);
    object[field.name] = normalizeValue(field.type, value);
  }

  /** A plain object inside an `auto`/`record`/`mixed` value: keys, `Has`, nothing unknown. */
  valueHandle(target: Record<string, unknown>, path: string): object {
    const cached = this.handles.get(target);
    if (cached !== undefined) return cached;
    const has = (attr: unknown): boolean => {
      const name = attrName(attr);
      return Object.hasOwn(target, name) && target[name] !== undefined;
    };
    const handle = new Proxy(target, {
      get: (object, key) => {
        if (typeof key === 'symbol') return Reflect.get(object, key);
        if (Object.hasOwn(object, key)) {
          const value = object[key];
          // A Proxy must return a read-only property's own value, so a frozen object's
          // nested objects come back as they are, without Has.
          const readOnly = Object.getOwnPropertyDescriptor(object, key)?.writable === false;
          if (!isPlainObject(value) || readOnly) return value;
          if (!this.parents.has(value)) this.parents.set(value, object);
          return this.valueHandle(value, childPath(path, key));
        }
        if (key === 'Has') return has;
        if (PASS_THROUGH.has(key)) return Reflect.get(object, key);
        return refuse(
          `Cannot read ${pathText(childPath(path, key))}: ${pathText(path)} has no attribute ${JSON.stringify(key)} (ask Has(${JSON.stringify(key)}) first)`,
          childPath(path, key),
          'a present attribute',
          'nothing (absent)',
        );
      },
      set: (object, key, raw: unknown) => {
        if (typeof key === 'symbol') return refuse(`Cannot write ${keyText(key)} on ${pathText(path)}`, path, 'a string key', keyText(key));
        if (Object.isFrozen(object)) refuse(`Cannot write ${pathText(childPath(path, key))}: ${pathText(path)} is frozen`, childPath(path, key), 'an object that can be written', 'a frozen object');
        const value = unwrap(raw);
        const problems = new Problems(1);
        checkPlainData(value, childPath(path, key), problems, 0, new Set());
        const problem = problems.list[0];
        if (problem !== undefined) throw problemError(problem);
        this.refuseCycle(object, value, childPath(path, key));
        Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
        return true;
      },
      defineProperty: (_object, key) => refuse(`Cannot define ${keyText(key)} on a handle of ${pathText(path)}: assign instead`, path, 'an assignment', 'defineProperty'),
      setPrototypeOf: () => refuse(`Cannot change the prototype of a handle of ${pathText(path)}`, path, 'a plain object', 'setPrototypeOf'),
    });
    this.handles.set(target, handle);
    registerHandle(handle, target);
    return handle;
  }
}

/**
 * The seed's `tie()`: a handle over a record (a Proxy; the record stays a plain object and
 * every change lands in it). Reading or writing a field the schema does not declare throws;
 * a write is type-checked at once; reading an unset `deferred` field throws; nested structs
 * are nested handles; an `auto`/`record`/`mixed` value that is a plain object comes back with
 * `Has(attr)` (seed Fig. 11: `returnValue.Has(attr = 'stdOut')`). Writes to array elements are
 * not checked here: `validateRecord` before a push sees them.
 *
 * @throws SPMTypedefError at once when `record` is not a draft of `schema`, and from any
 * refused access, naming the field path.
 */
export function tie<S extends TaskSchema, M extends HandleExtras = Record<never, never>>(
  schema: S,
  record: InferDraft<S> | Infer<S>,
  options: TieOptions<M> = {},
): Tied<Infer<S>> & M {
  assertSchema(schema, 'tie()');
  const target = unwrap(record);
  const problems = new Problems(1);
  checkStruct(schema.root, target, '', problems, 'draft', 0, new Set());
  const problem = problems.list[0];
  if (problem !== undefined) throw problemError(problem);
  const tier = new Tier(options.methods ?? {});
  return tier.structHandle(target as Record<string, unknown>, schema.root, '', true) as Tied<Infer<S>> & M;
}
