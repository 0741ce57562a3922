// Entry of a `thread` spoke: a worker thread started by the tracker's local provisioner.
// Tasks run inline in this thread; the hub notices a dead thread by its exit, so no heartbeat.
import { workerData } from 'node:worker_threads';
import { killCoprocesses } from '../internal/kill-coprocesses.js';
import { connectToParent } from '@spm/transport';
import { installAsyncSequenceContext } from '../async-sequence-context.js';
import type { SpokeIdentityInit } from '../internal/identity-from-env.js';
import { SpokeAgent } from '../spoke-agent.js';
import { startBootPreload } from './internal/boot-preload.js';

installAsyncSequenceContext();
// Tasks run inline in this thread: their modules may start loading now, before the hello.
startBootPreload();
const identity = (workerData ?? {}) as SpokeIdentityInit;
const agent = new SpokeAgent({ channel: connectToParent(), ...identity, evaluator: 'inline' });
// Before the thread ends, kill the coprocesses its evaluations started (children of the
// hub's process: nothing else would reach them).
agent.done.then(
  async () => {
    await killCoprocesses('SIGKILL').catch(() => 0);
    process.exit(0);
  },
  () => process.exit(1),
);
await agent.start().catch(() => process.exit(1));
