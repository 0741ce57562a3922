// Regression (found by the gauntlet as a known bug, since fixed): closure-core.
// The promise: bad options and bad task records are refused "before anything runs" (docs/packages/closure-core.md: "rejects before anything is
// dispatched").
// 1. An array of tasks is validated as it is read, not up front: with a bad record at index 5,
//    tasks 0–4 are dispatched (and some evaluated) before manage() rejects. An array is known
//    whole; only an iterable has to be read lazily.
// 2. manage() checks only a policy's `name` (manage-options.ts): a policy object not made by
//    definePolicy() with `prefetch: -1` makes every spoke look full, so nothing is ever
//    dispatched and manage() waits until timeoutExecution (forever by default); a negative
//    `retriesOnSpokeLoss` or missing fields are accepted as well.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Policy } from '@spm/closure-core';
import { SPMError, SPMTypedefError } from '@spm/exceptions';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { windows, type WindowTask } from './fixtures/gauntlet-closures.mjs';

const ok: WindowTask = { nMin: 0, nMax: 10 };

describe('bad input refused before anything runs (known bugs)', () => {
  let cloud: VirtualCloud;
  let dispatched = 0;
  const count = (): void => void (dispatched += 1);

  beforeAll(async () => {
    cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'process', spokes: 1 } });
    windows.on('dispatch', count);
  }, 30_000);

  afterAll(async () => {
    windows.off('dispatch', count);
    await cloud.close();
  });

  it('refuses an array with a bad record at index 5 before dispatching tasks 0–4', async () => {
    dispatched = 0;
    const error = await windows.manage({ pool: cloud.pool.intraAll(), tasks: [ok, ok, ok, ok, ok, { ...ok, nMin: 'x' as unknown as number }, ok] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMTypedefError);
    expect((error as Error).message).toMatch(/^Task 5: /);
    expect(dispatched).toBe(0);
  });

  it.each([
    ['`prefetch` -1', { name: 'p', prefetch: -1, retriesOnSpokeLoss: 2, relaunchOnHubCallbackError: true }, /prefetch/],
    ['`retriesOnSpokeLoss` -1', { name: 'p', prefetch: 0, retriesOnSpokeLoss: -1, relaunchOnHubCallbackError: true }, /retriesOnSpokeLoss/],
    ['only a name', { name: 'p' }, /prefetch|retriesOnSpokeLoss|relaunchOnHubCallbackError/],
  ])('refuses a policy object with %s before anything runs', async (_what, policy, message) => {
    dispatched = 0;
    // Bounded: without the fix the first case waits for timeoutExecution.
    const error = await windows.manage({ pool: cloud.pool.intraAll(), tasks: [ok], policy: policy as Policy, timeoutExecution: after({ seconds: 3 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMError);
    expect((error as Error).message).toMatch(message);
    expect(dispatched).toBe(0);
  });
});
