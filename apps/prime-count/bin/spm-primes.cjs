#!/bin/sh
// 2>/dev/null; [ -z "$NODE_EXTRA_CA_CERTS" ] || { SPM_DEFERRED_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export SPM_DEFERRED_NODE_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
// The line above is for sh (to which `//` is a failing command, silenced) and a comment to
// JavaScript: run as a program, the bin execs `node` on itself without NODE_EXTRA_CA_CERTS,
// whose certificates Node 20 loads as it starts (~50 ms) and no hub uses; restore() puts the
// variable back for the programs the hub starts (tools/scripts/deferred-ca-certs.cjs).
// The `spm-primes` bin. On a fresh clone (`npm ci` builds nothing) it builds the app first (once,
// however many are started together: tools/scripts/first-run-build.cjs), through Nx so every
// package it depends on is built too, and bundles it (tools/scripts/bundle.mjs: a few files load
// much faster than the ~110 modules of dist/), then runs the bundled entry.
// CommonJS, as the bundle's entry stub it runs: Node's ES module loader costs a process ~5–9 ms
// of CPU to start (docs/bundles.md, session 13).
'use strict';
// eslint-disable-next-line @nx/enforce-module-boundaries -- runs before anything is built: no package could hold it
require('../../../tools/scripts/deferred-ca-certs.cjs').restore();
const { join } = require('node:path');
// eslint-disable-next-line @nx/enforce-module-boundaries -- runs before anything is built: no package could hold it
const { ensureBuilt } = require('../../../tools/scripts/first-run-build.cjs');

const entry = join(__dirname, '..', 'bundle', 'bin', 'main.js');
ensureBuilt('spm-primes', entry, 'prime-count:bundle');
require(entry);
