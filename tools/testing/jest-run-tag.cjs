// Jest globalSetup of the leftover-process check (see src/jest-leftover-check.ts): tags this
// Jest run in the environment, before its workers start, so every process a test starts
// inherits the tag. A process whose parent died is re-parented out of the test's process tree,
// but its environment still names the run that started it.
// Plain CommonJS: it runs in Jest's own process, outside the test sandbox (whose
// `process.env` is a copy that child processes never see).
const { randomBytes } = require('node:crypto');

module.exports = function tagJestRun() {
  process.env.SPM_TEST_RUN = randomBytes(8).toString('hex');
  // spm-shell's commands (and GNU parallel's, in its compatibility spec) run in the shell that
  // started them unless $PARALLEL_SHELL says: the same one, /bin/sh, whatever shell runs the
  // tests. The specs of that choice set their own.
  process.env.PARALLEL_SHELL = '/bin/sh';
};
