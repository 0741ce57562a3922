import { killCoprocesses } from './kill-coprocesses.js';
import type { Channel } from '@spm/transport';
import { SpokeAgent } from '../spoke-agent.js';
import type { SpokeIdentityInit } from './identity-from-env.js';
import { markSpokeThread } from './spoke-thread.js';
import { takeCoprocessOwner } from './coprocess-owner-env.js';

/** How long a spoke whose start failed waits before deciding whether its hub is gone. */
const ORPHAN_CHECK_MS = 200;

/**
 * Runs this process as one spoke until its hub channel closes, then exits: 0 after a clean
 * close, 1 after a broken channel or a failed greeting, the evaluator thread's code (1 for a
 * throw) after that thread died. SIGTERM and SIGINT stop it cleanly.
 */
export async function runSpokeProcess(connect: () => Channel | Promise<Channel>, identity: SpokeIdentityInit, options: { readonly sayShutdown?: boolean } = {}): Promise<void> {
  // This process is a spoke: its own thread too (it evaluates tasks itself with
  // SPM_SPOKE_EVALUATOR=inline).
  markSpokeThread();
  // A local provisioner's token, out of the environment before any code of the user's runs here;
  // its cookie in the environment, for the programs tasks start (inline or in the evaluator
  // thread, which inherits it) to carry. Nothing without one (a spoke started by hand).
  takeCoprocessOwner();
  let agent: SpokeAgent | undefined;
  // A local spoke's parent is its hub: if it is gone (re-parented), nobody is left to tell.
  const parent = process.ppid;
  const stop = (): void => {
    if (agent) agent.stop();
    else process.exit(1);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
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
        await killCoprocesses('SIGKILL').catch(() => 0);
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
