// The 1,000,000-task memory benchmark: streams no-op tasks from a generator into the coarse
// list on 2 spokes and reports the hub's peak memory and wall time, beside the same for
// 10,000 and 100,000 tasks, each in a fresh process, to show it does not grow with the count.
// Exits non-zero unless every run delivered one ok report per task.
// Run: `npx nx run @spm/bench:memory`. BENCH_KIND (process|thread|tcp, default process),
// BENCH_SIZES (default 10000,100000,1000000), BENCH_PREFETCH (default: policyA's); a value
// outside these is refused before anything runs (exit 2). Ctrl-C kills the measuring child.
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { BenchSpokeKind } from './internal/bench-cloud.js';
import { formatRate, formatTable } from './internal/format-table.js';
import { isComplete, type MemoryInput, type MemoryResult } from './internal/memory-run.js';
import { formatMiB } from './internal/memory-sampler.js';
import { envChoice, envInteger, envIntegers, readKnobs } from './internal/knobs.js';
import { runBench } from './internal/run-bench.js';
import { ChildFailure, runChild } from './internal/run-child.js';

const { KIND, SIZES, PREFETCH } = readKnobs(() => ({
  KIND: envChoice<BenchSpokeKind>('BENCH_KIND', ['process', 'thread', 'tcp'], 'process'),
  SIZES: envIntegers('BENCH_SIZES', [10_000, 100_000, 1_000_000], 1),
  PREFETCH: process.env['BENCH_PREFETCH'] === undefined ? undefined : envInteger('BENCH_PREFETCH', 0, 0),
}));
const SAMPLE_MS = 20;
const SUBJECT = fileURLToPath(new URL('./entries/memory-subject.js', import.meta.url));

async function main(): Promise<number> {
  const load = loadavg()[0]?.toFixed(2);
  const rows: string[][] = [['tasks', 'reports ok', 'wall s', 'tasks/s', 'RSS before MiB', 'peak RSS MiB', 'peak heapUsed MiB', 'peak heapTotal MiB', 'peak arrayBuffers MiB', 'heapUsed before/after GC MiB', 'samples']];
  /** Runs that concluded with fewer ok reports than tasks, and runs that gave no result at all. */
  let incomplete = 0;
  let failed = 0;
  let policy = '';
  for (const tasks of SIZES) {
    process.stderr.write(`${tasks.toLocaleString('en-US')} tasks on 2 ${KIND} spokes…\n`);
    const input: MemoryInput = { spokeKind: KIND, spokes: 2, tasks, sampleMs: SAMPLE_MS, ...(PREFETCH !== undefined ? { prefetch: PREFETCH } : {}) };
    try {
      const r = await runChild<MemoryResult>(SUBJECT, input, { timeoutMs: 15 * 60_000, execArgv: ['--expose-gc'] });
      policy = `${r.policy} (prefetch ${r.prefetch})`;
      if (!isComplete(r)) incomplete += 1;
      rows.push([
        tasks.toLocaleString('en-US'),
        `${r.ok.toLocaleString('en-US')}/${r.reports.toLocaleString('en-US')}${isComplete(r) ? '' : ' INCOMPLETE'}`,
        (r.wallMs / 1000).toFixed(1),
        formatRate(tasks / (r.wallMs / 1000)),
        formatMiB(r.baseline.rss),
        formatMiB(r.peak.rss),
        formatMiB(r.peak.heapUsed),
        formatMiB(r.peak.heapTotal),
        formatMiB(r.peak.arrayBuffers),
        `${formatMiB(r.baseline.heapUsed)} / ${formatMiB(r.after.heapUsed)}`,
        String(r.peak.samples),
      ]);
    } catch (error) {
      failed += 1;
      const detail = error instanceof ChildFailure ? `${error.message}\n${error.stderrTail}` : String(error);
      rows.push([tasks.toLocaleString('en-US'), `failed: ${detail.split('\n')[0] ?? ''}`]);
      process.stderr.write(`${detail}\n`);
    }
  }
  process.stdout.write(
    `spm-ts hub memory under a streamed no-op list — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
      `load ${load} at start, ${loadavg()[0]?.toFixed(2)} at end\n` +
      `2 ${KIND} spokes, ${policy}, tasks from a generator, hub memory sampled every ${SAMPLE_MS} ms (before/after: after a full GC), each size in a fresh process\n\n${formatTable(rows)}\n`,
  );
  if (incomplete > 0) process.stdout.write(`\n${incomplete} run(s) did not deliver one ok report per task\n`);
  if (failed > 0) process.stdout.write(`\n${failed} run(s) failed before reporting (see stderr)\n`);
  return incomplete + failed === 0 ? 0 : 1;
}

runBench(main);
