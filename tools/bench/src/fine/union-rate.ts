/**
 * One task's timed stretch of requests: how many, and when they started and ended, in ms since
 * the epoch (`performance.timeOrigin + performance.now()`: comparable across the hub's spokes,
 * threads or processes of one machine).
 */
export interface RequestWindow {
  readonly requests: number;
  readonly startedMs: number;
  readonly endedMs: number;
}

/**
 * Requests per second of several tasks together: all their requests over the union of their
 * windows, from the first start to the last end. Not the sum of each task's own rate: tasks
 * that do not overlap (one spoke starts late, or one task runs after the other) would be counted
 * as if they had run side by side. `NaN` for no windows or an empty span.
 */
export function unionRate(windows: readonly RequestWindow[]): number {
  if (windows.length === 0) return NaN;
  const started = Math.min(...windows.map((w) => w.startedMs));
  const ended = Math.max(...windows.map((w) => w.endedMs));
  const requests = windows.reduce((sum, w) => sum + w.requests, 0);
  return ended > started ? requests / ((ended - started) / 1000) : NaN;
}
