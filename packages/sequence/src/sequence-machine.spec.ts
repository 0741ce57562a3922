import { describe, it, expect } from '@jest/globals';
import { SPMError, SPMInvariantError } from '@spm/exceptions';
import { SequenceMachine, type SequenceEventType, type SequenceRole, type SequenceState } from './sequence-machine.js';

// Seed Fig. 2, written out by hand (not read from the implementation's table): the only legal
// moves. Every other (role, state, event) combination must be refused.
const legal: Record<string, SequenceState> = {
  'hub/offline/manage': 'online',
  'hub/online/conclude': 'offline',
  'spoke/offline/evaluate': 'online',
  'spoke/online/evaluated': 'offline',
};
const intended: Record<SequenceEventType, SequenceState> = { manage: 'online', conclude: 'offline', evaluate: 'online', evaluated: 'offline' };

const roles: SequenceRole[] = ['hub', 'spoke'];
const states: SequenceState[] = ['offline', 'online'];
const events: SequenceEventType[] = ['manage', 'conclude', 'evaluate', 'evaluated'];
const combinations = roles.flatMap((role) => states.flatMap((state) => events.map((event) => [role, state, event] as const)));

/** A machine of `role` brought into `state` by legal events only. */
function machineIn(role: SequenceRole, state: SequenceState): SequenceMachine {
  const machine = new SequenceMachine(role);
  if (state === 'online') machine.apply({ type: role === 'hub' ? 'manage' : 'evaluate', id: 'setup-1' });
  return machine;
}

describe('the transition table', () => {
  it('covers all 16 combinations of role, state and event, 4 of them legal', () => {
    expect(combinations).toHaveLength(16);
    expect(combinations.filter(([r, s, e]) => legal[`${r}/${s}/${e}`] !== undefined)).toHaveLength(4);
  });

  it.each(combinations)('%s %s + %s: moves if legal, else refuses with role, from and to', (role, state, type) => {
    const machine = machineIn(role, state);
    const expected = legal[`${role}/${state}/${type}`];
    const event = { type, id: `ev-${role}-${state}-${type}`, cause: 'table test' };
    expect(machine.can(event)).toBe(expected !== undefined);
    if (expected !== undefined) {
      const change = machine.apply(event);
      expect(change).toEqual({ role, from: state, to: expected, event });
      expect(machine.state).toBe(expected);
      expect(machine.since).toEqual(event);
      return;
    }
    let thrown: unknown;
    try {
      machine.apply(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SPMInvariantError);
    const error = thrown as SPMInvariantError;
    expect(error.code).toBe('SPM_INVARIANT');
    expect(error.role).toBe(role);
    expect(error.from).toBe(state);
    expect(error.to).toBe(intended[type]);
    expect(error.message).toContain(`\`${type}\``);
    expect(error.message).toContain(event.id);
    expect(error.message).toContain('table test');
    expect(error.message).toContain(`${state} → ${intended[type]}`);
    // A refused event changes nothing.
    expect(machine.state).toBe(state);
  });
});

describe('a sequence of events', () => {
  it('runs the hub through two managers, one after the other', () => {
    const hub = new SequenceMachine('hub');
    expect(hub.state).toBe('offline');
    expect(hub.since).toBeUndefined();
    const steps = [
      { type: 'manage', id: 'mgr-1' },
      { type: 'conclude', id: 'mgr-1' },
      { type: 'manage', id: 'mgr-2' },
      { type: 'conclude', id: 'mgr-2' },
    ] as const;
    expect(steps.map((event) => `${hub.apply(event).from}→${hub.state}`)).toEqual([
      'offline→online',
      'online→offline',
      'offline→online',
      'online→offline',
    ]);
  });

  it('refuses a second manager while the first is online, naming both', () => {
    const hub = new SequenceMachine('hub');
    hub.apply({ type: 'manage', id: 'mgr-1', cause: 'primeCount.manage()' });
    expect(() => hub.apply({ type: 'manage', id: 'mgr-2' })).toThrow(/`mgr-2`.*online since `manage` \(id `mgr-1`, cause: primeCount\.manage\(\)\).*one task manager at a time/);
  });

  it('says an event belongs to the other role', () => {
    const spoke = new SequenceMachine('spoke', { name: 'spoke-3' });
    expect(() => spoke.apply({ type: 'manage', id: 'mgr-9' })).toThrow("spoke `spoke-3` (offline → online): event `manage` (id `mgr-9`) belongs to a hub's sequence");
  });

  it('refuses an event type it does not know as unknown, listing the events, and names no state it meant to reach', () => {
    const hub = new SequenceMachine('hub');
    const bogus = { type: 'bogus', id: 'x-1', cause: 'a typo' } as unknown as Parameters<SequenceMachine['apply']>[0];
    let thrown: unknown;
    try {
      hub.apply(bogus);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SPMInvariantError);
    const error = thrown as SPMInvariantError;
    expect(error.message).toBe('Unknown sequence event for the hub: expected one of `manage`, `conclude`, `evaluate`, `evaluated`, got `bogus` (id `x-1`, cause: a typo), which is no event of a sequence point (seed Fig. 2)');
    // Until session 44 `to` was `bogus`, the event's name as if it were a state.
    expect(error.fields()).toEqual({ role: 'hub', from: 'offline' });
    expect(error.to).toBeUndefined();
    expect(() => new SequenceMachine('spoke', { name: 'spoke-3' }).apply({ type: 7, id: 'x-2' } as never)).toThrow('Unknown sequence event for spoke `spoke-3`: expected one of `manage`, `conclude`, `evaluate`, `evaluated`, got `7` (number) (id `x-2`)');
    expect(hub.state).toBe('offline');
  });

  it('refuses the names of Object.prototype as event types, and stays usable', () => {
    // `constructor` was found on the transition table's prototype: the state became a function
    // and every later apply() or can() threw a TypeError.
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const hub = new SequenceMachine('hub');
      const bogus = { type, id: 'x-1' } as unknown as Parameters<SequenceMachine['apply']>[0];
      expect(hub.can(bogus)).toBe(false);
      expect(() => hub.apply(bogus)).toThrow(SPMInvariantError);
      expect(() => hub.apply(bogus)).toThrow(`expected one of \`manage\`, \`conclude\`, \`evaluate\`, \`evaluated\`, got \`${type}\``);
      expect(hub.state).toBe('offline');
      expect(hub.apply({ type: 'manage', id: 'm-1' })).toMatchObject({ from: 'offline', to: 'online' });
    }
  });

  it('refuses an event that is not one, or whose id or cause is not a string, and changes nothing', () => {
    const hub = new SequenceMachine('hub');
    expect(() => hub.apply(undefined as never)).toThrow('Expected a sequence event (`{ type, id }`), got nothing (undefined)');
    expect(() => hub.can(null as never)).toThrow('Expected a sequence event (`{ type, id }`), got `null`');
    expect(() => hub.apply({ type: 'manage' } as never)).toThrow('Expected the `id` of sequence event `manage` to be a string, got nothing (undefined)');
    expect(() => hub.apply({ type: 'manage', id: 'm', cause: 7 } as never)).toThrow('Expected the `cause` of sequence event `manage` to be a string, got `7` (number)');
    expect(hub.state).toBe('offline');
    expect(hub.since).toBeUndefined();
  });

  it('keeps its own frozen copy of the event that moved it', () => {
    const hub = new SequenceMachine('hub');
    const event = { type: 'manage' as const, id: 'm-1', cause: 'x.manage()' };
    const change = hub.apply(event);
    (event as { id: string }).id = 'changed';
    expect(hub.since).toEqual({ type: 'manage', id: 'm-1', cause: 'x.manage()' });
    expect(change.event).toBe(hub.since);
    expect(Object.isFrozen(hub.since)).toBe(true);
  });

  it('refuses options that are not an object, unknown ones, and a name that is not a non-empty string', () => {
    expect(() => new SequenceMachine('hub', null as never)).toThrow('Expected the options of a SequenceMachine to be an object, got `null`');
    expect(() => new SequenceMachine('hub', 'x' as never)).toThrow('Expected the options of a SequenceMachine to be an object, got `"x"` (string)');
    expect(() => new SequenceMachine('hub', { nmae: 'x' } as never)).toThrow('Unknown option `nmae` of a SequenceMachine (did you mean `name`?); expected one of `name`');
    expect(() => new SequenceMachine('hub', { name: 5 } as never)).toThrow('Expected `name` of a SequenceMachine to be a non-empty string, got `5` (number)');
    expect(new SequenceMachine('spoke', { name: 'spoke-3' }).name).toBe('spoke-3');
  });

  it('refuses a role it does not know', () => {
    expect(() => new SequenceMachine('worker' as SequenceRole)).toThrow(SPMError);
    expect(() => new SequenceMachine('worker' as SequenceRole)).toThrow('Expected the role to be `hub` or `spoke`, got `"worker"` (string)');
  });

  it('reports where an event would go without applying it', () => {
    const spoke = new SequenceMachine('spoke');
    expect(spoke.target({ type: 'evaluate' })).toBe('online');
    expect(spoke.target({ type: 'evaluated' })).toBeUndefined();
    expect(spoke.state).toBe('offline');
  });
});
