import type { Socket } from 'node:net';
import type { SPMTransportError } from '@spm/exceptions';
import type { FrameCodec } from '../frame-codec.js';
import type { Message } from '../protocol.js';
import { FrameDecoder } from '../frame-decoder.js';
import { BaseChannel } from './base-channel.js';
import { FrameBatcher } from './frame-batcher.js';
import { escapeLogText } from '../escape-log-text.js';

/** The end-of-channel frame: a zero length prefix. */
const GOODBYE = new Uint8Array(4);
/** How long a cleanly closed socket waits for the peer to end its side before it is destroyed. */
const LINGER_MS = 2000;
/** The most of a peer's stated reason (its `shutdown`) kept for the error of its loss. */
const MAX_SAID = 1000;

/** What a {@link StreamChannel} may be given beyond its socket. */
export interface StreamChannelOptions {
  readonly maxFirstFrameBytes?: number;
  readonly farewell?: (error: SPMTransportError) => Message;
}

/**
 * A channel over a byte stream socket (a socketpair to a child process, an authenticated TCP
 * connection): length-prefixed frames, coalesced per synchronous run. The stream ending
 * without the peer's goodbye frame is a loss. No backpressure: what is sent is queued in memory.
 */
export class StreamChannel extends BaseChannel {
  protected readonly socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #batcher: FrameBatcher;
  readonly #farewell: ((error: SPMTransportError) => Message) | undefined;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);
  readonly #onEnd = (): void => this.peerEnded();
  readonly #onError = (error: Error): void => {
    this.close(this.lost(`socket error: ${error.message}`, error));
  };

  /**
   * @param initial bytes already read from the socket (after a handshake) that belong to the frame stream
   * @param options.maxFirstFrameBytes the largest first frame the peer may send (see `ListenTcpOptions`)
   * @param options.farewell the message written to the peer when a frame it sent is refused, before the connection is ended (a TCP hub's `shutdown` saying why)
   */
  constructor(socket: Socket, label: string, codec: FrameCodec, batch: boolean, initial?: Uint8Array, options: StreamChannelOptions = {}) {
    super(label, codec);
    this.socket = socket;
    this.#decoder = new FrameDecoder(codec, label, options.maxFirstFrameBytes);
    this.#farewell = options.farewell;
    this.#batcher = new FrameBatcher((chunk) => socket.write(chunk), batch);
    socket.setNoDelay?.(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    // Stays attached for the socket's life: a late EPIPE/ECONNRESET without a listener would
    // be rethrown and take the whole hub down.
    socket.on('error', this.#onError);
    // Not a microtask: that would run before the `await connectTcp()` continuation that
    // attaches the caller's listener, and frames the hub sent on accept would reach no one.
    if (initial && initial.length > 0) setImmediate(() => this.#receive(initial));
  }

  /** Why the peer said it is going (its last `shutdown`), escaped as a log would show it. */
  #said: string | undefined;

  // A peer that says why it goes (a `shutdown`: a spoke whose evaluator thread died, a hub letting
  // a spoke go) has its loss said with that reason first, not as a bare end of stream or exit
  // code. Bounded, and escaped: a TCP peer's text is a stranger's (since session 44; before, a
  // process channel's alone, unescaped). Still delivered.
  protected override deliver(messages: readonly Message[]): void {
    for (const message of messages) if (message.type === 'shutdown') this.#said = escapeLogText(message.reason.slice(0, MAX_SAID));
    super.deliver(messages);
  }

  protected override lost(reason: string, cause?: unknown): SPMTransportError {
    return super.lost(this.#said === undefined ? reason : `${this.#said}; ${reason}`, cause);
  }

  #receive(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.receiveChunk(this.#decoder, chunk) && this.#decoder.ended) this.close();
  }

  /** The stream ended or closed while the channel was open: the peer is gone. */
  protected peerEnded(): void {
    if (!this.closed) this.close(this.lost('the peer closed the connection without saying goodbye'));
  }

  protected transmit(frame: Uint8Array): void {
    this.#batcher.push(frame);
  }

  protected override flushBatch(): void {
    this.#batcher.flush();
  }

  /** See {@link Channel.written}: after the socket's own queue (what the kernel did not take at once) drains. */
  written(done: () => void): void {
    if (!this.closed) this.#batcher.flush();
    if (this.closed || this.socket.destroyed || this.socket.writableLength === 0) {
      done();
      return;
    }
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      this.socket.off('drain', once);
      this.socket.off('close', once);
      done();
    };
    this.socket.on('drain', once);
    this.socket.on('close', once);
  }

  protected shutdown(error?: SPMTransportError): void {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onEnd);
    if (error !== undefined && error === this.refusedWith && this.#farewell !== undefined && !this.socket.destroyed) {
      // A frame the peer sent was refused: it is told why (a spoke of another protocol version
      // saw only its connection closed), and nothing more is read from it.
      this.#batcher.discard();
      let frame: Uint8Array | undefined;
      try {
        frame = this.codec.encode(this.#farewell(error), this.label);
      } catch {
        // A farewell that cannot be encoded: the connection is cut without it.
      }
      if (frame === undefined) this.socket.destroy();
      else this.#endWith(frame);
      return;
    }
    if (error || this.socket.destroyed) {
      this.#batcher.discard();
      this.socket.destroy();
      return;
    }
    this.#batcher.flush();
    this.#batcher.discard();
    this.#endWith(GOODBYE);
  }

  /** Ends the socket after `last`, destroying it if the peer does not end its side in time. */
  #endWith(last: Uint8Array): void {
    this.socket.end(last);
    // Every timeout kills what it guards: a peer that never ends its side is cut off.
    const linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
    linger.unref();
    this.socket.once('close', () => clearTimeout(linger));
  }
}
