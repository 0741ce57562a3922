import { connect, type Socket } from 'node:net';
import { SPMTransportError } from '@spm/exceptions';
import type { Channel } from './channel.js';
import type { ChannelOptions } from './channel-options.js';
import { FrameCodec } from './frame-codec.js';
import { StreamChannel } from './internal/stream-channel.js';
import { formatTcpUrl, parseTcpUrl } from './internal/tcp-address.js';
import { CHALLENGE_BYTES, CONFIRM_BYTES, freshNonce, hasMagic, MAGIC, response, secretBytes, verifyConfirm } from './internal/tcp-handshake.js';
import type { TcpSecret } from './tcp-secret.js';
import { resolvePositiveInteger } from './internal/resolve-integer.js';

/** Options of {@link connectTcp}. */
export interface ConnectTcpOptions extends ChannelOptions {
  /** The hub's address, `tcp://host:port` (its `TcpHub.url`). */
  readonly url: string;
  /** The shared secret (see `readSecret`); never put it on a command line. */
  readonly secret: TcpSecret;
  /** Connecting and the handshake must complete in this time. @default 5000 */
  readonly handshakeTimeoutMs?: number;
  /** Coalesce messages sent in one synchronous run into one write. @default true */
  readonly batch?: boolean;
}

/**
 * Connects to a TCP hub (the spoke side of the `tcp` transport): both sides prove they know
 * the secret before any frame is exchanged; the hub proves it too, so a spoke never takes
 * tasks from an impostor. Resolves with the channel once authenticated.
 *
 * @throws SPMTransportError when the hub cannot be reached, refuses the spoke (wrong secret),
 *   fails to prove itself, or the handshake times out; its `transient` is `true` when nothing
 *   listened at the address (`ECONNREFUSED`) or the hub closed before its challenge — the two
 *   failures worth trying again as they are
 */
export async function connectTcp(options: ConnectTcpOptions): Promise<Channel> {
  const key = secretBytes(options.secret);
  const { host, port } = parseTcpUrl(options.url);
  const url = formatTcpUrl(host, port);
  const label = options.label ?? url;
  const codec = new FrameCodec(options);
  const timeoutMs = resolvePositiveInteger('handshakeTimeoutMs', options.handshakeTimeoutMs, 5000);
  const batch = options.batch ?? true;

  return await new Promise<Channel>((resolve, reject) => {
    const socket: Socket = connect({ host, port, noDelay: true });
    const spokeNonce = freshNonce();
    let hubNonce: Uint8Array | undefined;
    let received = Buffer.alloc(0);
    let done = false;

    const fail = (reason: string, cause?: unknown, transient?: true): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new SPMTransportError(`Could not connect to ${url}: ${reason}`, { channel: label, cause, transient }));
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      received = Buffer.concat([received, chunk]);
      if (hubNonce === undefined) {
        if (received.length >= MAGIC.length && !hasMagic(received)) {
          fail('the peer is not an spm-ts hub (wrong magic bytes)');
          return;
        }
        if (received.length < CHALLENGE_BYTES) return;
        hubNonce = Uint8Array.prototype.slice.call(received, MAGIC.length, CHALLENGE_BYTES);
        received = received.subarray(CHALLENGE_BYTES);
        socket.write(response(key, hubNonce, spokeNonce));
      }
      if (received.length < CONFIRM_BYTES) return;
      if (!verifyConfirm(key, hubNonce, spokeNonce, received.subarray(0, CONFIRM_BYTES))) {
        fail('the hub failed to prove it knows the secret');
        return;
      }
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.setKeepAlive(true, 30_000);
      // Frames the hub sent right after its proof may share this chunk.
      resolve(new StreamChannel(socket, label, codec, batch, received.subarray(CONFIRM_BYTES)));
    };
    const onError = (error: NodeJS.ErrnoException): void => fail(error.message, error, error.code === 'ECONNREFUSED' ? true : undefined);
    const onClose = (): void => {
      if (hubNonce === undefined) fail('the connection closed before the hub sent its challenge', undefined, true);
      else fail('the hub closed the connection during the handshake (wrong secret?)');
    };
    // Every timeout kills what it guards.
    const timer = setTimeout(() => fail(`the handshake did not complete within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
