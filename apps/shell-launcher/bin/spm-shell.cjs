#!/usr/bin/env node
// The `spm-shell` bin. On a fresh clone (`npm ci` builds nothing) it builds the app first (once,
// however many are started together: tools/scripts/first-run-build.cjs), through Nx so every
// package it depends on is built too, and bundles it (tools/scripts/bundle.mjs: a few files load
// much faster than the ~110 modules of dist/), then runs the bundled entry.
// CommonJS, as the bundle's entry stub it runs: Node's ES module loader costs a process ~5–9 ms
// of CPU to start (docs/bundles.md, session 13).
'use strict';
const { join } = require('node:path');
// eslint-disable-next-line @nx/enforce-module-boundaries -- runs before anything is built: no package could hold it
const { ensureBuilt } = require('../../../tools/scripts/first-run-build.cjs');

const entry = join(__dirname, '..', 'bundle', 'bin', 'spm-shell.js');
ensureBuilt('spm-shell', entry, 'shell-launcher:bundle');
require(entry);
