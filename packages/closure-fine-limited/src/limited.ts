import { checkOptionKeys, Closure, type ClosureSpec, type ManageCall, type ManageOptions, type ManageSummary } from '@spm/closure-core';
import { SPMError, describeValue } from '@spm/exceptions';

/**
 * The hub's side of a task's messages (seed Fig. 4): called with the body of a task's
 * `context.hub.request(body)` or `context.hub.notify(body)` and who sent it (`from.taskId`,
 * `attempt`, `spokeId`, `host`, `kind`). For a request, the return value (or what a returned
 * promise resolves to) is the reply; for a notify it is ignored. Runs on the hub, online, one hub
 * callback at a time (in the same queue as the status reports); throwing is a hub-callback error.
 */
export type MessageHandler = NonNullable<ManageOptions['onMessage']>;

/** What `limited.define` declares: the core's closure spec (family `fine-limited`) plus the hub's handler. */
export interface LimitedSpec<T, R> extends Omit<ClosureSpec<T, R>, 'family'> {
  /**
   * Answers the tasks' requests and receives their notifies, for every invocation of this closure
   * that does not pass its own `onMessage`. Declared with the closure (in a module the spokes
   * import too) but only ever called on the hub.
   */
  readonly onMessage?: MessageHandler;
}

/**
 * A fine-grain (limited) closure: a coarse list whose tasks may talk to the hub while they
 * evaluate — `await context.hub.request(body)` for the hub's reply, `context.hub.notify(body)`
 * one way — and never to each other. `manage()` takes the core's options; its `onMessage`, when
 * given, replaces the closure's own for that invocation.
 */
export class LimitedClosure<T = unknown, R = unknown> extends Closure<T, R> {
  /** The handler declared with the closure (undefined if none). */
  readonly onMessage: MessageHandler | undefined;

  /** @internal Use {@link limited}`.define`. */
  constructor(spec: LimitedSpec<T, R>) {
    if (typeof spec !== 'object' || spec === null) throw new SPMError(`Expected a fine-limited closure definition (an object), got ${describeValue(spec)}`);
    checkOptionKeys('limited.define()', spec, ['signature', 'module', 'typedef', 'preload', 'evaluate', 'pipelined', 'onMessage']);
    if (spec.onMessage !== undefined && typeof spec.onMessage !== 'function') {
      throw new SPMError(`Expected \`onMessage\` of closure \`${String(spec.signature)}\` to be a function, got ${describeValue(spec.onMessage)}`);
    }
    const { onMessage, ...core } = spec;
    super({ ...core, family: 'fine-limited' });
    this.onMessage = onMessage;
  }

  /**
   * Runs `tasks` over spokes of `pool` as the core's `manage()` does, with the tasks' messages
   * going to `call.onMessage` if given, else to the closure's own handler. Stale messages and
   * replies (for attempts that were dropped) are filtered at the hub and counted in
   * `summary.staleMessages`.
   */
  override manage(call: ManageCall<T, R>): Promise<ManageSummary> {
    if (typeof call !== 'object' || call === null) return Promise.reject(new SPMError(`Expected manage() options (an object), got ${describeValue(call)}`));
    const onMessage = call.onMessage ?? this.onMessage;
    return super.manage(onMessage === undefined ? call : { ...call, onMessage });
  }
}

/** The fine-grain (limited) family's entry point (see {@link limited}). */
export interface LimitedFamily {
  /**
   * Declares a fine-grain (limited) closure, offline (a module's top level), under a signature
   * unique in its module; `module: import.meta.url` so spokes find it.
   */
  define<T = unknown, R = unknown>(spec: LimitedSpec<T, R>): LimitedClosure<T, R>;
}

/**
 * Fine grain, limited (seed Fig. 4 and 7): tasks evaluate on spokes as in a coarse list and may
 * ask the hub (`context.hub.request`) or tell it (`context.hub.notify`); the closure's
 * `onMessage` answers on the hub. All communication is initiated by spokes; a reply meant for an
 * attempt that was dropped is discarded at the hub and never reaches a later attempt or another
 * task.
 */
export const limited: LimitedFamily = Object.freeze({
  define: <T = unknown, R = unknown>(spec: LimitedSpec<T, R>): LimitedClosure<T, R> => new LimitedClosure<T, R>(spec),
});
