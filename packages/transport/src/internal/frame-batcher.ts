/**
 * A batch is written as soon as it holds this many frames. Measured (tools/bench, window 128):
 * unbounded batches ping-pong whole windows between the two sides, each idle while the other
 * works; capping at 32 frames lets them overlap (process channel +27%, thread +5%); 8 is
 * too small again.
 */
const MAX_BATCH_FRAMES = 32;
/** …or this many bytes, so that large messages stream instead of being copied into one buffer. */
const MAX_BATCH_BYTES = 64 * 1024;

/**
 * A fresh copy of `frame`, of its exact size. Not `frame.slice()`: frames are Node `Buffer`s,
 * whose `slice()` is a *view* of the codec's shared buffer — transferring that view to another
 * thread detached the shared buffer, and the next encode threw "Cannot perform Construct on a
 * detached ArrayBuffer" in the hub (found by tools/bench on thread spokes).
 */
function copyOf(frame: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(frame);
}

/**
 * Coalesces the frames sent close together into few writes: a pipelined sender that queues
 * 100 small messages pays 4 `write`/`postMessage` calls instead of 100. The flush waits for
 * the event loop's next check phase (`setImmediate`), so a lone message waits at most one turn.
 */
export class FrameBatcher {
  readonly #sink: (chunk: Uint8Array) => void;
  readonly #batch: boolean;
  readonly #owned: boolean;
  #frames: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;
  #discarded = false;

  /**
   * @param sink writes one chunk (one or more whole frames)
   * @param batch false: write every frame at once (for measuring what batching buys)
   * @param owned true: every chunk given to `sink` is a fresh buffer of its exact size, never a
   *   view into the codec's shared buffer (so that it can be transferred to another thread)
   */
  constructor(sink: (chunk: Uint8Array) => void, batch: boolean, owned = false) {
    this.#sink = sink;
    this.#batch = batch;
    this.#owned = owned;
  }

  push(frame: Uint8Array): void {
    if (this.#discarded) return;
    if (!this.#batch) {
      this.#sink(this.#owned ? copyOf(frame) : frame);
      return;
    }
    this.#frames.push(frame);
    this.#bytes += frame.length;
    if (this.#frames.length >= MAX_BATCH_FRAMES || this.#bytes >= MAX_BATCH_BYTES) {
      this.flush();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      // A macrotask, not a microtask: a pipelined sender's messages of several jobs in a row
      // (each report that frees a slot dispatches one task) then share one write or post.
      // Measured (tools/bench, prefetch 32): CPU per task thread 31.0 → 17.6 µs, tcp 48.3 →
      // 32.9 µs, process 41.3 → 36.9 µs; the hub's posts per task 1.00 → ~0.05.
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#discarded || this.#frames.length === 0) return;
    const frames = this.#frames;
    const bytes = this.#bytes;
    this.#frames = [];
    this.#bytes = 0;
    if (frames.length === 1 && frames[0] !== undefined) {
      this.#sink(this.#owned ? copyOf(frames[0]) : frames[0]);
      return;
    }
    const chunk = new Uint8Array(bytes);
    let at = 0;
    for (const frame of frames) {
      chunk.set(frame, at);
      at += frame.length;
    }
    this.#sink(chunk);
  }

  /** Drops what is queued and ignores later pushes (the channel is closing without a flush). */
  discard(): void {
    this.#discarded = true;
    this.#frames = [];
    this.#bytes = 0;
  }
}
