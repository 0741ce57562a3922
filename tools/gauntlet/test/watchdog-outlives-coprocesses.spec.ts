// Regression (found by the gauntlet as a known bug, since fixed): coprocess.
// The first coprocess of a thread starts a watchdog (`/bin/sh … spm-coprocess-watchdog`), and it stayed, idle, for as long as the thread lives —
// after every coprocess has ended. In a hub that runs coprocesses on inproc spokes, or in a Jest
// worker, that is a process no task accounts for: the workspace's leftover check fails
// packages/coprocess/test/run-coprocess.spec.ts, packages/closure-coarse/test/list.spec.ts and
// packages/closure-coarse/src/api-method-registry.spec.ts on it. Expected: the watchdog exits
// once no coprocess of its thread is live (the next coprocess starts a new one).
// With the fork server (the default launcher) the same holds for it: it quits 2 s after its
// last run. Both launchers are checked.
import { describe, it, expect } from '@jest/globals';
import { liveCoprocessCount, runCoprocess } from '@spm/coprocess';
import { isCoprocessHelper, liveDescendants, waitFor } from '@spm/testing';

const watchdogs = (): number[] => liveDescendants().filter((pid) => isCoprocessHelper(pid));

describe.each(['node', 'fork-server'])('the coprocess watchdog (%s launcher)', (launcher) => {
  it('is gone once no coprocess of its thread runs', async () => {
    process.env['SPM_COPROCESS_LAUNCHER'] = launcher;
    const result = await runCoprocess({ argv: ['true'], timeoutMs: 10_000 }).finally(() => delete process.env['SPM_COPROCESS_LAUNCHER']);
    expect(watchdogs()).not.toEqual([]); // it was there
    expect(result.exitCode).toBe(0);
    expect(liveCoprocessCount()).toBe(0);
    const gone = await waitFor(() => watchdogs().length === 0, 3000, 'the watchdog to exit').then(
      () => true,
      () => false,
    );
    expect(watchdogs()).toEqual([]);
    expect(gone).toBe(true);
  });
});
