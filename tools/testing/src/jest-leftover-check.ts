/**
 * The workspace's leftover-process check (Dask checks every test for leaked processes; GNU
 * parallel's tests check that no `sleep` survives). Registered for every Jest project in
 * `jest.preset.cjs` (`setupFilesAfterEnv`): it records this process's live descendants when a
 * test file starts and, after the file's last `afterAll`, waits up to 5 s for every new one to be
 * gone. Otherwise the file fails, naming each leftover's pid and command line, and the leftovers
 * are SIGKILLed so they do not spill into the next file. Zombies count as gone.
 *
 * Per file, not per test: suites keep a cloud across tests (`beforeAll`/`afterAll`).
 * Processes are found two ways: as descendants of the test's process, and by the tag
 * `SPM_TEST_RUN` that `jest-run-tag.cjs` (the preset's `globalSetup`) puts in the environment
 * of the whole Jest run, so an orphan re-parented to init (its parent was killed) is still
 * seen — unless it was started with an environment that drops the tag.
 * @packageDocumentation
 */
import { afterAll, expect } from '@jest/globals';
import { awaitNoLeftovers, formatLeftovers, killLeftovers, testProcesses } from './leftovers.js';

/** How long a test file's processes may take to exit after its last hook. */
const BOUND_MS = 5000;

const baseline = testProcesses();

async function checkLeftovers(): Promise<void> {
  const left = await awaitNoLeftovers(baseline, BOUND_MS);
  if (left.length === 0) return;
  await killLeftovers(left);
  const file = expect.getState().testPath ?? 'this test file';
  throw new Error(`${file} left ${left.length} process(es) running ${BOUND_MS} ms after its last hook (now SIGKILLed):\n${formatLeftovers(left)}`);
}

afterAll(checkLeftovers, BOUND_MS + 10_000);
keepLast(checkLeftovers);

interface Hook {
  readonly fn: unknown;
  readonly type: string;
}

/**
 * jest-circus runs a block's `afterAll` hooks in the order they were added, so ours — added
 * before the test file's code runs — would run before a top-level `afterAll` that closes the
 * file's cloud, and see its spokes as leftovers. Keep it the last `afterAll` of the root block
 * by inserting later hooks before it. This reaches into jest-circus' state (its symbol is not
 * registered); if that shape ever changes, the check still runs, only earlier.
 */
function keepLast(fn: unknown): void {
  const key = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  if (key === undefined) return;
  const state = (globalThis as unknown as Record<symbol, { rootDescribeBlock?: { hooks?: unknown } } | undefined>)[key];
  const hooks = state?.rootDescribeBlock?.hooks;
  if (!Array.isArray(hooks)) return;
  const list = hooks as Hook[];
  const push = list.push.bind(list);
  Object.defineProperty(list, 'push', {
    value: (...items: Hook[]): number => {
      const ours = list.findIndex((h) => h.fn === fn);
      if (ours < 0) return push(...items);
      list.splice(ours, 0, ...items);
      return list.length;
    },
  });
}
