import { checkOptionKeys, describeValue, SPMError, SPMInvariantError } from '@spm/exceptions';
import { isSpokeThread } from '@spm/spoke';
import { JoinProvisioner, type JoinProvisionerOptions } from './join-provisioner.js';
import { LocalProvisioner, type LocalProvisionerOptions } from './local-provisioner.js';
import { inter, interOnePerServer, intraAll, intraOnePerServer, where } from './pool.js';
import type { SpokeInfo } from './spoke-info.js';
import { bindPool, Tracker, type BoundPool } from './tracker.js';
import { TRACKER_OPTION_KEYS, type TrackerOptions } from './tracker-options.js';
import { checkObject } from './internal/checks.js';

/** Options of {@link VirtualCloud.start}. */
export interface VirtualCloudOptions extends TrackerOptions {
  /**
   * Local spokes (one provisioner, or several with distinct names). Omitted together with
   * `join`: one process spoke per core.
   */
  readonly local?: LocalProvisionerOptions | readonly LocalProvisionerOptions[];
  /** Admit authenticated TCP spokes (`spm-spoke --hub …`). */
  readonly join?: JoinProvisionerOptions;
  /**
   * What {@link VirtualCloud.start} waits for. `'all'`: every initial local spoke ready (or
   * failed). `'none'`: nothing — the local spokes boot in the background while the caller goes
   * on (imports its closures, invokes a manager); a manager's lease takes each spoke as it
   * greets the hub, so work starts on the first one ready (the manager's `nSpokesMin` and
   * `timeoutWaitForSpokes` bound its wait). {@link VirtualCloud.ready} tells when they are all up.
   * @default 'all'
   */
  readonly waitForSpokes?: 'all' | 'none';
}

const WAIT_FOR_SPOKES = ['all', 'none'] as const;

const CLOUD_OPTION_KEYS: readonly string[] = [...TRACKER_OPTION_KEYS, 'local', 'join', 'waitForSpokes'];

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
  #ready: Promise<void> = Promise.resolve();

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

  /**
   * Starts a tracker and its provisioners; resolves when the initial spokes are ready or failed
   * (`waitForSpokes: 'all'`, the default) or as soon as they are booting (`'none'`).
   *
   * Hub code only: rejects with `SPMInvariantError` in a spoke's thread — where a closure module
   * whose top level starts a cloud lands when a spoke imports it to evaluate tasks (each spoke
   * would start spokes of its own, without end). Keep the hub's code out of closure modules.
   */
  static async start(options: VirtualCloudOptions = {}): Promise<VirtualCloud> {
    if (isSpokeThread()) {
      throw new SPMInvariantError(
        'VirtualCloud.start() was called in a spoke: a spoke imports a closure\'s module to evaluate its tasks, and that module\'s top level starts a cloud. Declare closures in a module of their own and start the cloud (and call manage()) in the program\'s entry module, which spokes never import',
        { role: 'spoke', to: 'start a cloud' },
      );
    }
    checkObject('options', options, 'an object of cloud options');
    checkOptionKeys('VirtualCloud.start()', options, CLOUD_OPTION_KEYS);
    const wait = options.waitForSpokes === undefined ? 'all' : options.waitForSpokes;
    if (!(WAIT_FOR_SPOKES as readonly unknown[]).includes(wait)) {
      throw new SPMError(`Expected \`waitForSpokes\` to be one of ${WAIT_FOR_SPOKES.join(', ')}, got ${describeValue(wait)}`);
    }
    // Every option is checked here, before anything starts (a bad one used to fail later, or do
    // the wrong thing: `local: 'inproc'` started process spokes).
    const given = options.local;
    if (given !== undefined && (typeof given !== 'object' || given === null)) {
      throw new SPMError(`Expected \`local\` to be local spoke options (an object) or an array of them, got ${describeValue(given)}`);
    }
    const locals: readonly LocalProvisionerOptions[] = given === undefined ? (options.join === undefined ? [{}] : []) : Array.isArray(given) ? given : [given as LocalProvisionerOptions];
    const many = Array.isArray(given);
    const trackerOptions: Record<string, unknown> = {};
    for (const key of TRACKER_OPTION_KEYS) if (options[key] !== undefined) trackerOptions[key] = options[key];
    const tracker = new Tracker(trackerOptions);
    let joinProvisioner: JoinProvisioner | undefined;
    let cloud: VirtualCloud;
    try {
      if (options.join !== undefined) checkObject('join', options.join, 'an object of join options');
      joinProvisioner = options.join === undefined ? undefined : new JoinProvisioner({ ...(options.log ? { log: options.log } : {}), ...options.join }, 'join');
      cloud = new VirtualCloud(tracker, joinProvisioner);
      const provisioners = locals.map((local, i) => {
        const path = many ? `local[${i}]` : 'local';
        checkObject(path, local, 'an object of local spoke options');
        return new LocalProvisioner({ ...local, name: local.name === undefined ? (i === 0 ? 'local' : `local${i + 1}`) : local.name }, path);
      });
      // Checked here, before anything starts, so that a cloud that does not wait for its local
      // spokes still refuses a bad configuration at once.
      const names = [...provisioners.map((p) => p.name), ...(joinProvisioner ? [joinProvisioner.name] : [])];
      const twice = names.find((name, i) => names.indexOf(name) !== i);
      if (twice !== undefined) throw new SPMError(`A provisioner named \`${twice}\` is already registered: give each a unique name`);
      // A local provisioner's start does not reject (a spoke that cannot start is reported
      // failed to the tracker); the join provisioner's may (its port), so it is always awaited.
      const localsReady = Promise.all(provisioners.map((p) => tracker.addProvisioner(p))).then(() => undefined);
      localsReady.catch(() => undefined); // not left unhandled when nobody awaits `ready`
      cloud.#ready = localsReady;
      await Promise.all([...(wait === 'all' ? [localsReady] : []), ...(joinProvisioner ? [tracker.addProvisioner(joinProvisioner)] : [])]);
    } catch (error) {
      await tracker.close();
      throw error;
    }
    return cloud;
  }

  /**
   * Resolves when the initial local spokes are ready or failed: at once after a
   * `start({ waitForSpokes: 'all' })`, later after `'none'`.
   */
  get ready(): Promise<void> {
    return this.#ready;
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
