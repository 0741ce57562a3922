import { spawn, type ChildProcess } from 'node:child_process';
import { onAbort } from './run-bench.js';

/** The line prefix a measuring child prints its JSON result after. */
const RESULT_PREFIX = 'BENCH-RESULT ';

/** Why a measuring child gave no result: it crashed, timed out, or printed none. */
export class ChildFailure extends Error {
  /** The child's exit code (null when it was killed by a signal). */
  readonly exitCode: number | null;
  /** The last lines of its stderr (up to 20). */
  readonly stderrTail: string;

  constructor(message: string, exitCode: number | null, stderrTail: string) {
    super(message);
    this.name = 'ChildFailure';
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** Options of {@link runChild}. */
export interface RunChildOptions {
  /** The child is SIGKILLed (its process group with it) past this. */
  readonly timeoutMs: number;
  /** Extra Node options, e.g. `--cpu-prof`. @default [] */
  readonly execArgv?: readonly string[];
  /** Extra environment. @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs `script` in a fresh Node process with `input` as JSON in argv[2], and resolves with the
 * result it prints through {@link sendResult}. Each measurement gets its own process so that
 * one subject's heap, JIT state or crash does not leak into the next. The child leads its own
 * process group; on timeout, and when the benchmark is interrupted or fails (see `runBench`),
 * the whole group is killed (its process spokes lead groups of their own, and exit when the
 * channel to their hub closes).
 */
export function runChild<T>(script: string, input: unknown, options: RunChildOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.execArgv ?? []), script, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);
    const unregister = onAbort(() => killGroup(child));
    child.once('error', (error) => {
      clearTimeout(timer);
      unregister();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      const tail = stderr.trim().split('\n').slice(-20).join('\n');
      const why = tail === '' ? '' : ` (stderr: ${errorLine(tail)})`;
      if (timedOut) reject(new ChildFailure(`timed out after ${options.timeoutMs} ms${why}`, code, tail));
      else if (code !== 0 || line === undefined) reject(new ChildFailure(`${code !== 0 ? `exited with ${signal ?? `code ${String(code)}`}` : 'printed no result'}${why}`, code, tail));
      else resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}

/** SIGKILLs `child`'s process group (it leads one), else the child alone. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The line of a failure's stderr that states its error (`TypeError: …`), else its last line (see {@link errorLine}). */
export function failureLine(failure: ChildFailure): string {
  return errorLine(failure.stderrTail);
}

/**
 * The line of `text` (a crashed Node process's stderr) that states the error: the first that
 * starts with an error's name and a colon (`TypeError: boom`, `SPMTaskError [SPM_…]: …`), else
 * the line after Node's caret line (`    ^`), else the last line. Not merely the first line
 * holding `Error`: Node's crash dump prints the throwing source line first
 * (`throw new Error(\`…\`);`).
 */
export function errorLine(text: string): string {
  const lines = text.split('\n');
  const named = lines.find((l) => /^\s*(?:Uncaught\s+)?(?:\w*Error|SPM\w+)\b[^:]*:/.test(l));
  if (named !== undefined) return named.trim();
  const caret = lines.findIndex((l) => /^\s*\^+\s*$/.test(l));
  const afterCaret = caret < 0 ? undefined : lines.slice(caret + 1).find((l) => l.trim() !== '');
  return (afterCaret ?? lines.at(-1) ?? '').trim();
}

/** The child side: prints `result` for {@link runChild}. */
export function sendResult(result: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** The child side: the JSON input {@link runChild} passed in argv[2]. */
export function readInput<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('Expected the benchmark input as JSON in argv[2], got nothing');
  return JSON.parse(raw) as T;
}
