import { killCoprocesses } from './kill-coprocesses.js';
import type { Channel } from '@spm/transport';
import { SpokeAgent } from '../spoke-agent.js';
import type { SpokeIdentityInit } from './identity-from-env.js';
import { markSpokeThread } from './spoke-thread.js';
import { becomeCoprocessOwner, COPROCESS_OWNER_ENV, takeCoprocessOwner } from './coprocess-owner-env.js';
import { endUntrackedPrograms, newCoprocessOwnerToken } from '../coprocess-owner.js';
import { STOP_GRACE_MS } from '../task-runner.js';
import { guardUntrackedPrograms, type UntrackedGuard } from '../untracked-watchdog.js';

/** How long a spoke whose start failed waits before deciding whether its hub is gone. */
const ORPHAN_CHECK_MS = 200;

/**
 * How long a spoke process that ends its tasks' programs itself (no provisioner gave it a token)
 * waits for its evaluator thread to end once it has stopped, from the programs' SIGTERM — the
 * bound a local provisioner gives a thread spoke (`STOP_GRACE_MS` + 1 s). Past it, and once the
 * programs' own ending (SIGTERM, SIGKILL after 2 s) is over, the process ends itself by SIGKILL:
 * a thread still held past that (an `execSync` of a program that cleared its environment, a
 * synchronous read of a pipe nobody writes) keeps `process.exit()` waiting for good.
 */
export const OWN_PROGRAMS_BOUND_MS = STOP_GRACE_MS + 1000;

/**
 * Runs this process as one spoke until its hub channel closes, then exits: 0 after a clean
 * close, 1 after a broken channel or a failed greeting, the evaluator thread's code (1 for a
 * throw) after that thread died. SIGTERM and SIGINT stop it cleanly.
 *
 * A spoke process given no coprocess owner token ({@link COPROCESS_OWNER_ENV}) — `spm-spoke`,
 * which no local provisioner started, so nothing else would end what its tasks started — takes
 * one of its own: the programs its tasks start without `@spm/coprocess` carry its cookie, and
 * whenever the spoke stops (the hub let it go or killed it, its hub channel was lost, SIGTERM,
 * SIGINT, SIGHUP) it ends them (`endUntrackedPrograms`: SIGTERM, SIGKILL after 2 s) before it
 * exits; that also frees an evaluator thread held in `execSync`, and one still held past
 * {@link OWN_PROGRAMS_BOUND_MS} does not keep the process alive (SIGKILL of itself). A process
 * spoke's provisioner does this for it (given a token, it does nothing more: no program gets two
 * SIGTERMs).
 */
export async function runSpokeProcess(connect: () => Channel | Promise<Channel>, identity: SpokeIdentityInit, options: { readonly sayShutdown?: boolean } = {}): Promise<void> {
  // This process is a spoke: its own thread too (it evaluates tasks itself with
  // SPM_SPOKE_EVALUATOR=inline).
  markSpokeThread();
  // A local provisioner's token, out of the environment before any code of the user's runs here;
  // its cookie in the environment, for the programs tasks start (inline or in the evaluator
  // thread, which inherits it) to carry. A spoke started by hand (spm-spoke) has no provisioner
  // to end those programs when it stops: it takes a token of its own and ends them itself.
  let own: string | undefined;
  // Should this process die before it has ended them itself (SIGKILL), a watchdog ends them.
  let guard: UntrackedGuard | undefined;
  if (process.env[COPROCESS_OWNER_ENV] !== undefined) takeCoprocessOwner();
  else {
    own = becomeCoprocessOwner(newCoprocessOwnerToken());
    guard = guardUntrackedPrograms(own);
  }
  let agent: SpokeAgent | undefined;
  // A local spoke's parent is its hub: if it is gone (re-parented), nobody is left to tell.
  const parent = process.ppid;
  // spm-spoke tells the hub why it goes (its loss then says it: it read only "its channel closed").
  const stop = (signal: NodeJS.Signals): void => {
    if (agent) agent.stop(options.sayShutdown === true ? `spm-spoke was sent ${signal}` : undefined);
    else process.exit(1);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // A terminal's hangup ended spm-spoke at once (Node's default), its tasks' programs left.
  if (own !== undefined) process.once('SIGHUP', stop);
  try {
    const channel = await connect();
    agent = new SpokeAgent({ channel, ...identity, evaluator: process.env['SPM_SPOKE_EVALUATOR'] === 'inline' ? 'inline' : 'thread' });
    // Before exiting, kill what inline evaluations started (an evaluator thread kills its own).
    agent.done.then(
      async (error) => {
        // A spoke someone started by hand (spm-spoke) says why the hub let it go: it used to
        // exit with nothing said (missed heartbeats, a duplicate id, the hub closing).
        const reason = agent?.shutdownReason;
        if (options.sayShutdown === true && reason !== undefined) process.stderr.write(`spm-spoke: the hub let this spoke go: ${reason}\n`);
        // Its evaluator thread died (a task's uncaught throw, `process.exit(3)`): the hub was told
        // why; a spoke started by hand says it too, and the process ends with the thread's code.
        const end = agent?.evaluatorEnd;
        if (options.sayShutdown === true && end !== undefined) process.stderr.write(`spm-spoke: ${end.reason}\n`);
        guard?.ending();
        const threadEnded = own === undefined || agent === undefined ? true : await endOwnPrograms(agent, own);
        guard?.release();
        await killCoprocesses('SIGKILL').catch(() => 0);
        if (!threadEnded) {
          // process.exit() would wait for the thread without end.
          if (options.sayShutdown === true) process.stderr.write(`spm-spoke: the evaluator thread did not end within ${OWN_PROGRAMS_BOUND_MS / 1000} s of its programs' SIGTERM (a task held in synchronous code); ending the process by SIGKILL\n`);
          process.kill(process.pid, 'SIGKILL');
        }
        process.exit(end?.exitCode ?? (error ? 1 : 0));
      },
      () => process.exit(1),
    );
    await agent.start();
  } catch (error) {
    // A hub that exited while this spoke was starting (a second Ctrl-C, a halt) broke the
    // greeting: said on the user's terminal after the hub's own exit, that was only noise. Its
    // channel closes before the kernel re-parents this process: look again a little later.
    await new Promise((resolve) => setTimeout(resolve, ORPHAN_CHECK_MS));
    if (process.ppid === parent) process.stderr.write(`spm-spoke: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * For a stopped spoke process that owns token `own` (no provisioner gave it one): ends what its
 * tasks started without `@spm/coprocess` — SIGTERM now (not once the evaluator thread has ended:
 * a thread held in `execSync` ends only when its program does), SIGKILL after the grace — and
 * waits for its evaluator thread, at most {@link OWN_PROGRAMS_BOUND_MS} (and until the programs'
 * ending is over); then looks once more, for what was started after the first look.
 * Resolves with whether the thread has ended.
 */
async function endOwnPrograms(agent: SpokeAgent, own: string): Promise<boolean> {
  let threadEnded = false;
  const exited = agent.evaluatorExited.then(() => {
    threadEnded = true;
  });
  const untracked = endUntrackedPrograms(own).catch(() => 0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, OWN_PROGRAMS_BOUND_MS)));
  await Promise.all([untracked, Promise.race([exited, bound])]);
  clearTimeout(timer);
  await endUntrackedPrograms(own).catch(() => 0);
  return threadEnded;
}
