/**
 * The directory that holds the `@spm/*` packages: `…/packages/` in the workspace,
 * `…/node_modules/@spm/` once installed (this file is `<that>/closure-core/dist/internal/`).
 */
const PACKAGES = new URL('../../../', import.meta.url).href;

/** `file:///a/b.js:3:7` or `/a/b.js:3:7` of a V8 stack line (`at f (…)` or `at …`), as a URL. */
function frameFile(frame: string): string | undefined {
  const location = /\(([^()]*)\)$/.exec(frame)?.[1] ?? frame;
  const file = location.replace(/:\d+:\d+$/, '');
  if (file.startsWith('file://')) return file;
  if (file.startsWith('/')) return `file://${encodeURI(file)}`;
  return undefined; // node:internal/…, <anonymous>, native
}

/**
 * The first frame of the current stack outside the `@spm/*` packages' code (their `dist/` or,
 * under Jest's source maps, `src/`): where the user's code called into the library, e.g.
 * `file:///app/primes.mjs:5:22` or `defineAll (file:///app/closures.mjs:9:3)`. The library's
 * own frames told the user nothing: a duplicate signature was said to be declared "first at
 * new Closure (…closure-core/dist/closure.js:52:20) ← defineClosure (…)", and "again" at the
 * same place.
 */
export function userCallSite(): string | undefined {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const frame = line.trim().replace(/^at /, '');
    const file = frameFile(frame);
    if (file === undefined) continue;
    if (file.startsWith(PACKAGES) && /^[^/]+\/(dist|src)\//.test(file.slice(PACKAGES.length))) continue;
    return frame;
  }
  return undefined;
}
