// Entry of a `thread` spoke: a worker thread started by the tracker's local provisioner.
// Tasks run inline in this thread; the hub notices a dead thread by its exit, so no heartbeat.
import { killCoprocesses } from '../internal/kill-coprocesses.js';
import { connectToParent, threadData } from '@spm/transport';
import { installAsyncSequenceContext } from '../async-sequence-context.js';
import type { SpokeIdentityInit } from '../internal/identity-from-env.js';
import { SpokeAgent } from '../spoke-agent.js';
import { takeCoprocessOwner } from '../internal/coprocess-owner-env.js';
import { startBootPreload } from './internal/boot-preload.js';
import { markSpokeThread } from '../internal/spoke-thread.js';

markSpokeThread();
installAsyncSequenceContext();
// The provisioner's coprocess owner token, out of the environment before any code of the
// user's runs here (and again after a prestarted thread's adoption, which brings it).
takeCoprocessOwner();
// Tasks run inline in this thread: their modules may start loading now, before the hello.
startBootPreload();

// No top-level await (bundles load this as a CommonJS module).
async function run(): Promise<void> {
  // A prestarted thread (prestartThreadSpokes) waits here for its provisioner to adopt it: its
  // identity and environment come then, and the provisioner's own preload list with them (a
  // module already loading is not loaded twice). Otherwise this is `workerData`, at once.
  const identity = ((await threadData()) ?? {}) as SpokeIdentityInit;
  takeCoprocessOwner();
  startBootPreload();
  const agent = new SpokeAgent({ channel: connectToParent(), ...identity, evaluator: 'inline' });
  // Before the thread ends, its evaluations' coprocesses (children of the hub's process:
  // nothing else would reach them) end: SIGTERM through the aborted signal, SIGKILL after their
  // grace (agent.settled, bounded); then whatever is left of this thread's, at once.
  agent.done.then(
    async () => {
      await agent.settled();
      await killCoprocesses('SIGKILL').catch(() => 0);
      process.exit(0);
    },
    () => process.exit(1),
  );
  await agent.start();
}
run().catch(() => process.exit(1));
