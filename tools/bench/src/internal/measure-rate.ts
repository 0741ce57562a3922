import { performance } from 'node:perf_hooks';
import { descendantCpuMicros } from './descendant-cpu.js';

/** Options of {@link measureRate}. */
export interface MeasureOptions {
  /** Tasks per measured run. */
  readonly tasks: number;
  /** Measured runs; the best is reported. */
  readonly runs: number;
  /** Tasks of the unmeasured warm-up run (JIT, pool start-up, first module loads). */
  readonly warmupTasks: number;
}

/** One measured setting: its best rate and every run. */
export interface RateResult {
  /** The best run, in tasks per second. */
  readonly best: number;
  /** Every measured run, in tasks per second, in order. */
  readonly samples: readonly number[];
  /**
   * The main thread's event-loop utilisation (0–1) during the best run: near 1, the hub's
   * own loop was the limit; well below, it waited for the workers or the wire.
   */
  readonly elu: number;
  /**
   * CPU time of this process per task during the best run, in µs: the hub alone when spokes
   * are processes, hub and workers together when they are threads of this process. Unlike a
   * rate, it hardly moves when other programs load the machine.
   */
  readonly cpuMicrosPerTask: number;
  /**
   * CPU time of this process's descendants (process or TCP spokes, process workers) per task
   * during the best run, in µs, at /proc's 10 ms resolution per process.
   */
  readonly childCpuMicrosPerTask: number;
}

/**
 * Runs `run(tasks)` once to warm up and then `runs` times, and returns the best rate. Best of
 * N, not the mean: the machine is shared, and interference only ever slows a run down.
 */
export async function measureRate(run: (tasks: number) => Promise<void>, options: MeasureOptions): Promise<RateResult> {
  if (options.warmupTasks > 0) await run(options.warmupTasks);
  const samples: number[] = [];
  let best = 0;
  let elu = 0;
  let cpuMicrosPerTask = 0;
  let childCpuMicrosPerTask = 0;
  for (let i = 0; i < options.runs; i++) {
    const children = descendantCpuMicros();
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run(options.tasks);
    const rate = options.tasks / ((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(loop).utilization;
    const childrenUsed = descendantCpuMicros() - children;
    samples.push(rate);
    if (rate > best) {
      best = rate;
      elu = busy;
      cpuMicrosPerTask = (used.user + used.system) / options.tasks;
      childCpuMicrosPerTask = Math.max(0, childrenUsed) / options.tasks;
    }
  }
  return { best, samples, elu, cpuMicrosPerTask, childCpuMicrosPerTask };
}
