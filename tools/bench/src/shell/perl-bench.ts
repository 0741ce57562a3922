// The Perl strings benchmark: spm-shell against GNU parallel on the same jobs, in one run,
// rounds interleaved — what `{= perl expression =}` and `--filter` cost a job (spm-shell asks one
// perl coprocess per run through a worker thread, synchronously; GNU parallel evaluates in its
// own Perl). `--dry-run`, so that only the making of the commands is timed, with a plain `{}`
// shape beside them for each tool's floor.
// Run: `node tools/bench/dist/shell/perl-bench.js` after building @spm/bench and bundling
// shell-launcher (`npx nx run bench:perl`). BENCH_PERL_JOBS (2000) and BENCH_RUNS (3) change it.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { formatTable } from '../internal/format-table.js';
import { load, median, raceOnce, runBench, SPM_SHELL, which, type Contender, type RaceRun } from './shell-race.js';

const JOBS = Number(process.env['BENCH_PERL_JOBS'] ?? 2000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const TIMEOUT_MS = 600_000;


/** One shape: the arguments after `--dry-run -k` that every contender gets, the jobs' lines on stdin. */
interface Shape {
  readonly name: string;
  readonly args: readonly string[];
}

const SHAPES: readonly Shape[] = [
  { name: 'echo {} (no Perl: the floor)', args: ['echo', '{}'] },
  { name: 'echo {= s/1/x/ =}', args: ['echo', '{= s/1/x/ =}'] },
  { name: "--filter '{} % 2' echo {}", args: ['--filter', '{} % 2', 'echo', '{}'] },
];

function contenders(shape: Shape, parallel: string | undefined): Contender[] {
  return [
    { name: 'spm-shell', file: process.execPath, args: [SPM_SHELL, '--no-progress', '--dry-run', '-k', ...shape.args] },
    ...(parallel !== undefined ? [{ name: 'GNU parallel', file: parallel, args: ['--will-cite', '--dry-run', '-k', ...shape.args] }] : []),
  ];
}

async function run(contender: Contender, input: string): Promise<RaceRun> {
  const result = await raceOnce(contender, input, TIMEOUT_MS);
  // GNU parallel counts the jobs --filter passes over as failed: its exit status is theirs.
  if (result.code !== 0 && !(contender.name === 'GNU parallel' && result.code !== null && result.code <= 101)) throw new Error(`${contender.name} exited ${String(result.code)}; stderr:\n${result.stderr}`);
  return result;
}

async function main(): Promise<void> {
  if (!existsSync(SPM_SHELL)) throw new Error(`spm-shell is not built (${SPM_SHELL}): run \`npx nx run shell-launcher:bundle\``);
  const parallel = which('parallel');
  let input = '';
  for (let i = 1; i <= JOBS; i++) input += `${String(i)}\n`;
  process.stdout.write(`spm-shell Perl strings benchmark: ${JOBS.toLocaleString('en-US')} --dry-run jobs, ${RUNS} rounds; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${load()}\n`);
  if (parallel === undefined) process.stdout.write('GNU parallel is not installed (apt-get install parallel): left out\n');
  const rows: string[][] = [['shape', 'tool', 'best ms', 'median ms', 'µs a job (best)', 'best / spm-shell best']];
  for (const shape of SHAPES) {
    const racers = contenders(shape, parallel);
    // Warm caches (binaries, modules, Perl) before anything is timed.
    for (const racer of racers) await run(racer, '1\n2\n');
    const times = new Map<string, number[]>(racers.map((r) => [r.name, []]));
    for (let round = 0; round < RUNS; round++) {
      for (let i = 0; i < racers.length; i++) {
        const racer = racers[(i + round) % racers.length] as Contender;
        times.get(racer.name)?.push((await run(racer, input)).ms);
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
