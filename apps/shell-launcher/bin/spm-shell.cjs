#!/usr/bin/env node
// The `spm-shell` bin. On a fresh clone (`npm ci` builds nothing) it builds the app first,
// through Nx so every package it depends on is built too, and bundles it (tools/scripts/bundle.mjs:
// a few files load much faster than the ~110 modules of dist/), then runs the bundled entry.
// CommonJS, as the bundle's entry stub it runs: Node's ES module loader costs a process ~5–9 ms
// of CPU to start (docs/bundles.md, session 13).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'bundle', 'bin', 'spm-shell.js');
if (!existsSync(entry)) {
  const root = join(__dirname, '..', '..', '..');
  process.stderr.write('spm-shell: building the workspace once (first run)…\n');
  const built = require('node:child_process').spawnSync('npx', ['nx', 'run', 'shell-launcher:bundle', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (built.status !== 0 || !existsSync(entry)) {
    process.stderr.write('spm-shell: the build failed (run `npx nx run shell-launcher:bundle` to see why)\n');
    process.exit(1);
  }
}
require(entry);
