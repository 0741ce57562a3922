import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SPMInvariantError } from '@spm/exceptions';
import { SequenceMachine, findClosure, requireClosure, runInSequence, setSequenceContextProvider } from '@spm/sequence';

// What the spoke package will do: install an AsyncLocalStorage provider, then preload a user's
// module inside a spoke machine's scope. The module (a built .mjs using the package's dist)
// declares a closure at its top level; the closure is then found by (module, signature).
const first = new URL('./fixtures/user-module-first.mjs', import.meta.url).href;
const second = new URL('./fixtures/user-module-second.mjs', import.meta.url).href;

beforeAll(() => {
  const storage = new AsyncLocalStorage<SequenceMachine>();
  setSequenceContextProvider({ get: () => storage.getStore(), run: (machine, fn) => storage.run(machine, fn) });
});
afterAll(() => {
  setSequenceContextProvider(undefined);
});

describe('a spoke preloading a module', () => {
  it('declares the module’s closure while offline and finds it again', async () => {
    const spoke = new SequenceMachine('spoke', { name: 'spoke-1' });
    const loaded = (await runInSequence(spoke, () => import(first))) as {
      seenAtTopLevel: { spoke: boolean; offline: boolean };
      ref: { module: string; signature: string };
    };
    expect(loaded.seenAtTopLevel).toEqual({ spoke: true, offline: true });
    expect(loaded.ref).toEqual({ module: first, signature: 'user:main' });
    expect(findClosure(first, 'user:main')).toEqual({ from: 'first' });
    // Found by absolute path too, as a spoke given a path would look it up.
    expect(findClosure(new URL(first).pathname, 'user:main')).toEqual({ from: 'first' });
  });

  it('refuses the declaration when the module is first imported while the spoke is online', async () => {
    const spoke = new SequenceMachine('spoke', { name: 'spoke-2' });
    spoke.apply({ type: 'evaluate', id: 'task-4#1' });
    const importing = runInSequence(spoke, () => import(second));
    await expect(importing).rejects.toBeInstanceOf(SPMInvariantError);
    await expect(importing).rejects.toMatchObject({ role: 'spoke', from: 'online', to: 'declare closure user:main' });
    expect(() => requireClosure(second, 'user:main')).toThrow('it declared none here');
  });
});
