import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { SPMTypedefError } from '@spm/exceptions';
import {
  MAX_TIMEOUT_MS,
  checkRecord,
  createRecord,
  parse,
  print,
  t,
  tie,
  validateRecord,
  withSpmComponent,
  type Field,
  type FieldDefault,
  type LiteralValue,
  type ScalarKind,
  type Spec,
  type StructSpec,
  type StructType,
  type TaskSchema,
  type TypeNode,
  type TypeSpec,
  type Views,
} from '@spm/typedef';

// Bounded runs: each property takes well under a second, so the suite stays fast.
const RUNS = { numRuns: 200 };
const FUZZ_RUNS = { numRuns: 400 };

const KINDS: ScalarKind[] = ['auto', 'int', 'float', 'bool', 'string', 'stringSnippet', 'timeout', 'record', 'ApiMethod', 'mixed'];
const STRING_KEY_KINDS: ScalarKind[] = ['string', 'stringSnippet', 'ApiMethod'];

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/).filter((name) => name !== '__proto__');
const apiMethod = fc.array(fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,5}$/), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
// Any Unicode text. Not lone surrogates: msgpackr carries strings as UTF-8, which cannot hold
// them (print and parse can: print.spec.ts covers that).
const anyText = fc.string({ unit: 'binary', maxLength: 12 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

function literalFor(type: TypeNode): fc.Arbitrary<LiteralValue> | undefined {
  if (type.kind !== 'scalar') return undefined;
  switch (type.scalar) {
    case 'int':
      return fc.maxSafeInteger();
    case 'float':
      return finite;
    case 'bool':
      return fc.boolean();
    case 'string':
    case 'stringSnippet':
      return anyText;
    case 'ApiMethod':
      return apiMethod;
    case 'auto':
    case 'record':
    case 'mixed':
      return fc.oneof(fc.maxSafeInteger(), finite, fc.boolean(), anyText);
    case 'timeout':
      return undefined;
  }
}

function defaultFor(type: TypeNode): fc.Arbitrary<FieldDefault | undefined> {
  if (type.kind === 'struct') return fc.constant(undefined);
  const options: fc.Arbitrary<FieldDefault | undefined>[] = [fc.constant(undefined), fc.constant({ kind: 'deferred' }), fc.constant({ kind: 'none' })];
  const literal = literalFor(type);
  if (literal !== undefined) options.push(literal.map((value): FieldDefault => ({ kind: 'value', value })));
  return fc.oneof(...options);
}

const { struct: structArb } = fc.letrec<{ type: TypeNode; struct: StructType }>((tie) => ({
  type: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    fc.constantFrom(...KINDS).map((scalar): TypeNode => ({ kind: 'scalar', scalar })),
    tie('type').map((element): TypeNode => ({ kind: 'tuple', element })),
    tie('type').map((element): TypeNode => ({ kind: 'list', element })),
    fc.tuple(fc.constantFrom(...STRING_KEY_KINDS), tie('type')).map(([key, value]): TypeNode => ({ kind: 'dict', key: { kind: 'scalar', scalar: key }, value })),
    tie('struct'),
  ),
  struct: fc
    .uniqueArray(
      fc.tuple(ident, tie('type')).chain(([name, type]) =>
        defaultFor(type).map((fieldDefault): Field => (fieldDefault === undefined ? { name, type } : { name, type, default: fieldDefault })),
      ),
      { selector: (field) => field.name, maxLength: 5 },
    )
    .map((fields): StructType => ({ kind: 'struct', fields })),
}));

const schemaArb: fc.Arbitrary<TaskSchema> = fc.tuple(ident, structArb).map(([container, root]) => ({ kind: 'task', container, root }));

/** The builder calls that make `node`. */
function toSpec(node: TypeNode): TypeSpec<Views> | StructSpec {
  switch (node.kind) {
    case 'scalar':
      return t.scalar(node.scalar);
    case 'tuple':
      return t.tuple(toSpec(node.element));
    case 'list':
      return t.list(toSpec(node.element));
    case 'dict':
      return t.dict(t.scalar(node.key.scalar as 'string'), toSpec(node.value));
    case 'struct':
      return t.struct(Object.fromEntries(node.fields.map((field) => [field.name, withDefault(toSpec(field.type), field.default)])));
  }
}

function withDefault(spec: TypeSpec<Views> | StructSpec, fieldDefault: FieldDefault | undefined): Spec {
  if (fieldDefault === undefined || !('deferred' in spec)) return spec;
  if (fieldDefault.kind === 'deferred') return spec.deferred();
  if (fieldDefault.kind === 'none') return spec.none();
  return spec.default(fieldDefault.value as never);
}

// Values that msgpackr carries unchanged: no -0 (it becomes 0) and no `__proto__` key.
const wireNumber = finite.map((value) => (Object.is(value, -0) ? 0 : value));
const wireKey = fc.string({ maxLength: 6 }).filter((key) => key !== '__proto__');
const plainData = fc.letrec<{ data: unknown }>((tie) => ({
  data: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    wireNumber,
    anyText,
    fc.uint8Array({ maxLength: 4 }),
    fc.array(tie('data'), { maxLength: 3 }),
    fc.dictionary(wireKey, tie('data'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).data;

function valueFor(type: TypeNode): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'scalar':
      switch (type.scalar) {
        case 'int':
          return fc.maxSafeInteger().map((value) => (Object.is(value, -0) ? 0 : value));
        case 'float':
          return wireNumber;
        case 'bool':
          return fc.boolean();
        case 'string':
        case 'stringSnippet':
          return anyText;
        case 'ApiMethod':
          return apiMethod;
        case 'timeout':
          return fc.double({ min: 0, max: MAX_TIMEOUT_MS, noNaN: true }).map((ms) => ({ ms: Object.is(ms, -0) ? 0 : ms }));
        case 'auto':
        case 'record':
        case 'mixed':
          return plainData;
      }
      break;
    case 'tuple':
    case 'list':
      return fc.array(valueFor(type.element), { maxLength: 3 });
    case 'dict':
      return fc.dictionary(type.key.scalar === 'ApiMethod' ? apiMethod : wireKey, valueFor(type.value), { maxKeys: 3, noNullPrototype: true });
    case 'struct':
      return recordFor(type);
  }
}

/** A complete, valid record of `struct`: every field present, except some default-less ones. */
function recordFor(struct: StructType): fc.Arbitrary<Record<string, unknown>> {
  const parts = struct.fields.map((field): fc.Arbitrary<unknown> => {
    if (field.type.kind === 'struct') return valueFor(field.type);
    const value = valueFor(field.type);
    switch (field.default?.kind) {
      case 'deferred':
        return value;
      case 'none':
        return fc.option(value, { nil: null });
      case 'value':
        return fc.oneof(fc.constant(field.default.value), value);
      case undefined:
        return fc.option(value, { nil: undefined });
    }
  });
  return fc.tuple(...parts).map((values) => {
    const record: Record<string, unknown> = {};
    struct.fields.forEach((field, i) => {
      if (values[i] !== undefined) record[field.name] = values[i];
    });
    return record;
  });
}

const schemaAndRecord = schemaArb.chain((schema) => recordFor(schema.root).map((record) => [schema, record] as const));

/** Parses `text`; any failure must be an SPMTypedefError with a position inside the text. */
function parseOrSyntaxError(text: string): void {
  let schema: TaskSchema;
  try {
    schema = parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SPMTypedefError);
    const { line, column } = error as SPMTypedefError;
    expect(Number.isInteger(line) && Number.isInteger(column)).toBe(true);
    expect(line).toBeGreaterThanOrEqual(1);
    expect(line).toBeLessThanOrEqual(text.split(/\r\n?|\n/u).length);
    expect(column).toBeGreaterThanOrEqual(1);
    return;
  }
  expect(parse(print(schema))).toStrictEqual(schema);
}

describe('properties: text', () => {
  it('print then parse gives back the schema', () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        expect(parse(print(schema))).toStrictEqual(schema);
      }),
      RUNS,
    );
  });

  it('the builder makes the same schema as the text', () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        expect(t.task(schema.container, toSpec(schema.root) as StructSpec)).toStrictEqual(schema);
      }),
      RUNS,
    );
  });

  it('random text yields a schema or an SPMTypedefError, nothing else', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parseOrSyntaxError), FUZZ_RUNS);
  });

  it('random sequences of the language’s tokens yield a schema or an SPMTypedefError', () => {
    const token = fc.constantFrom(
      'task', '<', '>', 'list', 'dag', '::', ':', 'struct', '{', '}', ';', '=', ',', 'scalar', 'tuple', 'dict', 'int', 'float',
      'string', 'mixed', 'auto', 'timeout', 'deferred', 'None', 'True', '"s"', "'q", '"\\u12"', '"\\n"', '-', '3', '1.5e3', '#c\n',
      '\n', ' ', '\t', 'x', '__proto__', '@', '\r\n',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), fc.boolean(), (tokens, spaced) => parseOrSyntaxError(tokens.join(spaced ? ' ' : ''))),
      FUZZ_RUNS,
    );
  });

  it('mutations of the seed’s typedefs yield a schema or an SPMTypedefError', () => {
    const fixtures = ['fig11.typedef', 'fig16.typedef'].map((name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
    const edit = fc.record({
      at: fc.nat(),
      op: fc.constantFrom('delete', 'insert', 'replace'),
      length: fc.integer({ min: 1, max: 8 }),
      text: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('<', '>', '{', '}', ';', '::', 'struct {', '"', '#', '\n', 'list<', '= 1', '= "x"')),
    });
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.array(edit, { minLength: 1, maxLength: 6 }), (fixture, edits) => {
        let text = fixture;
        for (const { at, op, length, text: insert } of edits) {
          const i = at % (text.length + 1);
          if (op === 'delete') text = text.slice(0, i) + text.slice(i + length);
          else if (op === 'insert') text = text.slice(0, i) + insert + text.slice(i);
          else text = text.slice(0, i) + insert + text.slice(i + length);
        }
        parseOrSyntaxError(text);
      }),
      FUZZ_RUNS,
    );
  });
});

describe('properties: records', () => {
  it('a record made to a schema validates, and still does after a msgpackr round trip', () => {
    fc.assert(
      fc.property(schemaAndRecord, ([schema, record]) => {
        expect(checkRecord(schema, record)).toEqual([]);
        const wire = unpack(pack(record)) as unknown;
        expect(wire).toEqual(record);
        validateRecord(schema, wire);
      }),
      RUNS,
    );
  });

  it('createRecord of a valid record is that record, and tie reads every field of it', () => {
    fc.assert(
      fc.property(schemaAndRecord, ([schema, record]) => {
        const created = createRecord(schema, record) as Record<string, unknown>;
        expect(created).toStrictEqual(record);
        const hdl = tie(schema, created);
        for (const field of schema.root.fields) {
          const value = created[field.name];
          expect(hdl.Has(field.name)).toBe(value !== undefined);
          expect((hdl as unknown as Record<string, unknown>)[field.name]).toEqual(value);
        }
      }),
      RUNS,
    );
  });

  it('any value in any field gives a valid record or SPMTypedefErrors, and validate agrees with check', () => {
    const anything = fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: true,
    });
    const mutated = schemaAndRecord.chain(([schema, record]) =>
      fc.tuple(fc.constant(schema), fc.constant(record), fc.oneof(fc.constantFrom(...schema.root.fields.map((field) => field.name), 'unknownField'), ident), anything),
    );
    fc.assert(
      fc.property(mutated, ([schema, record, key, value]) => {
        const bad = { ...record, [key]: value };
        const problems = checkRecord(schema, bad);
        expect(problems.every((problem) => problem instanceof SPMTypedefError && typeof problem.path === 'string')).toBe(true);
        let thrown: unknown;
        try {
          validateRecord(schema, bad);
        } catch (error) {
          thrown = error;
        }
        if (problems.length === 0) expect(thrown).toBeUndefined();
        else expect((thrown as SPMTypedefError).message).toBe(problems[0]?.message);
        try {
          createRecord(schema, bad);
        } catch (error) {
          expect(error).toBeInstanceOf(SPMTypedefError);
        }
      }),
      RUNS,
    );
  });

  it('withSpmComponent is idempotent and its result prints and parses back', () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        const merged = withSpmComponent(schema);
        expect(withSpmComponent(merged)).toStrictEqual(merged);
        expect(parse(print(merged))).toStrictEqual(merged);
        expect(merged.root.fields.filter((field) => field.name === 'spm')).toHaveLength(1);
      }),
      RUNS,
    );
  });
});
