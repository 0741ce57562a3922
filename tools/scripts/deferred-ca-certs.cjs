// The bins' start without NODE_EXTRA_CA_CERTS (docs/bundles.md, "The bins' first line").
//
// Node 20 reads the file NODE_EXTRA_CA_CERTS names as its process starts, before any JavaScript
// runs, and builds its whole root certificate store with it: ~50 ms of a 70 ms `node -e 0` on a
// machine whose every program has it set (sandboxes and CI machines that proxy TLS do). The hubs
// of spm-shell and spm-primes make no TLS connection, so each bin's first lines are a shell
// script as well as JavaScript: run as a program (`spm-shell …`, a bin of node_modules/.bin), `sh`
// moves the variable's value to DEFERRED_VARIABLE and execs `node` on the same file, which starts
// without it; `restore()`, the bin's first statement, puts it back into `process.env`, so that
// every program the hub starts (commands, spokes, a first-run build) gets the environment the
// user gave. Run as `node bin/…cjs`, the shell lines are a comment and nothing is deferred.
// CommonJS and synchronous, as the bins that require it.
'use strict';

/** Where the bins' shell line keeps NODE_EXTRA_CA_CERTS's value for the `node` it execs. */
const DEFERRED_VARIABLE = 'SPM_DEFERRED_NODE_EXTRA_CA_CERTS';

/** Puts NODE_EXTRA_CA_CERTS back as the user set it, when the bin's shell line deferred it. */
function restore() {
  const value = process.env[DEFERRED_VARIABLE];
  if (value === undefined) return;
  delete process.env[DEFERRED_VARIABLE];
  // Set by the user meanwhile (only by hand: the shell line unsets it): theirs stands.
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) process.env.NODE_EXTRA_CA_CERTS = value;
}

module.exports = { DEFERRED_VARIABLE, restore };
