#!/usr/bin/env node
// Bundles an app's built JavaScript (tsc's dist/) into one runtime file for a fast start-up:
//   node tools/scripts/bundle.mjs apps/<app>
// Every JavaScript engine of a run (the hub, each thread spoke, each process spoke) loads ~110
// ES modules from dist/ otherwise: ~80 ms of Node's module loader per engine on this machine;
// one file loads in a fraction of that, and with V8's code cache in a fraction again
// (docs/bundles.md has the figures).
//
// What it reads, from the app's package.json: "spm": { "bundle": { "<out name>": "<dist file>" } }
// — the app's entries (its bin, the modules that declare its closures). The spoke's entries
// (thread, process, evaluator) are always added: the app's spokes start the bundled ones.
// What it writes, in apps/<app>/bundle/:
//  - runtime.cjs: every module of the app and its packages, as one CommonJS script that a
//    thread evaluates once; each entry's module is initialised when first asked for.
//  - runtime-loader.cjs: evaluates runtime.cjs once per thread through `vm.Script`, with the
//    code cache `runtime.cjs.cache` when V8 accepts it; a main thread that found none (or a
//    stale one) writes it as it exits. It imports modules by URL for @spm/spoke's `loadModule`
//    (Symbol.for('spm.import')): a bundle entry's stub is the bundled module itself, any other
//    module (a user's) is imported by Node (`import()` inside a vm.Script needs an experimental
//    Node feature). runtime-loader.mjs is the same loader for the ES module stubs.
//  - runtime.cjs.cache, when the app declares a warm-up run of its bin ("spm": { "warmup":
//    { "entry", "args" } }): the bundle script runs it, and it writes the cache.
//  - an ES module per entry, at the entry's place (`bin/main.js`, `prime-closure.js`…): a stub
//    that asks the loader for its module and re-exports what the module exports; the entries
//    that are run and never imported (the app's bins, `spoke/entries/thread.js`…) are CommonJS
//    stubs (RUN_ENTRY_DIRS), so that their engines start no ES module loader.
//
// Rules that keep a bundle behaving as the modules it was made of:
//  1. A module's `import.meta.url` keeps naming what the module is. For a package with an entry
//     in the bundle (the app, @spm/spoke) it names the module's place in the bundle's layout,
//     so that a closure's module is the bundled entry that spokes import, and the spoke's
//     `./entries/thread.js` is the bundled thread entry. For any other package it names the
//     original file (the fork server's C source, a package.json). Each use of `import.meta.url`
//     (found by esbuild's parser: the words in a message stay as they are) is rewritten to
//     `new URL("<that place, relative to bundle/>", __spm_bundle_url).href`, the loader
//     passing bundle/'s URL.
//  2. One instance of each package per thread: every stub of a thread asks the same loader,
//     which keeps the evaluated runtime on `globalThis` (a registered symbol).
//  3. No top-level `await` in the bundled modules (CommonJS has none): entries run an async
//     function instead.
//  4. A few heavy Node built-ins (LAZY_BUILTINS) load when first used, not when a module that
//     imports them is initialised: the bundle's modules read them through a stand-in object.
import { dropRedundantNames } from './bundle-names.mjs';
import { build, transformSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const appArg = process.argv[2];
if (appArg === undefined) {
  process.stderr.write('usage: node tools/scripts/bundle.mjs apps/<app>\n');
  process.exit(2);
}
const appDir = resolve(root, appArg);
const appPkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
const declared = appPkg.spm?.bundle;
if (declared === undefined || typeof declared !== 'object') {
  process.stderr.write(`bundle: ${relative(root, join(appDir, 'package.json'))} has no "spm.bundle" entries ({ "<out name>": "<dist file>" })\n`);
  process.exit(2);
}
const outdir = join(appDir, 'bundle');
const spokeDist = join(root, 'packages', 'spoke', 'dist');

/** The bundle's entries: output name (relative to bundle/, no extension) → built input file. */
const entries = new Map(Object.entries(declared).map(([out, file]) => [out, join(appDir, file)]));
for (const kind of ['thread', 'process', 'evaluator']) entries.set(`spoke/entries/${kind}`, join(spokeDist, 'entries', `${kind}.js`));

/**
 * Where a package's modules sit in the bundle's layout, for the packages that have entries in
 * it: the app at the top of bundle/ (its dist/ layout kept: `bin/main.js`, `prime-closure.js`),
 * @spm/spoke under `spoke/`. Each entry's output name must be its module's place (checked).
 */
const mapped = [
  { dist: join(appDir, 'dist'), to: outdir },
  { dist: spokeDist, to: join(outdir, 'spoke') },
];
for (const [out, file] of entries) {
  const place = placeOf(file);
  if (place !== join(outdir, `${out}.js`)) {
    process.stderr.write(`bundle: entry "${out}" must be named for its module's place, "${relative(outdir, place).replace(/\.js$/, '')}" (${relative(root, file)})\n`);
    process.exit(2);
  }
}

/** The file a module's `import.meta.url` names once bundled (rule 1 above). */
function placeOf(file) {
  for (const { dist, to } of mapped) if (file.startsWith(dist + sep)) return join(to, relative(dist, file));
  return file;
}

/** What stands for each use of `import.meta.url` while a module is rewritten (an identifier nothing else uses). */
const PLACEHOLDER = '__spm_bundle_import_meta_url__';

/** Our own built modules: dist/ of a workspace package or app (not node_modules). */
const ours = new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(packages|apps)/[^/]+/dist/.*\\.js$`);

const rewriteImportMetaUrl = {
  name: 'spm-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!ours.test(args.path)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
      const rel = relative(outdir, placeOf(args.path)).split(sep).join('/');
      const url = `new URL(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)}, __spm_bundle_url).href`;
      // Only the expression, never the words in a string or a comment (error messages name
      // `import.meta.url`): esbuild's own parser swaps each use for a placeholder first.
      const { code } = transformSync(source, { loader: 'js', format: 'esm', target: 'node20', define: { 'import.meta.url': PLACEHOLDER }, sourcefile: args.path, sourcemap: 'inline' });
      return { contents: code.replaceAll(PLACEHOLDER, url), loader: 'js' };
    });
    // The runtime's own entry: a loader per bundle entry, each importing (initialising) its module when first called.
    b.onResolve({ filter: /^spm-bundle:runtime$/ }, () => ({ path: 'runtime', namespace: 'spm-bundle' }));
    b.onLoad({ filter: /.*/, namespace: 'spm-bundle' }, () => ({
      contents: `export const modules = {\n${[...entries].map(([out, file]) => `  ${JSON.stringify(out)}: () => import(${JSON.stringify(file)}),`).join('\n')}\n};\n`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * Node built-ins that a run may never use, and that cost to load: `child_process` (with `net`
 * and `dgram`), `crypto` (all of OpenSSL's bindings) and `net`. Thread spokes, and a hub whose
 * spokes are threads, need none of them to count primes, yet the modules that import them (the
 * process and TCP transports, the coprocess launcher) are initialised with the packages'
 * barrels. Bundled, each is a stand-in of getters: the built-in loads when a name of it is
 * first read (rule 4 of the header). Measured side by side (30 interleaved runs each, load
 * ~1.4): the seed run of spm-primes 279 → 265 ms of CPU (medians; wall 206 → 203, noise).
 */
const LAZY_BUILTINS = /^node:(child_process|crypto|net)$/;
const LAZY_NAMESPACE = 'spm-lazy-builtin';

const lazyBuiltins = {
  name: 'spm-lazy-builtins',
  setup(b) {
    // The stand-in's own `require` of the built-in resolves as usual (external, platform node).
    b.onResolve({ filter: LAZY_BUILTINS }, (args) => (args.namespace === LAZY_NAMESPACE || !ours.test(args.importer) ? undefined : { path: args.path, namespace: LAZY_NAMESPACE }));
    b.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, async (args) => {
      // The names this Node's built-in exports; a name another Node adds is read through `load()` too.
      const names = Object.keys(await import(args.path)).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
      const getters = names.map((name) => `  get ${name}() { return load().${name}; },`);
      return {
        contents: `// ${args.path}, loaded when first used (tools/scripts/bundle.mjs, LAZY_BUILTINS).\nlet loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(args.path)}));\nmodule.exports = {\n${getters.join('\n')}\n};\n`,
        loader: 'js',
        resolveDir: root,
      };
    });
  },
};

/** bundle/runtime-loader.cjs: see the header. */
const RUNTIME_LOADER = `// Evaluates runtime.cjs once per thread (tools/scripts/bundle.mjs), with V8's code cache.
// CommonJS, so that an engine whose entry is a CommonJS stub (a spoke's) never starts Node's ES
// module loader; runtime-loader.mjs is its face for the ES module stubs.
'use strict';
const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');
const { isMainThread } = require('node:worker_threads');

const HELD = Symbol.for('spm.bundle.runtime');
/** bundle/'s URL: what the runtime's \`import.meta.url\` rewrites are relative to. */
const BUNDLE_URL = pathToFileURL(\`\${__dirname}/\`).href;

function runtime() {
  const held = globalThis[HELD];
  if (held !== undefined) return held;
  const file = join(__dirname, 'runtime.cjs');
  const cacheFile = \`\${file}.cache\`;
  const source = readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet: this run makes it
  }
  const script = new vm.Script(\`(function (exports, require, module, __filename, __dirname, __spm_bundle_url) {\${source}\\n})\`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, __dirname, BUNDLE_URL);
  globalThis[HELD] = module.exports;
  // The cache holds what this thread compiled by its exit: written once, by a main thread.
  if (isMainThread && (cachedData === undefined || script.cachedDataRejected === true)) {
    process.once('exit', () => {
      const temporary = \`\${cacheFile}.\${process.pid}\`;
      try {
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
      } catch {
        rmSync(temporary, { force: true }); // a read-only bundle: run without a cache
      }
    });
  }
  return module.exports;
}

/** The module of the bundle entry \\\`name\\\`, initialised on first use. */
function loadBundled(name) {
  const load = runtime().modules[name];
  if (load === undefined) throw new Error(\`bundle: no entry \\\`\${name}\\\` in \${BUNDLE_URL}runtime.cjs\`);
  return load();
}

/** The name of the bundle entry whose stub \\\`url\\\` is, if it is one. */
function entryAt(url) {
  if (typeof url !== 'string' || !url.startsWith(BUNDLE_URL) || !url.endsWith('.js')) return undefined;
  const name = url.slice(BUNDLE_URL.length, -'.js'.length);
  return Object.hasOwn(runtime().modules, name) ? name : undefined;
}

// How @spm/spoke's loadModule imports a module by URL (Symbol.for('spm.import')): a bundle
// entry's stub (a closure's module, imported by the spokes) is the bundled module itself; any
// other module (a user's) is imported by Node. import() inside the vm.Script would need an
// experimental Node feature; here, in a CommonJS module, it is Node's own.
globalThis[Symbol.for('spm.import')] ??= (url) => {
  const name = entryAt(url);
  return name !== undefined ? loadBundled(name) : import(url);
};

module.exports = { loadBundled };
`;

/** bundle/runtime-loader.mjs: runtime-loader.cjs for the ES module stubs. */
const RUNTIME_LOADER_ESM = `// runtime-loader.cjs as an ES module, for the ES module stubs (tools/scripts/bundle.mjs).
import loader from './runtime-loader.cjs';

export const loadBundled = loader.loadBundled;
`;

/**
 * The directories of the entries that are run, never imported: the app's bins (`bin/`) and a
 * spoke's thread, process and evaluator (`spoke/entries/`). Their stubs are CommonJS (each
 * directory holds a package.json of `"type": "commonjs"`; the app's npm bins are CommonJS too),
 * so that a spoke's engine, and a hub started by its bin, load no ES module at all — Node's ES
 * module loader costs an engine ~5–9 ms to start (an empty CommonJS worker answered in a median
 * of 33.5 ms here, an empty ES module one in 42.8 ms, under load). Such an entry must export
 * nothing (checked).
 */
const RUN_ENTRY_DIRS = ['bin', 'spoke/entries'];

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: [{ in: 'spm-bundle:runtime', out: 'runtime' }],
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Function and class names are part of messages (error names, `describeValue`): keep them
  // (the wrappers that restate a name JavaScript gives anyway are dropped below).
  keepNames: true,
  sourcemap: 'linked',
  plugins: [rewriteImportMetaUrl, lazyBuiltins],
  metafile: true,
  logLevel: 'warning',
});
const runtimeFile = join(outdir, 'runtime.cjs');
const runtimeCode = readFileSync(runtimeFile, 'utf8');
if (runtimeCode.includes(PLACEHOLDER)) {
  process.stderr.write('bundle: a use of import.meta.url was left unrewritten in runtime.cjs\n');
  process.exit(1);
}
// keepNames' wrappers that restate the name JavaScript gives anyway cost a defineProperty per
// closure made (per call on a hot path): dropped, the others kept (bundle-names.mjs).
writeFileSync(runtimeFile, dropRedundantNames(runtimeCode).code);

/** What a module exports, as esbuild reads it. */
async function exportsOf(file) {
  const probe = await build({ entryPoints: [file], bundle: false, write: false, metafile: true, format: 'esm', outdir: join(outdir, '.probe'), logLevel: 'silent' });
  return Object.values(probe.metafile.outputs).flatMap((output) => output.exports ?? []);
}

writeFileSync(join(outdir, 'runtime-loader.cjs'), RUNTIME_LOADER);
writeFileSync(join(outdir, 'runtime-loader.mjs'), RUNTIME_LOADER_ESM);
for (const dir of RUN_ENTRY_DIRS) {
  mkdirSync(join(outdir, dir), { recursive: true });
  writeFileSync(join(outdir, dir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
}
for (const [out, file] of entries) {
  const stub = join(outdir, `${out}.js`);
  mkdirSync(dirname(stub), { recursive: true });
  if (RUN_ENTRY_DIRS.includes(dirname(out))) {
    const exported = await exportsOf(file);
    if (exported.length > 0) {
      process.stderr.write(`bundle: entry "${out}" is run, not imported (a CommonJS stub, RUN_ENTRY_DIRS), and must export nothing; it exports ${exported.join(', ')}\n`);
      process.exit(2);
    }
    const loader = relative(dirname(stub), join(outdir, 'runtime-loader.cjs')).split(sep).join('/');
    const lines = [
      `// ${relative(root, file).split(sep).join('/')}, bundled: its module lives in runtime.cjs (tools/scripts/bundle.mjs).`,
      `// CommonJS (see RUN_ENTRY_DIRS there); a failure to start rejects, and ends the engine as an uncaught error.`,
      `require(${JSON.stringify(loader.startsWith('.') ? loader : `./${loader}`)}).loadBundled(${JSON.stringify(out)});`,
      '',
    ];
    writeFileSync(stub, lines.join('\n'));
    continue;
  }
  const loader = relative(dirname(stub), join(outdir, 'runtime-loader.mjs')).split(sep).join('/');
  const names = await exportsOf(file);
  const named = names.filter((name) => name !== 'default');
  const lines = [
    `// ${relative(root, file).split(sep).join('/')}, bundled: its module lives in runtime.cjs (tools/scripts/bundle.mjs).`,
    `import { loadBundled } from ${JSON.stringify(loader.startsWith('.') ? loader : `./${loader}`)};`,
    `const bundled = await loadBundled(${JSON.stringify(out)});`,
    ...(named.length > 0 ? [`export const { ${named.join(', ')} } = bundled;`] : []),
    ...(names.includes('default') ? ['export default bundled.default;'] : []),
    '',
  ];
  writeFileSync(stub, lines.join('\n'));
}
// The code cache holds what the run that wrote it compiled: a `--help` would leave a thin one
// (seed run of spm-primes: 162 ms with it, 151 ms with a full one). A warm-up run of the app's
// bin, declared as "spm": { "warmup": { "entry": "<bin entry>", "args": [...] } }, writes a full
// one now. In one thread, so that it compiles the spokes' code too (inproc spokes). A warm-up
// that fails leaves no cache: the first real run writes it.
const warmup = appPkg.spm?.warmup;
let warmed = 'no warm-up declared';
if (warmup !== undefined) {
  if (typeof warmup?.entry !== 'string' || !entries.has(warmup.entry) || !Array.isArray(warmup.args)) {
    process.stderr.write(`bundle: "spm.warmup" must be { "entry": one of ${[...entries.keys()].join(', ')}, "args": [...] }\n`);
    process.exit(2);
  }
  const run = spawnSync(process.execPath, [join(outdir, `${warmup.entry}.js`), ...warmup.args], { stdio: 'ignore', timeout: 60_000 });
  warmed = existsSync(`${runtimeFile}.cache`) ? 'code cache written by a warm-up run' : `no code cache: the warm-up run ended with ${run.error?.message ?? `status ${String(run.status)}`}`;
}
const kb = Math.round(Object.values(result.metafile.outputs).reduce((sum, output) => sum + (output.bytes ?? 0), 0) / 1024);
process.stdout.write(`bundle: ${relative(root, outdir)}: ${entries.size} entries, runtime.cjs (${kb} KiB with its map); ${warmed}\n`);
