/**
 * Counts complete length-prefixed frames (`[u32 BE length][payload]`) in a byte stream, in
 * chunks of any size: what a bare pipe or TCP loop needs to know how many echoes arrived,
 * and nothing more (no decoding, no validation — that is the point of a floor).
 */
export class FrameCounter {
  #header = new Uint8Array(4);
  #headerFill = 0;
  #remaining = -1;

  /** Adds a chunk; returns how many frames it completed. */
  push(chunk: Uint8Array): number {
    let frames = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.#remaining < 0) {
        const take = Math.min(4 - this.#headerFill, chunk.length - at);
        this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < 4) break;
        this.#remaining = new DataView(this.#header.buffer).getUint32(0);
        this.#headerFill = 0;
      }
      const take = Math.min(this.#remaining, chunk.length - at);
      this.#remaining -= take;
      at += take;
      if (this.#remaining === 0) {
        frames++;
        this.#remaining = -1;
      }
    }
    return frames;
  }
}

/** A frame of `payloadBytes` bytes (its payload is filler), as a floor's message. */
export function fillerFrame(payloadBytes: number): Uint8Array {
  const frame = new Uint8Array(4 + payloadBytes).fill(0x2a);
  new DataView(frame.buffer).setUint32(0, payloadBytes);
  return frame;
}
