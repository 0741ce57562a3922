import type { WireError } from '@spm/exceptions';

/**
 * The wire protocol between a hub and its spokes: every message is a plain object with a
 * `type` and the protocol version `v`. Messages are msgpackr data only (no extension types,
 * no class instances). New message types are added here, never elsewhere, and a change to an
 * existing one bumps {@link PROTOCOL_VERSION}.
 *
 * 2: `next-task` (a task to a spoke that already knows its closure), and the relay of raw
 * frames; a spoke of version 1 is refused at its `hello`, naming both versions.
 * 3: `cancel` (hub → spoke: stop evaluating, report what you have) and the `cancelled` phase of
 * a failed `status` (a task the cancel found not begun).
 */
export const PROTOCOL_VERSION = 3;

/** A plain value that can cross a channel (what msgpackr and structured clone both carry). */
export type WireValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly WireValue[]
  | { readonly [key: string]: WireValue };

/** The fields every message has. */
export interface MessageBase<T extends string> {
  /** The message type. */
  readonly type: T;
  /** The protocol version the sender speaks. */
  readonly v: typeof PROTOCOL_VERSION;
}

/** A task attempt's identity: stale messages are recognised by it. */
export interface AttemptRef {
  /** Task id, unique within one manager invocation. */
  readonly taskId: string | number;
  /** 1 for the first dispatch, 2 for the first retry, … */
  readonly attempt: number;
}

/** Spoke → hub, first message on a channel: who the spoke is. */
export interface HelloMessage extends MessageBase<'hello'> {
  /** The id the provisioner gave the spoke (via its environment), if any. */
  readonly spokeId?: string;
  /** The spoke's server (host name). */
  readonly host: string;
  /** The spoke's process id. */
  readonly pid: number;
  /** Tags the spoke advertises, e.g. `gpu`. */
  readonly tags: readonly string[];
}

/** Hub → spoke, answer to `hello`: the spoke is registered. */
export interface WelcomeMessage extends MessageBase<'welcome'> {
  /** The spoke's id in the tracker. */
  readonly spokeId: string;
  /** How often the spoke must send a heartbeat, in ms (0: never). */
  readonly heartbeatMs: number;
}

/** Spoke → hub: still alive. */
export interface HeartbeatMessage extends MessageBase<'heartbeat'> {
  /** Increments by one per heartbeat. */
  readonly seq: number;
}

/** Hub → spoke: evaluate one task attempt (received while the spoke is offline). */
export interface TaskMessage extends MessageBase<'task'>, AttemptRef {
  /** The module (file URL or specifier) that declares the closure. */
  readonly module: string;
  /** The closure's signature within that module. */
  readonly signature: string;
  /** Modules to import before evaluation (they may declare closures). */
  readonly preload: readonly string[];
  /** The task record (plain data). */
  readonly record: WireValue;
  /**
   * Send `started` when evaluation begins (absent: yes). The hub asks for it only when it needs
   * it — to time the task, or for listeners and traces — and saves a message per task otherwise.
   */
  readonly reportStart?: boolean;
}

/**
 * Hub → spoke: evaluate one more task attempt of the closure that the last `task` on this
 * channel named (its module, signature and preload), without naming it again: a manager names
 * its closure once per spoke (in a full `task`), then sends only attempts and records. A spoke
 * that was named no closure on this channel reports the attempt as a load failure.
 */
export interface NextTaskMessage extends MessageBase<'next-task'>, AttemptRef {
  /** The task record (plain data). */
  readonly record: WireValue;
  /** As in {@link TaskMessage}. */
  readonly reportStart?: boolean;
}

/** Spoke → hub: the task attempt went online (evaluation began). */
export interface StartedMessage extends MessageBase<'started'>, AttemptRef {}

/**
 * How long a task that reported `started` was online, on the spoke's clock (milliseconds): sent
 * with its status, so that the hub holds the task to its timeout by the time it really took.
 */
interface StatusTime {
  readonly ms?: number;
}

/** Spoke → hub: the final status of a task attempt. */
export type StatusMessage =
  | (MessageBase<'status'> & AttemptRef & StatusTime & { readonly ok: true; readonly value: WireValue })
  | (MessageBase<'status'> &
      AttemptRef &
      StatusTime & {
        readonly ok: false;
        /**
         * `load`: module or closure not loadable; `eval`: evaluation threw; `cancelled`: a
         * `cancel` came before its evaluation began (it never ran).
         */
        readonly phase: 'load' | 'eval' | 'cancelled';
        readonly error: WireError;
      });

/** Spoke → hub: a task's request to the hub (fine grain); answered by `reply`. */
export interface RequestMessage extends MessageBase<'request'>, AttemptRef {
  /** Request id, unique per attempt. */
  readonly requestId: number;
  readonly body: WireValue;
}

/** Hub → spoke: the answer to a `request`. */
export type ReplyMessage =
  | (MessageBase<'reply'> & AttemptRef & { readonly requestId: number; readonly ok: true; readonly body: WireValue })
  | (MessageBase<'reply'> & AttemptRef & { readonly requestId: number; readonly ok: false; readonly error: WireError });

/** Spoke → hub: a one-way message from a task (fine grain). */
export interface NotifyMessage extends MessageBase<'notify'>, AttemptRef {
  readonly body: WireValue;
}

/**
 * Hub → spoke: stop now (finish nothing, exit). Spoke → hub (since session 44): this spoke is
 * going by itself, and why — a process spoke whose evaluator thread died (`the evaluator thread
 * threw: …`, `… exited with code 3`) says so just before it closes its channel, and the hub's
 * process channel gives that reason when it reports the loss. The same shape both ways, and a
 * hub that does not know it ignores it (a manager drops what it does not expect): no new version.
 */
export interface ShutdownMessage extends MessageBase<'shutdown'> {
  /** Why, for the other side's log (and, from a spoke, the hub's error for its loss). */
  readonly reason: string;
}

/**
 * Hub → spoke: stop evaluating, and stay (the seed's abort, made gentle). The signal of every
 * evaluation begun on this channel (`ctx.signal`) aborts — a coprocess started with it is killed
 * (SIGTERM, SIGKILL after its grace), a lane's waiting programs never start — and each such task
 * still reports, with whatever its evaluation returns or throws. Tasks queued on the spoke and
 * not begun report a failed `status` of phase `cancelled`. Tasks sent after it run as usual.
 */
export interface CancelMessage extends MessageBase<'cancel'> {
  /** Why, for the evaluations' signal (its reason) and the cancelled tasks' errors. */
  readonly reason: string;
}

/** Either side: several messages in one frame (batching small messages). */
export interface BatchMessage extends MessageBase<'batch'> {
  readonly messages: readonly Message[];
}

/** Every message of this protocol version. */
export type Message =
  | HelloMessage
  | WelcomeMessage
  | HeartbeatMessage
  | TaskMessage
  | NextTaskMessage
  | StartedMessage
  | StatusMessage
  | RequestMessage
  | ReplyMessage
  | NotifyMessage
  | ShutdownMessage
  | CancelMessage
  | BatchMessage;

/** The `type` of a message. */
export type MessageType = Message['type'];

/** The message of a given type. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
