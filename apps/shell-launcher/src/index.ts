/**
 * @spm/shell-launcher — the `spm-shell` app: GNU-parallel-like launching of shell commands over
 * spm-ts spokes, with hard per-command timeouts, retries, halting rules, a joblog, JSON output,
 * a progress bar and a Chrome trace. The bin is `spm-shell`; these exports run it from code.
 * @packageDocumentation
 */
export { main } from './main.js';
export { runShell, type ShellIO } from './run-shell.js';
export { parseShellArgs, USAGE, type ShellOptions } from './cli-options.js';
export { parseHalt, type HaltRule } from './halt-rule.js';
export { fillTemplate, shellQuote } from './command-template.js';
export { formatJoblogRow, JOBLOG_HEADER } from './joblog.js';
export { type JsonJob } from './json-line.js';
export { ChromeTrace, type TraceEvent, type TraceSpan, type TraceSource } from './chrome-trace.js';
export { shellCommand, type ShellTask, type ShellResult } from './shell-closure.js';
