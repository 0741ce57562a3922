// The fine-grain benchmark: hub request/reply round trips per second for @spm/closure-fine-limited,
// and for @spm/closure-fine-general with 2 ranks, allreduce and ping-pong latency and send/recv
// throughput (small and 64 KiB messages) — on thread and process spokes, beside the bare
// transport floors (one in flight) measured in the same run. "2 tasks at once" is both tasks'
// requests over the union of their timed windows (first start to last end), not the sum of
// each task's own rate (until session 41: the tasks' windows need not overlap).
// Run: `npx nx run @spm/bench:fine` (BENCH_RUNS=n runs per figure, default 3; an integer ≥ 1,
// else it is refused before anything runs, exit 2).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { startBenchCloud, type BenchSpokeKind } from '../internal/bench-cloud.js';
import { formatRate, formatTable } from '../internal/format-table.js';
import { envInteger, readKnobs } from '../internal/knobs.js';
import * as links from '../internal/links.js';
import { median, runRoundTrips, type Link } from '../internal/round-trips.js';
import { askHub, gangBench, type GangTask } from './fine-closures.js';
import { unionRate, type RequestWindow } from './union-rate.js';

const RUNS = readKnobs(() => envInteger('BENCH_RUNS', 3, 1));
const TIMEOUT_MS = 60_000;
const KINDS: readonly ('thread' | 'process')[] = ['thread', 'process'];

const micros = (seconds: number): string => (seconds * 1e6).toFixed(seconds * 1e6 < 100 ? 1 : 0);

/** Round trips per second of a bare floor or a channel, one in flight. */
async function floorRate(open: () => Promise<Link>): Promise<number> {
  const link = await open();
  try {
    await runRoundTrips(link, { messages: 500, window: 1, timeoutMs: TIMEOUT_MS });
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run += 1) rates.push(await runRoundTrips(link, { messages: 3_000, window: 1, timeoutMs: TIMEOUT_MS }));
    return median(rates);
  } finally {
    await link.close();
  }
}

const FLOORS: Record<'thread' | 'process', readonly [string, () => Promise<Link>][]> = {
  thread: [
    ['worker_threads postMessage', links.threadFloor],
    ['spm thread channel', () => links.threadChannel(true)],
  ],
  process: [
    ['socketpair + length prefix', links.pipeFloor],
    ['spm process channel', () => links.processChannel(true)],
  ],
};

interface GangFigure {
  readonly name: string;
  readonly task: Omit<GangTask, 'warmup'>;
}

const GANG_FIGURES: readonly GangFigure[] = [
  { name: 'allreduce(sum) of a number', task: { mode: 'allreduce', n: 300, bytes: 0 } },
  { name: 'ping-pong (send + recv) of a number', task: { mode: 'pingpong', n: 300, bytes: 0 } },
  { name: 'send/recv stream of numbers', task: { mode: 'stream', n: 20_000, bytes: 0 } },
  { name: 'send/recv stream of 64 KiB', task: { mode: 'stream', n: 300, bytes: 64 * 1024 } },
];

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `spm-ts fine-grain benchmark — Node ${process.version}, ${availableParallelism()} cores (${cpu}), load ${loadavg()[0]?.toFixed(2)}; median of ${RUNS} runs after a warm-up\n\n`,
  );
  const floorRows: string[][] = [['spokes', 'floor (one in flight)', 'round trips/s', 'µs each']];
  const askRows: string[][] = [['spokes', 'fine-limited', 'round trips/s', 'µs each', 'vs bare floor', 'vs spm channel']];
  const gangRows: string[][] = [['spokes', 'peers', 'gang of 2 ranks', 'µs per op', 'ops/s', 'MB/s']];
  for (const kind of KINDS) {
    const floors: number[] = [];
    for (const [name, open] of FLOORS[kind]) {
      const rate = await floorRate(open);
      floors.push(rate);
      floorRows.push([kind, name, formatRate(rate), micros(1 / rate)]);
    }
    const bench = await startBenchCloud(kind as BenchSpokeKind, 2);
    try {
      const pool = bench.cloud.pool.intraAll();
      for (const tasks of [1, 2]) {
        const rates: number[] = [];
        for (let run = 0; run < RUNS; run += 1) {
          const windows: RequestWindow[] = [];
          await askHub.manage({
            pool,
            tasks: Array.from({ length: tasks }, () => ({ n: 1_000, warmup: 100 })),
            onMessage: (body) => body,
            onStatus: (report) => void windows.push(report.returnValue()),
          });
          if (windows.length !== tasks) throw new Error(`Expected ${tasks} reports of request/reply tasks, got ${windows.length}`);
          rates.push(unionRate(windows));
        }
        const rate = median(rates);
        askRows.push([kind, `request/reply, ${tasks} task${tasks > 1 ? 's' : ''} at once`, formatRate(rate), micros(tasks / rate), (rate / (floors[0] ?? NaN)).toFixed(2), (rate / (floors[1] ?? NaN)).toFixed(2)]);
      }
      for (const peers of kind === 'thread' ? (['auto', 'hub'] as const) : (['auto'] as const)) {
        for (const figure of GANG_FIGURES) {
          const perOp: number[] = [];
          let path = '';
          for (let run = 0; run < RUNS; run += 1) {
            const task: GangTask = { ...figure.task, warmup: Math.max(10, Math.floor(figure.task.n / 10)) };
            const summary = await gangBench.manage({ pool, size: 2, task, peers });
            perOp.push(Math.max(...summary.values));
            path = summary.links.direct > 0 ? 'direct' : 'hub';
          }
          const seconds = median(perOp);
          const mb = figure.task.bytes > 0 ? ((figure.task.bytes / seconds) / 1e6).toFixed(1) : '';
          gangRows.push([kind, path, figure.name, micros(seconds), formatRate(1 / seconds), mb]);
        }
      }
    } finally {
      await bench.close();
    }
  }
  process.stdout.write(`${formatTable(floorRows)}\n\n${formatTable(askRows)}\n\n${formatTable(gangRows)}\n`);
}

await main();
