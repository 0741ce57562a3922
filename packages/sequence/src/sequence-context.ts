import { SPMError, describeValue } from '@spm/exceptions';
import { globalSlot } from './internal/global-slot.js';
import { SequenceMachine } from './sequence-machine.js';

/**
 * Decides which sequence machine is "current" for the code that asks. Install one with
 * {@link setSequenceContextProvider}. A Node runtime (the spoke package) installs one built on
 * `AsyncLocalStorage`, so a spoke machine stays in scope across the `await`s of one evaluation
 * while the hub's own code, interleaved on the same thread, still sees the hub.
 *
 * @example
 * const storage = new AsyncLocalStorage<SequenceMachine>();
 * setSequenceContextProvider({ get: () => storage.getStore(), run: (m, fn) => storage.run(m, fn) });
 */
export interface SequenceContextProvider {
  /** The machine in scope for the caller, or `undefined` for the process's own (a hub, offline at start). */
  get(): SequenceMachine | undefined;
  /** Calls `fn` with `machine` in scope and returns what `fn` returns. */
  run<T>(machine: SequenceMachine, fn: () => T): T;
}

interface Ambient {
  provider: SequenceContextProvider | undefined;
  /** The process's own machine: what code sees outside any `runInSequence`. */
  readonly base: SequenceMachine;
  /** The default provider's scope stack (synchronous scopes only). */
  readonly stack: SequenceMachine[];
}

// Shared by every copy of the package in this realm (thread): the hub's bundle and a user's
// module must agree on what is current, or a guard would read a machine nobody drives.
const ambient = globalSlot<Ambient>('@spm/sequence.ambient', () => ({
  provider: undefined,
  base: new SequenceMachine('hub'),
  stack: [],
}));

/**
 * The default provider: a scope stack, entered and left synchronously. It is not async-safe:
 * `fn`'s synchronous part sees `machine`, its continuations after an `await` see the process's
 * own machine again. Guards then fail loudly (a spoke guard sees a hub) rather than leak a
 * scope into unrelated code.
 */
const stackProvider: SequenceContextProvider = {
  get: () => ambient.stack[ambient.stack.length - 1],
  run<T>(machine: SequenceMachine, fn: () => T): T {
    ambient.stack.push(machine);
    try {
      return fn();
    } finally {
      ambient.stack.pop();
    }
  },
};

/**
 * The sequence machine in scope for the caller: the one given to the innermost
 * {@link runInSequence} (as the installed provider tracks it), else the process's own machine,
 * which is a hub that starts offline.
 */
export function currentSequence(): SequenceMachine {
  return (ambient.provider ?? stackProvider).get() ?? ambient.base;
}

/**
 * Runs `fn` with `machine` as the current sequence (e.g. a spoke machine for the evaluation of
 * one task, or a fresh hub in a test) and returns what `fn` returns. With the default provider
 * only `fn`'s synchronous part is in scope; install an async-aware provider (the spoke package
 * does) to cover its `await`s too.
 */
export function runInSequence<T>(machine: SequenceMachine, fn: () => T): T {
  if (!(machine instanceof SequenceMachine) && !isMachineLike(machine)) {
    throw new SPMError(`Expected \`machine\` to be a SequenceMachine, got ${describeValue(machine)}`);
  }
  if (typeof fn !== 'function') throw new SPMError(`Expected \`fn\` to be a function, got ${describeValue(fn)}`);
  return (ambient.provider ?? stackProvider).run(machine, fn);
}

/**
 * Installs the provider that decides the current sequence for this thread, for every copy of
 * this package. Pass `undefined` to restore the default (synchronous) one. Returns the provider
 * that was installed before, so a test can put it back. Install once, at start-up, outside any
 * `runInSequence`: scopes opened under the old provider are not seen by the new one.
 */
export function setSequenceContextProvider(provider: SequenceContextProvider | undefined): SequenceContextProvider | undefined {
  if (provider !== undefined && (typeof provider !== 'object' || provider === null || typeof provider.get !== 'function' || typeof provider.run !== 'function')) {
    throw new SPMError(`Expected a sequence context provider with \`get()\` and \`run(machine, fn)\` functions, got ${describeValue(provider)}`);
  }
  const previous = ambient.provider;
  ambient.provider = provider;
  return previous;
}

// Another copy of this package builds machines from its own class; they are equally good.
function isMachineLike(value: unknown): value is SequenceMachine {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SequenceMachine>;
  return (
    (candidate.role === 'hub' || candidate.role === 'spoke') &&
    (candidate.state === 'offline' || candidate.state === 'online') &&
    typeof candidate.name === 'string' &&
    typeof candidate.apply === 'function'
  );
}
