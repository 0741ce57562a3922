// The `--pipe` benchmark: spm-shell against GNU parallel on the same input, in one run, rounds
// interleaved. Two shapes: many tiny blocks (`-N1 'cat >/dev/null'`: what each block's command costs to
// start) and big ones (the default 1 MiB blocks to `wc -l`: moving the data). spm-shell runs
// twice: as it is, and with SPM_COPROCESS_LAUNCHER=node (every command spawned by Node, as
// every `--pipe` command was until session 23, when the fork server learned to feed stdin).
// A third shape cuts the big input as a file with `--pipe-part` (`-a FILE wc -l`): each part is
// copied from the file into its command's stdin by the fork server (session 24), where GNU
// parallel's jobs read the file themselves. Every run must exit 0 and its `wc -l` counts add up
// to the lines it was given (the `cat` shape prints nothing), else the benchmark stops.
// Run: `npx nx run @spm/bench:pipe`, or `node tools/bench/dist/shell/pipe-bench.js` after
// building @spm/bench and bundling shell-launcher. BENCH_SMALL (1000 lines), BENCH_BIG_LINES
// (10,000,000), BENCH_JOBS (2) and BENCH_RUNS (3) change the shape (integers ≥ 1, else refused
// before anything runs, exit 2).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../internal/format-table.js';
import { envInteger, readKnobs } from '../internal/knobs.js';
import { onAbort, runBench } from '../internal/run-bench.js';
import { countsAddUpTo, noOutput, verifyRun, type Expectation } from './run-checks.js';
import { load, median, raceOnce, SPM_SHELL, which, type Contender, type RaceRun } from './shell-race.js';

const { SMALL, BIG_LINES, JOBS, RUNS } = readKnobs(() => ({
  SMALL: envInteger('BENCH_SMALL', 1000, 1),
  BIG_LINES: envInteger('BENCH_BIG_LINES', 10_000_000, 1),
  JOBS: String(envInteger('BENCH_JOBS', 2, 1)),
  RUNS: envInteger('BENCH_RUNS', 3, 1),
}));
const TIMEOUT_MS = 600_000;

/** One shape of the benchmark: the input and the `--pipe` arguments every contender gets. */
interface Shape {
  readonly name: string;
  readonly input: string;
  /** `--pipe` or `--pipe-part`, then these. */
  readonly mode: '--pipe' | '--pipe-part';
  readonly pipeArgs: readonly string[];
  /** What a run on `input` (this shape's, or the warm-up's) must print: nothing, or counts adding up to its lines. */
  readonly output: (input: string) => Expectation['output'];
}

/** The lines of `text` (each ends with a newline). */
const lineCountOf = (text: string): number => {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
};

function contenders(shape: Shape, parallel: string | undefined): Contender[] {
  const spm = { name: 'spm-shell', file: process.execPath, args: [SPM_SHELL, '-j', JOBS, '--no-progress', shape.mode, ...shape.pipeArgs] };
  return [
    spm,
    { ...spm, name: 'spm-shell, launcher node', set: { SPM_COPROCESS_LAUNCHER: 'node' } },
    ...(parallel !== undefined ? [{ name: 'GNU parallel', file: parallel, args: ['--will-cite', '-j', JOBS, shape.mode, ...shape.pipeArgs] }] : []),
  ];
}

async function run(contender: Contender, shape: Shape, input: string): Promise<RaceRun> {
  const result = await raceOnce(contender, input, TIMEOUT_MS, { stdout: true });
  return verifyRun(contender.name, `\`${shape.name}\``, result, { codes: [0], output: shape.output(input) });
}

async function main(): Promise<void> {
  if (!existsSync(SPM_SHELL)) throw new Error(`spm-shell is not built (${SPM_SHELL}): run \`npx nx run shell-launcher:bundle\``);
  const parallel = which('parallel');
  const lines = (n: number): string => {
    let text = '';
    for (let i = 1; i <= n; i++) text += `${String(i)}\n`;
    return text;
  };
  const big = lines(BIG_LINES);
  const dir = mkdtempSync(join(tmpdir(), 'spm-pipe-bench-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  // Removed however the benchmark ends (interrupted or failed: see runBench).
  onAbort(removeDir);
  const bigFile = join(dir, 'lines');
  writeFileSync(bigFile, big);
  const shapes: Shape[] = [
    { name: `${SMALL.toLocaleString('en-US')} one-line blocks, -N1 cat >/dev/null`, input: lines(SMALL), mode: '--pipe', pipeArgs: ['-N1', 'cat >/dev/null'], output: () => noOutput },
    { name: `${BIG_LINES.toLocaleString('en-US')} lines in 1 MiB blocks, wc -l`, input: big, mode: '--pipe', pipeArgs: ['wc', '-l'], output: (input) => countsAddUpTo(lineCountOf(input)) },
    // The file's lines, whatever is on stdin.
    { name: `--pipe-part: a file of ${BIG_LINES.toLocaleString('en-US')} lines, wc -l`, input: '', mode: '--pipe-part', pipeArgs: ['-a', bigFile, 'wc', '-l'], output: () => countsAddUpTo(BIG_LINES) },
  ];
  process.stdout.write(`spm-shell --pipe benchmark: -j${JOBS}, ${RUNS} rounds; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${load()}\n`);
  if (parallel === undefined) process.stdout.write('GNU parallel is not installed (apt-get install parallel): left out\n');
  const rows: string[][] = [['shape', 'launcher', 'best ms', 'median ms', 'best / spm-shell best']];
  for (const shape of shapes) {
    const racers = contenders(shape, parallel);
    // Warm caches (binaries, modules, the fork server's build, the file's pages) before anything is timed.
    for (const racer of racers) await run(racer, shape, shape.mode === '--pipe-part' ? '' : lines(10));
    const times = new Map<string, number[]>(racers.map((r) => [r.name, []]));
    for (let round = 0; round < RUNS; round++) {
      // Rotate the order each round: no launcher always runs right after another one's burst.
      for (let i = 0; i < racers.length; i++) {
        const racer = racers[(i + round) % racers.length] as Contender;
        times.get(racer.name)?.push((await run(racer, shape, shape.input)).ms);
      }
      process.stdout.write(`  ${shape.name}: round ${round + 1}/${RUNS} done (load ${load()})\n`);
    }
    const ours = Math.min(...(times.get('spm-shell') ?? []));
    for (const racer of racers) {
      const ms = times.get(racer.name) ?? [];
      const best = Math.min(...ms);
      rows.push([shape.name, racer.name, best.toFixed(0), median(ms).toFixed(0), racer.name === 'spm-shell' ? '-' : `${(best / ours).toFixed(2)}x`]);
    }
  }
  removeDir();
  process.stdout.write(`\n${formatTable(rows)}\n\nload after: ${load()}. Whole runs, start-up included; "best / spm-shell best" above 1: slower than spm-shell.\n`);
}

runBench(main);
