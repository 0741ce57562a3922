import { SPMTransportError } from '@spm/exceptions';
import type { Channel } from './channel.js';
import type { ChannelOptions } from './channel-options.js';
import { BaseChannel } from './internal/base-channel.js';

interface Goodbye {
  readonly error: SPMTransportError | undefined;
}
type InboxEntry = Uint8Array | Goodbye;

let pairs = 0;

/**
 * One end of an in-thread pair. Each message is encoded when sent (the sender may mutate its
 * object afterwards) and decoded and validated when delivered, exactly as on the other
 * transports: a message that would be refused over a socket is refused here too.
 */
class InprocChannel extends BaseChannel {
  peer: InprocChannel | undefined;
  #inbox: InboxEntry[] = [];
  #head = 0;
  #scheduled = false;

  constructor(label: string, options: ChannelOptions) {
    super(label, options);
  }

  protected transmit(frame: Uint8Array): void {
    this.peer?.enqueue(frame);
  }

  protected shutdown(error?: SPMTransportError): void {
    // Queued after everything already sent, so the peer reads those messages first.
    this.peer?.enqueue({ error });
    this.#inbox = [];
    this.#head = 0;
  }

  private enqueue(entry: InboxEntry): void {
    if (this.closed) return; // like a network: a message to a closed end is dropped
    this.#inbox.push(entry);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Delivery is asynchronous (never inside `send`) and FIFO; one microtask drains all that
      // is queued, so the order of events is a function of the program alone (DESIGN.md, serial parity).
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    this.#scheduled = false;
    while (this.#head < this.#inbox.length && !this.closed) {
      const entry = this.#inbox[this.#head++];
      if (entry === undefined) break;
      if (entry instanceof Uint8Array) {
        if (!this.receiveFrame(entry)) return;
      } else {
        this.close(entry.error ? new SPMTransportError(`Peer of ${this.label} closed with an error: ${entry.error.message}`, { channel: this.label, cause: entry.error }) : undefined);
      }
    }
    if (this.#head >= this.#inbox.length) {
      this.#inbox = [];
      this.#head = 0;
    }
  }
}

/**
 * Creates two connected channels in this thread: the `inproc` transport, the serial mode of
 * DESIGN.md principle 3. What one end sends, the other receives, asynchronously (a microtask
 * after the send at the earliest), in order, deterministically, as a decoded copy validated
 * like any frame from the wire. Closing one end delivers what it already sent, then closes
 * the other (with an error if the first closed with one).
 *
 * @param label names the pair in errors; the ends are labelled `inproc:<label>:hub` and `inproc:<label>:spoke`
 * @returns `[hubEnd, spokeEnd]` (the two ends behave the same; the names are a convention)
 */
export function createInprocPair(label?: string, options: Omit<ChannelOptions, 'label'> = {}): [Channel, Channel] {
  const name = label ?? `${++pairs}`;
  const hub = new InprocChannel(`inproc:${name}:hub`, options);
  const spoke = new InprocChannel(`inproc:${name}:spoke`, options);
  hub.peer = spoke;
  spoke.peer = hub;
  return [hub, spoke];
}
