import { resolveCoprocessOptions, type CoprocessOptions } from './coprocess-options.js';
import type { CoprocessResult } from './coprocess-result.js';
import { CoprocessRun } from './internal/coprocess-run.js';
import { pickLauncher } from './internal/launcher.js';

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
 * - it rejects only for invalid options (`SPMError`, e.g. both `command` and `argv`).
 *
 * @example
 * const r = await runCoprocess({ command: 'make -j2 all', timeoutMs: 60_000 });
 * if (r.timedOut || r.exitCode !== 0) console.error(r.stdOutErr);
 */
export async function runCoprocess(options: CoprocessOptions): Promise<CoprocessResult> {
  const resolved = resolveCoprocessOptions(options);
  const launcher = pickLauncher(resolved);
  // Started now, in this turn (an abort that follows finds it running), unless the launcher
  // must first wait for the fork server's build.
  return new CoprocessRun(resolved, launcher instanceof Promise ? await launcher : launcher).result;
}
