import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { t, type TypeSpec, type Views } from './builder.js';
import { parse } from './parse.js';
import type { Infer, InferDraft, InferInput, PlainData } from './schema.js';
import type { Timeout } from './timeout.js';

describe('t: the same schema as the text', () => {
  it('builds DESIGN.md’s prime-count typedef', () => {
    const built = t.task('list', t.struct({ nMin: t.scalar('int').deferred(), nMax: t.scalar('int').deferred() }));
    expect(built).toStrictEqual(parse('task<list> :: struct { nMin :: scalar<int> = deferred; nMax :: scalar<int> = deferred; };'));
  });

  it('builds every form of the language', () => {
    const built = t.task('gang', {
      spm: t.struct({ meta: t.struct({ path: t.tuple('string').deferred(), args: t.dict('string', 'mixed').none() }) }),
      rows: t.list(t.struct({ x: t.scalar('int').default(3), y: t.scalar('bool') })),
      nested: t.list(t.list(t.scalar('float'))),
      byName: t.dict(t.scalar('ApiMethod'), t.tuple(t.scalar('timeout'))),
      label: t.scalar('stringSnippet').default('***'),
      on: t.scalar('bool').default(false),
      anything: t.scalar('auto'),
    });
    expect(built).toStrictEqual(
      parse(`task<gang> :: struct {
        spm :: struct { meta :: struct { path :: tuple<string> = deferred; args :: dict<string,mixed> = None; }; };
        rows :: list<struct { x :: scalar<int> = 3; y :: scalar<bool>; }>;
        nested :: list<list<float>>;
        byName :: dict<ApiMethod,tuple<timeout>>;
        label :: scalar<stringSnippet> = "***";
        on :: scalar<bool> = False;
        anything :: scalar<auto>;
      };`),
    );
  });

  it('takes a bare kind and t.scalar(kind) as the same element', () => {
    expect(t.list('int').node).toStrictEqual(t.list(t.scalar('int')).node);
    expect(t.dict('string', 'mixed').node).toStrictEqual(t.dict(t.scalar('string'), t.scalar('mixed')).node);
  });

  it('makes frozen, plain-data schemas', () => {
    const schema = t.task('list', { n: t.scalar('int').none() });
    expect(Object.isFrozen(schema)).toBe(true);
    expect(Object.isFrozen(schema.root.fields[0])).toBe(true);
    expect(JSON.parse(JSON.stringify(schema))).toStrictEqual(schema);
  });

  it('reuses one spec in several places without sharing defaults', () => {
    const int = t.scalar('int');
    const schema = t.task('list', { a: int.deferred(), b: int.none(), c: int });
    expect(schema.root.fields.map((field) => field.default)).toStrictEqual([{ kind: 'deferred' }, { kind: 'none' }, undefined]);
  });
});

describe('t: refusals', () => {
  it.each([
    ['an unknown kind', () => t.scalar('integer' as 'int'), /t\.scalar\(\) to be a scalar kind .* got "integer" \(string\)/],
    ['a field name that is not an identifier', () => t.struct({ 'two words': t.scalar('int') }), /identifier other than __proto__ and constructor, got "two words"/],
    ['a __proto__ field', () => t.struct(JSON.parse('{"__proto__": 1}') as Record<string, never>), /got "__proto__"/],
    ['a field that is not a spec', () => t.struct({ n: 3 as never }), /field `n` to be a type from t\.\*, got `3` \(number\)/],
    ['an element with a default', () => t.list(t.scalar('int').deferred() as never), /element type of t\.list\(\) to have no default/],
    ['a dict key that is not a string kind', () => t.dict('int' as 'string', 'mixed'), /key type of t\.dict\(\) to be string, stringSnippet, ApiMethod, got scalar<int>/],
    ['a default of the wrong type', () => t.scalar('int').default(2.5), /default of scalar<int> \(a safe integer\), got `2.5` \(number\)/],
    ['a default for a timeout that is not milliseconds', () => t.scalar('timeout').default('10' as never), /default of scalar<timeout>/],
    ['a literal for a list', () => t.list('int').default(1 as never), /list<int>, which has no literal/],
    ['a container that is not an identifier', () => t.task('my list', {}), /container of t\.task\(\) to be an identifier/],
    ['a root that is not a struct', () => t.task('list', t.scalar('int') as never), /t\.task\(\) to get a t\.struct\(\)/],
  ])('refuses %s', (_what, build, message) => {
    expect(build).toThrow(SPMTypedefError);
    expect(build).toThrow(message);
  });

  it('refuses types nested deeper than the text allows, where the text does', () => {
    const nest = (depth: number) => {
      let spec: TypeSpec<Views> = t.list('int');
      for (let i = 1; i < depth; i += 1) spec = t.list(spec);
      return spec;
    };
    const text = (depth: number): string => `task<list> :: struct { a :: ${'list<'.repeat(depth)}int${'>'.repeat(depth)}; };`;
    expect(t.task('list', { a: nest(63) })).toStrictEqual(parse(text(63)));
    expect(() => t.task('list', { a: nest(64) })).toThrow(/nest types at most 64 levels deep, got 65/);
    expect(() => parse(text(64))).toThrow(SPMTypedefError);
  });
});

// Static types: these assignments are checked by `typecheck`; @ts-expect-error lines fail
// the typecheck if the builder ever stops catching them.
describe('t: inferred static types', () => {
  const schema = t.task('list', {
    spm: t.struct({ meta: t.struct({ label: t.scalar('stringSnippet').none(), timeout: t.scalar('timeout').deferred() }) }),
    nMin: t.scalar('int').deferred(),
    note: t.scalar('string'),
    ratio: t.scalar('float').default(0.5),
    tags: t.tuple('string').none(),
    extra: t.scalar('mixed').none(),
    rows: t.list(t.struct({ x: t.scalar('int').deferred() })),
  });

  it('types a complete record', () => {
    expect(schema.root.fields.map((field) => field.name)).toEqual(['spm', 'nMin', 'note', 'ratio', 'tags', 'extra', 'rows']);
    const record: Infer<typeof schema> = {
      spm: { meta: { label: null, timeout: { ms: 1 } } },
      nMin: 1,
      ratio: 0.5,
      tags: ['a'],
      extra: { any: ['plain', 1, null] },
      rows: [{ x: 1 }],
    };
    const nMin: number = record.nMin;
    const note: string | undefined = record.note;
    const label: string | null = record.spm.meta.label;
    const timeout: Timeout | number = record.spm.meta.timeout;
    const extra: PlainData = record.extra;
    // @ts-expect-error nMin is an int, not a string
    record.nMin = 'one';
    // @ts-expect-error a deferred field is required in a complete record
    const missing: Infer<typeof schema> = { spm: { meta: { label: null, timeout: { ms: 1 } } }, ratio: 0.5, tags: null, extra: null, rows: [] };
    expect([nMin, note, label, timeout, extra, missing.ratio]).toEqual([1, undefined, null, { ms: 1 }, { any: ['plain', 1, null] }, 0.5]);
  });

  it('types user input: deferred fields (and structs holding one) required, the rest optional', () => {
    const input: InferInput<typeof schema> = { nMin: 2, spm: { meta: { timeout: { ms: 5 } } } };
    // @ts-expect-error spm.meta.timeout is deferred, so spm is required
    const noSpm: InferInput<typeof schema> = { nMin: 2 };
    // @ts-expect-error a function is not plain data
    const bad: InferInput<typeof schema> = { nMin: 2, spm: { meta: { timeout: { ms: 5 } } }, extra: () => 1 };
    expect([input.nMin, noSpm.nMin, bad.nMin]).toEqual([2, 2, 2]);
  });

  it('types a draft: every field optional', () => {
    const draft: InferDraft<typeof schema> = { spm: { meta: {} } };
    // @ts-expect-error still typed: nMin is a number
    const wrong: InferDraft<typeof schema> = { nMin: 'x' };
    expect([draft.spm, wrong.nMin]).toEqual([{ meta: {} }, 'x']);
  });

  it('types a literal default by the field’s kind', () => {
    // @ts-expect-error an int field takes a number default
    expect(() => t.scalar('int').default('3')).toThrow(SPMTypedefError);
    // @ts-expect-error a timeout field has no literal default
    expect(() => t.scalar('timeout').default({ ms: 1 })).toThrow(SPMTypedefError);
  });
});
