// The spm-shell benchmark: spm-shell vs GNU parallel vs `xargs -P` on the same 1,000 `true`
// commands with 2 at a time, in one run, rounds interleaved so that every launcher sees the same
// drift of this shared machine's load. Prints commands/s (best and median of the rounds), CPU
// per command, the start-up-free marginal rate, and spm-shell's ratios against the goals
// (≥ 3× GNU parallel, ≥ 0.8× xargs -P), and against a reference, `@spm/coprocess alone` (the
// command path spm-shell is built on, in a plain loop: see coprocess-alone.ts). Before the timed
// rounds, each launcher is checked to run all the commands (see checkRunsAll). Run:
// `npx nx run @spm/bench:shell`, or `node tools/bench/dist/shell/shell-bench.js` after building
// @spm/bench and bundling shell-launcher. BENCH_COMMANDS (1000), BENCH_JOBS (2) and BENCH_RUNS
// (5) change the shape (integers ≥ 1, else refused before anything runs, exit 2).
import { existsSync } from 'node:fs';
import { coprocessLauncher, runCoprocess } from '@spm/coprocess';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatRate, formatTable } from '../internal/format-table.js';
import { envInteger, readKnobs } from '../internal/knobs.js';
import { runBench } from '../internal/run-bench.js';
import { checkRunsAll, contenders, load, marginalRate, median, raceOnce, SPM_SHELL, SPM_SHELL_BIN, which, type Contender, type RaceRun } from './shell-race.js';

const { COMMANDS, JOBS, RUNS } = readKnobs(() => ({
  COMMANDS: envInteger('BENCH_COMMANDS', 1000, 1),
  JOBS: envInteger('BENCH_JOBS', 2, 1),
  RUNS: envInteger('BENCH_RUNS', 5, 1),
}));
/** The short run that prices each launcher's start-up. */
const SHORT = JOBS;
const TIMEOUT_MS = 300_000;
const GOALS: Readonly<Record<string, number>> = { 'GNU parallel': 3, xargs: 0.8 };

const input = (n: number): string => 'true\n'.repeat(n);

async function run(contender: Contender, commands: number): Promise<RaceRun> {
  const result = await raceOnce(contender, input(commands), TIMEOUT_MS);
  if (result.code !== 0) throw new Error(`${contender.name} exited ${String(result.code)} on ${commands} \`true\` commands; stderr:\n${result.stderr}`);
  return result;
}

async function main(): Promise<void> {
  if (!existsSync(SPM_SHELL)) throw new Error(`spm-shell is not built (${SPM_SHELL}): run \`npx nx run shell-launcher:bundle\``);
  const parallel = which('parallel');
  // The floor drives the fork server binary itself: the one this machine has built (a first run builds it).
  await runCoprocess({ argv: ['true'] });
  for (let waited = 0; coprocessLauncher().reason.startsWith('the fork server is being built') && waited < 60_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const launcher = coprocessLauncher();
  const nodeFloor = launcher.launcher === 'fork-server' ? { script: fileURLToPath(new URL('./node-floor.js', import.meta.url)), forkServer: launcher.reason } : undefined;
  const racers = contenders({ jobs: JOBS, spmShellBin: SPM_SHELL_BIN, parallel, coprocessAlone: fileURLToPath(new URL('./coprocess-alone.js', import.meta.url)), ...(nodeFloor !== undefined ? { nodeFloor } : {}) });
  if (nodeFloor === undefined) process.stdout.write(`No fork server here (${launcher.reason}): the Node floor is left out\n`);
  process.stdout.write(`spm-shell benchmark: ${COMMANDS} \`true\` commands, -j${JOBS}, ${RUNS} rounds; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${load()}\n`);
  if (parallel === undefined) process.stdout.write('GNU parallel is not installed (apt-get install parallel): left out\n');

  // Each launcher must run every command (untimed); this warms caches too (binaries, modules,
  // GNU parallel's first-run files) before anything is timed.
  for (const racer of racers) await checkRunsAll(racer, COMMANDS, TIMEOUT_MS);
  for (const racer of racers) await run(racer, SHORT);
  const long = new Map<string, RaceRun[]>(racers.map((r) => [r.name, []]));
  const short = new Map<string, RaceRun[]>(racers.map((r) => [r.name, []]));
  for (let round = 0; round < RUNS; round++) {
    // Rotate the order each round: no launcher always runs right after another one's burst.
    const order = racers.map((_, i) => racers[(i + round) % racers.length] as Contender);
    for (const racer of order) {
      long.get(racer.name)?.push(await run(racer, COMMANDS));
      short.get(racer.name)?.push(await run(racer, SHORT));
    }
    process.stdout.write(`  round ${round + 1}/${RUNS} done (load ${load()})\n`);
  }

  const rate = (runs: readonly RaceRun[], pick: (ms: number[]) => number): number => (COMMANDS / pick(runs.map((r) => r.ms))) * 1000;
  const best = new Map(racers.map((r) => [r.name, rate(long.get(r.name) ?? [], (ms) => Math.min(...ms))]));
  const rows: string[][] = [['launcher', 'best cmd/s', 'median cmd/s', 'marginal cmd/s', 'CPU ms/cmd', 'start-up ms']];
  for (const racer of racers) {
    const l = long.get(racer.name) ?? [];
    const s = short.get(racer.name) ?? [];
    const marginal = marginalRate({ commands: COMMANDS, ms: median(l.map((r) => r.ms)) }, { commands: SHORT, ms: median(s.map((r) => r.ms)) });
    const cpu = l.every((r) => r.cpuMs !== undefined) ? median(l.map((r) => r.cpuMs as number)) / COMMANDS : undefined;
    rows.push([
      racer.name,
      formatRate(best.get(racer.name) ?? 0),
      formatRate(rate(l, median)),
      marginal === undefined ? '-' : formatRate(marginal),
      cpu === undefined ? '-' : cpu.toFixed(2),
      median(s.map((r) => r.ms)).toFixed(0),
    ]);
  }
  process.stdout.write(`\n${formatTable(rows)}\n\n`);

  // Each spm-shell (its bin as a program, and run by node where NODE_EXTRA_CA_CERTS is set) against the others.
  const ratios: string[][] = [['spm-shell', 'vs', 'ratio (best)', 'goal', 'met']];
  const ours = racers.filter((r) => r.name.startsWith('spm-shell'));
  for (const mine of ours) {
    const spm = best.get(mine.name) ?? 0;
    for (const racer of racers.filter((r) => !ours.includes(r))) {
      const goal = racer.name.startsWith('xargs') ? GOALS['xargs'] : GOALS[racer.name];
      const ratio = spm / (best.get(racer.name) ?? Infinity);
      ratios.push([mine === ours[0] ? 'as run' : mine.name.slice('spm-shell, '.length), racer.name, `${ratio.toFixed(2)}x`, goal === undefined ? '-' : `${goal}x`, goal === undefined ? '-' : ratio >= goal ? 'yes' : 'no']);
    }
  }
  process.stdout.write(`${formatTable(ratios)}\n`);
  const counted = [...long.values()].flat().every((r) => r.cpuCounted === 'cgroup')
    ? 'CPU: every process of a run, counted by a cgroup of its own'
    : 'CPU: reaped children only (no cgroup could be made; processes that outlive a launcher, such as spm-shell\'s fork servers, are missed)';
  process.stdout.write(`\nload after: ${load()}. Rates include each launcher's start-up; "marginal" leaves it out (${COMMANDS} vs ${SHORT} commands, medians). ${counted}.\n`);
}

runBench(main);
