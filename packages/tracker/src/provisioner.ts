import type { Channel } from '@spm/transport';
import type { SpokeInfo, SpokeKind } from './spoke-info.js';

/** Why a spoke is relaunched. */
export type RelaunchCause = 'lost' | 'requested';

/** What a provisioner tells the tracker about a spoke it started. */
export interface SpokeOrigin {
  /** The provisioner that started it. */
  readonly provisioner: Provisioner;
  /** How it was started. */
  readonly kind: SpokeKind;
  /** The id to give it (local spokes keep theirs across relaunches); else the tracker chooses. */
  readonly id?: string;
  /** Its server name; else what the spoke says in its `hello`. */
  readonly host?: string;
  /** Its index among its server's spokes. */
  readonly coreIndex?: number;
  /** Tags added to those the spoke advertises. */
  readonly tags?: readonly string[];
  /** Its process id. */
  readonly pid?: number;
}

/** The tracker as a provisioner sees it. */
export interface SpokeAttacher {
  /** The hub's server name. */
  readonly hubHost: string;
  /**
   * Greets a new spoke on `channel` (waits for its `hello`, sends `welcome`) and registers it.
   * Rejects, closing the channel, if it does not greet in time, its `hello` is out of the limits
   * on what a spoke may say of itself (docs/packages/tracker.md), or its id is taken.
   */
  attach(channel: Channel, origin: SpokeOrigin): Promise<SpokeInfo>;
  /** Reports that a spoke could not be started at all (its budget is spent): it is `failed`. */
  failed(origin: SpokeOrigin & { readonly id: string }, error: Error): void;
}

/**
 * Starts and stops spokes for the tracker: `local` (inproc, thread or process spokes here,
 * optionally labelled as several virtual servers) or `join` (TCP spokes started by anyone).
 * The tracker does not care how a spoke was started (DESIGN.md, "Where users outgrow one
 * machine"); a new provisioner (ssh, Slurm) implements this interface.
 */
export interface Provisioner {
  /** A unique name, e.g. `local`. */
  readonly name: string;
  /** Whether the hub can relaunch its spokes (local: yes; joined: no, whoever started them does). */
  readonly relaunchable: boolean;
  /** Starts the initial spokes and attaches them. Resolves when each is attached or has failed. */
  start(attacher: SpokeAttacher): Promise<void>;
  /**
   * Terminates spoke `id` if it is alive and starts it anew (same id, next incarnation).
   * `cause` says why: `lost` (it died or hung: this counts against its relaunch budget, which
   * stops a crash loop) or `requested` (a manager asked, e.g. after a task timeout or for
   * `relaunchPre`: not counted). Rejects with a clear error when it cannot: the budget is spent,
   * the spoke keeps failing to start, or the provisioner cannot relaunch spokes (joined ones).
   */
  relaunch(id: string, cause: RelaunchCause): Promise<void>;
  /**
   * Kills spoke `id` now, its process tree included; resolves when it is gone. `reason` says why,
   * for a spoke that can be told (a joined one is sent it before its channel closes).
   */
  kill(id: string, reason?: string): Promise<void>;
  /** Kills every spoke it started and stops starting new ones. */
  close(): Promise<void>;
}
