#!/bin/sh
// 2>/dev/null; [ -z "$NODE_EXTRA_CA_CERTS" ] || { SPM_DEFERRED_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export SPM_DEFERRED_NODE_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
// (See spm-shell.cjs: the line above execs node on this file without NODE_EXTRA_CA_CERTS.)
// The `spm-sem` bin: `spm-shell --semaphore` (GNU parallel's `sem`, its `parallel --semaphore`).
// Run `spm-sem --help` for spm-shell's options; those of a semaphore are --fg, --bg, --wait, --id,
// --semaphore-timeout (--st) and -j (its places; 1 by default).
'use strict';
process.argv.splice(2, 0, '--semaphore');
require('./spm-shell.cjs');
