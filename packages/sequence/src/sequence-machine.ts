import { SPMError, SPMInvariantError, describeValue, unknownOptionMessage } from '@spm/exceptions';

/** Who a sequence point belongs to (seed Fig. 2): the hub runs managers, a spoke evaluates tasks. */
export type SequenceRole = 'hub' | 'spoke';

/** The two states of a parallel sequence point (seed, "Declaration and Definition of Parallel Closures"). */
export type SequenceState = 'offline' | 'online';

/**
 * What can happen to a sequence point:
 * - `manage`: a task manager is invoked on the hub (hub offline → online);
 * - `conclude`: that manager concludes (hub online → offline, just before it returns);
 * - `evaluate`: a task evaluator is invoked on a spoke (spoke offline → online);
 * - `evaluated`: that evaluator concluded (spoke online → offline, just after it returns).
 */
export type SequenceEventType = 'manage' | 'conclude' | 'evaluate' | 'evaluated';

/** An event fed to a {@link SequenceMachine}: what happened, which occurrence, and why. */
export interface SequenceEvent {
  /** What happened. */
  readonly type: SequenceEventType;
  /** Which occurrence caused it, e.g. a manager invocation `mgr-1` or a task attempt `task-7#2`. */
  readonly id: string;
  /** Free text saying why, for messages, e.g. `primeCount.manage()`. */
  readonly cause?: string;
}

/** The change a legal event made: the machine's output, for a driver to act on. */
export interface SequenceChange {
  /** The role of the machine that changed. */
  readonly role: SequenceRole;
  /** The state before the event. */
  readonly from: SequenceState;
  /** The state after the event. */
  readonly to: SequenceState;
  /** The event that caused the change. */
  readonly event: SequenceEvent;
}

/**
 * The legal transitions, `(role, from, event) → to`, and nothing else (seed Fig. 2). Every
 * combination absent from this table is refused. In particular a second `manage` while the hub
 * is online is illegal here: one manager online at a time (DESIGN.md, principle 1).
 */
export const SEQUENCE_TRANSITIONS: {
  readonly [R in SequenceRole]: { readonly [S in SequenceState]: Partial<Readonly<Record<SequenceEventType, SequenceState>>> };
} = {
  hub: {
    offline: { manage: 'online' },
    online: { conclude: 'offline' },
  },
  spoke: {
    offline: { evaluate: 'online' },
    online: { evaluated: 'offline' },
  },
};

/** Where each event means to go, so a refusal can say which transition it refused. */
const EVENT_TARGET: Readonly<Record<SequenceEventType, SequenceState>> = {
  manage: 'online',
  conclude: 'offline',
  evaluate: 'online',
  evaluated: 'offline',
};

/** Every event, in the order messages list them. */
const EVENT_TYPES: readonly SequenceEventType[] = ['manage', 'conclude', 'evaluate', 'evaluated'];

/** Which role each event belongs to. */
const EVENT_ROLE: Readonly<Record<SequenceEventType, SequenceRole>> = {
  manage: 'hub',
  conclude: 'hub',
  evaluate: 'spoke',
  evaluated: 'spoke',
};

/** Options of a {@link SequenceMachine}. */
export interface SequenceMachineOptions {
  /**
   * A name for messages, e.g. a spoke id `spoke-3`.
   * @default the role
   */
  readonly name?: string;
}

/** `table[key]` when it is the table's own entry: an event type such as `constructor` or `__proto__` is no event. */
function own<V>(table: Readonly<Partial<Record<string, V>>>, key: unknown): V | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

function describeEvent(event: SequenceEvent): string {
  const cause = event.cause === undefined ? '' : `, cause: ${event.cause}`;
  return `\`${event.type}\` (id \`${event.id}\`${cause})`;
}

/**
 * The sequence point of one hub or one spoke: a pure state machine that does no I/O
 * (CONVENTIONS.md, "State machines do no I/O"). Every machine starts offline (seed: "all
 * resources start off offline"). Feed it events with {@link SequenceMachine.apply}; it returns
 * the change, or throws `SPMInvariantError` (fields `role`, `from`, `to`; no `to` for an unknown
 * event, which means to reach no state) for an illegal one and stays where it was.
 *
 * @example
 * const hub = new SequenceMachine('hub');
 * hub.apply({ type: 'manage', id: 'mgr-1' });   // offline → online
 * hub.apply({ type: 'conclude', id: 'mgr-1' }); // online → offline
 */
export class SequenceMachine {
  /** Hub or spoke; fixed for the machine's life. */
  readonly role: SequenceRole;
  /** The name used in messages. */
  readonly name: string;
  #state: SequenceState = 'offline';
  #since: SequenceEvent | undefined;

  /** A machine for `role`, offline. */
  constructor(role: SequenceRole, options: SequenceMachineOptions = {}) {
    if (role !== 'hub' && role !== 'spoke') {
      throw new SPMError(`Expected the role to be \`hub\` or \`spoke\`, got ${describeValue(role)}`);
    }
    if (typeof options !== 'object' || options === null) {
      throw new SPMError(`Expected the options of a SequenceMachine to be an object, got ${describeValue(options)}`);
    }
    const unknown = unknownOptionMessage('a SequenceMachine', options, ['name']);
    if (unknown !== undefined) throw new SPMError(unknown);
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new SPMError(`Expected \`name\` of a SequenceMachine to be a non-empty string, got ${describeValue(options.name)}`);
    }
    this.role = role;
    this.name = options.name ?? role;
  }

  /** The current state. */
  get state(): SequenceState {
    return this.#state;
  }

  /** The event that brought the machine into its current state; `undefined` before any. */
  get since(): SequenceEvent | undefined {
    return this.#since;
  }

  /** Where `event` would take the machine now, or `undefined` if it is illegal here. */
  target(event: Pick<SequenceEvent, 'type'>): SequenceState | undefined {
    if (typeof event !== 'object' || event === null) throw new SPMError(`Expected a sequence event (\`{ type, id }\`), got ${describeValue(event)}`);
    return own(SEQUENCE_TRANSITIONS[this.role][this.#state], event.type);
  }

  /** True when `event` is legal in the current state. */
  can(event: Pick<SequenceEvent, 'type'>): boolean {
    return this.target(event) !== undefined;
  }

  /**
   * Applies `event`. Returns the change it made, or throws `SPMInvariantError` naming the
   * role, the state it is in, the state the event meant to reach, the event's id and cause,
   * and why it is illegal (an unknown event: that it is unknown, and the events there are). A
   * refused event leaves the machine as it was. The change carries a
   * frozen copy of `event` (so does {@link since}): what the caller does to its object later
   * changes neither. An event that is not an object, or whose `id` (or `cause`, if given) is not a
   * string, is refused with `SPMError`.
   */
  apply(event: SequenceEvent): SequenceChange {
    const from = this.#state;
    const to = this.target(event);
    if (to === undefined) throw this.#refusal(event);
    const { type, id, cause } = event;
    if (typeof id !== 'string') throw new SPMError(`Expected the \`id\` of sequence event \`${type}\` to be a string, got ${describeValue(id)}`);
    if (cause !== undefined && typeof cause !== 'string') throw new SPMError(`Expected the \`cause\` of sequence event \`${type}\` to be a string, got ${describeValue(cause)}`);
    const copy: SequenceEvent = Object.freeze(cause === undefined ? { type, id } : { type, id, cause });
    this.#state = to;
    this.#since = copy;
    return { role: this.role, from, to, event: copy };
  }

  #refusal(event: SequenceEvent): SPMInvariantError {
    const from = this.#state;
    const owner = own(EVENT_ROLE, event.type);
    const intended = own(EVENT_TARGET, event.type);
    const subject = this.name === this.role ? `the ${this.role}` : `${this.role} \`${this.name}\``;
    if (owner === undefined || intended === undefined) {
      // An unknown event means to reach no state: no `to` (until session 44 it was the event's
      // name, as if that were a state).
      const type = typeof event.type === 'string' ? `\`${event.type}\`` : describeValue(event.type);
      const id = typeof event.id === 'string' ? `\`${event.id}\`` : describeValue(event.id);
      const cause = typeof event.cause === 'string' ? `, cause: ${event.cause}` : '';
      return new SPMInvariantError(
        `Unknown sequence event for ${subject}: expected one of ${EVENT_TYPES.map((known) => `\`${known}\``).join(', ')}, got ${type} (id ${id}${cause}), which is no event of a sequence point (seed Fig. 2)`,
        { role: this.role, from },
      );
    }
    const fields = { role: this.role, from, to: intended };
    if (owner !== this.role) {
      return new SPMInvariantError(
        `Illegal sequence transition for ${subject} (${from} → ${intended}): event ${describeEvent(event)} belongs to a ${owner}'s sequence, not a ${this.role}'s (seed Fig. 2)`,
        fields,
      );
    }
    const expected = from === 'online' ? 'offline' : 'online';
    const since = this.#since === undefined ? '' : ` since ${describeEvent(this.#since)}`;
    const why =
      event.type === 'manage'
        ? ': one task manager at a time may be online in a hub'
        : event.type === 'evaluate'
          ? ': a spoke evaluates one task at a time'
          : '';
    return new SPMInvariantError(
      `Illegal sequence transition for ${subject} (${from} → ${intended}): event ${describeEvent(event)} expects it ${expected}, but it is ${from}${since}${why}`,
      fields,
    );
  }
}
