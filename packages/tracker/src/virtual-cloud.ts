import { SPMError } from '@spm/exceptions';
import { JoinProvisioner, type JoinProvisionerOptions } from './join-provisioner.js';
import { LocalProvisioner, type LocalProvisionerOptions } from './local-provisioner.js';
import { inter, interOnePerServer, intraAll, intraOnePerServer, where } from './pool.js';
import type { SpokeInfo } from './spoke-info.js';
import { bindPool, Tracker, type BoundPool } from './tracker.js';
import type { TrackerOptions } from './tracker-options.js';

/** Options of {@link VirtualCloud.start}. */
export interface VirtualCloudOptions extends TrackerOptions {
  /**
   * Local spokes (one provisioner, or several with distinct names). Omitted together with
   * `join`: one process spoke per core.
   */
  readonly local?: LocalProvisionerOptions | readonly LocalProvisionerOptions[];
  /** Admit authenticated TCP spokes (`spm-spoke --hub …`). */
  readonly join?: JoinProvisionerOptions;
}

/** The pool handles of a cloud (seed Fig. 13), bound to its tracker. */
export interface CloudPools {
  /** Every spoke on the hub's server. */
  intraAll(): BoundPool;
  /** One spoke on the hub's server. */
  intraOnePerServer(): BoundPool;
  /** Spokes on any server. */
  inter(): BoundPool;
  /** One spoke per server. */
  interOnePerServer(): BoundPool;
  /** Spokes on any server that satisfy `predicate`. */
  where(predicate: (spoke: SpokeInfo) => boolean, name?: string): BoundPool;
}

/**
 * The seed's `createVirtualCloud`: a tracker with its provisioners, started together and closed
 * together. `close()` kills every spoke it started (process trees included) and resolves when
 * they are gone.
 *
 * @example
 * const cloud = await VirtualCloud.start({ local: { kind: 'process', spokes: 4 } });
 * const lease = await cloud.tracker.lease({ pool: cloud.pool.intraAll(), nSpokesMin: 1 });
 * await cloud.close();
 */
export class VirtualCloud {
  /** The tracker (registry, liveness, leases). */
  readonly tracker: Tracker;
  /** Pool handles. */
  readonly pool: CloudPools;
  readonly #join: JoinProvisioner | undefined;

  private constructor(tracker: Tracker, joinProvisioner: JoinProvisioner | undefined) {
    this.tracker = tracker;
    this.#join = joinProvisioner;
    this.pool = {
      intraAll: () => bindPool(intraAll(), tracker),
      intraOnePerServer: () => bindPool(intraOnePerServer(), tracker),
      inter: () => bindPool(inter(), tracker),
      interOnePerServer: () => bindPool(interOnePerServer(), tracker),
      where: (predicate, name) => bindPool(where(predicate, name), tracker),
    };
  }

  /** Starts a tracker and its provisioners; resolves when the initial spokes are ready or failed. */
  static async start(options: VirtualCloudOptions = {}): Promise<VirtualCloud> {
    const tracker = new Tracker(options);
    const locals = options.local === undefined ? (options.join === undefined ? [{}] : []) : Array.isArray(options.local) ? options.local : [options.local as LocalProvisionerOptions];
    const joinProvisioner = options.join === undefined ? undefined : new JoinProvisioner({ ...(options.log ? { log: options.log } : {}), ...options.join });
    const cloud = new VirtualCloud(tracker, joinProvisioner);
    try {
      await Promise.all([
        ...locals.map((local, i) => tracker.addProvisioner(new LocalProvisioner({ ...local, name: local.name ?? (i === 0 ? 'local' : `local${i + 1}`) }))),
        ...(joinProvisioner ? [tracker.addProvisioner(joinProvisioner)] : []),
      ]);
    } catch (error) {
      await tracker.close();
      throw error;
    }
    return cloud;
  }

  /** The URL TCP spokes join (`spm-spoke --hub <url>`), when the cloud admits them. */
  get joinUrl(): string {
    if (this.#join === undefined) throw new SPMError('This cloud admits no TCP spokes: start it with a `join` option');
    return this.#join.url;
  }

  /** Snapshots of every spoke. */
  spokes(): SpokeInfo[] {
    return this.tracker.spokes();
  }

  /** Kills every spoke and stops the tracker. */
  close(): Promise<void> {
    return this.tracker.close();
  }
}
