// Entry of the evaluator thread inside a process or TCP spoke: runs tasks for the agent.
import { workerData } from 'node:worker_threads';
import { killCoprocesses } from '../internal/kill-coprocesses.js';
import { connectToParent } from '@spm/transport';
import { installAsyncSequenceContext } from '../async-sequence-context.js';
import { TaskRunner, type TaskRunnerIdentity } from '../task-runner.js';
import { startBootPreload } from './internal/boot-preload.js';
import { markSpokeThread } from '../internal/spoke-thread.js';

markSpokeThread();
installAsyncSequenceContext();
// This thread evaluates the tasks (it inherits the process's environment).
startBootPreload();
const channel = connectToParent();
const { relayed, ...identity } = workerData as TaskRunnerIdentity & { relayed?: SharedArrayBuffer };
const runner = new TaskRunner(channel, identity, relayed === undefined ? {} : { relayed: new Int32Array(relayed) });
// The agent is gone (the spoke is stopping): abort the evaluation and kill the coprocesses
// this thread started before the thread ends.
channel.once('close', () => {
  runner.stop();
  void killCoprocesses('SIGKILL').finally(() => process.exit(0));
});
