import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { t } from './builder.js';
import { createRecord } from './create-record.js';
import { parse } from './parse.js';
import { print } from './print.js';
import type { Infer } from './schema.js';
import { SPM_COMPONENT, withSpmComponent } from './spm-component.js';
import { after } from './timeout.js';
import { checkRecord, validateRecord } from './validate-record.js';

// DESIGN.md's "Typedef language" SPM component, with every field `= None`.
const SPM_TEXT = `
  spm :: struct {
    meta :: struct {
      label   :: scalar<stringSnippet> = None;
      api     :: scalar<ApiMethod>     = None;
      apiArgs :: dict<string,mixed>    = None;
      timeout :: scalar<timeout>       = None;
      path    :: tuple<string>         = None;
      modulePreload :: tuple<string>   = None;
      module  :: scalar<stringSnippet> = None;
    };
    core :: struct { relaunchPre :: scalar<bool> = None; relaunchPost :: scalar<bool> = None;
                     nameHost :: scalar<auto> = None; whoAmI :: scalar<auto> = None; };
    stat :: struct { exception :: scalar<auto> = None; returnValue :: scalar<record> = None; };
  };`;

describe('SPM_COMPONENT', () => {
  it('is DESIGN.md’s spm struct, every field None', () => {
    expect(t.task('list', { spm: SPM_COMPONENT })).toStrictEqual(parse(`task<list> :: struct {${SPM_TEXT} };`));
  });

  it('is frozen', () => {
    expect(Object.isFrozen(SPM_COMPONENT)).toBe(true);
    expect(Object.isFrozen(SPM_COMPONENT.node.fields[0]?.type)).toBe(true);
  });
});

describe('withSpmComponent', () => {
  it('puts the component first in a schema that lacks it', () => {
    const merged = withSpmComponent(parse('task<dag> :: struct { nMin :: scalar<int> = deferred; nMax :: scalar<int> = deferred; };'));
    expect(merged).toStrictEqual(parse(`task<dag> :: struct {${SPM_TEXT} nMin :: scalar<int> = deferred; nMax :: scalar<int> = deferred; };`));
  });

  it('requires nothing of the component when the user wrote only their own fields', () => {
    const merged = withSpmComponent(t.task('list', { nMin: t.scalar('int').deferred(), nMax: t.scalar('int').deferred() }));
    const record = createRecord(merged, { nMin: 2, nMax: 10 });
    validateRecord(merged, record);
    const typed: Infer<typeof merged> = record;
    expect(typed.spm.meta.timeout).toBeNull();
    expect(typed.spm.stat.returnValue).toBeNull();
    expect(checkRecord(merged, createRecord(merged, { nMin: 2 })).map((problem) => problem.path)).toEqual(['nMax']);
  });

  it('merges missing fields into a partial component, keeping what the user declared (Fig. 16’s shape)', () => {
    const partial = parse(`task<list> :: struct {
      spm :: struct {
        meta :: struct { label :: scalar<stringSnippet> = deferred; timeout :: scalar<timeout> = deferred; };
        stat :: struct { returnValue :: scalar<auto> = None; mine :: scalar<int>; };
      };
      nMin :: scalar<auto> = deferred;
    };`);
    const merged = withSpmComponent(partial);
    expect(print(merged)).toBe(
      print(
        parse(`task<list> :: struct {
          spm :: struct {
            meta :: struct {
              label :: scalar<stringSnippet> = deferred; timeout :: scalar<timeout> = deferred;
              api :: scalar<ApiMethod> = None; apiArgs :: dict<string,mixed> = None; path :: tuple<string> = None;
              modulePreload :: tuple<string> = None; module :: scalar<stringSnippet> = None;
            };
            stat :: struct { returnValue :: scalar<auto> = None; mine :: scalar<int>; exception :: scalar<auto> = None; };
            core :: struct { relaunchPre :: scalar<bool> = None; relaunchPost :: scalar<bool> = None; nameHost :: scalar<auto> = None; whoAmI :: scalar<auto> = None; };
          };
          nMin :: scalar<auto> = deferred;
        };`),
      ),
    );
    // A field the typedef writes `deferred` stays required.
    const problems = checkRecord(merged, createRecord(merged, { nMin: 1 }));
    expect(problems.map((problem) => problem.path)).toEqual(['spm.meta.label', 'spm.meta.timeout']);
    const record = createRecord(merged, { nMin: 1, spm: { meta: { label: '***', timeout: after({ seconds: 10 }) } } });
    expect(() => validateRecord(merged, record)).not.toThrow();
  });

  it('is idempotent and leaves a complete component alone', () => {
    const full = parse(`task<list> :: struct {${SPM_TEXT} n :: int; };`);
    expect(withSpmComponent(full)).toStrictEqual(full);
    const once = withSpmComponent(parse('task<list> :: struct { n :: int; };'));
    expect(withSpmComponent(once)).toStrictEqual(once);
  });

  it.each([
    ['task<list> :: struct { spm :: scalar<auto>; };', 'spm', 'scalar<auto>'],
    ['task<list> :: struct { spm :: struct { meta :: tuple<string>; }; };', 'spm.meta', 'tuple<string>'],
  ])('refuses %s, where the component needs a struct', (text, path, found) => {
    try {
      withSpmComponent(parse(text));
      throw new Error('expected an SPMTypedefError');
    } catch (error) {
      expect(error).toBeInstanceOf(SPMTypedefError);
      expect((error as SPMTypedefError).path).toBe(path);
      expect((error as SPMTypedefError).found).toBe(found);
      expect((error as Error).message).toBe(`Expected \`${path}\` to be a struct (the SPM component's), got ${found}`);
    }
  });

  it.each([
    ['spm :: struct { meta :: struct { timeout :: scalar<string> = "5"; }; };', 'spm.meta.timeout', 'scalar<string>', 'scalar<timeout>, scalar<int>, scalar<auto> or scalar<mixed>'],
    ['spm :: struct { core :: struct { relaunchPre :: scalar<string> = "true"; }; };', 'spm.core.relaunchPre', 'scalar<string>', 'scalar<bool>'],
    ['spm :: struct { core :: struct { relaunchPost :: tuple<bool>; }; };', 'spm.core.relaunchPost', 'tuple<bool>', 'scalar<bool>'],
    // auto let a task give "true", which the runtime (relaunching on true alone) ignored.
    ['spm :: struct { core :: struct { relaunchPre :: scalar<auto> = "true"; }; };', 'spm.core.relaunchPre', 'scalar<auto>', 'scalar<bool>'],
    ['spm :: struct { core :: struct { relaunchPost :: scalar<mixed> = 1; }; };', 'spm.core.relaunchPost', 'scalar<mixed>', 'scalar<bool>'],
  ])('refuses a leaf the runtime reads declared as a type it cannot read: %s', (fields, path, found, expected) => {
    // Accepted here, such a typedef refused every task at manage() (or never relaunched).
    const error = (() => {
      try {
        withSpmComponent(parse(`task<list> :: struct { ${fields} };`));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SPMTypedefError);
    expect(error).toMatchObject({ path, found, expected });
    expect((error as Error).message).toBe(`Expected \`${path}\` to be ${expected} (the runtime reads it: it is the SPM component's), got ${found}`);
  });

  it.each([
    ['timeout :: scalar<int> = -1;', '`-1` (number)'],
    ['timeout :: scalar<auto> = "10s";', '"10s" (string)'],
    ['timeout :: scalar<mixed> = 3000000000;', '`3000000000` (number)'],
  ])('refuses a literal default of spm.meta.timeout the runtime would refuse in every task: %s', (field, found) => {
    expect(() => withSpmComponent(parse(`task<list> :: struct { spm :: struct { meta :: struct { ${field} }; }; };`))).toThrow(
      `Expected the default of \`spm.meta.timeout\` to be milliseconds from 0 to 2147483647 (the runtime would refuse every task), got ${found}`,
    );
  });

  it('takes the runtime-read leaves as types it can read, and other standard leaves as the user declares them', () => {
    const schema = withSpmComponent(parse('task<list> :: struct { spm :: struct { meta :: struct { timeout :: scalar<int> = 5000; label :: scalar<string> = None; }; stat :: struct { returnValue :: scalar<auto> = None; }; }; };'));
    expect(createRecord(schema, {})).toMatchObject({ spm: { meta: { timeout: 5000 } } });
  });
});
