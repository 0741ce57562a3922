import { closeSync, constants, fstatSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import type { VirtualCloud } from '@spm/tracker';
import { discardPrestartedThreads, prestartThreadSpokes } from '@spm/tracker/prestart';
import { split } from './buckets.js';
import type { PrimeOptions } from './options.js';

/** The outcome of one run (what `--json` prints). */
export interface PrimeResult {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly buckets: number;
  /** How the range was split (`cost` or `width`). */
  readonly split: string;
  /** Buckets queued on a spoke ahead of the one it counts. */
  readonly prefetch: number;
  /**
   * Local spokes started: `--spokes`, at most one per bucket, less any that failed to start. The
   * run used those ready in time.
   */
  readonly spokes: number;
  /** Spokes that reported at least one bucket (fewer on a small run, or a one-per-server pool). */
  readonly spokesUsed: number;
  readonly transport: string;
  readonly pool: string;
  readonly wallMs: number;
  /** Buckets that failed (timed out, lost): the count is then incomplete. */
  readonly failedBuckets: number;
  /** Why `--trace` could not be written at the end, if it could not (the count stands). */
  readonly traceError?: string;
  /**
   * Why the run ended before every bucket was counted (every spoke lost, none could start):
   * the count is of the buckets that reported, the others are in `failedBuckets`.
   */
  readonly error?: string;
}

/** A valid trace with nothing in it. */
const EMPTY_TRACE = '{"traceEvents":[]}\n';

/** Resolves after one turn of the event loop: a signal that came while it was blocked is delivered by then. */
function oneTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether `path` names this process's stdout (`/dev/stdout`, the file stdout was redirected to). */
function isStdout(path: string): boolean {
  try {
    const [file, stdout] = [statSync(path), fstatSync(1)];
    return file.dev === stdout.dev && file.ino === stdout.ino;
  } catch {
    return false;
  }
}

/** `--trace` names a file that cannot be written: thrown before any spoke starts (exit status 1). */
export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
}

/** The signals that end spm-primes at once (their default action): a `--trace` is written first. */
const TRACE_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Counts the primes of the range on a virtual cloud of local spokes; `out` gets the seed's lines
 * unless `--json`. `signal` stops the run (the bin's stdout failed): running buckets are killed,
 * the rest are dropped without a word, the spokes are closed, and the promise rejects.
 */
export async function runPrimes(options: PrimeOptions, out: (line: string) => void, err: (line: string) => void, signal?: AbortSignal): Promise<PrimeResult> {
  const started = Date.now();
  // A trace that cannot be written is said now, before any spoke starts, not after the count. A
  // FIFO waits for its reader first (where a signal is heard: its open would wait deaf), and is
  // held open to the end, where the trace is written to it.
  let traceFd: number | undefined;
  // Ctrl-C (or SIGTERM, SIGHUP) ends the process at once, as it always has; with --trace, what
  // ran so far is written first (an empty trace before the run began), and the signal is then
  // raised again with its default action: the exit status stays 128 + its number. Listened for
  // from the moment the trace is opened (a FIFO's reader got nothing at all when a signal came
  // before) until it has been written at the end; `on`, not `once`: a second signal during the
  // write would otherwise get the default action and leave the file cut short or empty.
  let writeTraceNow: () => void = () => undefined;
  let traceDone = false;
  const onSignal = (name: NodeJS.Signals): void => {
    if (!traceDone) {
      traceDone = true;
      try {
        writeTraceNow();
      } catch {
        // the file cannot be written: nothing more to do on the way out
      }
    }
    removeSignalHandlers();
    process.kill(process.pid, name);
  };
  const removeSignalHandlers = (): void => {
    for (const name of TRACE_SIGNALS) process.off(name, onSignal);
  };
  if (options.trace !== undefined) {
    const file = options.trace;
    // (`-` is refused as an option; this is `/dev/stdout`, or the file stdout goes to.)
    if (isStdout(file)) throw new TraceFileError(`cannot write the trace to \`${file}\`: it is this run's stdout, where the count${options.json ? ' (--json)' : ''} goes`);
    // Listened for from before the FIFO's reader is waited for: the probe that finds the reader
    // lets its open return. A signal then gives it an empty trace if it is still there (without
    // one — Ctrl-C during the wait — the open fails, and the signal ends the run as before).
    writeTraceNow = () => {
      if (!statSync(file).isFIFO()) return;
      const fd = openSync(file, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, EMPTY_TRACE);
      } finally {
        closeSync(fd);
      }
    };
    for (const name of TRACE_SIGNALS) process.on(name, onSignal);
    try {
      const { waitForFifoReaders } = await import('@spm/closure-core');
      const probes = await waitForFifoReaders([{ path: file, what: '--trace' }], {
        ...(signal !== undefined ? { signal } : {}),
        onWait: () => err(`spm-primes: waiting for a reader of the FIFO \`${file}\` (--trace) before starting`),
      });
      try {
        signal?.throwIfAborted();
        if (probes.fifos.has(file)) {
          const fd = openSync(file, 'w');
          traceFd = fd;
          writeTraceNow = () => void writeSync(fd, EMPTY_TRACE);
        } else {
          writeFileSync(file, EMPTY_TRACE); // valid, and empty until the run writes it
          writeTraceNow = () => undefined;
        }
      } catch (error) {
        if (signal?.aborted === true) throw error;
        throw new TraceFileError(`cannot write the trace \`${file}\`: ${(error as Error).message}`);
      } finally {
        probes.release();
      }
    } catch (error) {
      removeSignalHandlers();
      throw error;
    }
  }
  // Start-up is on the critical path of a whole run. Thread spokes start first, before the
  // runtime loads (prestartThreadSpokes: the provisioner adopts them); then the tracker loads
  // and launches the spokes (adopting those), and the rest (the closure's module, the manager)
  // loads while they boot. The manager starts on the first spoke that greets the hub; the
  // others join as they come.
  // Each spoke imports the closure's module as it boots (the same module the hub imports below).
  const preload = [new URL('./prime-closure.js', import.meta.url).href];
  // No more spokes than buckets: a spoke with nothing to count would only cost its start-up
  // (500 thread spokes for 10 buckets took 19 s to start and close).
  const buckets = options.max > options.min ? options.buckets : 1;
  let spokes = Math.min(options.spokes, buckets);
  if (options.transport === 'thread') prestartThreadSpokes(spokes, { preload });
  let cloud: VirtualCloud;
  try {
    const { VirtualCloud } = await import('@spm/tracker');
    cloud = await VirtualCloud.start({ local: { kind: options.transport, spokes, preload }, waitForSpokes: 'none' });
  } catch (error) {
    await discardPrestartedThreads();
    removeSignalHandlers();
    if (traceFd !== undefined) closeSync(traceFd);
    throw error;
  }
  cloud.tracker.on('spoke-failed', () => (spokes -= 1));
  let count = 0;
  let failed = 0;
  let counted = 0;
  const used = new Set<string>();
  let stopTrace: (() => void) | undefined;
  let writeTrace: (() => void) | undefined;
  let traceError: string | undefined;
  let runError: string | undefined;
  try {
    const [{ ChromeTrace, definePolicy, formatMetaStatus }, { after }, { primeCount }] = await Promise.all([import('@spm/closure-core'), import('@spm/typedef'), import('./prime-closure.js')]);
    if (options.trace !== undefined) {
      const file = options.trace;
      const trace = new ChromeTrace('spm-primes hub');
      stopTrace = trace.attach(primeCount, (report) => {
        const task = report.record as { nMin?: number; nMax?: number };
        return { name: `bucket [${String(task.nMin)}, ${String(task.nMax)})`, args: report.ok ? { primes: report.value as number } : { error: report.error?.message ?? 'failed' } };
      });
      writeTrace = () => trace.write(traceFd ?? file);
      writeTraceNow = writeTrace;
    }
    const tasks = split(options.split, options.min, options.max, buckets).map((bucket) => ({
      ...bucket,
      ...(options.taskTimeoutSeconds !== undefined ? { spm: { meta: { timeout: after({ seconds: options.taskTimeoutSeconds }) } } } : {}),
    }));
    await primeCount.manage({
      pool: cloud.pool[options.pool](),
      tasks,
      policy: definePolicy({ name: `spm-primes (prefetch ${options.prefetch})`, prefetch: options.prefetch }),
      timeoutWaitForSpokes: after({ seconds: 30 }),
      signal,
      onMetaStatus: (status) => {
        if (!options.json) out(formatMetaStatus(status));
      },
      onStatus: (report) => {
        // Stopped on purpose: the buckets dropped are not failures to report.
        if (signal?.aborted === true) return;
        if (report.spokeId !== undefined) used.add(report.spokeId);
        if (report.ok) {
          counted += 1;
          count += report.value as number;
          if (!options.json) out(` --> Rolling count of (# of prime numbers) :: ${count}`);
        } else {
          failed += 1;
          err(`spm-primes: bucket ${String(report.taskId)} failed: ${report.error?.message ?? 'unknown error'}`);
        }
      },
    });
  } catch (error) {
    // Stopped on purpose (stdout failed): said by the bin. Otherwise the run could not go on
    // (every spoke lost, none could start): the count of what reported stands, marked incomplete.
    if (signal?.aborted === true) throw error;
    runError = (error as Error).message;
  } finally {
    // A signal that came while the loop was blocked (a bucket counted in this thread, inproc)
    // is delivered now, while it is still listened for: it used to be dropped, and the run
    // ended 0 as if never interrupted.
    await oneTurn();
    stopTrace?.();
    try {
      if (!traceDone) {
        traceDone = true;
        writeTrace?.();
      }
    } catch (error) {
      traceError = `cannot write the trace \`${String(options.trace)}\`: ${(error as Error).message}`;
      err(`spm-primes: ${traceError}`);
    } finally {
      if (traceFd !== undefined) closeSync(traceFd);
    }
    // (One written while the trace was: heard now, the trace whole.)
    await oneTurn();
    removeSignalHandlers();
    // Whatever happened above: the spokes are closed, or the process would not end.
    await cloud.close();
  }
  return {
    count,
    min: options.min,
    max: options.max,
    buckets,
    split: options.split,
    prefetch: options.prefetch,
    spokes,
    spokesUsed: used.size,
    transport: options.transport,
    pool: options.pool,
    wallMs: Date.now() - started,
    // Every bucket that did not report a count: failed, or never run when the run could not go on.
    failedBuckets: runError === undefined ? failed : buckets - counted,
    ...(traceError === undefined ? {} : { traceError }),
    ...(runError === undefined ? {} : { error: runError }),
  };
}
