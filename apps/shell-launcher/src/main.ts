import { readFileSync } from 'node:fs';
import { SPMError } from '@spm/exceptions';
import { parseShellArgs, USAGE, type ShellOptions } from './cli-options.js';
import { maxCommandBytes } from './arg-packing.js';
import { cpuTopology } from './cpu-topology.js';
import { runShell, type ShellIO } from './run-shell.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * `spm-shell` as a function: parses `argv`, runs, and resolves with the exit status. Usage errors
 * are reported on `io.stderr` with exit status 255 (GNU parallel's "other error").
 */
export async function main(argv: readonly string[], io: ShellIO): Promise<number> {
  let options: ShellOptions;
  try {
    options = parseShellArgs(argv, undefined, { env: process.env });
  } catch (error) {
    if (!(error instanceof SPMError)) throw error;
    io.stderr.write(`spm-shell: ${error.message}\nTry \`spm-shell --help\`.\n`);
    return 255;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (options.version) {
    io.stdout.write(`spm-shell ${version()}\n`);
    return 0;
  }
  if (options.printMaxLength) {
    io.stdout.write(`${maxCommandBytes(options.slotVariable)}\n`);
    return 0;
  }
  if (options.count !== undefined) {
    io.stdout.write(`${cpuTopology()[options.count]}\n`);
    return 0;
  }
  return runShell(options, io);
}
