import { describe, it, expect } from '@jest/globals';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';

// tools/scripts/bundle-names.mjs: the bundle keeps esbuild's `keepNames` wrappers only where they
// change a name. Each snippet is run as esbuild writes it and as the script leaves it: every
// name must be the same, and the script must have dropped exactly the wrappers that restate one.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
type Drop = (code: string) => { code: string; dropped: number };
const { dropRedundantNames } = (await import(pathToFileURL(join(root, 'tools/scripts/bundle-names.mjs')).href)) as { dropRedundantNames: Drop };

const PRELUDE = 'var __defProp = Object.defineProperty; var __name = (target, value) => __defProp(target, "name", { value, configurable: true });\n';

/** The names `code` leaves in `out` (an object of functions and classes), run as it is. */
function namesOf(code: string): Record<string, string> {
  const out: Record<string, { name: string }> = {};
  runInNewContext(`${PRELUDE}${code}`, { out });
  return Object.fromEntries(Object.entries(out).map(([key, value]) => [key, value.name]));
}

const CASES: readonly { readonly code: string; readonly dropped: number; readonly names: Record<string, string> }[] = [
  // Restated by the language: dropped.
  { code: 'const o = { started: /* @__PURE__ */ __name(() => 1, "started") }; out.a = o.started;', dropped: 1, names: { a: 'started' } },
  { code: 'const o = { "quoted key": __name(function () {}, "quoted key") }; out.a = o["quoted key"];', dropped: 1, names: { a: 'quoted key' } },
  { code: 'let f = __name((x) => x, "f"); out.a = f;', dropped: 1, names: { a: 'f' } },
  { code: 'var C; C = class { static { __name(this, "C"); } }; out.a = C;', dropped: 1, names: { a: 'C' } },
  { code: 'var g; g = __name(() => 0, "g"); out.a = g;', dropped: 1, names: { a: 'g' } },
  { code: 'class K { field = __name(() => 0, "field"); } out.a = new K().field;', dropped: 1, names: { a: 'field' } },
  { code: 'const p = {}; p.emit = __name(function emit() {}, "emit"); out.a = p.emit;', dropped: 1, names: { a: 'emit' } },
  { code: 'function top() {}\nvar init = () => { __name(top, "top"); }; init(); out.a = top;', dropped: 1, names: { a: 'top' } },
  // A name esbuild changed, or one the language would give otherwise: kept.
  { code: 'function describe2() {}\n__name(describe2, "describe"); out.a = describe2;', dropped: 0, names: { a: 'describe' } },
  { code: 'var isThenable2 = __name((v) => v, "isThenable"); out.a = isThenable2;', dropped: 0, names: { a: 'isThenable' } },
  { code: 'var X = class _X { static { __name(this, "X"); } }; out.a = X;', dropped: 0, names: { a: 'X' } },
  // A computed key whose expression reads like the name: the language would name it "x".
  { code: 'const dyn = "x"; const o = { [dyn]: __name(() => 0, "dyn") }; out.a = o.x;', dropped: 0, names: { a: 'dyn' } },
  { code: 'class P { #f = __name(() => 0, "#f"); get f() { return this.#f; } } out.a = new P().f;', dropped: 0, names: { a: '#f' } },
  { code: 'const h = (() => __name(() => 0, "h"))(); out.a = h;', dropped: 0, names: { a: 'h' } },
  { code: 'var q; q ??= __name(() => 0, "q"); out.a = q;', dropped: 0, names: { a: 'q' } },
  { code: 'function outer() { function inner() {} __name(inner, "inner"); return inner; } out.a = outer();', dropped: 0, names: { a: 'inner' } },
];

describe('bundle-names: dropRedundantNames', () => {
  it('drops exactly the keepNames wrappers that restate the name JavaScript gives, and every name stays the same', () => {
    for (const { code, dropped, names } of CASES) {
      const result = dropRedundantNames(code);
      expect({ code, dropped: result.dropped }).toEqual({ code, dropped });
      expect({ code, before: namesOf(code), after: namesOf(result.code) }).toEqual({ code, before: names, after: names });
    }
  });

  it('blanks what it drops: the same length, every newline where it was (the source map holds)', () => {
    const code = 'const o = {\n  a: /* @__PURE__ */ __name(() => {\n    return "é𝄞";\n  }, "a"),\n};\nout.a = o.a;\n';
    const result = dropRedundantNames(code);
    expect(result.dropped).toBe(1);
    expect(result.code.length).toBe(code.length);
    expect([...result.code.matchAll(/\n/g)].map((m) => m.index)).toEqual([...code.matchAll(/\n/g)].map((m) => m.index));
    expect(result.code).not.toMatch(/__name/);
    expect(namesOf(result.code)).toEqual({ a: 'a' });
  });
});
