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
}
