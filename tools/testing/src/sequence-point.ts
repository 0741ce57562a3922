// The sequence-point guarantee (DESIGN.md, principle 2), checked by the closure families'
// specs after every manage(): the hub is offline, no lease is held, no spoke evaluates, no
// callback fires later, and no process is left but the spokes themselves.
import { expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { currentSequence } from '@spm/sequence';
import { isCoprocessHelper } from './leftovers.js';
import { liveDescendants, waitFor } from './proc.js';

/** What the check reads of a cloud (a `VirtualCloud`, typed by shape: no runtime dependency). */
export interface CloudLike {
  readonly tracker: { readonly activeLease: unknown };
  spokes(): readonly { readonly state: string; readonly pid?: number | undefined }[];
}

/** The arguments of `pid`, or undefined once it is gone. */
function argumentsOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** Live processes (anywhere on the machine, zombies excluded) with `arg` among their arguments. */
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
    if (argumentsOf(pid)?.includes(arg)) out.push(pid);
  }
  return out;
}

// The coprocess fork servers and watchdog are the runtime's (they leave 2 s after a thread's
// last coprocess; see docs/packages/coprocess.md), not leftovers of a task; what they started
// would be found as descendants of their own.

/** Asserts the guarantee; `baseline` lists the processes alive before the cloud; `reportsSoFar` counts the callbacks the spec has seen. */
export async function expectSequencePoint(cloud: CloudLike, baseline: readonly number[], reportsSoFar: () => number): Promise<void> {
  const count = reportsSoFar();
  expect(currentSequence().state).toBe('offline');
  expect(cloud.tracker.activeLease).toBeUndefined();
  expect(cloud.spokes().every((s) => s.state !== 'leased')).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(reportsSoFar()).toBe(count); // no callback fires after manage() settled
  // Spokes killed at the conclusion come back as new incarnations; once all are idle, nothing
  // lives but the current spokes (and the runtime's watchdogs): no coprocess, no stray.
  await waitFor(() => cloud.spokes().every((s) => s.state === 'idle'), 10_000, 'every spoke idle');
  const spokePids = cloud.spokes().map((s) => s.pid);
  const extra = liveDescendants().filter((pid) => !baseline.includes(pid) && !spokePids.includes(pid) && !isCoprocessHelper(pid));
  expect(extra.map((pid) => `${pid}: ${(argumentsOf(pid) ?? []).join(' ')}`)).toEqual([]);
}
