import { Worker, type ResourceLimits } from 'node:worker_threads';
import { SPMTransportError, messageOfThrown } from '@spm/exceptions';
import type { Channel } from './channel.js';
import type { ChannelOptions } from './channel-options.js';
import { resolveFrameLimits } from './frame-limits.js';
import { PortChannel, type PortEndpoint } from './internal/port-channel.js';
import { encodeTransportEnv, TRANSPORT_ENV } from './internal/transport-env.js';
import { adoptPrestartedThread } from './prestart.js';

/** Options of {@link spawnThread}. */
export interface SpawnThreadOptions extends ChannelOptions {
  /** The worker's entry: a built `.js`/`.mjs` file (path or `file:` URL). It calls `connectToParent()`. */
  readonly entry: URL | string;
  /** Passed to the worker as `workerData` (structured clone). */
  readonly workerData?: unknown;
  /** Variables added to (a copy of) the hub's environment for the worker. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node options for the worker, e.g. `['--enable-source-maps']`. */
  readonly execArgv?: readonly string[];
  /** V8 heap limits of the worker. */
  readonly resourceLimits?: ResourceLimits;
  /** Coalesce messages sent in one synchronous run into one `postMessage`. @default true */
  readonly batch?: boolean;
}

/** A worker thread started by {@link spawnThread}, and the hub's end of its channel. */
export interface SpawnedThread {
  /** The hub's end. Closes with `SPMTransportError` when the worker exits or throws. */
  readonly channel: Channel;
  /** The worker itself (its `error` events are handled: they close the channel). */
  readonly worker: Worker;
  /** The worker's thread id. */
  readonly threadId: number;
  /** Closes the channel and terminates the worker; resolves once it has stopped. */
  terminate(): Promise<void>;
}

/**
 * Starts a worker thread running `entry`, connected to the hub by a channel: the `thread`
 * transport. Inside the worker, `connectToParent()` returns the other end. The worker's
 * `parentPort` belongs to the transport; do not post on it yourself. A thread prestarted on the
 * same entry (`prestartThreads`) is adopted instead of starting a new one.
 */
export function spawnThread(options: SpawnThreadOptions): SpawnedThread {
  const limits = resolveFrameLimits(options);
  const batch = options.batch ?? true;
  const env = {
    ...process.env,
    ...options.env,
    [TRANSPORT_ENV]: encodeTransportEnv({ kind: 'thread', label: 'thread:parent', batch, ...limits }),
  };
  // A thread prestarted on this entry (see prestartThreads) is adopted: it gets the same
  // workerData and environment. Not with execArgv or heap limits: those are fixed at its start.
  const adopted =
    options.execArgv === undefined && options.resourceLimits === undefined ? adoptPrestartedThread(options.entry, { workerData: options.workerData, env }) : undefined;
  const worker =
    adopted ??
    new Worker(options.entry, {
      workerData: options.workerData,
      env,
      execArgv: options.execArgv ? [...options.execArgv] : undefined,
      resourceLimits: options.resourceLimits,
    });
  const threadId = worker.threadId;
  const endpoint: PortEndpoint = {
    post: (chunk) => worker.postMessage(chunk, [chunk.buffer as ArrayBuffer]),
    abort: (reason) => worker.postMessage(reason),
    listen: (listener) => {
      worker.on('message', listener);
      return () => worker.off('message', listener);
    },
  };
  const channel = new PortChannel(endpoint, options.label ?? `thread:${threadId}`, limits, batch);
  // These listeners stay for the worker's lifetime: a Worker's `error` with no listener would
  // be rethrown in the hub, and one spoke's uncaught exception must not take the hub down.
  worker.on('error', (error: unknown) => {
    channel.close(new SPMTransportError(`Channel ${channel.label} lost: the worker threw: ${messageOfThrown(error)}`, { channel: channel.label, cause: error }));
  });
  worker.on('messageerror', (error: unknown) => {
    channel.close(new SPMTransportError(`Channel ${channel.label} lost: a message could not be deserialized`, { channel: channel.label, cause: error }));
  });
  worker.on('exit', (code: number) => {
    channel.close(new SPMTransportError(`Channel ${channel.label} lost: the worker exited with code ${code}`, { channel: channel.label }));
  });
  return {
    channel,
    worker,
    threadId,
    async terminate(): Promise<void> {
      channel.close(new SPMTransportError(`Channel ${channel.label} closed: the worker was terminated by the hub`, { channel: channel.label }));
      await worker.terminate();
    },
  };
}
