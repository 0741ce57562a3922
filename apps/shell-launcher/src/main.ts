import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectories } from '@spm/coprocess';
import { configDirectories } from './profiles.js';
import { SPMError } from '@spm/exceptions';
import { GNU_PARALLEL_VERSION, OPTION_NAMES, parseShellArgs, USAGE, type ShellOptions } from './cli-options.js';
import { completionScript, completionShell } from './shell-completion.js';
import { maxCommandBytes } from './arg-packing.js';
import { cpuTopology } from './cpu-topology.js';
import { runShell, type ShellIO } from './run-shell.js';
import { runSemaphore } from './semaphore-mode.js';
import type { NotUtf8Argument } from './not-utf8-arguments.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * `--record-env`: the names of the variables in the environment, one a line, in `ignored_vars` of
 * the config directory (the first that exists of $PARALLEL_HOME, … ~/.parallel; else
 * ~/.parallel, made), as GNU parallel writes it for its `--env _`.
 */
function recordEnv(io: ShellIO): number {
  const home = process.env['HOME'] || '/tmp';
  const dir = configDirectories(process.env)[0] ?? join(home, '.parallel');
  const file = join(dir, 'ignored_vars');
  try {
    makeDirectories(dir);
    writeFileSync(file, Object.keys(process.env).map((name) => `${name}\n`).join(''));
  } catch (error) {
    io.stderr.write(`spm-shell: --record-env: cannot write \`${file}\`: ${(error as Error).message}\n`);
    return 255;
  }
  return 0;
}

/**
 * `spm-shell` as a function: parses `argv`, runs, and resolves with the exit status. Usage errors
 * are reported on `io.stderr` with exit status 255 (GNU parallel's "other error"). `notUtf8`: the
 * words of `argv` (by index) whose bytes are not UTF-8 (the bin reads them: not-utf8-arguments.ts).
 */
export async function main(argv: readonly string[], io: ShellIO, notUtf8?: ReadonlyMap<number, NotUtf8Argument>): Promise<number> {
  let options: ShellOptions;
  try {
    options = parseShellArgs(argv, undefined, { env: process.env }, notUtf8);
  } catch (error) {
    if (!(error instanceof SPMError)) throw error;
    io.stderr.write(`spm-shell: ${error.message}\nTry \`spm-shell --help\`.\n`);
    return 255;
  }
  io.onOptionsRead?.();
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (options.version) {
    io.stdout.write(`spm-shell ${version()}\n`);
    return 0;
  }
  if (options.minVersion !== undefined) {
    // GNU parallel's answer: its version, and whether it is at least the one asked for.
    io.stdout.write(`${GNU_PARALLEL_VERSION}\n`);
    return GNU_PARALLEL_VERSION >= options.minVersion ? 0 : 255;
  }
  if (options.shellCompletion !== undefined) {
    try {
      io.stdout.write(completionScript(options.shellCompletion === 'auto' ? completionShell(process.env['SHELL']) : options.shellCompletion, OPTION_NAMES));
    } catch (error) {
      if (!(error instanceof SPMError)) throw error;
      io.stderr.write(`spm-shell: ${error.message}\n`);
      return 255;
    }
    return 0;
  }
  if (options.recordEnv) return recordEnv(io);
  if (options.printMaxLength) {
    io.stdout.write(`${maxCommandBytes(options.slotVariable)}\n`);
    return 0;
  }
  if (options.count !== undefined) {
    io.stdout.write(`${cpuTopology()[options.count]}\n`);
    return 0;
  }
  if (options.showLimits) {
    // GNU parallel's words; the usable size is -s's with -X, -m, --xargs (else the most).
    const most = maxCommandBytes(options.slotVariable);
    io.stdout.write(
      `Maximal size of command: ${most}\nMaximal usable size of command: ${options.multiArgs !== undefined ? options.maxChars : most}\n\n` +
        'Execution will continue now, and it will try to read its input\nand run commands; if this is not what you wanted to happen, please\npress CTRL-D or CTRL-C\n',
    );
  }
  if (options.semaphore !== undefined) return runSemaphore(options, argv, io, runShell);
  return runShell(options, io);
}
