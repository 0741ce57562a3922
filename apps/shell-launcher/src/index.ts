/**
 * @spm/shell-launcher — the `spm-shell` app: GNU-parallel-like launching of shell commands over
 * spm-ts spokes, with hard per-command timeouts, retries, halting rules, a joblog, JSON output,
 * a progress bar and a Chrome trace. The bin is `spm-shell`; these exports run it from code.
 * @packageDocumentation
 */
export { main } from './main.js';
export { runShell, type ShellIO } from './run-shell.js';
export { parseShellArgs, type InputSource, type ShellOptions } from './cli-options.js';
export { type JsonJob } from './json-line.js';
export { shellCommand, type ShellCommand, type ShellTask, type ShellResult } from './shell-closure.js';
