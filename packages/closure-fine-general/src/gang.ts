import { randomUUID } from 'node:crypto';
import {
  checkOptionKeys,
  defineClosure,
  definePolicy,
  durationMs,
  policyA,
  prepareTask,
  type Closure,
  type Duration,
  type ManageOptions,
  type ManageSummary,
  type MessageSource,
  type Policy,
  type StatusReport,
} from '@spm/closure-core';
import {
  fromWire,
  SPMError,
  SPMExecutionTimeout,
  SPMGangError,
  SPMHubCallbackError,
  SPMManagerError,
  SPMTaskEval,
  SPMTaskTimeout,
  SPMWaitForSpokesTimeout,
  type WireError,
  describeValue,
  messageOfThrown,
} from '@spm/exceptions';
import { isTaskSchema, parse, withSpmComponent, type TaskSchema } from '@spm/typedef';
import type { GangContext, PeerData } from './gang-context.js';
import { GangHub, type CollectiveWait } from './internal/gang-hub.js';
import { isToHub, type PeerPaths, type RankInfo, type RankRecord, type UserReply } from './internal/protocol.js';
import { RankRuntime } from './internal/rank-runtime.js';
import { RankReport } from './rank-report.js';

/** Who sent a message to the hub: the core's `MessageSource` plus the rank and the gang run. */
export interface GangMessageSource extends MessageSource {
  /** The rank that sent it. */
  readonly rank: number;
  /** The gang run it belongs to (1, or more after relaunches). */
  readonly gangAttempt: number;
}

/**
 * The hub's side of the ranks' `context.hub.request(body)` / `notify(body)`: on the hub, online,
 * one hub callback at a time; a request's reply is the return value (or resolution). Throwing is
 * a hub-callback error.
 */
export type GangMessageHandler = (body: PeerData, from: GangMessageSource) => unknown;

/** What `gang.define` declares. */
export interface GangSpec<T, R> {
  /** Unique within the module. */
  readonly signature: string;
  /** The module that declares the gang: pass `import.meta.url`. Spokes import it. */
  readonly module: string;
  /** The schema of each rank's task record (typedef text or a schema); without one, tasks are used as they are. */
  readonly typedef?: string | TaskSchema;
  /** Modules every spoke imports before the gang's module. */
  readonly preload?: readonly string[];
  /** Evaluates one rank, on a spoke, online, together with the other ranks. */
  readonly evaluate: (task: T, context: GangContext) => R | Promise<R>;
  /** Handles the ranks' messages to the hub for every invocation that passes none. */
  readonly onMessage?: GangMessageHandler;
}

/** Told before the whole gang is run again. */
export interface GangRelaunch {
  /** The gang run that failed. */
  readonly gangAttempt: number;
  /** Why (rank and cause). */
  readonly error: SPMGangError;
}

/** `manage()` options of a gang. */
export interface GangManageCall<T, R> {
  /** The pool to lease the gang's spokes from: exactly `size` of them, one per rank. */
  readonly pool: ManageOptions['pool'];
  /** How many ranks. @default tasks.length */
  readonly size?: number;
  /** One task per rank (rank i gets `tasks[i]`). */
  readonly tasks?: readonly T[];
  /** The same task for every rank (give `size` too). @default {} */
  readonly task?: T;
  /**
   * Called once per rank, in rank order, when the gang has concluded: all ranks' values, or every
   * rank's `SPMGangError`. On the hub, online; throwing is a hub-callback error.
   */
  readonly onStatus?: (report: RankReport<R>) => void | Promise<void>;
  /** Replaces the gang's own `onMessage` for this invocation. */
  readonly onMessage?: GangMessageHandler;
  /** Called with each phase of each gang run. */
  readonly onMetaStatus?: ManageOptions['onMetaStatus'];
  /** Called (on the hub, online) when a failed run is about to be relaunched. */
  readonly onRelaunch?: (event: GangRelaunch) => void | Promise<void>;
  /** How many times the whole gang is run again after a failure. @default 1 */
  readonly relaunches?: number;
  /** Each rank's timeout per run (else its record's `spm.meta.timeout`). */
  readonly timeout?: Duration;
  /** How long each run waits for `size` spokes. @default after({ seconds: 30 }) */
  readonly timeoutWaitForSpokes?: Duration;
  /** The deadline of the whole invocation, relaunches included. @default Infinity */
  readonly timeoutExecution?: Duration;
  /** The core policy (only `relaunchOnHubCallbackError` applies; a gang never retries one rank, and holds one rank per spoke). @default policyA */
  readonly policy?: Policy;
  /** `auto`: ranks in one process talk directly, others through the hub; `hub`: all through the hub. @default 'auto' */
  readonly peers?: PeerPaths;
  /** Aborts the invocation: every rank is reported `SPMGangError`, `manage()` rejects with `SPMManagerError`. */
  readonly signal?: AbortSignal;
}

/** The keys of {@link GangManageCall}. */
const GANG_KEYS: readonly string[] = ['pool', 'size', 'tasks', 'task', 'onStatus', 'onMessage', 'onMetaStatus', 'onRelaunch', 'relaunches', 'timeout', 'timeoutWaitForSpokes', 'timeoutExecution', 'policy', 'peers', 'signal'];

/** What a gang invocation did. */
export interface GangSummary<R = unknown> {
  /** Ranks. */
  readonly size: number;
  /** Runs of the whole gang (1 + relaunches). */
  readonly gangAttempts: number;
  /** Every rank's return value, by rank. */
  readonly values: R[];
  /** Messages filtered at the hub (all runs). */
  readonly staleMessages: number;
  /** In the last run: pairs of ranks that talked directly, and through the hub. */
  readonly links: { readonly direct: number; readonly hub: number };
  /** Wall time, ms. */
  readonly wallMs: number;
}

interface Plan<T, R> {
  readonly call: GangManageCall<T, R>;
  readonly size: number;
  readonly records: readonly unknown[];
  readonly timeouts: readonly (number | undefined)[];
  readonly relaunches: number;
  readonly peers: PeerPaths;
  readonly policy: Policy;
  readonly timeoutWaitForSpokesMs: number;
  readonly timeoutExecutionMs: number;
}

type Outcome<R> = { readonly kind: 'ok'; readonly values: R[]; readonly links: { direct: number; hub: number } } | { readonly kind: 'relaunch' };

/** How a gang run ended, decided by its first conclusive event. */
type Decision = { readonly kind: 'ok' } | { readonly kind: 'relaunch' | 'failed'; readonly error: SPMGangError } | { readonly kind: 'stopped'; readonly error: Error };

function integer(name: string, value: unknown, min: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  throw new SPMError(`Expected \`${name}\` to be an integer ≥ ${min}, got ${describeValue(value)}`);
}

/**
 * A gang (fine grain, general): `size` ranks evaluated together on `size` spokes, one rank per
 * spoke, talking to each other (`send`/`recv`, `barrier`, `broadcast`, `allgather`, `allreduce`)
 * and to the hub. All ranks are one unit: the failure of any — it throws, its spoke is lost, it
 * times out — terminates all of them, and the whole gang runs again if `relaunches` allows;
 * otherwise every rank is reported `SPMGangError` naming the rank that failed first.
 */
export class GangClosure<T = unknown, R = unknown> {
  /** The core closure the gang runs on: its events (`dispatch`, `report`, `stale-message`, …) are the ranks'. */
  readonly core: Closure<RankRecord, R>;
  /** The rank record schema (with the SPM component), if the gang has a typedef. */
  readonly schema: TaskSchema | undefined;
  /** The handler declared with the gang. */
  readonly onMessage: GangMessageHandler | undefined;

  /** @internal Use {@link gang}`.define`. */
  constructor(spec: GangSpec<T, R>) {
    if (typeof spec !== 'object' || spec === null) throw new SPMError(`Expected a gang definition (an object), got ${describeValue(spec)}`);
    checkOptionKeys('gang.define()', spec, ['signature', 'module', 'typedef', 'preload', 'evaluate', 'onMessage']);
    if (typeof spec.evaluate !== 'function') throw new SPMError(`Expected \`evaluate\` of gang \`${String(spec.signature)}\` to be a function, got ${describeValue(spec.evaluate)}`);
    if (spec.onMessage !== undefined && typeof spec.onMessage !== 'function') {
      throw new SPMError(`Expected \`onMessage\` of gang \`${String(spec.signature)}\` to be a function, got ${describeValue(spec.onMessage)}`);
    }
    if (spec.typedef !== undefined && typeof spec.typedef !== 'string' && !isTaskSchema(spec.typedef)) {
      throw new SPMError(`Expected \`typedef\` of gang \`${String(spec.signature)}\` to be typedef text or a schema from @spm/typedef (parse(), t.task()), got ${describeValue(spec.typedef)}`);
    }
    this.schema = spec.typedef === undefined ? undefined : withSpmComponent(typeof spec.typedef === 'string' ? parse(spec.typedef) : spec.typedef);
    this.onMessage = spec.onMessage;
    const evaluate = spec.evaluate as (task: unknown, context: GangContext) => R | Promise<R>;
    // The core sees plain tasks (its own typedef would refuse the gang's fields): the rank's
    // record, validated here against the gang's typedef, travels inside.
    this.core = defineClosure<RankRecord, R>({
      family: 'gang',
      signature: spec.signature,
      module: spec.module,
      ...(spec.preload !== undefined ? { preload: spec.preload } : {}),
      evaluate: (record, context) => new RankRuntime(record.gang, context).run(record.task, evaluate),
    });
  }

  /** The gang's signature. */
  get signature(): string {
    return this.core.signature;
  }

  /**
   * Runs the gang over `size` spokes of `pool` and resolves with every rank's value once all
   * succeeded (relaunching the whole gang after a failure, up to `relaunches` times). Rejects
   * with `SPMGangError` when it failed for good (after every rank was reported with it),
   * `SPMExecutionTimeout` past `timeoutExecution`, `SPMManagerError` on `signal`,
   * `SPMHubCallbackError` when a callback threw, `SPMWaitForSpokesTimeout` when `size` spokes
   * were not there in time, or an option/record error before anything runs.
   */
  async manage(call: GangManageCall<T, R>): Promise<GangSummary<R>> {
    const plan = this.#plan(call);
    const started = Date.now();
    const deadline = started + plan.timeoutExecutionMs;
    let stale = 0;
    for (let attempt = 1; ; attempt += 1) {
      // No run starts past the deadline (#run stops one under way).
      if (attempt > 1 && Date.now() >= deadline) throw this.#timeoutError(plan);
      const outcome = await this.#run(plan, attempt, deadline, (n) => (stale += n));
      if (outcome.kind === 'ok') {
        return { size: plan.size, gangAttempts: attempt, values: outcome.values, staleMessages: stale, links: outcome.links, wallMs: Date.now() - started };
      }
    }
  }

  #plan(call: GangManageCall<T, R>): Plan<T, R> {
    if (typeof call !== 'object' || call === null) throw new SPMError(`Expected gang manage() options (an object), got ${describeValue(call)}`);
    checkOptionKeys('a gang\'s manage()', call, GANG_KEYS);
    for (const name of ['onStatus', 'onMessage', 'onRelaunch'] as const) {
      if (call[name] !== undefined && typeof call[name] !== 'function') throw new SPMError(`Expected \`${name}\` to be a function, got ${describeValue(call[name])}`);
    }
    if (call.tasks !== undefined && call.task !== undefined) throw new SPMError('Expected either `tasks` (one per rank) or `task` (the same for every rank), got both');
    if (call.tasks !== undefined && !Array.isArray(call.tasks)) throw new SPMError(`Expected \`tasks\` to be an array with one task per rank, got ${describeValue(call.tasks)}`);
    // Named by what was given: `tasks: []` was refused as "`size` … got `0`", though no size was given.
    if (call.size === undefined && call.tasks === undefined) throw new SPMError('Expected `size` (how many ranks) or `tasks` (one per rank), got neither');
    if (call.size === undefined && call.tasks?.length === 0) throw new SPMError('Expected `tasks` to hold one task per rank, at least one, got an empty array');
    const size = integer('size', call.size ?? call.tasks?.length, 1);
    if (call.tasks !== undefined && call.tasks.length !== size) throw new SPMError(`Expected \`tasks\` to hold one task per rank (${size}), got ${call.tasks.length}`);
    const inputs: readonly unknown[] = call.tasks ?? Array.from({ length: size }, () => call.task ?? {});
    const prepared = inputs.map((input, rank) => prepareTask(this.schema, rank, input));
    const timeout = call.timeout === undefined ? undefined : durationMs('timeout', call.timeout);
    const peers = call.peers ?? 'auto';
    if (peers !== 'auto' && peers !== 'hub') throw new SPMError(`Expected \`peers\` to be 'auto' or 'hub', got ${describeValue(peers)}`);
    if (call.signal !== undefined && !(call.signal instanceof AbortSignal)) throw new SPMError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(call.signal)}`);
    const base = call.policy ?? policyA;
    if (typeof base !== 'object' || base === null || typeof base.name !== 'string') throw new SPMError(`Expected \`policy\` to be a policy (e.g. policyA), got ${describeValue(base)}`);
    return {
      call,
      size,
      records: prepared.map((p) => p.record),
      timeouts: prepared.map((p) => timeout ?? p.timeoutMs),
      relaunches: integer('relaunches', call.relaunches ?? 1, 0),
      peers,
      // One rank per spoke, all dispatched at once; a lost rank is never retried alone.
      policy: definePolicy({ name: `${base.name} (gang)`, prefetch: 0, retriesOnSpokeLoss: 0 }, base),
      timeoutWaitForSpokesMs: durationMs('timeoutWaitForSpokes', call.timeoutWaitForSpokes ?? 30_000),
      timeoutExecutionMs: durationMs('timeoutExecution', call.timeoutExecution ?? Infinity, true),
    };
  }

  /** One run of the whole gang: one core invocation with one task per rank. */
  async #run(plan: Plan<T, R>, attempt: number, deadline: number, countStale: (n: number) => void): Promise<Outcome<R>> {
    const { call, size } = plan;
    const signature = this.signature;
    const maxAttempts = plan.relaunches + 1;
    const hub = new GangHub(size);
    const controller = new AbortController();
    const values: R[] = [];
    const where: { spokeId?: string; host?: string }[] = [];
    let ok = 0;
    let stop: Error | undefined;
    let decided: Decision | undefined;
    // The user's onStatus threw: manage() rejects with this, which names the rank whose report it
    // was handling (the core's own error names the core report that happened to deliver it).
    let statusThrew: SPMHubCallbackError | undefined;
    // False once the core invocation has settled: past a deadline the core stops waiting for a
    // hung callback of the gang's, which must not go on to call the user's after manage() settled.
    let open = true;
    // The user's onRelaunch, still running: the next run waits for it (see below).
    let relaunching: Promise<void> | undefined;
    let onStop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => (onStop = resolve));
    /** The deadline passed or the signal aborted: the run is stopped, and no other starts. */
    const halt = (error: Error): void => {
      stop ??= error;
      controller.abort(stop);
      onStop();
    };

    /**
     * Calls onStatus with each report, in rank order; `ok` reports only until the run is stopped
     * (it will not resolve). A throw stops the delivery and is rethrown, so the core treats it as
     * the hub-callback error it is.
     */
    const deliver = async (reports: readonly RankReport<R>[]): Promise<void> => {
      for (const report of reports) {
        if (!open || (report.ok && stop !== undefined)) return;
        try {
          await call.onStatus?.(report);
        } catch (thrown) {
          const error = new SPMHubCallbackError(`The status callback of gang \`${signature}\` threw on rank ${report.rank}'s report: ${messageOfThrown(thrown)}`, { cause: thrown });
          // Delivering a stop (deadline, signal): the stop decided first, as in the core.
          if (decided?.kind !== 'stopped') statusThrew ??= error;
          throw error;
        }
      }
    };

    // The first failure decides the run: relaunch it, or report every rank. Later ones are
    // part of the same failure (two ranks failing at once cause one relaunch, not two).
    const fail = async (rank: number, cause: Error): Promise<void> => {
      if (decided !== undefined) return;
      if (stop !== undefined) {
        decided = { kind: 'stopped', error: stop };
        hub.fail({ message: stop.message });
        const error = (r: number): SPMGangError => new SPMGangError(`Rank ${r} of gang \`${signature}\` was stopped with it: ${stop?.message ?? ''}`, { cause: stop });
        await deliver(Array.from({ length: size }, (_, r) => new RankReport<R>({ rank: r, gangAttempt: attempt, ...where[r], ok: false, error: error(r) })));
        return;
      }
      // A rank that timed out may have been waiting for another: say who waited for whom.
      const why = `rank ${rank} failed (gang run ${attempt} of at most ${maxAttempts}): ${cause.message}${cause instanceof SPMTaskTimeout ? waitsText(hub.waits(plan.peers)) : ''}`;
      const relaunch = attempt < maxAttempts;
      const error = new SPMGangError(`Gang \`${signature}\` failed: ${why}`, { rank, cause });
      decided = { kind: relaunch ? 'relaunch' : 'failed', error };
      hub.fail({ rank, message: cause.message });
      // Every rank still running is killed now (the core aborts: spokes with attempts are
      // relaunched, inproc evaluations are aborted); their calls that wait reject meanwhile.
      controller.abort(error);
      if (relaunch) {
        // A throwing (or rejecting) onRelaunch stops the gang: no relaunch, the invocation
        // rejects with SPMHubCallbackError. It used to be ignored (sync) or to crash the hub with
        // an unhandled rejection (async).
        relaunching = (async (): Promise<void> => {
          try {
            await call.onRelaunch?.({ gangAttempt: attempt, error });
          } catch (thrown) {
            decided = { kind: 'stopped', error: new SPMHubCallbackError(`The relaunch callback of gang \`${signature}\` threw: ${messageOfThrown(thrown)}`, { cause: thrown }) };
          }
        })();
        await relaunching;
        return;
      }
      await deliver(
        Array.from(
          { length: size },
          (_, r) =>
            new RankReport<R>({
              rank: r,
              gangAttempt: attempt,
              ...where[r],
              ok: false,
              error: r === rank ? error : new SPMGangError(`Rank ${r} of gang \`${signature}\` was terminated with it: ${why}`, { rank, cause }),
            }),
        ),
      );
    };

    const onStatus = async (report: StatusReport<R>): Promise<void> => {
      const rank = Number(report.taskId);
      where[rank] = { ...(report.spokeId !== undefined ? { spokeId: report.spokeId } : {}), ...(report.host !== undefined ? { host: report.host } : {}) };
      if (decided !== undefined) return;
      if (report.ok) {
        values[rank] = report.value as R;
        hub.finished(rank);
        ok += 1;
        if (ok < size) return;
        // All returned, but after the deadline or the signal: the run was stopped all the same.
        if (stop !== undefined) {
          await fail(rank, stop);
          return;
        }
        decided = { kind: 'ok' };
        await deliver(values.map((value, r) => new RankReport<R>({ rank: r, gangAttempt: attempt, ...where[r], ok: true, value })));
        return;
      }
      // A rank that threw because the gang failed elsewhere names that rank; its own report
      // comes first as a rule (a failing rank tells the hub before its peers), this is the fallback.
      const error = report.error as Error;
      const cause = error.cause;
      const blamed = cause instanceof SPMGangError && cause.rank !== undefined ? cause.rank : rank;
      await fail(blamed, error);
    };

    const onMessage = (body: unknown, from: MessageSource): unknown => {
      const rank = Number(from.taskId);
      if (!isToHub(body)) throw new SPMError(`Expected a gang message from rank ${rank}, got ${describeValue(body)}`);
      switch (body.spmGang) {
        case 'join':
          where[rank] = { spokeId: from.spokeId, host: from.host };
          return hub.join(rank, body.process, body.thread);
        case 'out':
          hub.deliver(rank, body.m);
          return undefined;
        case 'poll':
          if (body.m !== undefined) hub.deliver(rank, body.m);
          return hub.poll(rank);
        case 'failed':
          return fail(rank, rankError(rank, from, body.error)).then(() => null);
        case 'user': {
          const handler = call.onMessage ?? this.onMessage;
          if (handler === undefined) {
            return from.kind === 'request' ? ({ none: `Gang \`${signature}\` takes no messages from its ranks (no onMessage)` } satisfies UserReply) : undefined;
          }
          const result = handler(body.b as PeerData, { ...from, rank, gangAttempt: attempt });
          if (from.kind === 'notify') return result;
          return Promise.resolve(result).then((r): UserReply => ({ r: r ?? null }));
        }
        default:
          throw new SPMError(`Unknown gang message \`${String((body as { spmGang: unknown }).spmGang)}\` from rank ${rank}`);
      }
    };

    const userSignal = call.signal;
    const onUserAbort = (): void => halt(this.#abortError(userSignal?.reason));
    if (userSignal?.aborted) onUserAbort();
    else userSignal?.addEventListener('abort', onUserAbort, { once: true });
    const remaining = Math.max(0, deadline - Date.now());
    if (deadline !== Infinity && remaining === 0) halt(this.#timeoutError(plan));
    const timer = deadline === Infinity || stop !== undefined ? undefined : setTimeout(() => halt(this.#timeoutError(plan, hub.waits(plan.peers))), remaining);
    const onConcluded = (summary: ManageSummary): void => countStale(summary.staleMessages);
    const id = randomUUID();
    let coreError: unknown;
    try {
      this.core.once('concluded', onConcluded);
      try {
        await this.core.manage({
          pool: call.pool,
          tasks: plan.records.map((task, rank): RankRecord => {
            const gang: RankInfo = { id, rank, size, attempt, peers: plan.peers };
            const timeoutMs = plan.timeouts[rank];
            return timeoutMs === undefined ? { gang, task } : ({ gang, task, spm: { meta: { timeout: timeoutMs } } } as RankRecord);
          }),
          onStatus,
          onMessage,
          ...(call.onMetaStatus !== undefined ? { onMetaStatus: call.onMetaStatus } : {}),
          nSpokesMin: size,
          nSpokesMax: size,
          timeoutWaitForSpokes: Math.min(plan.timeoutWaitForSpokesMs, remaining),
          policy: plan.policy,
          signal: controller.signal,
        });
      } catch (error) {
        coreError = error;
      }
      open = false;
      // The core stops waiting for a hung onRelaunch after a grace; the next run still waits for
      // it to return (its throw stops the gang) — or for the deadline or the signal.
      if (decided?.kind === 'relaunch' && relaunching !== undefined && stop === undefined) await Promise.race([relaunching, stopped]);
    } finally {
      open = false;
      if (timer !== undefined) clearTimeout(timer);
      userSignal?.removeEventListener('abort', onUserAbort);
      this.core.off('concluded', onConcluded);
    }
    // Also when it threw delivering a failure: the core, already aborted by it, does not say so.
    if (statusThrew !== undefined) throw statusThrew;
    if (coreError instanceof SPMHubCallbackError) throw coreError;
    const outcome = ((): Decision | undefined => decided)(); // assigned in the callbacks
    // A failure decided first stays the outcome (its error is the one every rank was reported).
    if (outcome?.kind === 'failed' || outcome?.kind === 'stopped') throw outcome.error;
    // All ranks returned and the core concluded: a deadline that passed meanwhile changed nothing.
    if (outcome?.kind === 'ok' && coreError === undefined) return { kind: 'ok', values, links: hub.links(plan.peers) };
    // The deadline's only if it passed (or its timer stopped the run): a wait cut short to the
    // deadline can still end early on its own, e.g. "Only 2 spoke(s) can come" for 3 ranks at
    // 0 ms, which was said to have run past a timeoutExecution of 300 ms.
    const pastDeadline = stop instanceof SPMExecutionTimeout || (stop === undefined && Date.now() >= deadline);
    if (coreError instanceof SPMWaitForSpokesTimeout && remaining < plan.timeoutWaitForSpokesMs && pastDeadline) {
      // The wait was cut short by the deadline, not by timeoutWaitForSpokes.
      throw new SPMExecutionTimeout(`Gang \`${signature}\` ran past its timeoutExecution of ${plan.timeoutExecutionMs} ms while waiting for ${size} spokes (run ${attempt}); nothing of it runs`, {
        cause: coreError,
      });
    }
    // The deadline or the signal stopped the run (the core's own error only says it was aborted):
    // no relaunch, and the gang's error, even if all ranks had returned but their reports were
    // still being delivered.
    if (stop !== undefined) throw stop;
    if (outcome?.kind === 'relaunch') return { kind: 'relaunch' };
    if (coreError !== undefined) throw coreError;
    throw new SPMError(`Gang \`${signature}\` concluded without an outcome for its ${size} ranks`);
  }

  /** What `manage()` rejects with past `timeoutExecution`. */
  #timeoutError(plan: Plan<T, R>, waits: readonly CollectiveWait[] = []): SPMExecutionTimeout {
    return new SPMExecutionTimeout(`Gang \`${this.signature}\` ran past its timeoutExecution of ${plan.timeoutExecutionMs} ms: every rank was killed${waitsText(waits)}`);
  }

  /** What `manage()` rejects with when its `signal` aborts. */
  #abortError(reason: unknown): SPMManagerError {
    return new SPMManagerError(`Gang \`${this.signature}\` was aborted (${reason === undefined ? 'no reason given' : messageOfThrown(reason)})`, { cause: reason });
  }
}

/** `0`, `0 and 2`, `0, 1 and 3`. */
function listText(ranks: readonly number[]): string {
  return ranks.length === 1 ? String(ranks[0]) : `${ranks.slice(0, -1).join(', ')} and ${String(ranks[ranks.length - 1])}`;
}

/**
 * What a timeout's message adds: `; ranks 0 and 2 were waiting in allreduce() (collective #1) for
 * rank 1` — the waits the hub saw (the hub path only), or nothing.
 */
function waitsText(waits: readonly CollectiveWait[]): string {
  const rank = (ranks: readonly number[]): string => `${ranks.length === 1 ? 'rank' : 'ranks'} ${listText(ranks)}`;
  return waits.map((w) => `; ${rank(w.ranks)} ${w.ranks.length === 1 ? 'was' : 'were'} waiting in ${w.op}() (collective #${w.seq}) for ${rank(w.for)}`).join('');
}

/** The error of a rank whose evaluation threw, as the rank told the hub (shaped like the core's). */
function rankError(rank: number, from: MessageSource, wire: WireError): SPMTaskEval {
  const remote = fromWire(wire);
  const info = remote.remote ?? { name: remote.name, message: remote.message, ...(remote.stack !== undefined ? { stack: remote.stack } : {}) };
  return new SPMTaskEval(`Rank ${rank} threw on spoke ${from.spokeId}: ${info.name}: ${remote.message}`, {
    taskId: rank,
    attempt: from.attempt,
    spokeId: from.spokeId,
    host: from.host,
    cause: remote,
    remote: info,
  });
}

/** The gang family's entry point (see {@link gang}). */
export interface GangFamily {
  /** Declares a gang, offline (a module's top level), under a signature unique in its module. */
  define<T = unknown, R = unknown>(spec: GangSpec<T, R>): GangClosure<T, R>;
}

/**
 * Fine grain, general (seed: "all spokes are one unit"): a gang of ranks evaluated together, one
 * per spoke, with peer messages and collectives; the failure of any rank is the failure of all,
 * and the whole gang is relaunched if allowed.
 */
export const gang: GangFamily = Object.freeze({
  define: <T = unknown, R = unknown>(spec: GangSpec<T, R>): GangClosure<T, R> => new GangClosure<T, R>(spec),
});
