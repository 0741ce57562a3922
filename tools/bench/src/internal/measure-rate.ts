import { performance } from 'node:perf_hooks';

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
  for (let i = 0; i < options.runs; i++) {
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run(options.tasks);
    const rate = options.tasks / ((performance.now() - start) / 1000);
    samples.push(rate);
    if (rate > best) {
      best = rate;
      elu = performance.eventLoopUtilization(loop).utilization;
      const used = process.cpuUsage(cpu);
      cpuMicrosPerTask = (used.user + used.system) / options.tasks;
    }
  }
  return { best, samples, elu, cpuMicrosPerTask };
}
