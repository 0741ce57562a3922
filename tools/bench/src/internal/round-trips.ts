/** One side of a request/echo loop under measurement: a bare floor or one of our channels. */
export interface Link {
  /** Sends message number `seq` to the echoing peer. */
  send(seq: number): void;
  /** Sets the handler called with how many echoes just arrived (replaces the previous one). */
  onReplies(handler: (count: number) => void): void;
  /** Stops the peer (kills its thread or process) and releases everything. */
  close(): Promise<void>;
}

/** One measured run. */
export interface RunOptions {
  /** Round trips to complete. */
  readonly messages: number;
  /** Messages in flight at once: 1 for one in flight, e.g. 128 for pipelined. */
  readonly window: number;
  /** The run is abandoned (rejected) past this; the caller then closes the link. */
  readonly timeoutMs: number;
}

/**
 * Sends `messages` messages keeping at most `window` unanswered, and resolves with the
 * completed round trips per second.
 */
export function runRoundTrips(link: Link, options: RunOptions): Promise<number> {
  const { messages, window, timeoutMs } = options;
  let sent = 0;
  let received = 0;
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      link.onReplies(() => undefined);
      reject(new Error(`round trips stalled: ${received}/${messages} echoed after ${timeoutMs} ms (window ${window})`));
    }, timeoutMs);
    const start = performance.now();
    link.onReplies((count) => {
      received += count;
      if (received >= messages) {
        const seconds = (performance.now() - start) / 1000;
        clearTimeout(timer);
        link.onReplies(() => undefined);
        resolve(messages / seconds);
        return;
      }
      while (sent < messages && sent - received < window) link.send(sent++);
    });
    while (sent < Math.min(window, messages)) link.send(sent++);
  });
}

/** The median of `values` (the middle one, or the mean of the two middle ones). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? 0) + upper) / 2;
}
