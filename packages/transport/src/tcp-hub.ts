import { createServer, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { describeValue, SPMTransportError } from '@spm/exceptions';
import type { Channel } from './channel.js';
import { FrameCodec } from './frame-codec.js';
import type { FrameLimits } from './frame-limits.js';
import { StreamChannel } from './internal/stream-channel.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { escapeLogText } from './escape-log-text.js';
import { formatHostPort, formatTcpUrl, isLoopback } from './internal/tcp-address.js';
import {
  challenge,
  confirm,
  freshNonce,
  MAGIC,
  RESPONSE_BYTES,
  secretBytes,
  verifyResponse,
} from './internal/tcp-handshake.js';
import type { TcpSecret } from './tcp-secret.js';
import { resolvePositiveInteger } from './internal/resolve-integer.js';

/** Severity of a {@link TcpLog} line. */
export type TcpLogLevel = 'info' | 'warn' | 'error';
/** Structured fields of a log line (never the secret). */
export type TcpLogFields = Readonly<Record<string, string | number | boolean>>;
/** Receives the hub's log lines: every refused connection or frame is one `warn` line. */
export type TcpLog = (level: TcpLogLevel, message: string, fields: TcpLogFields) => void;

/** Options of {@link listenTcp}. */
export interface ListenTcpOptions extends FrameLimits {
  /** The shared secret spokes must prove they know (see `readSecret`). Required. */
  readonly secret: TcpSecret;
  /** Address to bind. Anything but loopback needs `allowRemote: true`. @default '127.0.0.1' */
  readonly host?: string;
  /** Port to bind; 0 picks a free one (see {@link TcpHub.port}). @default 0 */
  readonly port?: number;
  /** Allow binding a non-loopback address (spokes on other hosts). @default false */
  readonly allowRemote?: boolean;
  /** A connection that has not completed the handshake in this time is dropped. @default 5000 */
  readonly handshakeTimeoutMs?: number;
  /** Connections still in their handshake beyond this number are dropped at once. @default 64 */
  readonly maxUnauthenticated?: number;
  /** Where log lines go. @default {@link defaultTcpLog}: `warn` and `error` lines to stderr */
  readonly log?: TcpLog;
  /** Coalesce messages sent in one synchronous run into one write. @default true */
  readonly batch?: boolean;
  /**
   * The largest first frame an authenticated peer may send, in bytes (at most `maxFrameBytes`):
   * a peer's greeting is small, and a connection that announces a larger one is closed as its
   * length prefix arrives, before anything is buffered for it. Later frames may take up to
   * `maxFrameBytes`. The `join` provisioner sets 65536: 40 authenticated connections that each
   * announced a 4 MiB first frame and sent it slowly held 320 MB until their hello timed out.
   * @default `maxFrameBytes`
   */
  readonly maxFirstFrameBytes?: number;
}

/** Who is at the other end of an accepted channel. */
export interface TcpPeer {
  readonly address: string;
  readonly port: number;
}

/** Events of a {@link TcpHub}. */
export interface TcpHubEvents {
  /** A spoke connected and proved it knows the secret; `channel` is the hub's end. */
  channel: [channel: Channel, peer: TcpPeer];
}

/** A listening TCP hub: accepts authenticated channels from spokes (`connectTcp`). */
export interface TcpHub extends EventEmitter<TcpHubEvents> {
  /** `tcp://host:port`, what spokes connect to. */
  readonly url: string;
  /** The bound address. */
  readonly host: string;
  /** The bound port (the one picked, when asked for 0). */
  readonly port: number;
  /** Connections currently in their handshake. */
  readonly unauthenticated: number;
  /** Stops listening, drops connections still in their handshake, closes every channel it accepted. */
  close(): Promise<void>;
}

/**
 * The log a {@link listenTcp} hub writes to when given none: `warn` and `error` lines to stderr,
 * `spm-transport [warn] MESSAGE {"peer":…,"reason":…}`. Each record is one line, whatever a peer
 * put in the message: control, line-separator and invisible format characters (a newline, a
 * bidi override) are written as `\uXXXX` escapes, so no peer can forge a line.
 */
export const defaultTcpLog: TcpLog = (level, message, fields) => {
  if (level === 'info') return;
  process.stderr.write(`spm-transport [${level}] ${escapeLogText(message)} ${escapeLogText(JSON.stringify(fields))}\n`);
};

/** {@link ListenTcpOptions} a hub runs with, checked before its port is bound. */
interface HubSettings {
  readonly log: TcpLog;
  readonly handshakeTimeoutMs: number;
  readonly maxUnauthenticated: number;
  readonly batch: boolean;
  readonly maxFirstFrameBytes: number;
}

class Hub extends EventEmitter<TcpHubEvents> implements TcpHub {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly #server: Server;
  readonly #key: Buffer;
  readonly #codec: FrameCodec;
  readonly #log: TcpLog;
  readonly #handshakeTimeoutMs: number;
  readonly #maxUnauthenticated: number;
  readonly #batch: boolean;
  readonly #maxFirstFrameBytes: number;
  readonly #pending = new Set<Socket>();
  readonly #channels = new Set<Channel>();
  #closing: Promise<void> | undefined;

  constructor(server: Server, host: string, port: number, key: Buffer, codec: FrameCodec, settings: HubSettings) {
    super();
    this.#server = server;
    this.host = host;
    this.port = port;
    this.url = formatTcpUrl(host, port);
    this.#key = key;
    this.#codec = codec;
    this.#log = settings.log;
    this.#handshakeTimeoutMs = settings.handshakeTimeoutMs;
    this.#maxUnauthenticated = settings.maxUnauthenticated;
    this.#batch = settings.batch;
    this.#maxFirstFrameBytes = settings.maxFirstFrameBytes;
    server.on('connection', (socket) => this.#accept(socket));
    server.on('error', (error) => this.#safeLog('error', `listener error on ${this.url}: ${error.message}`, { url: this.url }));
  }

  get unauthenticated(): number {
    return this.#pending.size;
  }

  #safeLog(level: TcpLogLevel, message: string, fields: TcpLogFields): void {
    try {
      this.#log(level, message, fields);
    } catch {
      // A throwing logger must not stop the hub from serving.
    }
  }

  #accept(socket: Socket): void {
    // `[::1]:34360` for an IPv6 peer, as the hub's own URL writes it (it read `::1:34360`).
    const where = formatHostPort(socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0);
    const peer: TcpPeer = { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 };
    // First, before anything can fail: an unhandled socket error would crash the hub.
    socket.on('error', () => undefined);
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if (this.#pending.size >= this.#maxUnauthenticated) {
      this.#safeLog('warn', `refused connection from ${where}: too many unauthenticated connections (limit ${this.#maxUnauthenticated})`, {
        peer: where,
        reason: 'unauthenticated-limit',
      });
      socket.destroy();
      return;
    }
    this.#pending.add(socket);
    const hubNonce = freshNonce();
    let received = Buffer.alloc(0);
    let done = false;

    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      this.#pending.delete(socket);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    const refuse = (reason: string, code: string): void => {
      if (done) return;
      finish();
      this.#safeLog('warn', `refused connection from ${where}: ${reason}`, { peer: where, reason: code, receivedBytes: received.length });
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      // Never buffer more than one handshake answer: a larger claim is refused below.
      received = Buffer.concat([received, chunk.subarray(0, RESPONSE_BYTES + 1 - received.length)]);
      const head = received.subarray(0, MAGIC.length);
      if (!MAGIC.subarray(0, head.length).equals(head)) {
        refuse('not an spm-ts handshake (wrong magic bytes)', 'bad-magic');
        return;
      }
      if (received.length < RESPONSE_BYTES) return;
      if (received.length > RESPONSE_BYTES) {
        refuse('sent data before the handshake completed', 'early-data');
        return;
      }
      const { ok, spokeNonce } = verifyResponse(this.#key, hubNonce, received);
      if (!ok) {
        refuse('authentication failed (wrong secret, or a replayed handshake)', 'auth-failed');
        return;
      }
      finish();
      socket.write(confirm(this.#key, hubNonce, spokeNonce));
      socket.setKeepAlive(true, 30_000);
      // A peer whose frame is refused is told why before its connection ends (it saw only the close).
      const channel = new StreamChannel(socket, `tcp://${where}`, this.#codec, this.#batch, undefined, {
        maxFirstFrameBytes: this.#maxFirstFrameBytes,
        farewell: (error) => ({ type: 'shutdown', v: PROTOCOL_VERSION, reason: `the hub refused a frame of this peer's: ${error.message}` }),
      });
      this.#channels.add(channel);
      channel.once('close', (error) => {
        this.#channels.delete(channel);
        if (error) this.#safeLog('warn', `closed channel tcp://${where}: ${error.message}`, { peer: where, reason: 'channel-error' });
        else this.#safeLog('info', `channel tcp://${where} closed`, { peer: where });
      });
      this.#safeLog('info', `authenticated ${where}`, { peer: where });
      this.emit('channel', channel, peer);
    };
    const onClose = (): void => {
      if (done) return;
      finish();
      this.#safeLog('info', `connection from ${where} closed during the handshake`, { peer: where, receivedBytes: received.length });
    };
    // Every timeout kills what it guards: a slow drip or a silent connection is cut off.
    const timer = setTimeout(() => refuse(`handshake timed out after ${this.#handshakeTimeoutMs} ms`, 'handshake-timeout'), this.#handshakeTimeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(challenge(hubNonce));
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#pending) socket.destroy();
      this.#pending.clear();
      for (const channel of [...this.#channels]) channel.close();
    });
    return this.#closing;
  }
}

/**
 * Starts a TCP hub: the `tcp` transport's listening side. Each connection must complete the
 * handshake (a mutual HMAC-SHA256 proof of the shared secret over fresh nonces) within
 * `handshakeTimeoutMs` before a single frame is parsed; then the hub emits `channel`.
 * Refused connections and frames are logged (one `warn` line each) and harm no other channel.
 *
 * @throws SPMTransportError for a missing or short secret, a non-loopback `host` without
 *   `allowRemote`, or an address that cannot be bound
 */
export async function listenTcp(options: ListenTcpOptions): Promise<TcpHub> {
  const key = secretBytes(options.secret);
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && options.allowRemote !== true) {
    throw new SPMTransportError(`Expected a loopback \`host\` (127.0.0.1, ::1) unless \`allowRemote: true\`, got \`${host}\``);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SPMTransportError(`Expected \`port\` to be an integer between 0 and 65535, got \`${String(port)}\` (${typeof port})`);
  }
  // Every option is checked before the port is bound: a bad one used to be refused after,
  // leaving the port listening and the process unable to exit.
  if (options.log !== undefined && typeof options.log !== 'function') {
    throw new SPMTransportError(`Expected \`log\` to be a function, got ${describeValue(options.log)}`);
  }
  if (options.batch !== undefined && typeof options.batch !== 'boolean') {
    throw new SPMTransportError(`Expected \`batch\` to be a boolean, got ${describeValue(options.batch)}`);
  }
  const codec = new FrameCodec(options);
  const settings: HubSettings = {
    log: options.log ?? defaultTcpLog,
    handshakeTimeoutMs: resolvePositiveInteger('handshakeTimeoutMs', options.handshakeTimeoutMs, 5000, MAX_TIMER_MS),
    maxUnauthenticated: resolvePositiveInteger('maxUnauthenticated', options.maxUnauthenticated, 64),
    batch: options.batch ?? true,
    maxFirstFrameBytes: resolvePositiveInteger('maxFirstFrameBytes', options.maxFirstFrameBytes, codec.limits.maxFrameBytes, codec.limits.maxFrameBytes),
  };
  const server = createServer({ noDelay: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new SPMTransportError(`Could not listen on ${formatTcpUrl(host, port)}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve());
  });
  try {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new SPMTransportError(`Could not read the address bound on ${formatTcpUrl(host, port)}`);
    const hub = new Hub(server, address.address, address.port, key, codec, settings);
    settings.log('info', `listening on ${hub.url}`, { url: hub.url });
    return hub;
  } catch (error) {
    // Nothing may keep a port this call did not hand over (a throwing log, say).
    server.close();
    throw error;
  }
}

/** The longest a Node.js timer waits, in ms (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;
