// One throughput measurement in its own process (see internal/run-child.ts): argv[2] is a
// ThroughputInput; prints a RateResult. Hub (or pool owner) and workers start fresh here.
import { measureRate } from '../internal/measure-rate.js';
import { startBenchCloud } from '../internal/bench-cloud.js';
import { prefetchPolicy, runNoopList } from '../internal/noop-list-run.js';
import { openPeerPool, runPeerTasks } from '../internal/peer-pool.js';
import { readInput, sendResult } from '../internal/run-child.js';
import type { ThroughputInput } from '../internal/subject.js';
import { noopList } from './noop-closure.js';

const input = readInput<ThroughputInput>();
const { subject } = input;
const options = { tasks: input.tasks, runs: input.runs, warmupTasks: input.warmupTasks };

if (subject.type === 'spm') {
  const bench = await startBenchCloud(subject.spokeKind, subject.spokes);
  try {
    const policy = prefetchPolicy(subject.prefetch);
    const result = await measureRate(async (count) => {
      const run = await runNoopList(bench, noopList, count, policy);
      // A rate only counts if every task was reported, and reported ok.
      if (run.reports !== count || run.ok !== count) throw new Error(`expected ${count} ok reports, got ${run.reports} reports, ${run.ok} ok`);
    }, options);
    sendResult(result);
  } finally {
    await bench.close();
  }
} else {
  const pool = openPeerPool(subject.peer);
  try {
    sendResult(await measureRate((count) => runPeerTasks(pool, count, input.window), options));
  } finally {
    await pool.close();
  }
}
