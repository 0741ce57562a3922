import { SPMError } from '@spm/exceptions';
import type { FailureNotice, InEntry, JoinReply, OutEntry, PeerPaths, PollReply } from './protocol.js';
import { checkPlainData } from './plain-data.js';

/** The most a poll reply carries, by estimated encoded size (it must fit a wire frame). */
export const POLL_REPLY_BYTES = 1 << 20;

/** A collective a rank entered, as the hub saw its contributions go by. */
interface Entered {
  readonly seq: number;
  readonly op: string;
}

/** Ranks waiting in one collective for the same ranks (see {@link GangHub.waits}). */
export interface CollectiveWait {
  /** The ranks that wait. */
  readonly ranks: readonly number[];
  /** The collective (`allreduce`, `barrier`, `allgather`). */
  readonly op: string;
  /** Its sequence number (1 for a rank's first collective). */
  readonly seq: number;
  /** The ranks they wait for: none of them contributed to it yet. */
  readonly for: readonly number[];
}

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
  /** By rank: the last collective it entered that makes it wait for every other rank. */
  readonly #entered: (Entered | undefined)[];
  /** By sender, then receiver: the sequence number of the last collective entry it sent it. */
  readonly #contributed: Map<number, number>[];
  #joined = 0;
  #failure: FailureNotice | undefined;

  constructor(size: number) {
    this.size = size;
    this.#table = Array.from({ length: size }, () => undefined);
    this.#mail = Array.from({ length: size }, () => []);
    this.#entered = Array.from({ length: size }, () => undefined);
    this.#contributed = Array.from({ length: size }, () => new Map());
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
      if (e.k === 'c' && typeof e.x === 'number') this.#sawCollective(from, to, e.x, e.o);
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

  #sawCollective(from: number, to: number, seq: number, op: string | undefined): void {
    const sent = this.#contributed[from] as Map<number, number>;
    sent.set(to, Math.max(seq, sent.get(to) ?? 0));
    // A broadcast's root sends and goes on; every other collective waits for every rank.
    if (op !== undefined && op !== 'broadcast' && seq > (this.#entered[from]?.seq ?? 0)) this.#entered[from] = { seq, op };
  }

  /**
   * Which ranks wait in a collective for which others, as far as the hub can tell: a rank that
   * sent its contribution to collective #n (other than a broadcast) through the hub cannot have
   * completed it until every other rank's contribution came — and one from a rank on the hub path
   * comes through the hub. So it still waits, for those of them on the hub path that have not sent
   * theirs and are still running. Pairs on a direct channel are not seen here: their waits are not
   * told. Grouped by collective and by the ranks waited for, in rank order.
   */
  waits(paths: PeerPaths): CollectiveWait[] {
    const groups = new Map<string, { ranks: number[]; op: string; seq: number; for: number[] }>();
    for (let rank = 0; rank < this.size; rank += 1) {
      const entered = this.#entered[rank];
      if (entered === undefined || this.#finished.has(rank)) continue;
      const missing: number[] = [];
      for (let peer = 0; peer < this.size; peer += 1) {
        if (peer === rank || this.#direct(paths, rank, peer)) continue;
        // A rank that returned without contributing: the waiting rank is told so and fails.
        if (!this.#finished.has(peer) && (this.#contributed[peer]?.get(rank) ?? 0) < entered.seq) missing.push(peer);
      }
      if (missing.length === 0) continue;
      const key = `${entered.seq}:${entered.op}:${missing.join(',')}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { ranks: [rank], op: entered.op, seq: entered.seq, for: missing });
      else group.ranks.push(rank);
    }
    return [...groups.values()];
  }

  /** Ranks `a` and `b` talk over a direct channel (the hub does not see what they say). */
  #direct(paths: PeerPaths, a: number, b: number): boolean {
    // Until the table is complete no rank has a direct channel open for sure: count it as direct
    // (unknown), so that no wait is claimed from messages the hub may not see.
    if (!this.complete) return true;
    return paths === 'auto' && this.#table[a]?.[0] === this.#table[b]?.[0];
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
