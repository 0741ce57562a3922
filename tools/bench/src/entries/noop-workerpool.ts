// The worker script workerpool loads (in a worker thread or a child process): registers the
// same no-op as the spm closure's `evaluate` under the name the pool calls.
import workerpool from 'workerpool';

workerpool.worker({ noop: () => null });
