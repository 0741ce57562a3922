import { SPMTypedefError } from '@spm/exceptions';
import type { Timeout } from './timeout.js';
import { scalarAccepts, SCALAR_EXPECTED } from './internal/check-value.js';
import { deepFreeze } from './internal/deep-freeze.js';
import { describeValue } from './internal/describe-value.js';
import { MAX_TYPE_DEPTH } from './internal/limits.js';
import { DICT_KEY_KINDS, FORBIDDEN_FIELD_NAMES, IDENTIFIER, isScalarKind, SCALAR_KINDS } from './internal/scalar-kinds.js';
import { typeText } from './internal/type-text.js';
import type {
  Field,
  FieldDefault,
  LiteralValue,
  PlainData,
  ScalarKind,
  ScalarType,
  StructType,
  TaskSchema,
  TypeNode,
} from './schema.js';

/** The static value type of each scalar kind. */
export interface ScalarValues {
  auto: PlainData;
  int: number;
  float: number;
  bool: boolean;
  string: string;
  stringSnippet: string;
  /** A Timeout from after(), or milliseconds. */
  timeout: Timeout | number;
  record: PlainData;
  ApiMethod: string;
  mixed: PlainData;
}

/** The three static views of one type: in a complete record, in user input, in a draft. */
export interface Views {
  readonly record: unknown;
  readonly input: unknown;
  readonly draft: unknown;
}

/** How a field defaults: `absent` (no `= …`), `deferred`, `none`, `value`, or `struct` (a nested struct). */
export type DefaultTag = 'absent' | 'deferred' | 'none' | 'value' | 'struct';

// Type-only key of a spec's static types: no value of it ever exists.
declare const specTypes: unique symbol;

/** A built type (and, as a field, its default). `node` is the plain-data type. */
export interface Spec<V extends Views = Views, D extends DefaultTag = DefaultTag> {
  /** The type, as a schema node. */
  readonly node: TypeNode;
  /** The field default this spec carries, if any. */
  readonly fieldDefault?: FieldDefault;
  /** Type-only: never set. */
  readonly [specTypes]?: { readonly views: V; readonly tag: D };
}

/** A type with no default yet: pick one with `.deferred()`, `.none()` or `.default(value)`. */
export interface TypeSpec<V extends Views> extends Spec<V, 'absent'> {
  /** `= deferred`: the field must be set before the task is pushed. */
  deferred(): Spec<V, 'deferred'>;
  /** `= None`: the field defaults to null. */
  none(): Spec<V, 'none'>;
  /** `= literal`: the field defaults to `value` (a number, string or boolean of the field's type). */
  default(value: Extract<V['record'], LiteralValue>): Spec<V, 'value'>;
}

/** A built `struct { … }`. Struct fields take no default: their own fields carry them. */
export interface StructSpec<V extends Views = Views> extends Spec<V, 'struct'> {
  readonly node: StructType;
}

/** The fields given to `t.struct`: a name → spec map, in declaration order. */
export interface FieldSpecs {
  readonly [name: string]: Spec;
}

type Flatten<T> = { [K in keyof T]: T[K] };
type ViewsOf<S> = S extends Spec<infer V, DefaultTag> ? V : never;
type TagOf<S> = S extends Spec<Views, infer D> ? D : never;
type OrNull<S, T> = TagOf<S> extends 'none' ? T | null : T;

/** The complete record of a struct's fields: fields with no default are optional. */
export type RecordOf<F extends FieldSpecs> = Flatten<
  { -readonly [K in keyof F as TagOf<F[K]> extends 'absent' ? never : K]: OrNull<F[K], ViewsOf<F[K]>['record']> } & {
    -readonly [K in keyof F as TagOf<F[K]> extends 'absent' ? K : never]?: ViewsOf<F[K]>['record'];
  }
>;

type RequiredInInput<S> = TagOf<S> extends 'deferred' ? true : TagOf<S> extends 'struct' ? (object extends ViewsOf<S>['input'] ? false : true) : false;

/** What a user writes for a struct: `deferred` fields (and structs holding one) required. */
export type InputOf<F extends FieldSpecs> = Flatten<
  { [K in keyof F as RequiredInInput<F[K]> extends true ? K : never]: OrNull<F[K], ViewsOf<F[K]>['input']> } & {
    [K in keyof F as RequiredInInput<F[K]> extends true ? never : K]?: OrNull<F[K], ViewsOf<F[K]>['input']>;
  }
>;

/** A struct being filled in: every field optional. */
export type DraftOf<F extends FieldSpecs> = { -readonly [K in keyof F]?: OrNull<F[K], ViewsOf<F[K]>['draft']> };

/** The views of a struct of fields `F`. */
export interface StructViews<F extends FieldSpecs> extends Views {
  readonly record: RecordOf<F>;
  readonly input: InputOf<F>;
  readonly draft: DraftOf<F>;
}

/** The views of `scalar<K>`: its value type in all three. */
export interface ScalarViews<K extends ScalarKind> extends Views {
  readonly record: ScalarValues[K];
  readonly input: ScalarValues[K];
  readonly draft: ScalarValues[K];
}

/** The views of `tuple<T>` and `list<T>`: arrays of the element's views. */
export interface ArrayViews<V extends Views> extends Views {
  readonly record: readonly V['record'][];
  readonly input: readonly V['input'][];
  readonly draft: readonly V['draft'][];
}

/** The views of `dict<K,V>`: string-keyed objects of the value's views. */
export interface DictViews<V extends Views> extends Views {
  readonly record: { [key: string]: V['record'] };
  readonly input: { readonly [key: string]: V['input'] };
  readonly draft: { [key: string]: V['draft'] };
}

/** An element type: a spec without a default, or a bare scalar kind (`'string'`). */
export type ElementSpec = TypeSpec<Views> | StructSpec | ScalarKind;

/** The views of an element type. */
export type ElementViews<E> = E extends ScalarKind ? ScalarViews<E> : ViewsOf<E>;

/** Kinds a dict key may have (object keys are strings). */
export type DictKeyKind = 'string' | 'stringSnippet' | 'ApiMethod';

// Nesting depth of every node the builder made, so that deep nesting fails where it is built.
const depths = new WeakMap<TypeNode, number>();

function depthOf(node: TypeNode): number {
  return depths.get(node) ?? 1;
}

function builderError(message: string, expected: string, found: string, path?: string): SPMTypedefError {
  return new SPMTypedefError(message, path === undefined ? { expected, found } : { path, expected, found });
}

function isSpec(value: unknown): value is Spec {
  if (typeof value !== 'object' || value === null) return false;
  const node = (value as { node?: unknown }).node;
  return typeof node === 'object' && node !== null && typeof (node as { kind?: unknown }).kind === 'string';
}

function withDepth<N extends TypeNode>(node: N, depth: number): N {
  deepFreeze(node);
  depths.set(node, depth);
  return node;
}

/**
 * A node used as a field's or an element's type: the typedef text could nest it only
 * MAX_TYPE_DEPTH levels deep, so neither can the builder (a struct one level taller is still
 * fine as the root of t.task()).
 */
function nestable(node: TypeNode, where: string): TypeNode {
  const depth = depthOf(node);
  if (depth > MAX_TYPE_DEPTH) {
    throw builderError(`Expected ${where} to nest types at most ${MAX_TYPE_DEPTH} levels deep, got ${depth}`, `at most ${MAX_TYPE_DEPTH} levels`, `${depth} levels`);
  }
  return node;
}

function scalarNode(kind: unknown, where: string): ScalarType {
  if (typeof kind !== 'string' || !isScalarKind(kind)) {
    throw builderError(`Expected ${where} to be a scalar kind (${SCALAR_KINDS.join(', ')}), got ${describeValue(kind)}`, 'a scalar kind', describeValue(kind));
  }
  return withDepth({ kind: 'scalar', scalar: kind }, 1);
}

function elementNode(element: unknown, where: string): TypeNode {
  if (typeof element === 'string') return scalarNode(element, where);
  if (!isSpec(element)) {
    throw builderError(`Expected ${where} to be a type from t.* or a scalar kind, got ${describeValue(element)}`, 'a type', describeValue(element));
  }
  if (element.fieldDefault !== undefined) {
    throw builderError(`Expected ${where} to have no default (only fields take one), got ${typeText(element.node)} with a default`, 'a type without a default', 'a default');
  }
  return nestable(element.node, where);
}

function typeSpec<V extends Views>(node: TypeNode): TypeSpec<V> {
  const withDefault = (fieldDefault: FieldDefault): Spec<V, never> => Object.freeze({ node, fieldDefault: deepFreeze(fieldDefault) });
  return Object.freeze({
    node,
    deferred: () => withDefault({ kind: 'deferred' }),
    none: () => withDefault({ kind: 'none' }),
    default: (value: unknown) => {
      const literal = typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
      if (!literal || node.kind !== 'scalar' || !scalarAccepts(node.scalar, value)) {
        const expected = node.kind === 'scalar' ? SCALAR_EXPECTED[node.scalar] : `${typeText(node)}, which has no literal (use deferred or none)`;
        throw builderError(`Expected a default of ${expected}, got ${describeValue(value)}`, expected, describeValue(value));
      }
      return withDefault({ kind: 'value', value });
    },
  });
}

function structNode(fields: unknown): StructType {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw builderError(`Expected t.struct() to get an object of fields, got ${describeValue(fields)}`, 'an object of fields', describeValue(fields));
  }
  const proto: unknown = Object.getPrototypeOf(fields);
  if (proto !== Object.prototype && proto !== null) {
    // `{ __proto__: t.int() }` in an object literal sets the prototype: the field was silently lost.
    throw builderError(
      `Expected t.struct() to get a plain object of fields, got one with another prototype (\`__proto__:\` in an object literal sets the prototype, not a field)`,
      'a plain object of fields',
      describeValue(fields),
    );
  }
  const out: Field[] = [];
  let depth = 1;
  for (const [name, spec] of Object.entries(fields)) {
    if (!IDENTIFIER.test(name) || FORBIDDEN_FIELD_NAMES.has(name)) {
      throw builderError(`Expected a field name that is an identifier other than __proto__ and constructor, got ${JSON.stringify(name)}`, 'an identifier', JSON.stringify(name), name);
    }
    if (!isSpec(spec)) {
      throw builderError(`Expected the field \`${name}\` to be a type from t.*, got ${describeValue(spec)}`, 'a type from t.*', describeValue(spec), name);
    }
    if (spec.node.kind === 'struct' && spec.fieldDefault !== undefined) {
      throw builderError(`Expected the struct field \`${name}\` to have no default (its fields carry them)`, 'no default', 'a default', name);
    }
    depth = Math.max(depth, depthOf(nestable(spec.node, `the field \`${name}\``)) + 1);
    out.push(spec.fieldDefault === undefined ? { name, type: spec.node } : { name, type: spec.node, default: spec.fieldDefault });
  }
  return withDepth({ kind: 'struct', fields: out }, depth);
}

/** The record types of a task whose root struct has views `V`. */
export interface RecordViews<V extends Views> {
  readonly record: V['record'] & object;
  readonly input: V['input'] & object;
  readonly draft: V['draft'] & object;
}

/**
 * `task<container> :: struct { … };` — the whole schema. `container` is the manager's word
 * (`list`, `dag`, `gang`, …); the root is a `t.struct(…)` or the object of its fields.
 */
function task<V extends Views>(container: string, root: StructSpec<V>): TaskSchema<RecordViews<V>>;
function task<F extends FieldSpecs>(container: string, fields: F): TaskSchema<RecordViews<StructViews<F>>>;
function task(container: string, rootOrFields: StructSpec | FieldSpecs): TaskSchema<never> {
  if (typeof container !== 'string' || !IDENTIFIER.test(container)) {
    throw builderError(`Expected the container of t.task() to be an identifier such as list, got ${describeValue(container)}`, 'an identifier', describeValue(container));
  }
  const root = isSpec(rootOrFields) ? rootOrFields.node : structNode(rootOrFields);
  if (root.kind !== 'struct') {
    throw builderError(`Expected t.task() to get a t.struct() or an object of fields, got ${typeText(root)}`, 'a struct', typeText(root));
  }
  return Object.freeze({ kind: 'task', container, root });
}

/**
 * The builder: the same schemas as the typedef text, with static types inferred.
 * ```ts
 * const schema = t.task('list', t.struct({
 *   nMin: t.scalar('int').deferred(),   // nMin :: scalar<int> = deferred;
 *   paths: t.tuple('string').none(),    // paths :: tuple<string> = None;
 * }));
 * ```
 */
export const t = Object.freeze({
  /** `scalar<kind>`. */
  scalar<K extends ScalarKind>(kind: K): TypeSpec<ScalarViews<K>> {
    return typeSpec(scalarNode(kind, 'the argument of t.scalar()'));
  },
  /** `tuple<T>`: an array of T. */
  tuple<E extends ElementSpec>(element: E): TypeSpec<ArrayViews<ElementViews<E>>> {
    const node = elementNode(element, 'the element type of t.tuple()');
    return typeSpec(withDepth({ kind: 'tuple', element: node }, depthOf(node) + 1));
  },
  /** `list<T>`: an array of T. */
  list<E extends ElementSpec>(element: E): TypeSpec<ArrayViews<ElementViews<E>>> {
    const node = elementNode(element, 'the element type of t.list()');
    return typeSpec(withDepth({ kind: 'list', element: node }, depthOf(node) + 1));
  },
  /** `dict<K,V>`: a plain object with keys of kind K (a string kind) and values V. */
  dict<E extends ElementSpec>(key: DictKeyKind | TypeSpec<ScalarViews<DictKeyKind>>, value: E): TypeSpec<DictViews<ElementViews<E>>> {
    const keyNode = elementNode(key, 'the key type of t.dict()');
    if (keyNode.kind !== 'scalar' || !DICT_KEY_KINDS.includes(keyNode.scalar)) {
      throw builderError(`Expected the key type of t.dict() to be ${DICT_KEY_KINDS.join(', ')}, got ${typeText(keyNode)}`, DICT_KEY_KINDS.join(', '), typeText(keyNode));
    }
    const valueNode = elementNode(value, 'the value type of t.dict()');
    return typeSpec(withDepth({ kind: 'dict', key: keyNode, value: valueNode }, Math.max(depthOf(keyNode), depthOf(valueNode)) + 1));
  },
  /** `struct { … }`, fields in the order given. */
  struct<F extends FieldSpecs>(fields: F): StructSpec<StructViews<F>> {
    return Object.freeze({ node: structNode(fields) });
  },
  task,
});

