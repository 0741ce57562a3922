#!/usr/bin/env node
// The `spm-sem` bin: `spm-shell --semaphore` (GNU parallel's `sem`, its `parallel --semaphore`).
// Run `spm-sem --help` for spm-shell's options; those of a semaphore are --fg, --bg, --wait, --id,
// --semaphore-timeout (--st) and -j (its places; 1 by default).
'use strict';
process.argv.splice(2, 0, '--semaphore');
require('./spm-shell.cjs');
