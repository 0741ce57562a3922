// Entry of a `process` spoke: a child process started by the tracker's local provisioner, the
// leader of its own process group. Tasks run in an evaluator thread so this thread always
// answers heartbeats; when the hub's channel closes (the hub exited or was killed) the spoke
// exits, and its coprocesses with it.
import { connectToParent } from '@spm/transport';
import { identityFromEnv } from '../internal/identity-from-env.js';
import { runSpokeProcess } from '../internal/run-spoke-process.js';

// No top-level await (bundles load this as a CommonJS module): a rejection stays unhandled and
// ends the process with its error, as a rejected top-level await did.
void runSpokeProcess(() => connectToParent(), identityFromEnv());
