// One throughput measurement in its own process (see internal/run-child.ts): argv[2] is a
// ThroughputInput; prints a RateResult. Hub (or pool owner) and workers start fresh here, and
// a peer's process loads no spm code (nor the spm subjects a peer library).
import { measureRate, type MeasureOptions, type RateResult } from '../internal/measure-rate.js';
import { readInput, sendResult } from '../internal/run-child.js';
import type { Subject, ThroughputInput } from '../internal/subject.js';

async function measureSpm(subject: Extract<Subject, { type: 'spm' }>, options: MeasureOptions): Promise<RateResult> {
  const [{ startBenchCloud }, { prefetchPolicy, runNoopList }, { noopList }] = await Promise.all([
    import('../internal/bench-cloud.js'),
    import('../internal/noop-list-run.js'),
    import('./noop-closure.js'),
  ]);
  const bench = await startBenchCloud(subject.spokeKind, subject.spokes);
  try {
    const policy = prefetchPolicy(subject.prefetch);
    return await measureRate(async (count) => {
      const run = await runNoopList(bench, noopList, count, policy);
      // A rate only counts if every task was reported, and reported ok.
      if (run.reports !== count || run.ok !== count) throw new Error(`expected ${count} ok reports, got ${run.reports} reports, ${run.ok} ok`);
    }, options);
  } finally {
    await bench.close();
  }
}

async function measurePeer(subject: Extract<Subject, { type: 'peer' }>, options: MeasureOptions, window: number): Promise<RateResult> {
  const { openPeerPool, runPeerTasks } = await import('../internal/peer-pool.js');
  const pool = openPeerPool(subject.peer);
  try {
    return await measureRate((count) => runPeerTasks(pool, count, window), options);
  } finally {
    await pool.close();
  }
}

const input = readInput<ThroughputInput>();
const options: MeasureOptions = { tasks: input.tasks, runs: input.runs, warmupTasks: input.warmupTasks };
sendResult(input.subject.type === 'spm' ? await measureSpm(input.subject, options) : await measurePeer(input.subject, options, input.window));
