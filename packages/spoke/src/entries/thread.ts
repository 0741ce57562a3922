// Entry of a `thread` spoke: a worker thread started by the tracker's local provisioner.
// Tasks run inline in this thread; the hub notices a dead thread by its exit, so no heartbeat.
import { workerData } from 'node:worker_threads';
import { connectToParent } from '@spm/transport';
import { installAsyncSequenceContext } from '../async-sequence-context.js';
import type { SpokeIdentityInit } from '../internal/identity-from-env.js';
import { SpokeAgent } from '../spoke-agent.js';

installAsyncSequenceContext();
const identity = (workerData ?? {}) as SpokeIdentityInit;
const agent = new SpokeAgent({ channel: connectToParent(), ...identity, evaluator: 'inline' });
agent.done.then(() => process.exit(0), () => process.exit(1));
await agent.start().catch(() => process.exit(1));
