import { EventEmitter } from 'eventemitter3';
import { SPMError } from '@spm/exceptions';
import type { Message } from '@spm/transport';
import type { Pool } from './pool.js';
import type { SpokeInfo } from './spoke-info.js';

/** Why a spoke was declared lost. */
export interface LostReason {
  /** Human-readable reason: `channel closed: …`, `missed heartbeats (silent for 5123 ms)`. */
  readonly reason: string;
  /** The error that closed its channel, if any. */
  readonly error?: Error;
  /** For heartbeat losses: ms since the spoke was last heard from. */
  readonly silentForMs?: number;
}

/** Events of a {@link Lease}. */
export interface LeaseEvents {
  /** A message from a spoke of the lease. */
  message: [spokeId: string, message: Message];
  /** A spoke joined the lease, or came back after a relaunch. */
  ready: [spoke: SpokeInfo];
  /** A spoke of the lease was lost (it stays a member and may come back `ready`). */
  lost: [spoke: SpokeInfo, reason: LostReason];
  /** A spoke of the lease cannot be relaunched (its budget is spent). */
  failed: [spoke: SpokeInfo, error: SPMError];
}

/** How a lease is released. */
export interface ReleaseOptions {
  /** Terminate and relaunch these spokes (or all with `true`) instead of returning them idle. @default false */
  readonly relaunch?: boolean | readonly string[];
}

/** What a lease needs of its tracker. */
export interface LeaseHost {
  snapshot(id: string): SpokeInfo | undefined;
  send(id: string, message: Message): void;
  reachable(id: string): boolean;
  /** The lease relaunches one of its own spokes (its manager knows: the lease is not told again). */
  relaunchMember(lease: Lease, id: string): Promise<void>;
  /** The lease kills one of its own spokes (its manager knows: the lease is not told again). */
  killMember(lease: Lease, id: string): Promise<void>;
  release(lease: Lease, options: ReleaseOptions): Promise<void>;
}

let leases = 0;

/**
 * The spokes one task manager holds while it is online (seed Fig. 1: the tracker leases
 * resources to at most one manager at a time). Members stay members when they are lost and
 * relaunched; new idle spokes of the pool join while the lease holds fewer than its maximum.
 */
export class Lease extends EventEmitter<LeaseEvents> {
  /** Unique id of the lease. */
  readonly id: string;
  /** Who holds it (a manager's name). */
  readonly owner: string;
  /** The pool it draws from. */
  readonly pool: Pool;
  /** The most spokes it may hold. */
  readonly nSpokesMax: number;
  readonly #host: LeaseHost;
  readonly #members: string[] = [];
  #released = false;

  /** @internal Created by the tracker. */
  constructor(host: LeaseHost, owner: string, pool: Pool, nSpokesMax: number) {
    super();
    this.id = `lease-${++leases}`;
    this.#host = host;
    this.owner = owner;
    this.pool = pool;
    this.nSpokesMax = nSpokesMax;
  }

  /** True once released. */
  get released(): boolean {
    return this.#released;
  }

  /** Ids of the member spokes, in the order they joined. */
  get spokeIds(): readonly string[] {
    return this.#members;
  }

  /** Snapshots of the member spokes (any state). */
  spokes(): SpokeInfo[] {
    return this.#members.map((id) => this.#host.snapshot(id)).filter((s): s is SpokeInfo => s !== undefined);
  }

  /**
   * Sends a message to member `spokeId`. Throws `SPMTransportError` if it is not reachable, or
   * if the message cannot be sent at all (not wire data, larger than a frame): {@link reachable}
   * tells the two apart.
   */
  send(spokeId: string, message: Message): void {
    this.#holds(spokeId, 'send to');
    this.#host.send(spokeId, message);
  }

  /** Whether member `spokeId`'s channel is open now (a send that failed while it is was the message's fault). */
  reachable(spokeId: string): boolean {
    return this.#host.reachable(spokeId);
  }

  /** Kills member `spokeId` (process tree included) and starts it anew; it comes back `ready`. */
  relaunch(spokeId: string): Promise<void> {
    try {
      this.#holds(spokeId, 'relaunch');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#host.relaunchMember(this, spokeId);
  }

  /** Kills member `spokeId` now without relaunching it. */
  kill(spokeId: string): Promise<void> {
    try {
      this.#holds(spokeId, 'kill');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#host.killMember(this, spokeId);
  }

  /**
   * Throws unless this lease holds `spokeId` now: a released lease, or one that never had the
   * spoke, must not reach a spoke another manager may hold (its manager would never hear of it).
   */
  #holds(spokeId: string, act: string): void {
    if (this.#released) throw new SPMError(`Lease ${this.id} (${this.owner}) was released: it cannot ${act} spoke \`${spokeId}\` any more`);
    if (!this.#members.includes(spokeId)) throw new SPMError(`Lease ${this.id} (${this.owner}) does not hold spoke \`${spokeId}\`: it cannot ${act} it (its spokes: ${this.#members.join(', ') || 'none'})`);
  }

  /** Returns every member idle (or relaunched, as asked) and ends the lease. Idempotent. */
  async release(options: ReleaseOptions = {}): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#host.release(this, options);
    this.removeAllListeners();
  }

  /** @internal */
  addMember(id: string): void {
    if (!this.#members.includes(id)) this.#members.push(id);
  }

  /** @internal */
  hasMember(id: string): boolean {
    return this.#members.includes(id);
  }
}
