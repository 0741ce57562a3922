import { SPMError, type TaskId, describeValue } from '@spm/exceptions';
import type { BoundPool } from '@spm/tracker';
import { durationMs, type Duration } from './duration.js';
import type { MetaStatus } from './meta-status.js';
import { checkOptionKeys } from './option-keys.js';
import { checkPolicy, policyA, type Policy } from './policy.js';
import type { StatusReport } from './status-report.js';

/** Options of `closure.manage()` (the seed's `stage0.event.manage(...)`). */
export interface ManageOptions<R = unknown> {
  /** The pool to lease spokes from (`cloud.pool.intraAll()`, …). */
  readonly pool: BoundPool;
  /**
   * Called once per task with its final status report, on the hub, online, one at a time in
   * arrival order (an async callback is awaited before the next). If it throws, the lease's
   * spokes are terminated and `manage()` rejects with `SPMHubCallbackError`.
   */
  readonly onStatus?: (report: StatusReport<R>) => void | Promise<void>;
  /**
   * Fine grain (seed Fig. 4): handles a task's `context.hub.request(body)` (its return value or
   * resolution is the reply) and `context.hub.notify(body)` (no reply), on the hub, online, one
   * callback at a time. Throwing is a hub-callback error. Without it, requests are answered
   * with an error.
   */
  readonly onMessage?: (body: unknown, from: MessageSource) => unknown;
  /** Called with each phase change (see `formatMetaStatus`). Throwing here is a hub-callback error too. */
  readonly onMetaStatus?: (status: MetaStatus) => void;
  /** The fewest spokes to start with. @default 1 */
  readonly nSpokesMin?: number;
  /** The most spokes to use. @default Infinity */
  readonly nSpokesMax?: number;
  /**
   * How long to wait for `nSpokesMin` spokes; and, later, for a spoke to be ready again when
   * every spoke of the lease is down but one may come (a joined spoke may rejoin, a new one
   * join): past it, the unfinished tasks are dropped. Local spokes lost for good are not waited for.
   * @default after({ seconds: 30 })
   */
  readonly timeoutWaitForSpokes?: Duration;
  /** The deadline of the whole invocation; past it running tasks are killed. @default Infinity */
  readonly timeoutExecution?: Duration;
  /** Failure and scheduling policy. @default policyA */
  readonly policy?: Policy;
  /**
   * Aborts the invocation (Ctrl-C, a `--halt` rule): running tasks are killed, every
   * unfinished task is reported `SPMTaskDropped`, and `manage()` rejects with `SPMManagerError`.
   */
  readonly signal?: AbortSignal;
  /**
   * How long an abort (`signal`) first lets the running tasks end by themselves. Their spokes are
   * told to cancel (protocol `cancel`): each running evaluation's `ctx.signal` aborts — its
   * coprocesses are killed, SIGTERM then SIGKILL after their grace — and a task that ends reports
   * as usual (`onStatus`), its value or error whatever its evaluation made of the abort; tasks
   * queued on a spoke that had not begun are dropped. Nothing new is dispatched. When every
   * running task has reported, or this has passed, the abort goes on as without it. With 0 (the
   * default) an abort kills at once, and a task that had finished but whose report was still on
   * its way is dropped with the rest.
   * @default 0
   */
  readonly abortGrace?: Duration;
}

/** Who sent a message to the hub. */
export interface MessageSource {
  readonly taskId: TaskId;
  readonly attempt: number;
  readonly spokeId: string;
  readonly host: string;
  /** `request` expects a reply; `notify` does not. */
  readonly kind: 'request' | 'notify';
}

/** {@link ManageOptions} resolved: durations in ms, defaults applied. */
export interface ResolvedManageOptions<R> {
  readonly pool: BoundPool;
  readonly onStatus: ((report: StatusReport<R>) => void | Promise<void>) | undefined;
  readonly onMetaStatus: ((status: MetaStatus) => void) | undefined;
  readonly onMessage: ((body: unknown, from: MessageSource) => unknown) | undefined;
  readonly nSpokesMin: number;
  readonly nSpokesMax: number;
  readonly timeoutWaitForSpokesMs: number;
  readonly timeoutExecutionMs: number;
  readonly policy: Policy;
  readonly signal: AbortSignal | undefined;
  readonly abortGraceMs: number;
}

function integer(name: string, value: unknown, allowInfinity: boolean): number {
  if ((allowInfinity && value === Infinity) || (typeof value === 'number' && Number.isInteger(value) && value >= 1)) return value as number;
  throw new SPMError(`Expected \`${name}\` to be an integer ≥ 1${allowInfinity ? ' or Infinity' : ''}, got ${describeValue(value)}`);
}

/** The keys of {@link ManageOptions}, and `tasks` (`ManageCall`'s). */
const MANAGE_KEYS: readonly string[] = ['pool', 'tasks', 'onStatus', 'onMessage', 'onMetaStatus', 'nSpokesMin', 'nSpokesMax', 'timeoutWaitForSpokes', 'timeoutExecution', 'policy', 'signal', 'abortGrace'];

/** An option's value, or `fallback` when it was left out (`undefined`) — not when it is `null`, which is refused as a wrong value. */
function given<T, D>(value: T | undefined, fallback: D): T | D {
  return value === undefined ? fallback : value;
}

/**
 * Applies defaults and validates every option, before anything runs. A key that is not an
 * option (a misspelt `timeoutExecuton`) is refused, naming it.
 */
export function resolveManageOptions<R>(options: ManageOptions<R>): ResolvedManageOptions<R> {
  if (typeof options !== 'object' || options === null) throw new SPMError(`Expected manage() options (an object), got ${describeValue(options)}`);
  checkOptionKeys('manage()', options, MANAGE_KEYS);
  const pool = options.pool;
  if (typeof pool !== 'object' || pool === null || typeof pool.select !== 'function' || typeof pool.tracker?.lease !== 'function') {
    throw new SPMError(`Expected \`pool\` to be a pool of a cloud (e.g. cloud.pool.intraAll()), got ${describeValue(pool)}`);
  }
  for (const name of ['onStatus', 'onMetaStatus', 'onMessage'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new SPMError(`Expected \`${name}\` to be a function, got ${describeValue(options[name])}`);
  }
  const nSpokesMin = integer('nSpokesMin', given(options.nSpokesMin, 1), false);
  const nSpokesMax = integer('nSpokesMax', given(options.nSpokesMax, Infinity), true);
  if (nSpokesMin > nSpokesMax) throw new SPMError(`Expected \`nSpokesMin\` (${nSpokesMin}) ≤ \`nSpokesMax\` (${nSpokesMax})`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new SPMError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(options.signal)}`);
  }
  const policy = given(options.policy, policyA);
  if (typeof policy !== 'object' || policy === null) {
    throw new SPMError(`Expected \`policy\` to be a policy (e.g. policyA), got ${describeValue(policy)}`);
  }
  checkPolicy(policy);
  return {
    pool,
    onStatus: options.onStatus,
    onMetaStatus: options.onMetaStatus,
    onMessage: options.onMessage,
    nSpokesMin,
    nSpokesMax,
    timeoutWaitForSpokesMs: durationMs('timeoutWaitForSpokes', given(options.timeoutWaitForSpokes, 30_000)),
    timeoutExecutionMs: durationMs('timeoutExecution', given(options.timeoutExecution, Infinity), true),
    policy,
    signal: options.signal,
    abortGraceMs: durationMs('abortGrace', given(options.abortGrace, 0)),
  };
}
