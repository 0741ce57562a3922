// A reference launcher for the spm-shell benchmark: the command path spm-shell is built on,
// `runCoprocess` of @spm/coprocess (a fork server per slot, process-tree cleanup), driven by a
// plain loop with `-j` slots — no tasks, no tracker, no reports, no output printed. What it
// reaches bounds what spm-shell can reach on the same machine; the gap between the two is the
// cost of the task layer. Usage: node coprocess-alone.js JOBS < commands
import { createInterface } from 'node:readline';
import { runCoprocess } from '@spm/coprocess';

const jobs = Number(process.argv[2] ?? 2);
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`Expected JOBS to be an integer ≥ 1, got ${String(process.argv[2])}`);
const commands: string[] = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line !== '') commands.push(line);
let next = 0;
let failed = 0;
async function slot(): Promise<void> {
  while (next < commands.length) {
    const command = commands[next++] as string;
    const result = await runCoprocess({ command });
    if (result.exitCode !== 0) failed += 1;
  }
}
await Promise.all(Array.from({ length: jobs }, slot));
process.exitCode = Math.min(failed, 101);
