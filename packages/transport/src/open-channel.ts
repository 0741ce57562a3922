import type { ResourceLimits } from 'node:worker_threads';
import { SPMTransportError } from '@spm/exceptions';
import type { Channel } from './channel.js';
import type { ChannelOptions } from './channel-options.js';
import { connectTcp } from './connect-tcp.js';
import { createInprocPair } from './inproc-channel.js';
import { spawnProcess } from './process-channel.js';
import type { TcpSecret } from './tcp-secret.js';
import { spawnThread } from './thread-channel.js';

/** The transports, by the name or URI scheme upper layers use. */
export type TransportScheme = 'inproc' | 'thread' | 'process' | 'tcp';

/** Every {@link TransportScheme}. */
export const TRANSPORT_SCHEMES: readonly TransportScheme[] = ['inproc', 'thread', 'process', 'tcp'];

/** Options of {@link openChannel}; each transport reads the ones that concern it. */
export interface OpenChannelOptions extends ChannelOptions {
  /** `thread`, `process`: the built spoke entry (`.js`/`.mjs`), which calls `connectToParent()`. */
  readonly entry?: URL | string;
  /** `process`: arguments after the entry. */
  readonly args?: readonly string[];
  /** `thread`, `process`: variables added to a copy of the hub's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** `thread`, `process`: Node options. */
  readonly execArgv?: readonly string[];
  /** `process`: working directory. */
  readonly cwd?: string;
  /** `process`: the child's stdout/stderr. @default 'inherit' */
  readonly stdio?: 'inherit' | 'pipe' | 'ignore';
  /** `thread`: `workerData`. */
  readonly workerData?: unknown;
  /** `thread`: V8 heap limits. */
  readonly resourceLimits?: ResourceLimits;
  /** `tcp`: the shared secret. */
  readonly secret?: TcpSecret;
  /** `tcp`: handshake timeout in ms. @default 5000 */
  readonly handshakeTimeoutMs?: number;
  /** Coalesce messages sent in one synchronous run (not `inproc`). @default true */
  readonly batch?: boolean;
}

/** What {@link openChannel} opened. */
export interface OpenedChannel {
  /** Which transport. */
  readonly scheme: TransportScheme;
  /** This side's end of the channel. */
  readonly channel: Channel;
  /** `inproc` only: the other end, to hand to a spoke running in this thread. */
  readonly peer?: Channel;
  /** `process`: the child's pid. */
  readonly pid?: number;
  /** `thread`: the worker's thread id. */
  readonly threadId?: number;
  /**
   * Ends the channel and whatever runs behind it that this side started: terminates the
   * worker (`thread`), SIGKILLs the child's process group and waits for its exit (`process`),
   * closes both ends (`inproc`) or the connection (`tcp`).
   */
  terminate(): Promise<void>;
}

function requireEntry(scheme: TransportScheme, options: OpenChannelOptions): URL | string {
  if (options.entry === undefined) throw new SPMTransportError(`Expected \`entry\` (the built spoke entry file) to open a \`${scheme}\` channel, got none`);
  return options.entry;
}

const OPENERS: Readonly<Record<TransportScheme, (uri: string, options: OpenChannelOptions) => Promise<OpenedChannel>>> = {
  inproc: async (_uri, options) => {
    const [channel, peer] = createInprocPair(options.label, options);
    return {
      scheme: 'inproc',
      channel,
      peer,
      terminate: async () => {
        channel.close();
        peer.close();
      },
    };
  },
  thread: async (_uri, options) => {
    const spawned = spawnThread({ ...options, entry: requireEntry('thread', options) });
    return { scheme: 'thread', channel: spawned.channel, threadId: spawned.threadId, terminate: () => spawned.terminate() };
  },
  process: async (_uri, options) => {
    const entry = requireEntry('process', options);
    const spawned = spawnProcess({ ...options, entry: entry instanceof URL ? entry.pathname : entry });
    return {
      scheme: 'process',
      channel: spawned.channel,
      pid: spawned.pid,
      terminate: async () => {
        const { child } = spawned;
        const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
        spawned.channel.close(new SPMTransportError(`Channel ${spawned.channel.label} closed: the process was terminated by the hub`, { channel: spawned.channel.label }));
        spawned.killGroup('SIGKILL');
        await exited;
      },
    };
  },
  tcp: async (uri, options) => {
    if (options.secret === undefined) throw new SPMTransportError(`Expected \`secret\` to open a \`tcp\` channel to ${uri}, got none`);
    const channel = await connectTcp({ ...options, url: uri, secret: options.secret });
    return {
      scheme: 'tcp',
      channel,
      terminate: async () => channel.close(),
    };
  },
};

/**
 * The transport a name or URI designates: `inproc`, `thread`, `process`, or `tcp://host:port`.
 * @throws SPMTransportError for anything else
 */
export function transportFor(uri: string): TransportScheme {
  const scheme = uri.includes('://') ? uri.slice(0, uri.indexOf('://')) : uri;
  if ((TRANSPORT_SCHEMES as readonly string[]).includes(scheme) && (scheme === 'tcp') === uri.includes('://')) return scheme as TransportScheme;
  throw new SPMTransportError(`Expected a transport \`inproc\`, \`thread\`, \`process\` or \`tcp://host:port\`, got \`${uri}\``);
}

/**
 * Opens a channel by transport name or URI, so that layers above the transport never name a
 * concrete channel: `inproc` (a pair in this thread), `thread` and `process` (start a spoke
 * from `options.entry`), `tcp://host:port` (connect to a hub with `options.secret`).
 */
export function openChannel(uri: string, options: OpenChannelOptions = {}): Promise<OpenedChannel> {
  let scheme: TransportScheme;
  try {
    scheme = transportFor(uri);
  } catch (error) {
    return Promise.reject(error);
  }
  return OPENERS[scheme](uri, options);
}
