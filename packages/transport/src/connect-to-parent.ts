import { Socket } from 'node:net';
import { isMainThread, parentPort } from 'node:worker_threads';
import { SPMTransportError, messageOfThrown } from '@spm/exceptions';
import type { Channel } from './channel.js';
import type { ChannelOptions } from './channel-options.js';
import { FrameCodec } from './frame-codec.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_FRAME_BYTES } from './frame-limits.js';
import { PortChannel } from './internal/port-channel.js';
import { StreamChannel } from './internal/stream-channel.js';
import { decodeTransportEnv, limitsOf, TRANSPORT_ENV } from './internal/transport-env.js';

let parent: Channel | undefined;

/**
 * The spoke's end of the channel to its hub, in a worker thread started by `spawnThread` or a
 * child process started by `spawnProcess`. Called again, it returns the same channel.
 *
 * In a process, the channel closes (with `SPMTransportError`) as soon as the hub is gone, even
 * if it was SIGKILLed: a spoke should exit on `close`. Frame limits come from the hub (through
 * the environment) unless given here.
 *
 * @throws SPMTransportError when this thread or process was not started by the transport
 */
export function connectToParent(options: ChannelOptions = {}): Channel {
  if (parent) return parent;
  const env = decodeTransportEnv(process.env[TRANSPORT_ENV]);
  if (!isMainThread && parentPort) {
    const port = parentPort;
    const fromEnv = env?.kind === 'thread' ? env : undefined;
    parent = new PortChannel(
      {
        post: (chunk) => port.postMessage(chunk, [chunk.buffer as ArrayBuffer]),
        abort: (reason) => port.postMessage(reason),
        listen: (listener) => {
          port.on('message', listener);
          return () => port.off('message', listener);
        },
      },
      options.label ?? fromEnv?.label ?? 'thread:parent',
      {
        maxFrameBytes: options.maxFrameBytes ?? fromEnv?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        maxDepth: options.maxDepth ?? fromEnv?.maxDepth ?? DEFAULT_MAX_DEPTH,
      },
      fromEnv?.batch ?? true,
    );
  } else if (env?.kind === 'process' && env.fd !== undefined) {
    let socket: Socket;
    try {
      socket = new Socket({ fd: env.fd, readable: true, writable: true });
    } catch (error) {
      throw new SPMTransportError(`connectToParent() could not open the channel on fd ${env.fd}: ${messageOfThrown(error)}`, {
        channel: env.label,
        cause: error,
      });
    }
    const limits = limitsOf(env);
    parent = new StreamChannel(
      socket,
      options.label ?? env.label,
      new FrameCodec({ maxFrameBytes: options.maxFrameBytes ?? limits.maxFrameBytes, maxDepth: options.maxDepth ?? limits.maxDepth }),
      env.batch,
    );
  } else {
    throw new SPMTransportError(
      `connectToParent() found no parent channel: expected a worker thread started by spawnThread() or a process started by spawnProcess() (with \`${TRANSPORT_ENV}\` set), got ${isMainThread ? 'a main thread' : 'a worker thread without a parent port'} without it`,
    );
  }
  // The spoke's own children (coprocesses, workers) are not spokes of this hub.
  delete process.env[TRANSPORT_ENV];
  return parent;
}
