import { register } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const TS_EXTENSION = /\.(c|m)?tsx?$/i;
const cache = new Map<string, Promise<unknown>>();
let tsLoaderRegistered = false;

/**
 * The URL a spoke imports for `specifier`: an absolute path becomes a `file:` URL, a URL stays
 * as it is, and anything else (a bare package name) is left for Node to resolve from the spoke
 * package's location. Tasks should name modules by `import.meta.url` or absolute path.
 */
export function moduleUrl(specifier: string): string {
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  return specifier;
}

/**
 * Registers ts-node's ESM loader in this thread, once, so a user's TypeScript module can be
 * imported as it is. Type checking is off by default (`TS_NODE_TRANSPILE_ONLY=true`, unless the
 * user set it): a spoke runs code, the user's build or editor checks it, and checking would
 * cost about a second per spoke start.
 */
function registerTypeScriptLoader(): void {
  if (tsLoaderRegistered) return;
  process.env['TS_NODE_TRANSPILE_ONLY'] ??= 'true';
  register('ts-node/esm', pathToFileURL(`${process.cwd()}/`));
  tsLoaderRegistered = true;
}

/**
 * The key of an importer a host may put on `globalThis`: `(url) => import(url)` from an ES
 * module of its own. A bundle's runtime (tools/scripts/bundle.mjs) runs as a `vm.Script`, where
 * `import()` would need an experimental Node feature (and print its warning); its loader sets
 * this, and modules are imported by Node's own loader as from anywhere else.
 */
const IMPORTER = Symbol.for('spm.import');

function importer(): (url: string) => Promise<unknown> {
  const hosted = (globalThis as Record<symbol, unknown>)[IMPORTER];
  return typeof hosted === 'function' ? (hosted as (url: string) => Promise<unknown>) : (url) => import(url);
}

/**
 * Imports a module on this spoke (once per thread; later calls share the first import), so its
 * top level runs — and declares its closures — while the spoke is offline (seed Fig. 2, C).
 * Built JavaScript is imported directly; a `.ts`/`.mts`/`.cts` module goes through ts-node's
 * ESM loader (the module's package must be `"type": "module"` for `.ts` files).
 * Rejects with whatever the import threw; callers turn that into `SPMTaskLoad`.
 */
export function loadModule(specifier: string): Promise<unknown> {
  const url = moduleUrl(specifier);
  let loading = cache.get(url);
  if (loading === undefined) {
    if (TS_EXTENSION.test(new URL(url, 'file:///').pathname)) registerTypeScriptLoader();
    loading = importer()(url);
    // A failed import is not cached: the next task may find the module fixed or present.
    loading.catch(() => cache.delete(url));
    cache.set(url, loading);
  }
  return loading;
}
