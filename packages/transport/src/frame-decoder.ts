import { SPMTransportError, messageOfThrown } from '@spm/exceptions';
import type { Message } from './protocol.js';
import { FRAME_HEADER_BYTES, FrameCodec } from './frame-codec.js';
import type { FrameLimits } from './frame-limits.js';

/**
 * A streaming decoder for a byte stream of length-prefixed frames (a pipe, a socket). Feed it
 * chunks as they arrive, in any sizes; it returns the complete messages so far.
 *
 * A length prefix larger than `maxFrameBytes` is refused as soon as its 4 bytes arrive,
 * before anything is buffered for it. After the first error the decoder is broken: every
 * later `push` throws the same error (the channel is closing anyway).
 */
/** Pieces of one frame kept as they came before they are gathered into one buffer (see `#gathered`). */
const GATHER_AFTER_CHUNKS = 16;

export class FrameDecoder {
  /** The codec (and limits) used for each frame's payload. */
  readonly codec: FrameCodec;
  readonly #channel: string | undefined;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /**
   * The frame being gathered, once its bytes came in more than {@link GATHER_AFTER_CHUNKS} pieces:
   * each later piece is copied into it once (the buffer grows by doubling, up to the frame's
   * length). Kept as a list of pieces instead, a frame sent a byte at a time cost time growing
   * with the square of its pieces to take — a 4 MiB frame dripped by a peer held the hub's
   * thread for minutes — and ~40 bytes of memory per byte.
   */
  #gathered: Uint8Array | undefined;
  #gatheredBytes = 0;
  // Length of the frame whose header was read, or -1 while waiting for a header.
  #expected = -1;
  #error: SPMTransportError | undefined;
  #ended = false;
  /** The largest first frame, until its length prefix has been read; then `undefined`. */
  #firstLimit: number | undefined;

  /**
   * @param limits the limits to enforce, or a codec to share
   * @param channel the channel's label, for error messages
   * @param maxFirstFrameBytes a lower limit for the first frame only (a peer's greeting)
   */
  constructor(limits: FrameLimits | FrameCodec = {}, channel?: string, maxFirstFrameBytes?: number) {
    this.codec = limits instanceof FrameCodec ? limits : new FrameCodec(limits);
    this.#channel = channel;
    this.#firstLimit = maxFirstFrameBytes !== undefined && maxFirstFrameBytes < this.codec.limits.maxFrameBytes ? maxFirstFrameBytes : undefined;
  }

  /** Bytes received but not yet decoded (part of a frame). */
  get buffered(): number {
    return this.#buffered + this.#gatheredBytes;
  }

  /** True once the peer's end-of-channel marker (a zero-length frame) arrived; later bytes are ignored. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Adds a chunk and returns the messages it completed (batches unpacked), in order. Throws
   * `SPMTransportError` on an oversize, malformed or invalid frame.
   */
  push(chunk: Uint8Array): Message[] {
    const out: Message[] = [];
    this.pushFrames(chunk, (frame) => {
      for (const message of this.codec.decodePayload(frame.subarray(FRAME_HEADER_BYTES), this.#channel)) out.push(message);
    });
    return out;
  }

  /**
   * Adds a chunk and calls `onFrame` with each frame it completed, in order, *undecoded*:
   * length prefix included, a view that is valid only during the call (copy it to keep it).
   * Only the length prefix is checked (against `maxFrameBytes`); a relay that forwards the
   * bytes leaves decoding and validation to the frame's final receiver. Throws
   * `SPMTransportError` on an oversize length prefix, and whatever `onFrame` throws (after
   * which the decoder is broken like after any error).
   */
  pushFrames(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    if (this.#error) throw this.#error;
    if (this.#ended || chunk.length === 0) return;
    try {
      let rest = chunk;
      if (this.#gathered !== undefined) {
        const size = FRAME_HEADER_BYTES + this.#expected;
        const part = Math.min(size - this.#gatheredBytes, rest.length);
        this.#gather(rest.subarray(0, part), size);
        rest = rest.subarray(part);
        if (this.#gatheredBytes < size) return;
        const frame = this.#gathered.subarray(0, size);
        this.#gathered = undefined;
        this.#gatheredBytes = 0;
        this.#expected = -1;
        onFrame(frame);
        if (rest.length === 0 || this.#ended) return;
      }
      this.#chunks.push(rest);
      this.#buffered += rest.length;
      for (;;) {
        if (this.#expected < 0) {
          if (this.#buffered < FRAME_HEADER_BYTES) break;
          const length = this.#peekLength();
          if (length === 0) {
            this.#ended = true;
            this.#chunks = [];
            this.#buffered = 0;
            break;
          }
          if (length > this.codec.limits.maxFrameBytes) {
            throw new SPMTransportError(
              `Refused a frame${this.#channel ? ` on ${this.#channel}` : ''}: its length prefix announces ${length} bytes, expected at most ${this.codec.limits.maxFrameBytes}`,
              { channel: this.#channel },
            );
          }
          const first = this.#firstLimit;
          if (first !== undefined && length > first) {
            throw new SPMTransportError(
              `Refused a frame${this.#channel ? ` on ${this.#channel}` : ''}: its length prefix announces ${length} bytes, expected at most ${first} for the first frame (\`maxFirstFrameBytes\`)`,
              { channel: this.#channel },
            );
          }
          this.#firstLimit = undefined;
          this.#expected = length;
        }
        if (this.#buffered < FRAME_HEADER_BYTES + this.#expected) {
          // All that is buffered is this frame's beginning. Past a few pieces it is gathered
          // into one buffer, where the pieces still to come are copied once each.
          if (this.#chunks.length > GATHER_AFTER_CHUNKS) {
            const size = FRAME_HEADER_BYTES + this.#expected;
            for (const piece of this.#chunks) this.#gather(piece, size);
            this.#chunks = [];
            this.#buffered = 0;
          }
          break;
        }
        const frame = this.#take(FRAME_HEADER_BYTES + this.#expected);
        this.#expected = -1;
        onFrame(frame);
      }
    } catch (error) {
      this.#error =
        error instanceof SPMTransportError ? error : new SPMTransportError(`Refused a frame${this.#channel ? ` on ${this.#channel}` : ''}: ${messageOfThrown(error, true)}`, { channel: this.#channel, cause: error });
      this.#chunks = [];
      this.#buffered = 0;
      this.#gathered = undefined;
      this.#gatheredBytes = 0;
      throw this.#error;
    }
  }

  /** Copies `piece` behind the gathered bytes of a frame of `size` bytes, growing the buffer by doubling (never past `size`). */
  #gather(piece: Uint8Array, size: number): void {
    const need = this.#gatheredBytes + piece.length;
    if (this.#gathered === undefined || this.#gathered.length < need) {
      const grown = new Uint8Array(Math.min(size, Math.max(need, 2 * (this.#gathered?.length ?? 0), 64 * 1024)));
      if (this.#gathered !== undefined) grown.set(this.#gathered.subarray(0, this.#gatheredBytes));
      this.#gathered = grown;
    }
    this.#gathered.set(piece, this.#gatheredBytes);
    this.#gatheredBytes = need;
  }

  // The big-endian u32 length prefix at the head of the buffer (which holds at least 4 bytes),
  // read without consuming it: the frame is taken whole, prefix included, so that a relay can
  // forward it as it came.
  #peekLength(): number {
    let length = 0;
    let read = 0;
    for (const chunk of this.#chunks) {
      for (let i = 0; i < chunk.length && read < FRAME_HEADER_BYTES; i++, read++) length = length * 256 + (chunk[i] ?? 0);
      if (read === FRAME_HEADER_BYTES) break;
    }
    return length;
  }

  // Removes the first `n` buffered bytes; a view (no copy) when they lie in one chunk.
  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first === undefined) throw new Error('FrameDecoder: take from an empty buffer');
    this.#buffered -= n;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) throw new Error('FrameDecoder: buffer accounting broken');
      const part = Math.min(n - filled, chunk.length);
      out.set(chunk.subarray(0, part), filled);
      filled += part;
      if (part === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}
