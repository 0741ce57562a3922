import { killCoprocesses } from './kill-coprocesses.js';
import type { Channel } from '@spm/transport';
import { SpokeAgent } from '../spoke-agent.js';
import type { SpokeIdentityInit } from './identity-from-env.js';

/**
 * Runs this process as one spoke until its hub channel closes, then exits: 0 after a clean
 * close, 1 after a broken channel or a failed greeting. SIGTERM and SIGINT stop it cleanly.
 */
export async function runSpokeProcess(connect: () => Channel | Promise<Channel>, identity: SpokeIdentityInit): Promise<void> {
  let agent: SpokeAgent | undefined;
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
        await killCoprocesses('SIGKILL').catch(() => 0);
        process.exit(error ? 1 : 0);
      },
      () => process.exit(1),
    );
    await agent.start();
  } catch (error) {
    process.stderr.write(`spm-spoke: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
