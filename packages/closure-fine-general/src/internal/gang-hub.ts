import { SPMError } from '@spm/exceptions';
import type { FailureNotice, InEntry, JoinReply, OutEntry, PeerPaths, PollReply } from './protocol.js';
import { checkPlainData } from './plain-data.js';

/** The most a poll reply carries, by estimated encoded size (it must fit a wire frame). */
export const POLL_REPLY_BYTES = 1 << 20;

interface Stored {
  readonly entry: InEntry;
  readonly bytes: number;
}

/**
 * The hub's side of one gang run, as a state machine with no I/O: the rendezvous table,
 * a mailbox per rank for messages that go through the hub, which ranks returned, and whether
 * the gang failed. The closure's message handler drives it; every method answers at once, so the
 * core's one-callback-at-a-time queue never waits on the gang.
 */
export class GangHub {
  readonly size: number;
  readonly #table: ([string, number] | undefined)[];
  readonly #mail: Stored[][];
  readonly #finished = new Set<number>();
  #joined = 0;
  #failure: FailureNotice | undefined;

  constructor(size: number) {
    this.size = size;
    this.#table = Array.from({ length: size }, () => undefined);
    this.#mail = Array.from({ length: size }, () => []);
  }

  /** Every rank joined. */
  get complete(): boolean {
    return this.#joined === this.size;
  }

  /** Messages waiting at the hub, over all mailboxes. */
  get queued(): number {
    return this.#mail.reduce((n, box) => n + box.length, 0);
  }

  /** Rank `rank` (in process `process`, thread `thread`) is here; the table once all are. */
  join(rank: number, process: unknown, thread: unknown): JoinReply {
    this.#rank(rank, 'join');
    if (typeof process !== 'string' || typeof thread !== 'number') throw new SPMError(`Expected rank ${rank}'s join to carry its process and thread ids, got ${typeof process}/${typeof thread}`);
    if (this.#table[rank] === undefined) {
      this.#table[rank] = [process, thread];
      this.#joined += 1;
    }
    if (!this.complete) return this.#failure ? { wait: true, fail: this.#failure } : { wait: true };
    return { table: this.#table as [string, number][] };
  }

  /** Files rank `from`'s messages in the mailboxes of the ranks they go to. */
  deliver(from: number, entries: unknown): void {
    this.#rank(from, 'deliver');
    if (!Array.isArray(entries)) throw new SPMError(`Expected rank ${from}'s outgoing messages to be an array, got ${typeof entries}`);
    for (const raw of entries as unknown[]) {
      const e = raw as Partial<OutEntry> | null;
      if (typeof e !== 'object' || e === null || !Number.isInteger(e.t) || (e.k !== 'p' && e.k !== 'c') || (typeof e.x !== 'string' && typeof e.x !== 'number')) {
        throw new SPMError(`Expected a peer message from rank ${from} ({ t, k, x, b }), got ${JSON.stringify(raw)?.slice(0, 200)}`);
      }
      const to = e.t as number;
      this.#rank(to, `a message from rank ${from}`);
      const entry: InEntry = e.o === undefined ? { f: from, k: e.k, x: e.x, b: e.b ?? null } : { f: from, k: e.k, x: e.x, o: e.o, b: e.b ?? null };
      (this.#mail[to] as Stored[]).push({ entry, bytes: checkPlainData(entry.b, 'a peer message') + 16 });
    }
  }

  /** What waits for `rank`: its messages (up to about {@link POLL_REPLY_BYTES}), who returned, and the failure. */
  poll(rank: number): PollReply {
    this.#rank(rank, 'poll');
    const box = this.#mail[rank] as Stored[];
    let n = 0;
    let bytes = 0;
    while (n < box.length && (n === 0 || bytes + (box[n] as Stored).bytes <= POLL_REPLY_BYTES)) {
      bytes += (box[n] as Stored).bytes;
      n += 1;
    }
    const m = box.splice(0, n).map((s) => s.entry);
    // Who returned is told only with the mailbox empty: a rank that waits for a returned rank
    // concludes it will never hear from it, so every message that rank sent must be in hand.
    const fin = box.length === 0 ? [...this.#finished] : [];
    return this.#failure ? { m, fin, fail: this.#failure } : { m, fin };
  }

  /** Rank `rank` returned: its report reached the hub (after every message it sent). */
  finished(rank: number): void {
    this.#finished.add(rank);
  }

  /** The gang failed: every later reply says so. The first failure stays. */
  fail(notice: FailureNotice): void {
    this.#failure ??= notice;
  }

  /** Pairs of ranks that talk directly (same process) and through the hub, once the table is complete. */
  links(paths: PeerPaths): { direct: number; hub: number } {
    let direct = 0;
    let hub = 0;
    for (let a = 0; a < this.size; a += 1) {
      for (let b = a + 1; b < this.size; b += 1) {
        const same = paths === 'auto' && this.#table[a] !== undefined && this.#table[a]?.[0] === this.#table[b]?.[0];
        if (same) direct += 1;
        else hub += 1;
      }
    }
    return { direct, hub };
  }

  #rank(rank: unknown, what: string): void {
    if (!Number.isInteger(rank) || (rank as number) < 0 || (rank as number) >= this.size) {
      throw new SPMError(`Expected a rank 0 … ${this.size - 1} in ${what}, got ${String(rank)}`);
    }
  }
}
