import { EventEmitter } from 'eventemitter3';
import { SPMTransportError } from '@spm/exceptions';
import type { ChannelEvents, FrameChannel, FrameDivert } from '../channel.js';
import { FRAME_HEADER_BYTES, FrameCodec } from '../frame-codec.js';
import type { FrameDecoder } from '../frame-decoder.js';
import type { FrameLimits } from '../frame-limits.js';
import type { Message } from '../protocol.js';
import { peekType } from './peek-type.js';

/**
 * What every channel shares: the `closed` flag, `close` emitted exactly once, sending through
 * the codec (so that a message that is not data fails at the sender), delivery that stops the
 * moment the channel closes. Subclasses move frames and say how to shut down.
 */
export abstract class BaseChannel extends EventEmitter<ChannelEvents> implements FrameChannel {
  readonly label: string;
  protected readonly codec: FrameCodec;
  #closed = false;
  #divert: FrameDivert | undefined;

  protected constructor(label: string, limits: FrameLimits | FrameCodec) {
    super();
    this.label = label;
    this.codec = limits instanceof FrameCodec ? limits : new FrameCodec(limits);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get maxFrameBytes(): number {
    return this.codec.limits.maxFrameBytes;
  }

  send(message: Message): void {
    if (this.#closed) {
      const type = typeof (message as { type?: unknown }).type === 'string' ? `a \`${(message as { type: string }).type}\` message` : 'a message';
      throw new SPMTransportError(`Cannot send ${type}: channel ${this.label} is closed`, { channel: this.label });
    }
    this.transmit(this.codec.encode(message, this.label));
  }

  sendFrame(frame: Uint8Array): void {
    if (this.#closed) throw new SPMTransportError(`Cannot send a frame: channel ${this.label} is closed`, { channel: this.label });
    const length = frame.length - FRAME_HEADER_BYTES;
    if (length > this.codec.limits.maxFrameBytes) {
      throw new SPMTransportError(`Cannot send a frame on ${this.label}: expected it to be at most ${this.codec.limits.maxFrameBytes} bytes, got ${length}`, { channel: this.label });
    }
    this.transmit(frame);
  }

  divert(divert: FrameDivert | undefined): void {
    this.#divert = divert;
  }

  close(error?: SPMTransportError): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.shutdown(error);
    } finally {
      this.emit('close', error);
    }
  }

  /** Emits each message in order; stops if a listener closes the channel. */
  protected deliver(messages: readonly Message[]): void {
    for (const message of messages) {
      if (this.#closed) return;
      this.emit('message', message);
    }
  }

  /**
   * Takes one received chunk of a byte stream of frames: frames a divert takes go to it as
   * they are; every other frame is decoded, validated and emitted — in the order of the frames.
   * A bad frame closes the channel with its `SPMTransportError`. Returns false once closed.
   */
  protected receiveChunk(decoder: FrameDecoder, chunk: Uint8Array): boolean {
    const frames: Uint8Array[] = [];
    try {
      decoder.pushFrames(chunk, (frame) => frames.push(frame));
    } catch (error) {
      this.#refuse(error as SPMTransportError);
      return false;
    }
    for (const frame of frames) if (!this.receiveFrame(frame)) return false;
    return !this.#closed;
  }

  /** Takes one whole received frame (see {@link receiveChunk}). Returns false once closed. */
  protected receiveFrame(frame: Uint8Array): boolean {
    if (this.#closed) return false;
    const divert = this.#divert;
    if (divert !== undefined && divert(frame, peekType(frame))) return !this.#closed;
    let messages: Message[];
    try {
      messages = this.codec.decodePayload(frame.subarray(FRAME_HEADER_BYTES), this.label);
    } catch (error) {
      this.#refuse(error as SPMTransportError);
      return false;
    }
    this.deliver(messages);
    return !this.#closed;
  }

  /** The error a frame the peer sent was refused with, once one was: the channel closed with it. */
  protected refusedWith: SPMTransportError | undefined;

  #refuse(error: SPMTransportError): void {
    if (!this.#closed) this.refusedWith = error;
    this.close(error);
  }

  /** Builds the error for a peer that went away without saying goodbye. */
  protected lost(reason: string, cause?: unknown): SPMTransportError {
    return new SPMTransportError(`Channel ${this.label} lost: ${reason}`, { channel: this.label, cause });
  }

  /** Writes what is batched for sending now (see {@link Channel.flush}). */
  flush(): void {
    if (!this.closed) this.flushBatch();
  }

  /** Writes the transport's batch now, if it has one. */
  protected flushBatch(): void {
    // No batch: every frame is written as it is sent.
  }

  /** Sends one complete frame (length prefix included). Called only while open. */
  protected abstract transmit(frame: Uint8Array): void;

  /**
   * Releases the transport. Called once, by `close`, before `close` is emitted. Without
   * `error` the close is clean: flush what is queued and tell the peer (end-of-channel frame).
   */
  protected abstract shutdown(error?: SPMTransportError): void;
}
