// A reference launcher for the spm-shell benchmark: the command path spm-shell is built on,
// `runCoprocess` of @spm/coprocess (a fork server per slot, process-tree cleanup), driven by a
// plain loop with `-j` slots — no tasks, no tracker, no reports, no output printed. Each slot is
// a CoprocessLane holding up to HELD commands beyond its running one, as spm-shell's spokes do
// while commands are short. What it reaches bounds what spm-shell can reach on the same machine;
// the gap between the two is the cost of the task layer. Usage: node coprocess-alone.js JOBS < commands
import { createInterface } from 'node:readline';
import { CoprocessLane, runCoprocess, type CoprocessResult } from '@spm/coprocess';

/** Commands a slot holds beyond its running one (spm-shell's PIPELINE_HELD). */
const HELD = 2;
/**
 * The environment every command gets, read once and frozen, as spm-shell passes it: a fork
 * server is sent a frozen environment only once, where `process.env` (the default) is read whole
 * — every variable under Node's environment lock — for each command.
 */
const ENV = Object.freeze({ ...process.env });

const jobs = Number(process.argv[2] ?? 2);
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`Expected JOBS to be an integer ≥ 1, got ${String(process.argv[2])}`);
const commands: string[] = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line !== '') commands.push(line);
let next = 0;
let failed = 0;
async function slot(): Promise<void> {
  const lane = new CoprocessLane();
  const asked: Promise<CoprocessResult>[] = [];
  while (next < commands.length || asked.length > 0) {
    while (asked.length <= HELD && next < commands.length) asked.push(runCoprocess({ command: commands[next++] as string, lane, env: ENV }));
    const result = await (asked.shift() as Promise<CoprocessResult>);
    if (result.exitCode !== 0) failed += 1;
  }
}
await Promise.all(Array.from({ length: jobs }, slot));
process.exitCode = Math.min(failed, 101);
