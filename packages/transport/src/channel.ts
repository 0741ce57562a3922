import type { EventEmitter } from 'eventemitter3';
import type { SPMTransportError } from '@spm/exceptions';
import type { Message } from './protocol.js';

/** Events of a {@link Channel}. */
export interface ChannelEvents {
  /** A message arrived (already decoded and validated as data). */
  message: [message: Message];
  /** The channel closed; `error` says why when it was not a clean close. Emitted once. */
  close: [error?: SPMTransportError];
}

/**
 * One narrow, bidirectional, ordered message channel between a hub and one spoke. Every
 * transport (`inproc`, `thread`, `process`, `tcp`) implements it; nothing above the
 * transport package knows which one it has.
 */
export interface Channel extends EventEmitter<ChannelEvents> {
  /** A label naming the transport and peer, e.g. `process:1234` or `tcp://127.0.0.1:4100`. */
  readonly label: string;
  /** True once closed (by either side or by an error). */
  readonly closed: boolean;
  /** Sends one message. Throws `SPMTransportError` if the channel is closed. */
  send(message: Message): void;
  /** Closes the channel (idempotent). Pending outgoing messages are flushed where possible. */
  close(error?: SPMTransportError): void;
  /**
   * Writes the messages batched for sending now, not at the event loop's next turn: for a
   * sender about to hold its thread (a spoke starting a long synchronous task right after
   * reporting the last one). Optional: a channel without a batch has nothing to do.
   */
  flush?(): void;
  /**
   * Calls `done` once everything sent so far has been flushed and handed to the operating system
   * (a byte stream's bytes are in the kernel: they reach the peer even if this process is killed
   * now), or the channel has closed. Optional: a channel without such a queue has nothing to wait for.
   */
  written?(done: () => void): void;
}

/**
 * Says, for one received frame, whether a relay takes it as it is. `frame` is the whole frame,
 * length prefix included, undecoded and unvalidated (a view: copy it to keep it past the call);
 * `type` is its message type read from its first bytes, or `undefined` when they do not say.
 * Return `true` to take the frame (it is then neither decoded nor emitted), `false` to let the
 * channel decode, validate and emit it as usual.
 */
export type FrameDivert = (frame: Uint8Array, type: string | undefined) => boolean;

/**
 * A channel that carries frames of the wire codec (every transport of this package): it can
 * relay frames between two channels without decoding and re-encoding them — a spoke agent
 * between its hub and its evaluator thread. Whoever finally receives a relayed frame decodes
 * and validates it; a relay checks only its length.
 */
export interface FrameChannel extends Channel {
  /** Routes received frames through `divert` first (`undefined`: stop diverting). */
  divert(divert: FrameDivert | undefined): void;
  /**
   * Sends one whole frame as it is (length prefix included), in order with {@link send}.
   * Throws `SPMTransportError` if the channel is closed or the frame exceeds its `maxFrameBytes`.
   */
  sendFrame(frame: Uint8Array): void;
  /** The largest frame this channel sends or takes, in bytes (its `maxFrameBytes`). */
  readonly maxFrameBytes: number;
}

/** True when `channel` can relay raw frames (see {@link FrameChannel}). */
export function isFrameChannel(channel: Channel): channel is FrameChannel {
  const candidate = channel as Partial<FrameChannel>;
  return typeof candidate.divert === 'function' && typeof candidate.sendFrame === 'function';
}
