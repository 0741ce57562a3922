/** How a spoke was started. */
export type SpokeKind = 'inproc' | 'thread' | 'process' | 'tcp';

/**
 * A spoke's state in the tracker: `starting` (launched, not yet greeted), `idle` (ready, in no
 * lease), `leased` (held by the online manager), `lost` (its channel broke, it exited or it
 * missed heartbeats; it may be relaunched), `failed` (its relaunch budget is spent), `stopped`
 * (terminated on purpose).
 */
export type SpokeState = 'starting' | 'idle' | 'leased' | 'lost' | 'failed' | 'stopped';

/** What the tracker knows of one spoke (a snapshot; plain data). */
export interface SpokeInfo {
  /** Stable id; a relaunched spoke keeps it and gets a new {@link SpokeInfo.incarnation}. */
  readonly id: string;
  /** The spoke's server (host name). */
  readonly host: string;
  /** Index of the spoke among its server's spokes (0-based). */
  readonly coreIndex: number;
  /** Tags, e.g. `gpu`. */
  readonly tags: readonly string[];
  /** How it was started. */
  readonly kind: SpokeKind;
  /** Its state. */
  readonly state: SpokeState;
  /** Who leases it, when `leased`. */
  readonly leasedBy?: string;
  /** 1 for the first launch, +1 per relaunch. */
  readonly incarnation: number;
  /** Process id of the spoke (the hub's own for inproc and thread spokes). */
  readonly pid?: number;
  /** The provisioner that started it. */
  readonly provisioner: string;
}
