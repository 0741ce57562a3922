import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, it, expect, afterEach } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { currentSequence, runInSequence, setSequenceContextProvider } from './sequence-context.js';
import { SequenceMachine } from './sequence-machine.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

afterEach(() => {
  setSequenceContextProvider(undefined);
});

describe('the process sequence', () => {
  it('is a hub, offline, outside any scope', () => {
    expect(currentSequence().role).toBe('hub');
    expect(currentSequence().state).toBe('offline');
    expect(currentSequence()).toBe(currentSequence());
  });
});

describe('the default (synchronous) provider', () => {
  it('scopes a machine to the synchronous call, nested scopes innermost first', () => {
    const outer = new SequenceMachine('spoke', { name: 'outer' });
    const inner = new SequenceMachine('spoke', { name: 'inner' });
    const seen = runInSequence(outer, () => {
      const here = [currentSequence().name];
      here.push(runInSequence(inner, () => currentSequence().name));
      here.push(currentSequence().name);
      return here;
    });
    expect(seen).toEqual(['outer', 'inner', 'outer']);
    expect(currentSequence().role).toBe('hub');
  });

  it('leaves the scope when the function throws', () => {
    const spoke = new SequenceMachine('spoke');
    expect(() =>
      runInSequence(spoke, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(currentSequence().role).toBe('hub');
  });

  it('does not carry the scope past an await (documented: use an async-aware provider)', async () => {
    const spoke = new SequenceMachine('spoke');
    const roles = await runInSequence(spoke, async () => {
      const before = currentSequence().role;
      await tick();
      return [before, currentSequence().role];
    });
    expect(roles).toEqual(['spoke', 'hub']);
  });

  it('refuses something that is not a machine or a function', () => {
    expect(() => runInSequence({} as SequenceMachine, () => 1)).toThrow(SPMError);
    // A bare role and state is not a machine: messages would name it `undefined`.
    expect(() => runInSequence({ role: 'hub', state: 'online' } as SequenceMachine, () => 1)).toThrow('Expected `machine` to be a SequenceMachine, got an object');
    expect(() => runInSequence(new SequenceMachine('hub'), 'x' as unknown as () => number)).toThrow('Expected `fn` to be a function, got `"x"` (string)');
  });
});

describe('an AsyncLocalStorage provider', () => {
  function install(): void {
    const storage = new AsyncLocalStorage<SequenceMachine>();
    setSequenceContextProvider({ get: () => storage.getStore(), run: (machine, fn) => storage.run(machine, fn) });
  }

  it('keeps each evaluation in its own spoke machine across awaits, while the hub sees itself', async () => {
    install();
    const evaluate = (name: string, delays: number[]) =>
      runInSequence(new SequenceMachine('spoke', { name }), async () => {
        const seen: string[] = [];
        for (const delay of delays) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          seen.push(`${currentSequence().role}:${currentSequence().name}`);
        }
        return seen;
      });
    const both = Promise.all([evaluate('a', [3, 1, 2]), evaluate('b', [1, 3, 1])]);
    expect(currentSequence().role).toBe('hub');
    const [a, b] = await both;
    expect(a).toEqual(['spoke:a', 'spoke:a', 'spoke:a']);
    expect(b).toEqual(['spoke:b', 'spoke:b', 'spoke:b']);
    expect(currentSequence().role).toBe('hub');
  });

  it('returns the previous provider so it can be restored', () => {
    install();
    const fixed = new SequenceMachine('spoke', { name: 'fixed' });
    const previous = setSequenceContextProvider({ get: () => fixed, run: (_machine, fn) => fn() });
    expect(currentSequence()).toBe(fixed);
    setSequenceContextProvider(previous);
    expect(currentSequence().role).toBe('hub');
  });

  it('refuses a provider without get and run', () => {
    expect(() => setSequenceContextProvider({ get: () => undefined } as never)).toThrow('Expected a sequence context provider with `get()` and `run(machine, fn)` functions, got an object');
    expect(() => setSequenceContextProvider(null as never)).toThrow('Expected a sequence context provider with `get()` and `run(machine, fn)` functions, got `null`');
  });
});
