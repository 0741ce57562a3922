import { EventEmitter } from 'eventemitter3';

/** eventemitter3's record of one listener (its `EE`). */
interface ListenerRecord {
  readonly fn: (...args: unknown[]) => unknown;
  readonly context: unknown;
  readonly once: boolean;
}

/**
 * Emits `event` as eventemitter3's `emit` does — in order, once-listeners removed before they
 * are called, each with its context, a throw propagating at once — and hands `onResult` what
 * each listener returned. eventemitter3 drops those values, so an `async` listener's rejection
 * went unhandled and ended the hub's process (exit 1, manage() never settled); the caller
 * watches the promises instead. Reads eventemitter3 5's listener records; an emitter without
 * them (another implementation) is emitted to plainly.
 */
export function emitEach<E extends EventEmitter.ValidEventTypes>(emitter: EventEmitter<E>, event: EventEmitter.EventNames<E>, args: readonly unknown[], onResult: (result: unknown) => void): void {
  const events = (emitter as unknown as { _events?: Record<string | symbol, ListenerRecord | ListenerRecord[] | undefined> })._events;
  if (typeof events !== 'object' || events === null) {
    (emitter.emit as (event: EventEmitter.EventNames<E>, ...args: unknown[]) => boolean)(event, ...args);
    return;
  }
  const key = typeof event === 'string' && typeof EventEmitter.prefixed === 'string' ? `${EventEmitter.prefixed}${event}` : event;
  const found = events[key];
  if (found === undefined) return;
  // A copy: a listener may add or remove listeners while they are called (emit's snapshot too).
  const records = Array.isArray(found) ? [...found] : [found];
  for (const record of records) {
    if (record.once) emitter.removeListener(event, record.fn as EventEmitter.EventListener<E, EventEmitter.EventNames<E>>, undefined, true);
    onResult(record.fn.apply(record.context, args as unknown[]));
  }
}
