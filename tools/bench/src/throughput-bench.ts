// The task-manager throughput benchmark: no-op tasks per second of the spm coarse list on
// thread, process and TCP spokes (prefetch swept), beside Piscina (concurrentTasksPerWorker
// swept), tinypool and workerpool, all with 2 workers, in one run; prints every curve and each
// subject's best as a ratio to Piscina's best. Run: `npx nx run @spm/bench:throughput`.
// BENCH_TASKS (default 20000), BENCH_RUNS (5), BENCH_WORKERS (2) change the shape (integers ≥ 1:
// another value is refused before anything runs, exit 2). Ctrl-C kills the measuring child.
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { formatRate, formatTable } from './internal/format-table.js';
import { envInteger, readKnobs } from './internal/knobs.js';
import type { RateResult } from './internal/measure-rate.js';
import { runBench } from './internal/run-bench.js';
import { ChildFailure, runChild } from './internal/run-child.js';
import { subjectName, subjectSetting, type Subject, type ThroughputInput } from './internal/subject.js';

const { TASKS, RUNS, WORKERS } = readKnobs(() => ({
  TASKS: envInteger('BENCH_TASKS', 20_000, 1),
  RUNS: envInteger('BENCH_RUNS', 5, 1),
  WORKERS: envInteger('BENCH_WORKERS', 2, 1),
}));
/** A setting whose process crashes is tried this many times in all before it is reported failed. */
const ATTEMPTS = 2;
/**
 * …and this many times, a few seconds apart, when it could not even load: a concurrent rebuild
 * in a shared work tree can briefly remove a package's dist/ from under a starting process.
 */
const LOAD_ATTEMPTS = 5;
const RETRY_PAUSE_MS = 3000;
const PREFETCH = [0, 2, 8, 32, 128];
const CONCURRENT_TASKS_PER_WORKER = [1, 2, 4, 8, 16, 32];
/** Peers get this many tasks submitted ahead; they queue the rest themselves. */
const WINDOW = 1024;
const SUBJECT = fileURLToPath(new URL('./entries/throughput-subject.js', import.meta.url));

/** The goal of each spm subject, as a multiple of Piscina's best (the acceptance figures). */
const GOALS: Readonly<Record<string, number>> = { 'spm list (thread)': 2, 'spm list (process)': 1, 'spm list (tcp)': 1 };

// One group per subject; the groups' settings are interleaved so that every subject sees the
// same drift of this shared machine's load.
const groups: Subject[][] = [
  CONCURRENT_TASKS_PER_WORKER.map((c) => ({ type: 'peer', peer: { library: 'piscina', workers: WORKERS, concurrentTasksPerWorker: c } })),
  ...(['thread', 'process', 'tcp'] as const).map((spokeKind) => PREFETCH.map((prefetch): Subject => ({ type: 'spm', spokeKind, spokes: WORKERS, prefetch }))),
  [{ type: 'peer', peer: { library: 'tinypool', workers: WORKERS } }],
  [{ type: 'peer', peer: { library: 'workerpool', workers: WORKERS } }],
  [{ type: 'peer', peer: { library: 'tinypool', workers: WORKERS, runtime: 'process' } }],
  [{ type: 'peer', peer: { library: 'workerpool', workers: WORKERS, runtime: 'process' } }],
];

interface Point {
  readonly subject: Subject;
  readonly result: RateResult | undefined;
  readonly failures: readonly string[];
}

function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) out.push(list[i] as T);
  return out;
}

async function measure(subject: Subject): Promise<Point> {
  const input: ThroughputInput = { subject, tasks: TASKS, runs: RUNS, warmupTasks: Math.ceil(TASKS / 4), window: WINDOW };
  const failures: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return { subject, result: await runChild<RateResult>(SUBJECT, input, { timeoutMs: 120_000 }), failures };
    } catch (error) {
      const detail = error instanceof ChildFailure ? error.message : String(error);
      failures.push(detail);
      process.stderr.write(`  ${subjectName(subject)}, ${subjectSetting(subject)}: attempt ${attempt} failed: ${detail}\n`);
      if (error instanceof ChildFailure) process.stderr.write(`${error.stderrTail.replace(/^/gm, '    | ')}\n`);
      const notLoaded = detail.includes('ERR_MODULE_NOT_FOUND');
      if (attempt >= (notLoaded ? LOAD_ATTEMPTS : ATTEMPTS)) return { subject, result: undefined, failures };
      if (notLoaded) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }
}

async function main(): Promise<void> {
  const load = loadavg()[0]?.toFixed(2);
  const started = Date.now();
  const points: Point[] = [];
  const order = interleave(groups);
  for (const [i, subject] of order.entries()) {
    process.stderr.write(`[${i + 1}/${order.length}] ${subjectName(subject)}, ${subjectSetting(subject)}\n`);
    points.push(await measure(subject));
  }
  const bestOf = (name: string): Point | undefined =>
    points.filter((p) => subjectName(p.subject) === name && p.result !== undefined).sort((a, b) => (b.result?.best ?? 0) - (a.result?.best ?? 0))[0];
  const piscina = bestOf('piscina')?.result?.best ?? NaN;

  process.stdout.write(
    `spm-ts task-manager throughput — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
      `load ${load} at start, ${loadavg()[0]?.toFixed(2)} at end, ${Math.round((Date.now() - started) / 1000)} s\n` +
      `${WORKERS} spokes/workers, no-op tasks; best of ${RUNS} runs of ${TASKS.toLocaleString('en-US')} tasks after a ${Math.ceil(TASKS / 4).toLocaleString('en-US')}-task warm-up, each setting in a fresh process\n\n`,
  );
  const curve: string[][] = [['subject', 'setting', 'tasks/s', '× Piscina best', 'hub loop busy', 'CPU µs/task', 'child CPU µs/task', 'runs (tasks/s)']];
  for (const group of groups) {
    for (const subject of group) {
      const point = points.find((p) => p.subject === subject);
      const r = point?.result;
      curve.push(
        r === undefined
          ? [subjectName(subject), subjectSetting(subject), 'failed', '', '', '', '', point?.failures[0] ?? '']
          : [subjectName(subject), subjectSetting(subject), formatRate(r.best), (r.best / piscina).toFixed(2), `${Math.round(r.elu * 100)}%`, r.cpuMicrosPerTask.toFixed(1), r.childCpuMicrosPerTask.toFixed(1), r.samples.map(formatRate).join(' ')],
      );
    }
  }
  process.stdout.write(`${formatTable(curve)}\n`);
  process.stdout.write(
    'hub loop busy: event-loop utilisation of the hub\'s (pool owner\'s) main thread in the best run.\n' +
      'CPU µs/task: CPU time of the measuring process per task in the best run — the hub alone for process/TCP spokes and\n' +
      'process workers, hub plus workers for thread spokes and thread pools (they are threads of that process).\n' +
      'child CPU µs/task: CPU time of its child processes per task (process/TCP spokes, process workers; /proc, 10 ms ticks).\n' +
      `With ${availableParallelism()} cores, no subject can pass ${(availableParallelism() * 1e6).toLocaleString('en-US')} / (CPU µs/task + child CPU µs/task) tasks/s.\n\n`,
  );
  const summary: string[][] = [['subject', 'best setting', 'tasks/s', '× Piscina best', 'total CPU µs/task', 'goal', 'met']];
  for (const group of groups) {
    const name = subjectName(group[0] as Subject);
    const best = bestOf(name);
    const goal = GOALS[name];
    const ratio = (best?.result?.best ?? NaN) / piscina;
    summary.push([
      name,
      best === undefined ? 'all failed' : subjectSetting(best.subject),
      formatRate(best?.result?.best ?? NaN),
      ratio.toFixed(2),
      best?.result === undefined ? '' : (best.result.cpuMicrosPerTask + best.result.childCpuMicrosPerTask).toFixed(1),
      goal === undefined ? '' : `≥ ${goal.toFixed(2)}`,
      goal === undefined ? '' : ratio >= goal ? 'yes' : 'no',
    ]);
  }
  process.stdout.write(`${formatTable(summary)}\n`);
  const crashed = points.filter((p) => p.failures.length > 0);
  if (crashed.length > 0) {
    process.stdout.write(`\nFailed attempts (a crashing setting is tried ${ATTEMPTS} times, one that cannot load its modules ${LOAD_ATTEMPTS}):\n`);
    for (const p of crashed) process.stdout.write(`  ${subjectName(p.subject)}, ${subjectSetting(p.subject)}: ${p.failures.length}× — ${p.failures[0] ?? ''}\n`);
  }
}

runBench(main);
