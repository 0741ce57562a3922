import { SPMError, describeValue } from '@spm/exceptions';
import { CoprocessLane } from './coprocess-lane.js';
import { resolveCoprocessOptions, type CoprocessOptions, type ResolvedCoprocessOptions } from './coprocess-options.js';
import type { CoprocessResult } from './coprocess-result.js';
import { CoprocessRun } from './internal/coprocess-run.js';
import { batchStarts as batchServerStarts } from './internal/fork-server.js';
import { launcherAfter, pickLauncher, type Launcher } from './internal/launcher.js';

/** Settles when `promise` does, fulfilled either way (a failure is met again by whoever asks next). */
function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}

/** Each lane's last run: what the lane's next run waits for. */
const laneTails = new WeakMap<CoprocessLane, CoprocessRun>();

/**
 * Runs a stand-alone program (a shell `command` or an `argv` without a shell) in its own
 * process group, captures its output with size caps, and resolves when it and everything it
 * started are gone:
 *
 * - the result is data: a non-zero exit, a signal, a timeout, an abort or a program that
 *   cannot be started (`exitCode` 127/126, `spawnError`) all resolve;
 * - on timeout or abort the whole tree gets SIGTERM, then SIGKILL after `killGraceMs`;
 * - when the leader exits, whatever it left running (background jobs, `setsid` escapees
 *   carrying its environment cookie) is killed the same way, so nothing outlives the result;
 * - with a `lane`, it starts once the lane's previous program has exited (see {@link CoprocessLane});
 * - it rejects only for invalid options (`SPMError`, e.g. both `command` and `argv`).
 *
 * @example
 * const r = await runCoprocess({ command: 'make -j2 all', timeoutMs: 60_000 });
 * if (r.timedOut || r.exitCode !== 0) console.error(r.stdOutErr);
 */
export function runCoprocess(options: CoprocessOptions): Promise<CoprocessResult> {
  // Not an async function: the run's own promise is returned, without a second one (and its
  // two extra turns of the microtask queue) per run; a throw still becomes a rejection.
  try {
    return startRun(options);
  } catch (error) {
    return Promise.reject(error);
  }
}

function startRun(options: CoprocessOptions): Promise<CoprocessResult> {
  const resolved = resolveCoprocessOptions(options);
  if (resolved.lane !== undefined) {
    // In this turn, as any run: runs asked for in order start in order, and an abort or
    // killAllCoprocesses that follows finds this one (waiting for its turn, or running).
    const ahead = liveTail(laneTails.get(resolved.lane));
    const run = new CoprocessRun(resolved, laneLauncher(ahead, resolved), ahead);
    laneTails.set(resolved.lane, run);
    return run.result;
  }
  const launcher = pickLauncher(resolved);
  // Started now, in this turn (an abort that follows finds it running); while the fork server's
  // first build is under way (`fork-server` mode) it waits for it as a lane's queued run, live
  // meanwhile — an abort or killAllCoprocesses finds it (it used to be created only once the
  // build was done, so killAllCoprocesses missed it and it ran).
  // (Its failure, no server after all, is the run's: met again once the build is over.)
  return new CoprocessRun(resolved, launcher instanceof Promise ? { kind: 'queued', previous: settled(launcher) } : launcher).result;
}

/**
 * Runs `fn` — synchronous code that calls {@link runCoprocess} several times — and sends the
 * programs it starts on fork servers to each server in **one write** when it returns, instead of
 * one write (and one wake-up of the server) per program. Everything else is as if `fn` had run
 * alone: each run starts, times out and settles on its own. What it is for: handing a lane
 * several programs at once (spm-shell's batches of short commands). Without it, every request
 * is written at once (a thread that blocks after `runCoprocess` still has its program started).
 *
 * @example
 * const results = await Promise.all(batchStarts(() => commands.map((command) => runCoprocess({ command, lane }))));
 */
export function batchStarts<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new SPMError(`Expected batchStarts' argument to be a function, got ${describeValue(fn)}`);
  return batchServerStarts(fn);
}

/**
 * Withdraws the runs of `lane` still waiting for their turn: none of them starts, each resolves
 * with `withdrawn: true` (`pid: null`, `durationMs: 0`), and nothing is killed. The lane's
 * running program (and one its fork server is starting at that very moment) goes on; runs asked
 * for later wait for it as usual. Returns how many runs were asked to withdraw. What it is for:
 * a launcher whose slot holds queued programs behind one that turned out long gives them back,
 * to run them in another slot.
 *
 * @example
 * const queued = commands.map((command) => runCoprocess({ command, lane }));
 * setTimeout(() => withdrawWaiting(lane), 100); // those not started by then are given back
 * const given = (await Promise.all(queued)).filter((r) => r.withdrawn).length;
 */
export function withdrawWaiting(lane: CoprocessLane): number {
  if (!(lane instanceof CoprocessLane)) throw new SPMError(`Expected withdrawWaiting's argument to be a CoprocessLane, got ${describeValue(lane)}`);
  let withdrawn = 0;
  // One write per server: the server reads every drop before it could start any of them.
  batchServerStarts(() => {
    for (let run = laneTails.get(lane); run !== undefined; run = run.ahead) if (run.withdraw()) withdrawn += 1;
  });
  return withdrawn;
}

/**
 * The run a lane's next run must wait for: its last one, or — past runs that ended without
 * running (aborted before their turn) — the last one still to exit. Undefined when none is.
 */
function liveTail(last: CoprocessRun | undefined): CoprocessRun | undefined {
  let run = last;
  while (run !== undefined && run.exited && !run.ran) run = run.ahead;
  // A run that ran and exited: every run before it has exited too.
  return run !== undefined && run.exited ? undefined : run;
}

/**
 * How a lane's run starts, given the run it must wait for: on the fork server carrying that
 * one, told to start it when that one exits; else in this thread once that one's turn is over;
 * at once when there is none.
 */
function laneLauncher(ahead: CoprocessRun | undefined, options: ResolvedCoprocessOptions): Launcher {
  if (ahead !== undefined) {
    const on = ahead.onServer;
    const after = on === undefined ? undefined : launcherAfter(options, on.server, on.id);
    return after ?? { kind: 'queued', previous: ahead.turnDone };
  }
  const launcher = pickLauncher(options);
  // The first build of the fork server is under way (`fork-server` mode): the run waits for it.
  return launcher instanceof Promise ? { kind: 'queued', previous: settled(launcher) } : launcher;
}
