import { ChromeTrace, formatMetaStatus } from '@spm/closure-core';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { split } from './buckets.js';
import type { PrimeOptions } from './options.js';
import { primeCount } from './prime-closure.js';

/** The outcome of one run (what `--json` prints). */
export interface PrimeResult {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly buckets: number;
  /** How the range was split (`cost` or `width`). */
  readonly split: string;
  readonly spokes: number;
  readonly transport: string;
  readonly pool: string;
  readonly wallMs: number;
  /** Buckets that failed (timed out, lost): the count is then incomplete. */
  readonly failedBuckets: number;
}

/** Counts the primes of the range on a virtual cloud of local spokes; `out` gets the seed's lines unless `--json`. */
export async function runPrimes(options: PrimeOptions, out: (line: string) => void, err: (line: string) => void): Promise<PrimeResult> {
  const started = Date.now();
  const cloud = await VirtualCloud.start({ local: { kind: options.transport, spokes: options.spokes } });
  const trace = options.trace === undefined ? undefined : new ChromeTrace('spm-primes hub');
  const stopTrace = trace?.attach(primeCount, (report) => {
    const task = report.record as { nMin?: number; nMax?: number };
    return { name: `bucket [${String(task.nMin)}, ${String(task.nMax)})`, args: report.ok ? { primes: report.value as number } : { error: report.error?.message ?? 'failed' } };
  });
  let count = 0;
  let failed = 0;
  let spokes = 0;
  try {
    const tasks = split(options.split, options.min, options.max, options.max > options.min ? options.buckets : 1).map((bucket) => ({
      ...bucket,
      ...(options.taskTimeoutSeconds !== undefined ? { spm: { meta: { timeout: after({ seconds: options.taskTimeoutSeconds }) } } } : {}),
    }));
    const summary = await primeCount.manage({
      pool: cloud.pool[options.pool](),
      tasks,
      timeoutWaitForSpokes: after({ seconds: 30 }),
      onMetaStatus: (status) => {
        if (!options.json) out(formatMetaStatus(status));
      },
      onStatus: (report) => {
        if (report.ok) {
          count += report.value as number;
          if (!options.json) out(` --> Rolling count of (# of prime numbers) :: ${count}`);
        } else {
          failed += 1;
          err(`spm-primes: bucket ${String(report.taskId)} failed: ${report.error?.message ?? 'unknown error'}`);
        }
      },
    });
    spokes = summary.spokes;
  } finally {
    stopTrace?.();
    if (trace !== undefined && options.trace !== undefined) trace.write(options.trace);
    await cloud.close();
  }
  return {
    count,
    min: options.min,
    max: options.max,
    buckets: options.max > options.min ? options.buckets : 1,
    split: options.split,
    spokes,
    transport: options.transport,
    pool: options.pool,
    wallMs: Date.now() - started,
    failedBuckets: failed,
  };
}
