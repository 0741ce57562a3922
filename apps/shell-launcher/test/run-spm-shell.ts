// Drives the built `spm-shell` bin as a user would: a child process with real commands.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled bin, what `npx spm-shell` runs (tests depend on the `bundle` target). */
export const BIN = fileURLToPath(new URL('../bundle/bin/spm-shell.js', import.meta.url));

/** Environment variable every process of one run inherits (hub, spokes, watchdogs, commands). */
export const MARK_VARIABLE = 'SPM_SHELL_TEST_MARK';

export interface BinResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface BinOptions {
  /** Written to stdin, then stdin is closed (else stdin is empty). */
  readonly input?: string | Buffer;
  readonly cwd?: string;
  /** The run's mark (see {@link MARK_VARIABLE}). */
  readonly mark: string;
  readonly env?: Readonly<Record<string, string>>;
  /** The bound: past it the bin is SIGKILLed and the promise rejects. */
  readonly timeoutMs?: number;
  /** The bin's stdout / stderr: an open file descriptor (of `/dev/full`, say) instead of a pipe (then read as ''). */
  readonly stdoutFd?: number;
  readonly stderrFd?: number;
  /** Called once the bin was spawned (to signal it, to read its output as it comes). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Node's own options, before the bin's path on its command line (`node --no-warnings BIN …`). */
  readonly nodeOptions?: readonly string[];
}

/**
 * Runs `spm-shell args…` to its exit. An argument given as bytes is passed as those bytes (not
 * UTF-8, say, as a file name may be): the bin is then started by `/bin/sh`, whose `printf` makes them.
 */
export function runSpmShell(args: readonly (string | Uint8Array)[], options: BinOptions): Promise<BinResult> {
  const node = [...(options.nodeOptions ?? []), BIN];
  const strings = args.filter((arg) => typeof arg === 'string');
  const [file, argv] = strings.length === args.length ? [process.execPath, [...node, ...strings]] : ['/bin/sh', ['-c', bytesScript(args), 'sh', process.execPath, ...node]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: options.cwd,
      // (A $PARALLEL of the one running the tests would add options; a test gives its own.)
      env: { ...process.env, PARALLEL: undefined, ...options.env, [MARK_VARIABLE]: options.mark },
      stdio: ['pipe', options.stdoutFd ?? 'pipe', options.stderrFd ?? 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spm-shell ${args.map(String).join(' ')} ran past ${options.timeoutMs ?? 40_000} ms; stderr so far:\n${stderr}`));
    }, options.timeoutMs ?? 40_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

/**
 * A `sh -c` script that runs `"$@"` with `args` appended as bytes: each made by `printf` from
 * octal escapes (an `x` after it, taken off, keeps the newlines a command substitution drops).
 */
function bytesScript(args: readonly (string | Uint8Array)[]): string {
  const escaped = (arg: string | Uint8Array): string => [...(typeof arg === 'string' ? Buffer.from(arg) : arg)].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('');
  return [...args.map((arg) => `a=$(printf '${escaped(arg)}x'); set -- "$@" "\${a%x}"`), 'exec "$@"'].join('\n');
}

function isZombie(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true; // gone
  }
}

/**
 * Live processes (zombies count as gone) whose environment carries `mark` in
 * {@link MARK_VARIABLE}, or whose command line contains `cmdlineMark`: "cmdline" for each.
 */
export function leftovers(mark: string, cmdlineMark?: string): string[] {
  const found: string[] = [];
  const needle = `${MARK_VARIABLE}=${mark}\0`;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const hasMark = `${readFileSync(`/proc/${pid}/environ`, 'utf8')}\0`.includes(needle);
      if ((hasMark || (cmdlineMark !== undefined && cmdline.includes(cmdlineMark))) && !isZombie(pid)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Rows of a GNU parallel joblog (header dropped), split into columns. */
export function joblogRows(text: string): string[][] {
  const [header, ...rows] = text.trimEnd().split('\n');
  if (header !== 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand') throw new Error(`Not a joblog header: ${String(header)}`);
  return rows.map((row) => row.split('\t'));
}

/** The job log at `path`'s Seq and Exitval of each row, in Seq order (rows are written as jobs end). */
export function exitvalsBySeq(path: string): string[][] {
  return joblogRows(readFileSync(path, 'utf8'))
    .map((row) => [row[0] as string, row[6] as string])
    .sort(([a], [b]) => Number(a) - Number(b));
}

/** Every file under `root` with its contents (UTF-8), by path relative to it. */
export function fileTree(root: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [path.slice(root.length + 1), readFileSync(path, 'utf8')];
      }),
  );
}
