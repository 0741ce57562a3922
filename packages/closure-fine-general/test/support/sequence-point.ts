// The sequence-point guarantee (DESIGN.md, principle 2), checked after every manage() of the
// specs: the hub is offline, no lease is held, no spoke evaluates, no callback fires later, and
// no process is left but the spokes themselves.
import { expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { currentSequence } from '@spm/sequence';
import { liveDescendants, waitFor } from '@spm/testing';
import type { VirtualCloud } from '@spm/tracker';

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => setTimeout(r, ms));

/** The command line of `pid` as its arguments, or undefined once it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .slice(0, -1);
  } catch {
    return undefined;
  }
}

/** Live processes (anywhere on the machine, zombies excluded) whose arguments include `arg`. */
export function processesWithArg(arg: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    } catch {
      continue;
    }
    if (commandLine(pid)?.includes(arg)) out.push(pid);
  }
  return out;
}

// A coprocess watchdog lives as long as the thread that started it (see docs/packages/coprocess.md):
// it is the runtime's, not a leftover of a task.
const isWatchdog = (pid: number): boolean =>
  commandLine(pid)?.includes('spm-coprocess-watchdog') === true;

/** Asserts the guarantee; `reportsSoFar` counts the callbacks the spec has seen. */
export async function expectSequencePoint(
  cloud: VirtualCloud,
  baseline: readonly number[],
  reportsSoFar: () => number,
): Promise<void> {
  const count = reportsSoFar();
  expect(currentSequence().state).toBe('offline');
  expect(cloud.tracker.activeLease).toBeUndefined();
  expect(cloud.spokes().every((s) => s.state !== 'leased')).toBe(true);
  await sleep(50);
  expect(reportsSoFar()).toBe(count); // no callback fires after manage() settled
  // Spokes killed at the conclusion come back as new incarnations; once all are idle, nothing
  // lives but the current spokes (and the runtime's watchdogs): no coprocess, no stray.
  await waitFor(
    () => cloud.spokes().every((s) => s.state === 'idle'),
    10_000,
    'every spoke idle',
  );
  const spokePids = cloud.spokes().map((s) => s.pid);
  const extra = liveDescendants().filter(
    (pid) =>
      !baseline.includes(pid) && !spokePids.includes(pid) && !isWatchdog(pid),
  );
  expect(
    extra.map((pid) => `${pid}: ${(commandLine(pid) ?? []).join(' ')}`),
  ).toEqual([]);
}
