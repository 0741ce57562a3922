import { describe, it, expect } from '@jest/globals';
import { SPMError, SPMInvariantError } from '@spm/exceptions';
import { dassert } from './dassert.js';
import { amHub, amOffline, amOnline, amSpoke } from './guards.js';
import { runInSequence } from './sequence-context.js';
import { SequenceMachine, type SequenceRole, type SequenceState } from './sequence-machine.js';

function machine(role: SequenceRole, state: SequenceState, id = 'ev-1'): SequenceMachine {
  const m = new SequenceMachine(role);
  if (state === 'online') m.apply({ type: role === 'hub' ? 'manage' : 'evaluate', id });
  return m;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the guards', () => {
  it.each([
    ['hub', 'offline', [true, false, true, false]],
    ['hub', 'online', [true, false, false, true]],
    ['spoke', 'offline', [false, true, true, false]],
    ['spoke', 'online', [false, true, false, true]],
  ] as const)('read the current sequence: %s %s', (role, state, expected) => {
    const seen = runInSequence(machine(role, state), () => [amHub(), amSpoke(), amOffline(), amOnline()]);
    expect(seen).toEqual(expected);
  });
});

describe('dassert as a wrapper', () => {
  const main = dassert(amOffline, dassert(amHub, function main(this: { base: number } | void, a: number, b: number) {
    return (this?.base ?? 0) + a + b;
  }));

  it('calls through when every predicate holds, with this and arguments', () => {
    expect(main.call({ base: 10 }, 1, 2)).toBe(13);
    expect(main.name).toBe('main');
  });

  it('refuses at call time, naming the predicate, the function, role and state', () => {
    const error = thrownBy(() => runInSequence(machine('hub', 'online', 'mgr-7'), () => main(1, 2)));
    expect(error).toBeInstanceOf(SPMInvariantError);
    expect(error).toMatchObject({ role: 'hub', from: 'online', to: 'call main', code: 'SPM_INVARIANT' });
    expect((error as Error).message).toBe('`main` requires `amOffline()`, but the current sequence is hub `hub`, online since `manage` (id `mgr-7`)');
  });

  it('checks the inner predicate too', () => {
    const error = thrownBy(() => runInSequence(machine('spoke', 'offline'), () => main(1, 2)));
    expect(error).toMatchObject({ role: 'spoke', from: 'offline', to: 'call main' });
    expect((error as Error).message).toContain('requires `amHub()`');
  });

  it('passes only when the predicate returns exactly true', () => {
    const truthy = dassert(() => 1 as unknown as boolean, () => 'ran');
    expect(() => truthy()).toThrow(SPMInvariantError);
    expect(() => truthy()).toThrow('`(anonymous)` requires `(anonymous)()`');
  });

  it('passes a returned promise through untouched', async () => {
    const later = dassert(amHub, async (x: number) => x * 2);
    await expect(later(21)).resolves.toBe(42);
  });

  it('refuses a predicate or function that is not a function', () => {
    expect(() => dassert('amHub' as unknown as () => boolean)).toThrow(SPMError);
    expect(() => dassert(amHub, 5 as unknown as () => void)).toThrow('Expected the function to guard with `amHub` to be a function, got `5` (number)');
    expect(() => dassert(amHub, null as unknown as () => void)).toThrow('Expected the function to guard with `amHub` to be a function, got `null`');
  });
});

describe('dassert as a standard method decorator', () => {
  class Demo {
    constructor(readonly label: string) {}

    @dassert(amOffline)
    @dassert(amHub)
    main(n: number): string {
      return `${this.label}:${n}`;
    }

    @dassert(amOnline)
    @dassert(amSpoke)
    evaluate(): string {
      return this.label;
    }
  }

  it('lets a call through in the right sequence', () => {
    const demo = new Demo('d');
    expect(demo.main(3)).toBe('d:3');
    expect(runInSequence(machine('spoke', 'online'), () => demo.evaluate())).toBe('d');
  });

  it('refuses a call in the wrong sequence, naming the method', () => {
    const demo = new Demo('d');
    const error = thrownBy(() => demo.evaluate());
    expect(error).toBeInstanceOf(SPMInvariantError);
    expect(error).toMatchObject({ role: 'hub', from: 'offline', to: 'call evaluate' });
    // Decorators apply bottom-up, so the top one is checked first, as in the seed.
    expect((error as Error).message).toContain('`evaluate` requires `amOnline()`');
    const offline = thrownBy(() => runInSequence(machine('hub', 'online'), () => demo.evaluate()));
    expect((offline as Error).message).toContain('`evaluate` requires `amSpoke()`');
    const online = thrownBy(() => runInSequence(machine('hub', 'online'), () => demo.main(1)));
    expect(online).toMatchObject({ to: 'call main' });
    expect((online as Error).message).toContain('requires `amOffline()`');
  });

  it('works as a plain wrapper when given no decorator context', () => {
    const onlySpoke = dassert(amSpoke)(function evaluateTask() {
      return 1;
    });
    expect(() => onlySpoke()).toThrow('`evaluateTask` requires `amSpoke()`, but the current sequence is hub `hub`, offline');
  });
});
