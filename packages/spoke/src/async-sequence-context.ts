import { AsyncLocalStorage } from 'node:async_hooks';
import { setSequenceContextProvider, type SequenceMachine } from '@spm/sequence';

const KEY = Symbol.for('@spm/spoke.async-sequence-installed');

/**
 * Makes the ambient sequence async-aware in this thread: a spoke's evaluation keeps seeing its
 * spoke machine across its `await`s, while the hub's code (in `inproc` mode, the same thread)
 * keeps seeing the hub. Installed once per thread, shared by copies of this package.
 */
export function installAsyncSequenceContext(): void {
  const slot = globalThis as { [KEY]?: boolean };
  if (slot[KEY]) return;
  const storage = new AsyncLocalStorage<SequenceMachine>();
  setSequenceContextProvider({ get: () => storage.getStore(), run: (machine, fn) => storage.run(machine, fn) });
  slot[KEY] = true;
}
