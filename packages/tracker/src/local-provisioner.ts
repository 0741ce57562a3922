import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { checkOptionKeys, describeValue, SPMError } from '@spm/exceptions';
import {
  bootPreloadEnv,
  COPROCESS_OWNER_ENV,
  coprocessesOfOwner,
  endUntrackedPrograms,
  guardUntrackedPrograms,
  installAsyncSequenceContext,
  newCoprocessOwnerToken,
  SpokeAgent,
  spokeEntry,
  STOP_GRACE_MS,
  type UntrackedGuard,
} from '@spm/spoke';
import { createInprocPair, spawnProcess, spawnThread, type Channel, type SpawnedProcess, type SpawnedThread } from '@spm/transport';
import { checkDuration, checkInteger, checkObject, checkString, checkStrings } from './internal/checks.js';
import { descendantsOf, killLeaders, stopLeaders, waitGone } from './internal/process-tree.js';
import type { Provisioner, RelaunchCause, SpokeAttacher } from './provisioner.js';

/** How local spokes run: in the hub's thread, in worker threads, or in child processes. */
export type LocalKind = 'inproc' | 'thread' | 'process';

/** Options of {@link local}. */
export interface LocalProvisionerOptions {
  /** Unique name of the provisioner (prefix of its spoke ids). @default 'local' */
  readonly name?: string;
  /** How spokes run. `inproc` is the serial mode: same thread, deterministic. @default 'process' */
  readonly kind?: LocalKind;
  /** Spokes in all (when `spokesPerServer` is not given). @default os.availableParallelism() */
  readonly spokes?: number;
  /**
   * The number in its first spoke's id (`name:N`; the next ones count up from it). A provisioner
   * added to a running tracker for more spokes of the same kind (spm-shell's `-j FILE`) numbers
   * them after those it already has. @default 1
   */
  readonly numberFrom?: number;
  /**
   * Virtual servers: spokes are labelled with this many distinct server names (the first is the
   * hub's own) so `intra*`/`inter*` pools can be exercised on one machine. @default 1
   */
  readonly servers?: number;
  /** Spokes per virtual server. @default ceil(spokes / servers) */
  readonly spokesPerServer?: number;
  /** Tags for every spoke of this provisioner. @default [] */
  readonly tags?: readonly string[];
  /** At most this many relaunches of one spoke within `relaunchWindowMs`; then it is failed. @default 5 */
  readonly relaunchBudget?: number;
  /** The window of the relaunch budget, in ms. @default 60000 */
  readonly relaunchWindowMs?: number;
  /** Extra environment variables for `process` spokes. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra Node options for `process` spokes (e.g. `--max-old-space-size=512`). */
  readonly execArgv?: readonly string[];
  /**
   * Modules (URLs or absolute paths, as a closure's `module`) that `thread` and `process` spokes
   * start importing as they boot, in the thread that evaluates tasks, instead of when their first
   * task names them: a closure's module then loads while the spoke greets the hub. The same
   * import a task's preload does (offline, cached per thread); one that fails here fails the
   * task that names it with `SPMTaskLoad`, as before. `inproc` spokes share the hub's modules.
   * @default []
   */
  readonly preload?: readonly string[];
  /**
   * The largest frame (one message, encoded) between the hub and these spokes, both ways, in
   * bytes: a task's record or value must fit in it. Raise it for tasks that return more than the
   * default 4 MiB (spm-shell's batches of commands with their outputs). @default 4194304
   */
  readonly maxFrameBytes?: number;
}

type Running =
  | { readonly kind: 'inproc'; readonly agent: SpokeAgent; readonly hubEnd: Channel }
  /**
   * `owner`: the coprocess owner token the spoke was given (see {@link coprocessesOfOwner});
   * `guard`: what ends its tasks' untracked programs should this process die before {@link LocalProvisioner.#stop} does.
   */
  | { readonly kind: 'thread'; readonly thread: SpawnedThread; readonly owner: string; readonly guard: UntrackedGuard; readonly halt: Int32Array }
  | { readonly kind: 'process'; readonly process: SpawnedProcess; readonly exited: Promise<void>; readonly owner: string; readonly guard: UntrackedGuard };

interface LocalSlot {
  readonly id: string;
  readonly host: string;
  readonly coreIndex: number;
  running: Running | undefined;
  relaunches: number[];
  /** Serialises kill/launch of this slot. */
  queue: Promise<void>;
}

const KINDS: readonly LocalKind[] = ['inproc', 'thread', 'process'];

const LOCAL_OPTION_KEYS: readonly (keyof LocalProvisionerOptions)[] = [
  'name',
  'kind',
  'spokes',
  'numberFrom',
  'servers',
  'spokesPerServer',
  'tags',
  'relaunchBudget',
  'relaunchWindowMs',
  'env',
  'execArgv',
  'preload',
  'maxFrameBytes',
];

/** The host name of virtual server `index` (0-based): the hub's own for the first. */
export function virtualServerName(hubHost: string, index: number): string {
  return index === 0 ? hubHost : `${hubHost}~v${index + 1}`;
}

/**
 * Starts N spokes on this machine as `inproc` agents, worker threads or child processes
 * (each the leader of its own process group), and relaunches them on request within a budget
 * so a crash loop stops with a clear error.
 */
export class LocalProvisioner implements Provisioner {
  readonly name: string;
  readonly relaunchable = true;
  readonly #kind: LocalKind;
  readonly #servers: number;
  readonly #perServer: number;
  readonly #numberFrom: number;
  readonly #tags: readonly string[];
  readonly #budget: number;
  readonly #windowMs: number;
  readonly #env: Readonly<Record<string, string>>;
  readonly #execArgv: readonly string[];
  readonly #maxFrameBytes: number | undefined;
  readonly #preload: readonly string[];
  readonly #slots = new Map<string, LocalSlot>();
  #attacher: SpokeAttacher | undefined;
  #closed = false;

  /**
   * @param path where these options sit in a larger set, for messages (`local`, `local[1]`);
   *   `local()` names them as they are (`spokes`)
   */
  constructor(options: LocalProvisionerOptions = {}, path?: string) {
    const at = (key: string): string => (path === undefined ? key : `${path}.${key}`);
    checkObject(path ?? 'options', options, 'an object of local spoke options');
    checkOptionKeys(path === undefined ? 'local()' : `\`${path}\``, options, LOCAL_OPTION_KEYS);
    // `undefined` takes an option's default; anything else is checked (`null` included).
    const or = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
    // The prefix of its spoke ids: an empty one made `:1`.
    this.name = checkString(at('name'), or<unknown>(options.name, 'local'));
    const kind = or<unknown>(options.kind, 'process');
    if (!(KINDS as readonly unknown[]).includes(kind)) throw new SPMError(`Expected \`${at('kind')}\` to be one of ${KINDS.join(', ')}, got ${describeValue(kind)}`);
    this.#kind = kind as LocalKind;
    this.#servers = checkInteger(at('servers'), or<unknown>(options.servers, 1), 1);
    const total = checkInteger(at('spokes'), or<unknown>(options.spokes, availableParallelism()), 1);
    this.#perServer = checkInteger(at('spokesPerServer'), or<unknown>(options.spokesPerServer, Math.ceil(total / this.#servers)), 1);
    this.#numberFrom = checkInteger(at('numberFrom'), or<unknown>(options.numberFrom, 1), 1);
    // A string was taken as a list of its characters (`'gpu'` → g, p, u).
    this.#tags = checkStrings(at('tags'), or<unknown>(options.tags, []));
    this.#budget = checkInteger(at('relaunchBudget'), or<unknown>(options.relaunchBudget, 5), 0);
    this.#windowMs = checkDuration(at('relaunchWindowMs'), or<unknown>(options.relaunchWindowMs, 60_000));
    const env = checkObject(at('env'), or<unknown>(options.env, {}), 'an object of string values') as Record<string, unknown>;
    const notString = Object.keys(env).find((key) => typeof env[key] !== 'string');
    if (notString !== undefined) throw new SPMError(`Expected \`${at('env')}\` to be an object of string values, got ${describeValue(env[notString])} for \`${notString}\``);
    this.#env = { ...(env as Record<string, string>) };
    this.#execArgv = checkStrings(at('execArgv'), or<unknown>(options.execArgv, []));
    this.#maxFrameBytes = options.maxFrameBytes === undefined ? undefined : checkInteger(at('maxFrameBytes'), options.maxFrameBytes, 64);
    // A frame's length prefix is 32 bits.
    if (this.#maxFrameBytes !== undefined && this.#maxFrameBytes > 0xffffffff) throw new SPMError(`Expected \`${at('maxFrameBytes')}\` to be at most 4294967295, got ${this.#maxFrameBytes}`);
    const preload = or<unknown>(options.preload, []);
    if (!Array.isArray(preload) || !preload.every((m) => typeof m === 'string' && m !== '')) {
      throw new SPMError(`Expected \`${at('preload')}\` to be an array of module URLs or paths, got ${describeValue(preload)}`);
    }
    this.#preload = [...(preload as string[])];
  }

  /** @inheritdoc */
  async start(attacher: SpokeAttacher): Promise<void> {
    this.#attacher = attacher;
    if (this.#kind === 'inproc') installAsyncSequenceContext();
    const launches: Promise<void>[] = [];
    let n = this.#numberFrom - 1;
    for (let server = 0; server < this.#servers; server += 1) {
      for (let core = 0; core < this.#perServer; core += 1) {
        const slot: LocalSlot = {
          id: `${this.name}:${++n}`,
          host: virtualServerName(attacher.hubHost, server),
          coreIndex: core,
          running: undefined,
          relaunches: [],
          queue: Promise.resolve(),
        };
        this.#slots.set(slot.id, slot);
        const origin = { provisioner: this, kind: this.#kind, id: slot.id, host: slot.host, coreIndex: core, tags: this.#tags };
        launches.push(this.#serial(slot, () => this.#launchWithRetries(slot)).catch((error: Error) => attacher.failed(origin, error)));
      }
    }
    await Promise.all(launches);
  }

  /** @inheritdoc */
  relaunch(id: string, cause: RelaunchCause): Promise<void> {
    const slot = this.#require(id);
    return this.#serial(slot, async () => {
      await this.#stop(slot);
      // A requested relaunch (a task timed out, relaunchPre/Post) is not a crash: only losses
      // and failed starts count against the budget.
      if (cause === 'lost') this.#spendBudget(slot);
      await this.#launchWithRetries(slot);
    });
  }

  /** @inheritdoc */
  kill(id: string): Promise<void> {
    const slot = this.#require(id);
    return this.#serial(slot, () => this.#stop(slot));
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#slots.values()].map((slot) => this.#serial(slot, () => this.#stop(slot))));
  }

  #require(id: string): LocalSlot {
    const slot = this.#slots.get(id);
    if (slot === undefined) throw new SPMError(`Provisioner \`${this.name}\` has no spoke \`${id}\``);
    return slot;
  }

  #serial(slot: LocalSlot, step: () => Promise<void>): Promise<void> {
    const next = slot.queue.then(step, step);
    slot.queue = next.catch(() => undefined);
    return next;
  }

  #spendBudget(slot: LocalSlot): void {
    const now = Date.now();
    slot.relaunches = slot.relaunches.filter((t) => now - t < this.#windowMs);
    if (slot.relaunches.length >= this.#budget) {
      throw new SPMError(
        `Spoke \`${slot.id}\` was relaunched ${slot.relaunches.length} times within ${this.#windowMs} ms and keeps dying: giving up (relaunchBudget ${this.#budget})`,
      );
    }
    slot.relaunches.push(now);
  }

  // A spoke that dies before it greets the hub is relaunched at once, within the budget.
  async #launchWithRetries(slot: LocalSlot): Promise<void> {
    for (;;) {
      if (this.#closed) throw new SPMError(`Provisioner \`${this.name}\` is closed`);
      try {
        await this.#launch(slot);
        return;
      } catch (error) {
        await this.#stop(slot);
        try {
          this.#spendBudget(slot);
        } catch (budget) {
          throw new SPMError(`${(budget as Error).message}; last start failed: ${(error as Error).message}`, { cause: error });
        }
      }
    }
  }

  /** The channel options that carry {@link LocalProvisionerOptions.maxFrameBytes}, if given. */
  #frameLimits(): { maxFrameBytes?: number } {
    return this.#maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#maxFrameBytes };
  }

  async #launch(slot: LocalSlot): Promise<void> {
    const attacher = this.#attacher;
    if (attacher === undefined) throw new SPMError(`Provisioner \`${this.name}\` was not started`);
    const identity = { spokeId: slot.id, host: slot.host, tags: this.#tags };
    const origin = { provisioner: this, id: slot.id, host: slot.host, coreIndex: slot.coreIndex, tags: this.#tags };
    switch (this.#kind) {
      case 'inproc': {
        const [hubEnd, spokeEnd] = createInprocPair(`inproc:${slot.id}`, this.#frameLimits());
        const agent = new SpokeAgent({ channel: spokeEnd, ...identity, evaluator: 'inline', sharesThread: true });
        slot.running = { kind: 'inproc', agent, hubEnd };
        const attached = attacher.attach(hubEnd, { ...origin, kind: 'inproc', pid: process.pid });
        await Promise.all([agent.start(), attached]);
        return;
      }
      case 'thread': {
        // Its coprocesses carry a token of our choosing: if the thread has to be terminated, what
        // they left can still be found (see #stop).
        const owner = newCoprocessOwnerToken();
        // Set by #stop before it closes the channel: the thread begins no task after that (see SpokeAgentOptions.halt).
        const halt = new Int32Array(new SharedArrayBuffer(4));
        const thread = spawnThread({ entry: spokeEntry('thread'), workerData: { ...identity, halt: halt.buffer }, env: { ...bootPreloadEnv(this.#preload), [COPROCESS_OWNER_ENV]: owner }, ...this.#frameLimits() });
        // Should the hub die (SIGKILL) before #stop has ended them, a watchdog ends them.
        slot.running = { kind: 'thread', thread, owner, guard: guardUntrackedPrograms(owner), halt };
        await attacher.attach(thread.channel, { ...origin, kind: 'thread', pid: process.pid });
        return;
      }
      case 'process': {
        // A token for the programs its tasks start (they carry its cookie: see #stop).
        const owner = newCoprocessOwnerToken();
        const spawned = spawnProcess({
          entry: spokeEntry('process'),
          ...this.#frameLimits(),
          execArgv: this.#execArgv,
          env: { ...this.#env, ...bootPreloadEnv(this.#preload), SPM_SPOKE_ID: slot.id, SPM_SPOKE_HOST: slot.host, SPM_SPOKE_TAGS: this.#tags.join(','), [COPROCESS_OWNER_ENV]: owner },
        });
        const exited = new Promise<void>((resolve) => {
          if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) resolve();
          else spawned.child.once('exit', () => resolve());
        });
        slot.running = { kind: 'process', process: spawned, exited, owner, guard: guardUntrackedPrograms(owner) };
        await attacher.attach(spawned.channel, { ...origin, kind: 'process', pid: spawned.pid });
        return;
      }
    }
  }

  /**
   * Kills the slot's current incarnation, if any, and waits until it is gone. The coprocesses its
   * tasks started get SIGTERM first and SIGKILL after their grace period (on every kind of spoke),
   * so a command's `trap … TERM` cleanup runs; what is still alive {@link STOP_BOUND_MS} later is
   * SIGKILLed.
   */
  async #stop(slot: LocalSlot): Promise<void> {
    const running = slot.running;
    slot.running = undefined;
    if (running === undefined) return;
    switch (running.kind) {
      case 'inproc':
        // Same thread: its code cannot be killed, only cut off (its late messages go nowhere)
        // and told to stop (its evaluation's AbortSignal fires: its coprocesses get SIGTERM,
        // then SIGKILL after their grace, which settled() waits for).
        running.agent.stop();
        running.hubEnd.close();
        await running.agent.settled(STOP_GRACE_MS);
        return;
      case 'thread': {
        // Ask first: a thread spoke whose channel closes aborts its evaluation, lets its
        // coprocesses (children of this process, out of reach of a process-tree kill) end as
        // above, and ends. Forced after a bound, for a thread that is stuck.
        const { worker } = running.thread;
        const ended = new Promise<boolean>((resolve) => (worker.threadId === -1 ? resolve(true) : worker.once('exit', () => resolve(true))));
        // First, what the thread reads before each task: the close below is a message it hears
        // only when its event loop turns — a task held in execSync, whose program is ended below,
        // returned into the next queued task before (a task already reported dropped ran).
        Atomics.store(running.halt, 0, 1);
        running.thread.channel.close();
        running.guard.ending();
        // What its tasks started without @spm/coprocess (children of this process, or orphans
        // by now, carrying the thread's cookie): nothing else ends them. SIGTERM, then SIGKILL
        // after the grace — from now, not once the thread has ended: a thread blocked in
        // execSync waits for such a program, and neither its own ending nor terminate() can
        // interrupt that wait (until session 45 a timeout, a kill or cloud.close() waited for
        // the program to end by itself).
        const untracked = endUntrackedPrograms(running.owner).catch(() => 0);
        const byItself = await endsWithin(ended, STOP_BOUND_MS);
        // terminate() cannot interrupt a thread asleep in a system call (a read of a FIFO nobody
        // writes, of a terminal, a lock): it resolved only when the call returned — for ever, and
        // manage() with it. Past the bound the thread is let go: it ends once the call returns.
        const terminated = await endsWithin(running.thread.terminate(), TERMINATE_BOUND_MS);
        if (!terminated) letGoStuckThread(slot.id, worker);
        await untracked;
        // Those started after that first look, before the thread ended.
        await endUntrackedPrograms(running.owner).catch(() => 0);
        // A thread let go still runs (in its system call): the watchdog keeps its token until it
        // has ended, should the hub die first.
        if (terminated) running.guard.release();
        else void ended.then(() => running.guard.release());
        // Ended by force (stuck in synchronous code): its coprocesses were not waited for. Its
        // fork servers saw it go (end-of-file) and end them as on an owner's death — SIGTERM,
        // SIGKILL after the grace — then exit. Sequence point: wait for that; SIGKILL what is
        // left after the bound.
        if (!byItself) await endOwner(running.owner);
        return;
      }
      case 'process': {
        // The spoke dies at once (SIGKILL: no late message), with its own process group (a
        // task's plain children). Its coprocesses lead groups of their own under fork servers
        // (or a watchdog) that see their owner gone and end them as an abort does: SIGTERM, then
        // SIGKILL after the grace. The descendants are listed first: a spoke that exits
        // re-parents them out of a later scan's reach (and closing the channel makes it exit).
        // The scan lets the hub's event loop turn (a busy machine's /proc held it for 0.6 s), so
        // the spoke and its group are stopped first: meanwhile they can neither exit nor fork. A
        // spoke already reaped is not: its pid may be another process's by now. Its coprocesses,
        // in groups of their own, run on meanwhile; what they re-parent goes to their fork server
        // (a subreaper, a listed descendant), which ends it before it exits itself.
        const pid = running.process.pid;
        const { child } = running.process;
        if (child.exitCode === null && child.signalCode === null) stopLeaders([pid]);
        let descendants: number[] = [];
        try {
          descendants = await descendantsOf(pid);
        } finally {
          killLeaders([pid]);
        }
        running.process.channel.close();
        await running.exited;
        // Sequence point: the spoke's coprocesses must be gone too, not merely signalled, when a
        // manager that killed the spoke settles. Past the bound, what is left gets SIGKILL.
        const left = await waitGone(descendants, STOP_BOUND_MS);
        if (left.length > 0) {
          killLeaders(left);
          await waitGone(left, 2000);
        }
        // What its tasks started and that left its tree before the scan (a `setsid cmd &` whose
        // shell has exited, re-parented to init) carries its cookie: SIGTERM, SIGKILL after the grace.
        running.guard.ending();
        await endUntrackedPrograms(running.owner).catch(() => 0);
        running.guard.release();
        return;
      }
    }
  }
}

/** Waits until nothing of coprocess owner `token` is left; SIGKILLs what is still there after {@link STOP_BOUND_MS}. */
async function endOwner(token: string): Promise<void> {
  let left = await waitGone(await coprocessesOfOwner(token), STOP_BOUND_MS);
  for (let round = 0; left.length > 0 && round < 3; round += 1) {
    // A fresh look each round: what the first list did not hold (forked since) is found too.
    killLeaders(await coprocessesOfOwner(token));
    left = await waitGone(await coprocessesOfOwner(token), 1000);
  }
}

/**
 * How long a stopping spoke's coprocesses may take to end after their SIGTERM (a spoke gives
 * them {@link STOP_GRACE_MS}; the fork servers of a killed process spoke their grace, 2 s by
 * default) before the provisioner ends the spoke — or, for a process spoke, what is left of its
 * tree — by force.
 */
const STOP_BOUND_MS = STOP_GRACE_MS + 1000;

/**
 * How long a thread spoke may take to end once terminated (`worker.terminate()`, after
 * {@link STOP_BOUND_MS} of asking) before it is let go as stuck in a system call or native code:
 * the bound spm-spoke gives its own evaluator thread. A thread running JavaScript, or one whose
 * `execSync` program the stop has SIGKILLed by then, ends within milliseconds.
 */
const TERMINATE_BOUND_MS = STOP_BOUND_MS;

/** The `code` of the warning {@link letGoStuckThread} emits (docs/packages/tracker.md). */
const THREAD_SPOKE_STUCK_CODE = 'SPM_THREAD_SPOKE_STUCK';

/** Whether `promise` settles within `ms`. */
async function endsWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), bound]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A terminated thread spoke that has not ended within {@link TERMINATE_BOUND_MS}: V8's
 * termination cannot interrupt a system call, and the thread is asleep in one (or in native
 * code). It counts as stopped; unreferenced, it does not keep the event loop alive, and it ends
 * when the call returns (its termination is pending). Said once: until then the process cannot
 * exit — Node joins its threads at exit, natural or `process.exit()` (measured: both wait).
 */
function letGoStuckThread(id: string, worker: Worker): void {
  worker.unref();
  process.emitWarning(
    `Thread spoke \`${id}\` did not end within ${TERMINATE_BOUND_MS / 1000} s of its termination: it is stuck in a system call or native code (a blocking read of a FIFO, a terminal, a lock), which a thread's termination cannot interrupt. It is counted as stopped and ends when that call returns; until then this process cannot exit (Node waits for its threads at exit). Run such tasks on process spokes.`,
    { code: THREAD_SPOKE_STUCK_CODE },
  );
}

/** A provisioner of local spokes (see {@link LocalProvisioner}). */
export function local(options: LocalProvisionerOptions = {}): LocalProvisioner {
  return new LocalProvisioner(options);
}
