import type { PeerData, PeerMessage, Tag } from '../gang-context.js';

/**
 * The point-to-point messages a rank received and has not taken yet, in arrival order. `take`
 * removes the first that matches; taking from the head (the common case: one sender, one tag)
 * costs O(1), so a rank can buffer many thousands of messages. Messages taken from the middle
 * leave holes, squeezed out once they are half of the buffer.
 */
export class Inbox {
  #items: (PeerMessage | undefined)[] = [];
  #head = 0;
  #holes = 0;

  /** Messages waiting. */
  get size(): number {
    return this.#items.length - this.#head - this.#holes;
  }

  push(message: PeerMessage): void {
    this.#items.push(message);
  }

  /** The first message from `from` (any if undefined) with `tag` (any if undefined), removed. */
  take(from: number | undefined, tag: Tag | undefined): PeerMessage<PeerData> | undefined {
    for (let i = this.#head; i < this.#items.length; i += 1) {
      const item = this.#items[i];
      if (item === undefined || (from !== undefined && item.from !== from) || (tag !== undefined && item.tag !== tag)) continue;
      this.#items[i] = undefined;
      if (i === this.#head) {
        this.#head += 1;
        // Holes just behind the head are passed over now.
        while (this.#head < this.#items.length && this.#items[this.#head] === undefined) {
          this.#head += 1;
          this.#holes -= 1;
        }
      } else {
        this.#holes += 1;
      }
      this.#compact();
      return item;
    }
    return undefined;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
      this.#holes = 0;
    } else if (this.#head + this.#holes > 1024 && (this.#head + this.#holes) * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head).filter((item) => item !== undefined);
      this.#head = 0;
      this.#holes = 0;
    }
  }
}
