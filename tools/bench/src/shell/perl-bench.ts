// The Perl strings benchmark: spm-shell against GNU parallel on the same jobs, in one run,
// rounds interleaved — what `{= perl expression =}` and `--filter` cost a job (spm-shell asks one
// perl coprocess per run through a worker thread, synchronously; GNU parallel evaluates in its
// own Perl). `--dry-run`, so that only the making of the commands is timed, with a plain `{}`
// shape beside them for each tool's floor. Every run must print its jobs' commands (one line
// each) and exit 0 — only GNU parallel's `--filter` runs exit with a count (see SHAPES) — else
// the benchmark stops with what went wrong.
// Run: `npx nx run @spm/bench:perl`, or `node tools/bench/dist/shell/perl-bench.js` after
// building @spm/bench and bundling shell-launcher. BENCH_PERL_JOBS (2000) and BENCH_RUNS (3)
// change it (integers ≥ 1, else refused before anything runs, exit 2).
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { formatTable } from '../internal/format-table.js';
import { envInteger, readKnobs } from '../internal/knobs.js';
import { runBench } from '../internal/run-bench.js';
import { SHAPES, type Shape } from './perl-shapes.js';
import { verifyRun } from './run-checks.js';
import { load, median, raceOnce, SPM_SHELL, which, type Contender, type RaceRun } from './shell-race.js';

const { JOBS, RUNS } = readKnobs(() => ({ JOBS: envInteger('BENCH_PERL_JOBS', 2000, 1), RUNS: envInteger('BENCH_RUNS', 3, 1) }));
const TIMEOUT_MS = 600_000;

function contenders(shape: Shape, parallel: string | undefined): Contender[] {
  return [
    { name: 'spm-shell', file: process.execPath, args: [SPM_SHELL, '--no-progress', '--dry-run', '-k', ...shape.args] },
    ...(parallel !== undefined ? [{ name: 'GNU parallel', file: parallel, args: ['--will-cite', '--dry-run', '-k', ...shape.args] }] : []),
  ];
}

async function run(contender: Contender, shape: Shape, jobs: number): Promise<RaceRun> {
  let input = '';
  for (let i = 1; i <= jobs; i++) input += `${String(i)}\n`;
  const result = await raceOnce(contender, input, TIMEOUT_MS, { stdout: true });
  return verifyRun(contender.name, `\`${shape.name}\` (${jobs} jobs)`, result, shape.expect(contender.name, jobs));
}

async function main(): Promise<void> {
  if (!existsSync(SPM_SHELL)) throw new Error(`spm-shell is not built (${SPM_SHELL}): run \`npx nx run shell-launcher:bundle\``);
  const parallel = which('parallel');
  process.stdout.write(`spm-shell Perl strings benchmark: ${JOBS.toLocaleString('en-US')} --dry-run jobs, ${RUNS} rounds; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${load()}\n`);
  if (parallel === undefined) process.stdout.write('GNU parallel is not installed (apt-get install parallel): left out\n');
  const rows: string[][] = [['shape', 'tool', 'best ms', 'median ms', 'µs a job (best)', 'best / spm-shell best']];
  for (const shape of SHAPES) {
    const racers = contenders(shape, parallel);
    // Warm caches (binaries, modules, Perl) before anything is timed.
    for (const racer of racers) await run(racer, shape, 2);
    const times = new Map<string, number[]>(racers.map((r) => [r.name, []]));
    for (let round = 0; round < RUNS; round++) {
      for (let i = 0; i < racers.length; i++) {
        const racer = racers[(i + round) % racers.length] as Contender;
        times.get(racer.name)?.push((await run(racer, shape, JOBS)).ms);
      }
      process.stdout.write(`  ${shape.name}: round ${round + 1}/${RUNS} done (load ${load()})\n`);
    }
    const ours = Math.min(...(times.get('spm-shell') ?? []));
    for (const racer of racers) {
      const ms = times.get(racer.name) ?? [];
      const best = Math.min(...ms);
      rows.push([shape.name, racer.name, best.toFixed(0), median(ms).toFixed(0), ((best * 1000) / JOBS).toFixed(0), racer.name === 'spm-shell' ? '-' : `${(best / ours).toFixed(2)}x`]);
    }
  }
  process.stdout.write(`\n${formatTable(rows)}\n\nload after: ${load()}. Whole runs, start-up included; "best / spm-shell best" above 1: slower than spm-shell.\n`);
}

runBench(main);
