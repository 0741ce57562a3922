#!/usr/bin/env node
// Bundles an app's built JavaScript (tsc's dist/) into a few files for a fast start-up:
//   node tools/scripts/bundle.mjs apps/<app>
// Every JavaScript engine of a run (the hub, each thread spoke, each process spoke) loads ~110
// ES modules from dist/ otherwise: ~80 ms of Node's module loader per engine on this machine,
// against ~20 ms for the same code in one file (docs/bundles.md has the figures).
//
// What it reads, from the app's package.json: "spm": { "bundle": { "<out name>": "<dist file>" } }
// — the app's entries (its bin, the modules that declare its closures). The spoke's entries
// (thread, process, evaluator) are always added: the app's spokes start the bundled ones.
// What it writes: apps/<app>/bundle/ — an ES module per entry (a stub) and shared chunks.
//
// Two rules keep a bundle behaving as the modules it was made of:
//  1. A module's `import.meta.url` keeps naming what the module is. For a package with an entry
//     in the bundle (the app, @spm/spoke) it names the module's place in the bundle's layout,
//     so that a closure's module is the bundled entry that spokes import, and the spoke's
//     `./entries/thread.js` is the bundled thread entry. For any other package it names the
//     original file (the fork server's C source, a package.json). Each use of `import.meta.url`
//     (found by esbuild's parser: the words in a message stay as they are) is rewritten to
//     `new URL("<that place, relative to bundle/>", import.meta.url).href`.
//  2. That rewrite holds only where the code runs from a file at the top of bundle/: every
//     module is made reachable from two entries (a never-run `_all` entry imports them all),
//     so esbuild puts all code into shared chunks at the top and the entries are stubs. The
//     script checks this in esbuild's metafile and fails if any code landed elsewhere.
// One instance of each package per thread follows: every entry imports the same chunks.
import { build, transformSync } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
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
      const url = `new URL(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)}, import.meta.url).href`;
      // Only the expression, never the words in a string or a comment (error messages name
      // `import.meta.url`): esbuild's own parser swaps each use for a placeholder first.
      const { code } = transformSync(source, { loader: 'js', format: 'esm', target: 'node20', define: { 'import.meta.url': PLACEHOLDER }, sourcefile: args.path, sourcemap: 'inline' });
      return { contents: code.replaceAll(PLACEHOLDER, url), loader: 'js' };
    });
    // The `_all` entry: imports every entry, so that every module is shared by two entries.
    b.onResolve({ filter: /^spm-bundle:all$/ }, () => ({ path: 'all', namespace: 'spm-bundle' }));
    b.onLoad({ filter: /.*/, namespace: 'spm-bundle' }, () => ({
      contents: [...entries.values()].map((file) => `import ${JSON.stringify(file)};`).join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: [...[...entries].map(([out, file]) => ({ in: file, out })), { in: 'spm-bundle:all', out: '_all' }],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // Function and class names are part of messages (error names, `describeValue`): keep them.
  keepNames: true,
  sourcemap: 'linked',
  // msgpackr's optional native extractor: looked up at run time when installed, never bundled.
  external: ['msgpackr-extract'],
  plugins: [rewriteImportMetaUrl],
  metafile: true,
  logLevel: 'warning',
});

// Rule 1 done everywhere (no placeholder left), and rule 2: code of our modules only in chunks at
// the top of bundle/, never in an entry's stub.
const misplaced = [];
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (output.endsWith('.map')) continue;
  if (readFileSync(resolve(root, output), 'utf8').includes(PLACEHOLDER)) misplaced.push(`${output}: a use of import.meta.url left unrewritten`);
  const atTop = !relative(outdir, resolve(root, output)).includes(sep);
  if (atTop && output.includes('/chunk-')) continue;
  for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
    if (bytesInOutput > 0 && ours.test(resolve(root, input))) misplaced.push(`${input} → ${output}`);
  }
}
rmSync(join(outdir, '_all.js'), { force: true });
rmSync(join(outdir, '_all.js.map'), { force: true });
if (misplaced.length > 0) {
  process.stderr.write(`bundle: import.meta.url would be wrong here (code outside the top-level chunks, or not rewritten):\n  ${misplaced.join('\n  ')}\n`);
  process.exit(1);
}
const outputs = Object.keys(result.metafile.outputs).filter((o) => !o.endsWith('.map') && !o.endsWith('_all.js'));
process.stdout.write(`bundle: ${relative(root, outdir)}: ${entries.size} entries, ${outputs.length - entries.size} chunks\n`);
