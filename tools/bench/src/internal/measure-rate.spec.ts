import { describe, it, expect } from '@jest/globals';
import { measureRate } from './measure-rate.js';

describe('measureRate', () => {
  it('warms up once, then runs the measured count `runs` times, and reports the best run', async () => {
    const calls: number[] = [];
    const delays = [0, 30, 1, 15];
    const result = await measureRate(
      async (tasks) => {
        const delay = delays[calls.length] ?? 0;
        calls.push(tasks);
        await new Promise((resolve) => setTimeout(resolve, delay));
      },
      { tasks: 1000, runs: 3, warmupTasks: 250 },
    );
    expect(calls).toEqual([250, 1000, 1000, 1000]);
    expect(result.samples).toHaveLength(3);
    expect(result.best).toBe(Math.max(...result.samples));
    expect(result.samples.every((rate) => rate > 0 && Number.isFinite(rate))).toBe(true);
    expect(result.elu).toBeGreaterThanOrEqual(0);
    expect(result.elu).toBeLessThanOrEqual(1);
    expect(result.cpuMicrosPerTask).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(result.cpuMicrosPerTask)).toBe(true);
    expect(result.childCpuMicrosPerTask).toBe(0); // this run started no process
  });

  it('skips the warm-up when it has no tasks, and fails with the run that fails', async () => {
    const calls: number[] = [];
    await measureRate(async (tasks) => void calls.push(tasks), { tasks: 10, runs: 2, warmupTasks: 0 });
    expect(calls).toEqual([10, 10]);
    await expect(
      measureRate(
        async () => {
          throw new Error('expected 10 ok reports, got 9 reports, 9 ok');
        },
        { tasks: 10, runs: 2, warmupTasks: 0 },
      ),
    ).rejects.toThrow('expected 10 ok reports');
  });
});
