/**
 * A lane of coprocesses: the runs given the same lane (`runCoprocess({ lane })`) run one at a
 * time, in the order they were asked for, each starting once the one before it has exited.
 *
 * What it is for: a launcher that keeps N programs running (`-j N`) asks for a slot's next
 * program while the current one still runs. On the fork server the next one then starts in the
 * same pass that reaps the current one's leader — no round trip through this thread's event
 * loop between them — so a slot is never idle while this thread is busy elsewhere. Without a
 * fork server (or for a run with more than 4 MiB of `input`) the next run waits here for the previous leader's
 * exit, then starts as any run does.
 *
 * "Exited" means the leader was reaped: what it left running is being killed as usual while the
 * next program starts. A run aborted or timed out before its turn never starts (its result says
 * `aborted` or `timedOut`, `pid: null`, `durationMs: 0`); each run's `timeoutMs` counts from its
 * own start. A lane holds no resource: drop it when done.
 *
 * @example
 * const slot = new CoprocessLane();
 * const [a, b] = await Promise.all([runCoprocess({ command: 'make a', lane: slot }), runCoprocess({ command: 'make b', lane: slot })]);
 */
export class CoprocessLane {
  /** Makes the type nominal: any object is not a lane. */
  declare private readonly brand: never;
}
