import { EventEmitter } from 'eventemitter3';
import { SPMTransportError } from '@spm/exceptions';
import type { Channel, ChannelEvents } from '../channel.js';
import { FrameCodec } from '../frame-codec.js';
import type { FrameLimits } from '../frame-limits.js';
import type { Message } from '../protocol.js';

/**
 * What every channel shares: the `closed` flag, `close` emitted exactly once, sending through
 * the codec (so that a message that is not data fails at the sender), delivery that stops the
 * moment the channel closes. Subclasses move frames and say how to shut down.
 */
export abstract class BaseChannel extends EventEmitter<ChannelEvents> implements Channel {
  readonly label: string;
  protected readonly codec: FrameCodec;
  #closed = false;

  protected constructor(label: string, limits: FrameLimits | FrameCodec) {
    super();
    this.label = label;
    this.codec = limits instanceof FrameCodec ? limits : new FrameCodec(limits);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: Message): void {
    if (this.#closed) {
      const type = typeof (message as { type?: unknown }).type === 'string' ? `a \`${(message as { type: string }).type}\` message` : 'a message';
      throw new SPMTransportError(`Cannot send ${type}: channel ${this.label} is closed`, { channel: this.label });
    }
    this.transmit(this.codec.encode(message, this.label));
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

  /** Builds the error for a peer that went away without saying goodbye. */
  protected lost(reason: string, cause?: unknown): SPMTransportError {
    return new SPMTransportError(`Channel ${this.label} lost: ${reason}`, { channel: this.label, cause });
  }

  /** Sends one complete frame (length prefix included). Called only while open. */
  protected abstract transmit(frame: Uint8Array): void;

  /**
   * Releases the transport. Called once, by `close`, before `close` is emitted. Without
   * `error` the close is clean: flush what is queued and tell the peer (end-of-channel frame).
   */
  protected abstract shutdown(error?: SPMTransportError): void;
}
