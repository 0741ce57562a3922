import { EventEmitter } from 'eventemitter3';
import { checkOptionKeys, describeValue, SPMError, SPMManagerBusy, SPMTransportError, SPMWaitForSpokesTimeout } from '@spm/exceptions';
import { PROTOCOL_VERSION, type Channel, type HelloMessage, type Message } from '@spm/transport';
import { checkDuration, checkInteger, checkString } from './internal/checks.js';
import { helloProblem } from './internal/hello-checks.js';
import { refusal, type RefusalReason } from './internal/refusal.js';
import { naturalCompare } from './internal/natural-order.js';
import { Lease, type LeaseHost, type LostReason, type ReleaseOptions } from './lease.js';
import type { Pool } from './pool.js';
import type { Provisioner, RelaunchCause, SpokeAttacher, SpokeOrigin } from './provisioner.js';
import type { SpokeInfo, SpokeKind, SpokeState } from './spoke-info.js';
import { resolveTrackerOptions, type ResolvedTrackerOptions, type TrackerOptions } from './tracker-options.js';

/** Events of a {@link Tracker}. */
export interface TrackerEvents {
  /** A spoke greeted the hub (first launch or relaunch) and is ready. */
  'spoke-ready': [spoke: SpokeInfo];
  /** A spoke was lost: exit, broken channel or missed heartbeats. */
  'spoke-lost': [spoke: SpokeInfo, reason: LostReason];
  /** A spoke could not be (re)launched and was given up: its budget is spent. */
  'spoke-failed': [spoke: SpokeInfo, error: SPMError];
}

/** What a manager asks of the tracker. */
export interface LeaseRequest {
  /** Where the spokes come from. */
  readonly pool: Pool;
  /** Who asks (for messages). @default 'manager' */
  readonly owner?: string;
  /** The fewest spokes the manager can work with. @default 1 */
  readonly nSpokesMin?: number;
  /** The most spokes it wants. @default Infinity */
  readonly nSpokesMax?: number;
  /** How long to wait for `nSpokesMin` spokes, in ms. @default 30000 */
  readonly timeoutWaitForSpokesMs?: number;
  /**
   * Ends the wait for `nSpokesMin` spokes early: once it is aborted (or if it already is), the
   * lease is returned as it stands — with the spokes it holds so far, perhaps none — for a caller
   * that then handles its own abort (a manager's Ctrl-C, its `timeoutExecution`) and releases it.
   * @default none
   */
  readonly signal?: AbortSignal;
}

/** A pool handle that knows which tracker it draws from (what `cloud.pool.*` returns). */
export interface BoundPool extends Pool {
  /** The tracker that leases this pool's spokes. */
  readonly tracker: Tracker;
  where(predicate: (spoke: SpokeInfo) => boolean, name?: string): BoundPool;
  withTags(...tags: string[]): BoundPool;
}

/** Binds `pool` to `tracker`, so a manager given only the pool can lease from it. */
export function bindPool(pool: Pool, tracker: Tracker): BoundPool {
  return {
    name: pool.name,
    tracker,
    select: (idle, context) => pool.select(idle, context),
    where: (predicate, name) => bindPool(pool.where(predicate, name), tracker),
    withTags: (...tags) => bindPool(pool.withTags(...tags), tracker),
  };
}

interface Slot {
  readonly id: string;
  readonly provisioner: Provisioner;
  kind: SpokeKind;
  host: string;
  coreIndex: number;
  tags: readonly string[];
  pid: number | undefined;
  incarnation: number;
  state: SpokeState;
  leasedBy: string | undefined;
  channel: Channel | undefined;
  lastSeen: number;
  heartbeatMs: number;
  /** Why it failed, when it did (said when a lease then cannot be filled). */
  failure: string | undefined;
  /** Its id was chosen (by its provisioner or in its hello), not handed out (`join:7`). */
  named: boolean;
  /** When it was last declared lost (for forgetting lost joined spokes, oldest first). */
  lostAt: number;
}

interface Waiter {
  readonly lease: Lease;
  readonly min: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const v = PROTOCOL_VERSION;

/** What a spoke sends once it is registered (its `hello` came first, and only once). */
const SPOKE_MESSAGE_TYPES: ReadonlySet<string> = new Set(['heartbeat', 'started', 'status', 'request', 'notify', 'shutdown']);

const LEASE_REQUEST_KEYS: readonly (keyof LeaseRequest)[] = ['pool', 'owner', 'nSpokesMin', 'nSpokesMax', 'timeoutWaitForSpokesMs', 'signal'];

/**
 * The most lost spokes of provisioners that do not relaunch them (joined ones, which may rejoin
 * under their id) the tracker keeps listed; past it, the one lost longest ago is forgotten.
 */
export const MAX_LOST_JOINED_SPOKES = 1000;

// Spokes are listed and chosen in id order (`local:2` before `local:10`), not in the order they
// happened to greet: pools then pick the same spokes run after run.

/**
 * The always-online registry of spokes (seed Fig. 1): who they are (id, server, core index,
 * tags, transport), whether they live (exit and broken channels noticed at once, hung or
 * remote spokes by missed heartbeats), and who holds them. Leases them to at most one manager
 * at a time; relaunches lost spokes through their provisioners.
 */
export class Tracker extends EventEmitter<TrackerEvents> implements SpokeAttacher, LeaseHost {
  readonly #options: ResolvedTrackerOptions;
  readonly #slots = new Map<string, Slot>();
  /** Channels that sent a message no spoke sends (said once each). */
  readonly #offProtocol = new WeakSet<Channel>();
  readonly #provisioners: Provisioner[] = [];
  /** Provisioners still starting their initial spokes (which the tracker does not know yet). */
  #provisionersStarting = 0;
  readonly #monitor: ReturnType<typeof setInterval> | undefined;
  #active: Lease | undefined;
  #waiter: Waiter | undefined;
  #anonymous = 0;
  #closed = false;
  /** The heartbeat check's period, and when it last ran (to tell a stalled hub). */
  #checkEveryMs = 0;
  #lastCheck = 0;

  constructor(options: TrackerOptions = {}) {
    super();
    this.#options = resolveTrackerOptions(options);
    const every = Math.max(20, Math.min(this.#options.heartbeatIntervalMs / 2, 1000));
    if (this.#options.heartbeatIntervalMs > 0) {
      this.#checkEveryMs = every;
      this.#lastCheck = Date.now();
      this.#monitor = setInterval(() => this.#checkHeartbeats(), every);
      this.#monitor.unref();
    }
  }

  /** The hub's server name. */
  get hubHost(): string {
    return this.#options.hubHost;
  }

  /** True once {@link close} was called: no spoke of this tracker runs anything again. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The lease of the manager now online, if any. */
  get activeLease(): Lease | undefined {
    return this.#active;
  }

  /** Snapshots of every spoke the tracker knows, in id order. */
  spokes(): SpokeInfo[] {
    return this.#ordered().map((slot) => this.#info(slot));
  }

  /** A snapshot of spoke `id`, or undefined. */
  snapshot(id: string): SpokeInfo | undefined {
    const slot = this.#slots.get(id);
    return slot === undefined ? undefined : this.#info(slot);
  }

  /** Starts `provisioner`'s spokes and keeps it for relaunches; resolves when they are attached or failed. */
  async addProvisioner(provisioner: Provisioner): Promise<void> {
    if (this.#closed) throw new SPMError('The tracker is closed');
    if (this.#provisioners.some((p) => p.name === provisioner.name)) {
      throw new SPMError(`A provisioner named \`${provisioner.name}\` is already registered: give each a unique name`);
    }
    this.#provisioners.push(provisioner);
    this.#provisionersStarting += 1;
    try {
      await provisioner.start(this);
    } finally {
      this.#provisionersStarting -= 1;
      this.#giveUpIfHopeless();
    }
  }

  /** @inheritdoc */
  async attach(channel: Channel, origin: SpokeOrigin): Promise<SpokeInfo> {
    const hello = await this.#awaitHello(channel);
    // What a spoke says of itself is checked before anything of it is kept or logged: an empty
    // id, a 1 MiB one, one with a newline (it forged log lines) or a 3 MiB host were taken.
    const problem = helloProblem(hello, { spokeId: origin.id === undefined, host: origin.host === undefined, pid: origin.pid === undefined, givenTags: origin.tags ?? [] });
    if (problem !== undefined) this.#refuse(channel, new SPMTransportError(`Refused the hello of the spoke on ${channel.label}: ${problem}`, { channel: channel.label }), 'bad-hello');
    // A channel that closed with its hello (a goodbye or a bad frame in the same read) is no
    // spoke: it used to be registered and stay `starting` for good.
    if (channel.closed) {
      throw refusal(new SPMTransportError(`Spoke \`${hello.spokeId ?? origin.id ?? '?'}\` closed its channel as it greeted the hub: not registered`, { channel: channel.label }), 'closed-at-hello');
    }
    const named = origin.id !== undefined || hello.spokeId !== undefined;
    let id = origin.id ?? hello.spokeId;
    // (An automatic id never one a spoke already took by name: `join:1` named, the next unnamed is not refused as a duplicate.)
    if (id === undefined) {
      do {
        id = `${origin.provisioner.name}:${++this.#anonymous}`;
      } while (this.#slots.has(id));
    }
    let slot = this.#slots.get(id);
    if (slot !== undefined && (slot.provisioner !== origin.provisioner || (slot.channel !== undefined && !slot.channel.closed))) {
      // Said with where the claim came from: it was logged without the peer's address.
      this.#refuse(channel, new SPMTransportError(`A spoke with id \`${id}\` is already registered (from ${slot.provisioner.name}); refusing a second one from ${channel.label}`, { channel: channel.label }), 'id-taken');
    }
    if (this.#closed) {
      this.#letGo(channel, `the tracker is closed: spoke \`${id}\` may not join`);
      throw refusal(new SPMError(`Spoke \`${id}\` is in a closed tracker and may not join`), 'tracker-closed');
    }
    if (slot !== undefined && (slot.state === 'stopped' || slot.state === 'failed')) {
      const why = slot.state === 'stopped' ? 'it was stopped on purpose (Tracker.kill or Lease.kill)' : `it failed for good (${slot.failure ?? 'no reason given'})`;
      this.#refuse(channel, new SPMError(`Spoke \`${id}\` is ${slot.state} and may not rejoin: ${why}; refused its rejoin from ${channel.label}`), 'rejoin-refused');
    }
    const host = origin.host ?? hello.host;
    slot ??= this.#newSlot(id, origin, host);
    slot.named = named;
    slot.kind = origin.kind;
    slot.host = host;
    slot.tags = [...new Set([...(origin.tags ?? []), ...hello.tags])];
    slot.pid = origin.pid ?? hello.pid;
    slot.incarnation += 1;
    slot.heartbeatMs = slot.kind === 'process' || slot.kind === 'tcp' ? this.#options.heartbeatIntervalMs : 0;
    slot.channel = channel;
    slot.lastSeen = Date.now();
    const owned = slot;
    // What the spoke said as it went (a `shutdown`: spm-spoke sent SIGTERM, its evaluator thread
    // dead), named in its loss unless the channel's own error says it already.
    let farewell: string | undefined;
    channel.on('message', (message) => {
      if (message.type === 'shutdown') farewell = message.reason;
      this.#onMessage(owned, channel, message);
    });
    channel.once('close', (error) => {
      if (owned.channel !== channel) return; // an old incarnation's channel
      const said = farewell === undefined || (error?.message ?? '').includes(farewell) ? '' : ` (the spoke said: ${farewell})`;
      this.#markLost(owned, { reason: `its channel closed${error ? `: ${error.message}` : ''}${said}`, ...(error ? { error } : {}) });
    });
    channel.send({ type: 'welcome', v, spokeId: id, heartbeatMs: slot.heartbeatMs });
    this.#options.log('info', `spoke ${id} ready (host ${slot.host}, ${slot.kind}, incarnation ${slot.incarnation})`);
    this.#becameReady(slot);
    return this.#info(slot);
  }

  /** @inheritdoc */
  failed(origin: SpokeOrigin & { readonly id: string }, error: Error): void {
    const slot = this.#slots.get(origin.id) ?? this.#newSlot(origin.id, origin, origin.host ?? this.#options.hubHost);
    if (this.#closed) return;
    this.#fail(slot, error instanceof SPMError ? error : new SPMError(error.message, { cause: error }));
  }

  /**
   * Leases between `nSpokesMin` and `nSpokesMax` spokes of `pool` to one manager, waiting up to
   * `timeoutWaitForSpokesMs` for the minimum. Rejects at once with `SPMManagerBusy` while another
   * lease is held, and with `SPMWaitForSpokesTimeout` when the minimum is not met in time.
   */
  async lease(request: LeaseRequest): Promise<Lease> {
    if (this.#closed) throw new SPMError('The tracker is closed');
    if (typeof request !== 'object' || request === null || typeof request.pool?.select !== 'function') {
      throw new SPMError(`Expected \`pool\` to be a pool handle (e.g. cloud.pool.intraAll()), got ${describeValue(request?.pool)}`);
    }
    checkOptionKeys('Tracker.lease()', request, LEASE_REQUEST_KEYS);
    // `undefined` takes the default; `null` is a value, and refused (it was taken as the default).
    const min = checkInteger('nSpokesMin', request.nSpokesMin === undefined ? 1 : request.nSpokesMin, 1);
    const max = checkInteger('nSpokesMax', request.nSpokesMax === undefined ? Infinity : request.nSpokesMax, 1, true);
    if (min > max) throw new SPMError(`Expected \`nSpokesMin\` (${min}) ≤ \`nSpokesMax\` (${max})`);
    const timeoutMs = checkDuration('timeoutWaitForSpokesMs', request.timeoutWaitForSpokesMs === undefined ? 30_000 : request.timeoutWaitForSpokesMs, true);
    const owner = checkString('owner', request.owner === undefined ? 'manager' : request.owner);
    const signal = request.signal;
    if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).aborted !== 'boolean' || typeof (signal as AbortSignal).addEventListener !== 'function')) {
      throw new SPMError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
    }
    if (this.#active !== undefined) {
      throw new SPMManagerBusy(`Another manager (${this.#active.owner}) is online in this hub: one lease at a time (\`${owner}\` must wait until it concludes)`);
    }
    const lease = new Lease(this, owner, request.pool, max);
    this.#active = lease;
    this.#fill(lease);
    if (this.#holds(lease) >= min || signal?.aborted === true) return lease;
    try {
      await new Promise<void>((resolve, reject) => {
        /** The wait is over, whichever way. */
        const over = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', ended);
          this.#waiter = undefined;
        };
        const timer = setTimeout(() => {
          over();
          reject(this.#waitTimeout(lease, min, `Waited ${timeoutMs} ms`));
        }, timeoutMs);
        // Aborted: the lease as it stands (the caller handles its abort).
        const ended = (): void => this.#waiter?.resolve();
        this.#waiter = {
          lease,
          min,
          resolve: () => {
            over();
            resolve();
          },
          reject: (error) => {
            over();
            reject(error);
          },
        };
        signal?.addEventListener('abort', ended, { once: true });
        this.#giveUpIfHopeless();
      });
    } catch (error) {
      await this.release(lease, {});
      throw error;
    }
    return lease;
  }

  /** @internal Lease host: whether a spoke's channel is open. */
  reachable(id: string): boolean {
    const channel = this.#slots.get(id)?.channel;
    return channel !== undefined && !channel.closed;
  }

  /** @internal Lease host: send to a spoke. */
  send(id: string, message: Message): void {
    const slot = this.#slots.get(id);
    const channel = slot?.channel;
    if (slot === undefined || channel === undefined || channel.closed) {
      throw new SPMTransportError(`Spoke \`${id}\` is not reachable (${slot === undefined ? 'unknown' : slot.state})`);
    }
    channel.send(message);
  }

  /**
   * Kills spoke `id` (process tree included) and starts it anew through its provisioner.
   * Resolves once the old incarnation is gone — nothing of it runs any more — while the new one
   * starts in the background and announces itself with `spoke-ready` (and the lease's `ready`),
   * or with `spoke-failed` when its relaunch budget is spent.
   */
  relaunch(id: string): Promise<void> {
    const slot = this.#require(id);
    const lease = this.#active;
    // A manager holding it is told its old incarnation is gone (the lease's `lost`), before the
    // new one can greet: its tasks there are dealt with as a lost spoke's, not waited for forever.
    const tell = lease !== undefined && slot.leasedBy === lease.id && (slot.state === 'leased' || slot.state === 'idle') ? lease : undefined;
    return this.#relaunch(slot, 'requested', tell);
  }

  /** @internal Lease host: a lease relaunches one of its own spokes (its manager knows). */
  relaunchMember(_lease: Lease, id: string): Promise<void> {
    return this.#relaunch(this.#require(id), 'requested');
  }

  async #relaunch(slot: Slot, cause: RelaunchCause, tell?: Lease): Promise<void> {
    const id = slot.id;
    if (slot.state === 'failed' || slot.state === 'stopped' || this.#closed) {
      throw new SPMError(`Spoke \`${id}\` is ${this.#closed ? 'in a closed tracker' : slot.state} and cannot be relaunched`);
    }
    // Kill first, close after: a process spoke whose channel closes exits by itself, and its
    // coprocess trees (groups of their own, under its fork servers) would be re-parented out
    // of reach of the provisioner's process-tree scan before it ran.
    const channel = this.#detach(slot, false);
    const relaunchable = slot.provisioner.relaunchable;
    slot.state = 'starting';
    const why = relaunchable ? 'relaunched by the hub' : `killed by the hub to be relaunched; spokes of \`${slot.provisioner.name}\` are relaunched by whoever started them, and may rejoin under their id`;
    await slot.provisioner.kill(id, why);
    this.#letGo(channel, why);
    if (!relaunchable) {
      // A joined spoke is relaunched by whoever started it, not by the hub: killed, it is lost
      // (free to rejoin under its id), not failed — it used to be failed for good, its restart
      // turned away. Whoever holds it is told, since no `ready` may ever come.
      if ((slot.state as SpokeState) !== 'starting') return; // stopped or closed meanwhile
      slot.state = 'lost';
      slot.lostAt = Date.now();
      const info = this.#info(slot);
      const reason: LostReason = { reason: `it was killed to be relaunched, and spokes of \`${slot.provisioner.name}\` are relaunched by whoever started them, not by the hub: it may rejoin under its id` };
      this.#options.log('warn', `spoke ${id} lost: ${reason.reason}`);
      const lease = this.#active;
      if (lease !== undefined && slot.leasedBy === lease.id) lease.emit('lost', info, reason);
      this.emit('spoke-lost', info, reason);
      this.#forgetLost();
      return;
    }
    if (tell !== undefined && this.#active === tell) tell.emit('lost', this.#info(slot), { reason: 'it was relaunched (Tracker.relaunch)' });
    void slot.provisioner.relaunch(id, cause).catch((error: unknown) => {
      if (this.#closed || (slot.state as SpokeState) === 'stopped') return;
      this.#fail(slot, error instanceof SPMError ? error : new SPMError(`Spoke \`${id}\` could not be relaunched: ${(error as Error).message}`, { cause: error }));
    });
  }

  /**
   * Kills spoke `id` for good (process tree included); it is `stopped` and not relaunched. A
   * manager holding it is told (the lease's `failed`) once it is gone: its tasks there are
   * dealt with as a lost spoke's, instead of waited for forever.
   */
  async kill(id: string): Promise<void> {
    const slot = this.#require(id);
    const lease = this.#active;
    const leased = lease !== undefined && slot.leasedBy === lease.id && slot.state !== 'stopped' && slot.state !== 'failed';
    await this.#kill(slot);
    if (leased && this.#active === lease) {
      lease.emit('failed', this.#info(slot), new SPMError(`Spoke ${id} stopped: it was killed (Tracker.kill)`));
      this.#refill(lease);
    }
  }

  /** @internal Lease host: a lease kills one of its own spokes (its manager knows). */
  async killMember(lease: Lease, id: string): Promise<void> {
    await this.#kill(this.#require(id));
    this.#refill(lease);
  }

  /** A member of `lease` is gone for good: while the lease is held, an idle spoke of its pool takes its place. */
  #refill(lease: Lease): void {
    if (this.#active === lease && !this.#closed) this.#fill(lease);
  }

  async #kill(slot: Slot): Promise<void> {
    const channel = this.#detach(slot, false); // closed after the kill (see #relaunch)
    slot.state = 'stopped';
    const why = 'stopped by the hub (Tracker.kill or Lease.kill): it may not rejoin';
    await slot.provisioner.kill(slot.id, why);
    this.#letGo(channel, why);
  }

  /** @internal Lease host: end a lease. */
  async release(lease: Lease, options: ReleaseOptions): Promise<void> {
    if (this.#active === lease) this.#active = undefined;
    if (this.#waiter?.lease === lease) this.#waiter = undefined;
    const relaunch = options.relaunch === true ? new Set(lease.spokeIds) : new Set(options.relaunch === false || options.relaunch === undefined ? [] : options.relaunch);
    const pending: Promise<void>[] = [];
    for (const id of lease.spokeIds) {
      const slot = this.#slots.get(id);
      if (slot === undefined || slot.leasedBy !== lease.id) continue;
      slot.leasedBy = undefined;
      if (relaunch.has(id) && slot.state !== 'failed' && slot.state !== 'stopped') {
        pending.push(this.#relaunch(slot, 'requested').catch(() => undefined));
      } else if (slot.state === 'leased') {
        slot.state = 'idle';
      }
    }
    // Lost joined members were kept while the lease held them (see #forgetLost).
    this.#forgetLost();
    // Resolves when the old incarnations are gone; the new ones start in the background.
    await Promise.all(pending);
  }

  /** Stops liveness checks and closes every provisioner (killing their spokes). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#monitor !== undefined) clearInterval(this.#monitor);
    const lease = this.#active;
    this.#active = undefined;
    this.#waiter?.reject(new SPMError('The tracker was closed while a lease waited for spokes'));
    // Kill first, close after (see #relaunch): a process spoke whose channel closes exits by
    // itself, and its coprocess trees would be re-parented out of the provisioner's scan (then
    // nothing waits for them: close() resolved with every command alive).
    const channels: Channel[] = [];
    // Members already failed or stopped were told so then: not a second time.
    const gone = new Set([...this.#slots.values()].filter((slot) => slot.state === 'failed' || slot.state === 'stopped').map((slot) => slot.id));
    for (const slot of this.#slots.values()) {
      const channel = this.#detach(slot, false);
      if (channel !== undefined) channels.push(channel);
      slot.state = 'stopped';
    }
    try {
      await Promise.all(this.#provisioners.map((p) => p.close()));
    } finally {
      for (const channel of channels) this.#letGo(channel, 'the hub closed');
      // A manager holding spokes is told they are gone for good — only now that nothing of
      // theirs runs, so that its invocation concludes (its tasks dropped) with its commands gone,
      // instead of waiting forever for reports that cannot come.
      if (lease !== undefined) {
        for (const id of lease.spokeIds) {
          const slot = this.#slots.get(id);
          if (slot !== undefined && !gone.has(id)) lease.emit('failed', this.#info(slot), new SPMError(`Spoke ${id} stopped: the tracker was closed`));
        }
      }
      this.removeAllListeners();
    }
  }

  #newSlot(id: string, origin: SpokeOrigin, host: string): Slot {
    const slot: Slot = {
      id,
      provisioner: origin.provisioner,
      kind: origin.kind,
      host,
      coreIndex: origin.coreIndex ?? [...this.#slots.values()].filter((s) => s.host === host).length,
      tags: origin.tags ?? [],
      pid: undefined,
      incarnation: 0,
      state: 'starting',
      leasedBy: undefined,
      channel: undefined,
      lastSeen: Date.now(),
      heartbeatMs: 0,
      failure: undefined,
      named: true,
      lostAt: 0,
    };
    this.#slots.set(id, slot);
    return slot;
  }

  #ordered(): Slot[] {
    return [...this.#slots.values()].sort((a, b) => naturalCompare(a.id, b.id));
  }

  #require(id: string): Slot {
    const slot = this.#slots.get(id);
    if (slot === undefined) throw new SPMError(`No spoke with id \`${id}\` is known to the tracker`);
    return slot;
  }

  #info(slot: Slot): SpokeInfo {
    return {
      id: slot.id,
      host: slot.host,
      coreIndex: slot.coreIndex,
      tags: slot.tags,
      kind: slot.kind,
      state: slot.state,
      ...(slot.leasedBy !== undefined ? { leasedBy: slot.leasedBy } : {}),
      incarnation: slot.incarnation,
      ...(slot.pid !== undefined ? { pid: slot.pid } : {}),
      provisioner: slot.provisioner.name,
    };
  }

  #awaitHello(channel: Channel): Promise<HelloMessage> {
    const timeoutMs = this.#options.helloTimeoutMs;
    return new Promise<HelloMessage>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        channel.off('message', onMessage);
        channel.off('close', onClose);
      };
      const onMessage = (message: Message): void => {
        cleanup();
        if (message.type === 'hello') {
          resolve(message);
          return;
        }
        const error = new SPMTransportError(`Expected a \`hello\` as the first message on ${channel.label}, got \`${message.type}\``, { channel: channel.label });
        channel.close(error);
        reject(error);
      };
      const onClose = (error?: SPMTransportError): void => {
        cleanup();
        reject(error ?? refusal(new SPMTransportError(`Channel ${channel.label} closed before the spoke said hello`, { channel: channel.label }), 'no-hello'));
      };
      const timer = setTimeout(() => {
        cleanup();
        const error = new SPMTransportError(`The spoke on ${channel.label} did not say hello within ${timeoutMs} ms`, { channel: channel.label });
        channel.close(error);
        reject(error);
      }, timeoutMs);
      channel.on('message', onMessage);
      channel.on('close', onClose);
    });
  }

  #onMessage(slot: Slot, channel: Channel, message: Message): void {
    if (slot.channel !== channel) return; // a late message of an old incarnation
    slot.lastSeen = Date.now();
    // A message a spoke never sends (a second `hello`, a `welcome`, a `task`): a peer out of the
    // protocol, said once per channel — it was dropped without a word, noticed only later, if at
    // all, by its missed heartbeats.
    if (!SPOKE_MESSAGE_TYPES.has(message.type)) {
      if (!this.#offProtocol.has(channel)) {
        this.#offProtocol.add(channel);
        this.#options.log('warn', `spoke ${slot.id} (${channel.label}) sent a \`${message.type}\` message, which a spoke never sends: ignored (said once for this channel)`);
      }
      return;
    }
    // A `shutdown` from a spoke says why it is going (its evaluator thread died): its channel
    // (a process spoke's) gives that reason when it closes. Nothing for a manager.
    if (message.type === 'heartbeat' || message.type === 'shutdown') return;
    const lease = this.#active;
    if (lease !== undefined && slot.leasedBy === lease.id) lease.emit('message', slot.id, message);
    else this.#options.log('debug', `dropped a \`${message.type}\` from spoke ${slot.id}, which no manager holds`);
  }

  #becameReady(slot: Slot): void {
    const lease = this.#active;
    if (lease !== undefined && slot.leasedBy === lease.id) {
      slot.state = 'leased';
      lease.emit('ready', this.#info(slot));
    } else {
      slot.leasedBy = undefined;
      slot.state = 'idle';
      if (lease !== undefined) this.#fill(lease);
    }
    this.emit('spoke-ready', this.#info(slot));
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#holds(waiter.lease) >= waiter.min) waiter.resolve();
  }

  /**
   * How many spokes `lease` holds that may still run something: a member failed or stopped for
   * good no longer counts against its maximum (idle spokes of its pool were never added in its
   * place) nor towards its minimum.
   */
  #holds(lease: Lease): number {
    return lease.spokeIds.filter((id) => {
      const state = this.#slots.get(id)?.state;
      return state !== undefined && state !== 'failed' && state !== 'stopped';
    }).length;
  }

  /** Adds idle spokes the pool selects to `lease`, up to its maximum. */
  #fill(lease: Lease): void {
    const room = lease.nSpokesMax - this.#holds(lease);
    if (room <= 0) return;
    const idle = this.#ordered()
      .filter((s) => s.state === 'idle')
      .map((s) => this.#info(s));
    if (idle.length === 0) return;
    const chosen = lease.pool.select(idle, { hubHost: this.#options.hubHost, leased: lease.spokes() }).slice(0, room);
    for (const info of chosen) {
      const slot = this.#slots.get(info.id);
      if (slot === undefined || slot.state !== 'idle') continue;
      slot.state = 'leased';
      slot.leasedBy = lease.id;
      lease.addMember(slot.id);
      lease.emit('ready', this.#info(slot));
    }
  }

  #waitTimeout(lease: Lease, min: number, waited: string): SPMWaitForSpokesTimeout {
    const counts = new Map<string, number>();
    for (const slot of this.#slots.values()) counts.set(slot.state, (counts.get(slot.state) ?? 0) + 1);
    const known = this.#slots.size === 0 ? 'no spokes are known' : `${this.#slots.size} spokes are known: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
    const failures = [...this.#slots.values()].filter((slot) => slot.failure !== undefined);
    const why = failures.length === 0 ? '' : `; ${failures[0]?.id ?? ''} failed: ${failures[0]?.failure ?? ''}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}`;
    return new SPMWaitForSpokesTimeout(`${waited} for ${min} spoke(s) from pool ${lease.pool.name} for ${lease.owner}, got ${lease.spokeIds.length} (${known})${why}`);
  }

  /**
   * A lease waiting for spokes that can no longer come is refused now, not at its timeout:
   * when every provisioner has started its spokes and relaunches its own (none admits new ones
   * from outside), and fewer than the minimum are up, starting, or being relaunched — the rest
   * failed for good
   * (a worker thread that cannot start in a deleted directory, a spoke that keeps dying).
   */
  #giveUpIfHopeless(): void {
    const waiter = this.#waiter;
    if (waiter === undefined || this.#provisionersStarting > 0 || this.#provisioners.length === 0 || !this.#provisioners.every((p) => p.relaunchable)) return;
    let possible = 0;
    let failed = 0;
    for (const slot of this.#slots.values()) {
      if (slot.state === 'failed') failed += 1;
      else if (slot.state !== 'stopped') possible += 1;
    }
    if (possible >= waiter.min) return;
    const more = failed > 0 ? ` (${failed} failed to start for good)` : '';
    waiter.reject(this.#waitTimeout(waiter.lease, waiter.min, `Only ${possible} spoke(s) can come${more}, so stopped waiting`));
  }

  /** Turns away the spoke greeting on `channel`: logs `error`, tells the spoke, and throws it (marked with `reason`). */
  #refuse(channel: Channel, error: Error, reason: RefusalReason): never {
    this.#options.log('warn', error.message);
    this.#letGo(channel, error.message);
    throw refusal(error, reason);
  }

  /**
   * Closes a spoke's channel (if still open), telling the spoke why first: a spoke turned away as
   * it greets, or one its provisioner killed without telling it (a joined spoke it did not know
   * yet, killed as it joined), was let go without a word. Closed cleanly, so that the reason goes
   * out: closed with an error, a TCP channel drops its unsent batch (a spoke refused for a taken
   * id exited 1 with nothing said).
   */
  #letGo(channel: Channel | undefined, reason: string): void {
    if (channel === undefined || channel.closed) return;
    try {
      channel.send({ type: 'shutdown', v, reason });
    } catch {
      // closing anyway
    }
    channel.close();
  }

  /** Forgets the slot's channel (so its close is not a loss) and closes it, unless told not to; returns it. */
  #detach(slot: Slot, close = true): Channel | undefined {
    const channel = slot.channel;
    slot.channel = undefined;
    if (close && channel !== undefined && !channel.closed) channel.close();
    return channel;
  }

  #markLost(slot: Slot, reason: LostReason): void {
    if (slot.state === 'lost' || slot.state === 'failed' || slot.state === 'stopped' || slot.state === 'starting') return;
    const channel = this.#detach(slot, false);
    slot.state = 'lost';
    slot.lostAt = Date.now();
    const info = this.#info(slot);
    this.#options.log('warn', `spoke ${slot.id} lost: ${reason.reason}`);
    // Make sure it is really gone (a stopped process, a hung thread) before anything relaunches
    // it. Killed before its channel closes: a joined spoke is told why on that channel (closed
    // first, a spoke dropped for missed heartbeats exited 0 with nothing said).
    const why = `the hub declared it lost: ${reason.reason}`;
    void slot.provisioner
      .kill(slot.id, why)
      .catch(() => undefined)
      .finally(() => this.#letGo(channel, why));
    const lease = this.#active;
    if (lease !== undefined && slot.leasedBy === lease.id) lease.emit('lost', info, reason);
    this.emit('spoke-lost', info, reason);
    if (this.#options.autoRelaunch && slot.provisioner.relaunchable && !this.#closed && slot.state === 'lost') {
      void this.#relaunch(slot, 'lost').catch(() => undefined);
    }
    this.#forgetLost();
  }

  /**
   * Bounds the registry: lost spokes the hub does not relaunch (joined ones) were kept for good,
   * with whatever their hello carried — 2,000 unnamed spokes that joined and left were 2,000
   * `lost` entries. One whose id the hub handed out (`join:7`) is forgotten: `spm-spoke` without
   * `SPM_SPOKE_ID` never comes back under it (it joins again as a new `join:N`). One that named
   * itself is kept, so that its restart rejoins as its next incarnation — up to
   * {@link MAX_LOST_JOINED_SPOKES}, the one lost longest ago forgotten first. A member of the
   * active lease is kept until the lease is released: its manager still asks after it.
   */
  #forgetLost(): void {
    const lease = this.#active;
    const named: Slot[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.state !== 'lost' || slot.provisioner.relaunchable || (lease !== undefined && slot.leasedBy === lease.id)) continue;
      if (slot.named) named.push(slot);
      else this.#slots.delete(slot.id);
    }
    if (named.length <= MAX_LOST_JOINED_SPOKES) return;
    named.sort((a, b) => a.lostAt - b.lostAt);
    for (const slot of named.slice(0, named.length - MAX_LOST_JOINED_SPOKES)) this.#slots.delete(slot.id);
  }

  #fail(slot: Slot, error: SPMError): void {
    slot.state = 'failed';
    slot.failure = error.message;
    this.#options.log('error', error.message);
    const info = this.#info(slot);
    const lease = this.#active;
    if (lease !== undefined && slot.leasedBy === lease.id) lease.emit('failed', info, error);
    this.emit('spoke-failed', info, error);
    if (lease !== undefined) this.#refill(lease);
    this.#giveUpIfHopeless();
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    // A check that comes late means the hub itself did not run (stopped by Ctrl-Z or SIGSTOP,
    // or held by a long synchronous callback): the spokes' heartbeats are waiting unread in
    // their channels. That time is not the spokes' silence: it is taken off every spoke's
    // count, so a paused hub does not kill and re-run healthy spokes' work when it resumes.
    const stalled = now - this.#lastCheck - 2 * this.#checkEveryMs;
    this.#lastCheck = now;
    if (stalled > 0) {
      for (const slot of this.#slots.values()) slot.lastSeen = Math.min(now, slot.lastSeen + stalled + this.#checkEveryMs);
      this.#options.log('info', `the hub did not run for ~${stalled + 2 * this.#checkEveryMs} ms (stopped, or a callback held it): heartbeats missed meanwhile are not counted`);
      return;
    }
    for (const slot of this.#slots.values()) {
      if (slot.heartbeatMs <= 0 || slot.channel === undefined || (slot.state !== 'idle' && slot.state !== 'leased')) continue;
      const silent = now - slot.lastSeen;
      if (silent > slot.heartbeatMs * this.#options.heartbeatTolerance) {
        this.#markLost(slot, { reason: `missed heartbeats (silent for ${silent} ms, tolerance ${slot.heartbeatMs * this.#options.heartbeatTolerance} ms)`, silentForMs: silent });
      }
    }
  }
}
