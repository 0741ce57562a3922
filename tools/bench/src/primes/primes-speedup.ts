// spm-primes whole-process wall time on 2 spokes vs a serial single-process count of the same
// range, measured side by side in one run (issue: speedup ≥ 1.9 on 2 cores for [2, 20,000,000)).
// Usage: node tools/bench/dist/primes/primes-speedup.js [--max N] [--buckets N] [--runs N]
//          [--transport T] [--split cost|width]
// --max (≥ 3), --buckets and --runs (≥ 1) are integers; another value, or an unknown option, is
// refused before anything runs (exit 2); --transport and --split are spm-primes' own to check.
// Two serial baselines, both one Node process calling the same countPrimes once on the whole
// range: `serial` imports it from `@spm/prime-count` (the package's barrel, which loads the
// runtime too: the baseline of the earlier figures), `serial, bare` from the `primes` module
// alone (what a serial program needs, ~0.1 s less start-up): the stricter of the two.
// And the machine's ceiling at that moment: two bare Node processes started together, each
// calling countPrimes on every other bucket of the same split (no runtime, no messages), timed
// until both have exited: what 2 cores give this workload with nothing of spm-ts in the way.
// And the least a thread-based runner can do: one Node process that starts 2 worker threads on
// its first line, each importing the primes module alone, and deals the same buckets to them
// one message each way (no codec, no tracker, no closures): the ceiling for spm-primes' thread
// spokes, which must also boot the runtime in each thread.
// Where NODE_EXTRA_CA_CERTS is set (a sandbox that proxies TLS), every Node process pays ~30 ms
// of CPU at start for it (see tools/bench/src/shell/shell-race.ts, EXTRA_CA_VARIABLE): the serial
// count and spm-primes are then also run without it, side by side, for the figure a machine
// without that setting gives.
// Buckets: 32 by default (100 until session 6). With the cost split's tapering tail the spokes
// end within a few ms of each other whatever the count, and each bucket costs a round of
// messages: a sweep (6 interleaved runs per count, load ~3.5) gave medians of 2,143 / 2,126 /
// 2,110 / 2,124 / 2,157 / 2,194 ms for 16 / 24 / 32 / 48 / 64 / 100 buckets. Every line of a run
// uses the same split.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { integerKnob, KnobError, readKnobs } from '../internal/knobs.js';
import { EXTRA_CA_VARIABLE } from '../shell/shell-race.js';

const OPTIONS = {
  max: { type: 'string' },
  buckets: { type: 'string' },
  runs: { type: 'string' },
  transport: { type: 'string' },
  split: { type: 'string' },
} as const;
const { values, max, runs } = readKnobs(() => {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ options: OPTIONS });
  } catch (error) {
    // parseArgs' own errors (an unknown option, a positional, a missing value) as one line.
    const { code, message } = error as NodeJS.ErrnoException;
    throw code?.startsWith('ERR_PARSE_ARGS_') === true ? new KnobError(`${message.split('\n')[0] ?? message}; the options are --max, --buckets, --runs, --transport, --split`) : error;
  }
  const v = parsed.values;
  return {
    values: { ...v, buckets: String(integerKnob('--buckets', v.buckets, 32, 1)) },
    max: integerKnob('--max', v.max, 20_000_000, 3),
    runs: integerKnob('--runs', v.runs, 3, 1),
  };
});
const appDir = dirname(createRequire(import.meta.url).resolve('@spm/prime-count/package.json'));
const bin = join(appDir, 'bin', 'spm-primes.cjs');

interface Timed {
  readonly ms: number;
  readonly count: number;
}

// This environment without NODE_EXTRA_CA_CERTS, or undefined where it is not set.
const withoutExtraCa = ((): NodeJS.ProcessEnv | undefined => {
  if (process.env[EXTRA_CA_VARIABLE] === undefined) return undefined;
  const env = { ...process.env };
  delete env[EXTRA_CA_VARIABLE];
  return env;
})();

// A serial baseline: one Node process, the same countPrimes, the whole range in one call.
function serial(from: string, env: NodeJS.ProcessEnv = process.env): Timed {
  const script = `import { countPrimes } from '${from}'; const n = countPrimes(2, ${max}); process.stdout.write(String(n));`;
  const t0 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir, encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0) throw new Error(`serial run failed: ${child.stderr}`);
  return { ms, count: Number(child.stdout) };
}

// The ceiling: two bare processes, buckets dealt alternately (as a balanced static schedule).
async function bare(): Promise<Timed> {
  const half = (k: number): string =>
    `import { countPrimes } from '@spm/prime-count/primes'; import { split } from '@spm/prime-count/buckets'; ` +
    `let n = 0; split('${values.split ?? 'cost'}', 2, ${max}, ${Number(values.buckets)}).forEach((b, i) => { if (i % 2 === ${k}) n += countPrimes(b.nMin, b.nMax); }); process.stdout.write(String(n));`;
  const one = (k: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', half(k)], { cwd: appDir, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`a bare half exited with ${String(code)}`))));
    });
  const t0 = process.hrtime.bigint();
  const [a, b] = await Promise.all([one(0), one(1)]);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, count: a + b };
}

// The bare thread runner: 2 workers started at once, buckets dealt on demand (as spm-primes deals them).
function threads(): Timed {
  const primes = pathToFileURL(createRequire(import.meta.url).resolve('@spm/prime-count/primes')).href;
  const worker = `import { countPrimes } from '${primes}'; import { parentPort } from 'node:worker_threads'; parentPort.on('message', (b) => parentPort.postMessage(countPrimes(b[0], b[1])));`;
  const script =
    `import { Worker } from 'node:worker_threads'; ` +
    `const ws = [0, 1].map(() => new Worker(new URL(${JSON.stringify(`data:text/javascript,${encodeURIComponent(worker)}`)}))); ` +
    `const { split } = await import('@spm/prime-count/buckets'); ` +
    `const bs = split('${values.split ?? 'cost'}', 2, ${max}, ${Number(values.buckets)}); let next = 0, n = 0; ` +
    `await Promise.all(ws.map((w) => new Promise((done) => { const deal = () => { const b = bs[next++]; if (b === undefined) { void w.terminate(); done(); } else w.postMessage([b.nMin, b.nMax]); }; w.on('message', (k) => { n += k; deal(); }); deal(); }))); ` +
    `process.stdout.write(String(n));`;
  const t0 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0) throw new Error(`the bare thread runner failed: ${child.stderr}`);
  return { ms, count: Number(child.stdout) };
}

// spm-primes as a user runs it: a whole process (start-up, spokes, buckets, close included),
// with the app's defaults for whatever is not given here.
const args = [
  '--json',
  '--max',
  String(max),
  '--buckets',
  String(values.buckets),
  '--spokes',
  '2',
  ...(values.transport !== undefined ? ['--transport', values.transport] : []),
  ...(values.split !== undefined ? ['--split', values.split] : []),
];
let shown = { transport: '?', split: '?' };
function parallel(env: NodeJS.ProcessEnv = process.env): Timed {
  const t0 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0) throw new Error(`spm-primes failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout) as { count: number; transport: string; split?: string };
  shown = { transport: result.transport, split: result.split ?? 'width' };
  return { ms, count: result.count };
}

const rows: { serial: Timed; bare: Timed; ceiling: Timed; threads: Timed; parallel: Timed; serialNoCa?: Timed; parallelNoCa?: Timed }[] = [];
for (let i = 0; i < runs; i += 1) {
  const row = { serial: serial('@spm/prime-count'), bare: serial('@spm/prime-count/primes'), ceiling: await bare(), threads: threads(), parallel: parallel() };
  rows.push(withoutExtraCa === undefined ? row : { ...row, serialNoCa: serial('@spm/prime-count', withoutExtraCa), parallelNoCa: parallel(withoutExtraCa) });
}
const best = (xs: Timed[]): number => Math.min(...xs.map((x) => x.ms));
const list = (xs: Timed[]): string => xs.map((x) => x.ms.toFixed(0)).join(', ');
const counts = new Set(rows.flatMap((r) => [r.serial, r.bare, r.ceiling, r.threads, r.parallel, r.serialNoCa, r.parallelNoCa].flatMap((t) => (t === undefined ? [] : [t.count]))));
if (counts.size !== 1) throw new Error(`the counts disagree: ${[...counts].join(', ')}`);
const s = best(rows.map((r) => r.serial));
const b = best(rows.map((r) => r.bare));
const c = best(rows.map((r) => r.ceiling));
const t = best(rows.map((r) => r.threads));
const p = best(rows.map((r) => r.parallel));
process.stdout.write(
  [
    `primes in [2, ${max}): ${[...counts][0]} (all agree)`,
    `serial, one process (imports @spm/prime-count)  best of ${runs}: ${s.toFixed(0)} ms   (runs: ${list(rows.map((r) => r.serial))})`,
    `serial, bare (imports the primes module only)   best of ${runs}: ${b.toFixed(0)} ms   (runs: ${list(rows.map((r) => r.bare))})`,
    `ceiling: 2 bare processes, every other bucket  best of ${runs}: ${c.toFixed(0)} ms   (runs: ${list(rows.map((r) => r.ceiling))})`,
    `bare thread runner: 2 workers, buckets on demand  best of ${runs}: ${t.toFixed(0)} ms   (runs: ${list(rows.map((r) => r.threads))})`,
    `spm-primes, 2 ${shown.transport} spokes, ${values.buckets} buckets, split by ${shown.split}  best of ${runs}: ${p.toFixed(0)} ms   (runs: ${list(rows.map((r) => r.parallel))})`,
    `speedup (serial / spm-primes, whole processes): ${(s / p).toFixed(2)}; against the bare serial: ${(b / p).toFixed(2)}`,
    `ceiling's speedup (serial / 2 bare processes): ${(s / c).toFixed(2)}; against the bare serial: ${(b / c).toFixed(2)}`,
    `bare thread runner's speedup (serial / it): ${(s / t).toFixed(2)}; against the bare serial: ${(b / t).toFixed(2)}; spm-primes takes ${((p / t - 1) * 100).toFixed(1)} % longer`,
    ...noCaLines(),
    '',
  ].join('\n'),
);

function noCaLines(): string[] {
  const sn = rows.flatMap((r) => (r.serialNoCa === undefined ? [] : [r.serialNoCa]));
  const pn = rows.flatMap((r) => (r.parallelNoCa === undefined ? [] : [r.parallelNoCa]));
  if (sn.length === 0 || pn.length === 0) return [];
  return [
    `${EXTRA_CA_VARIABLE} is set here (~30 ms of CPU at each Node process's start); without it, same run:`,
    `  serial, one process  best of ${runs}: ${best(sn).toFixed(0)} ms   (runs: ${list(sn)})`,
    `  spm-primes           best of ${runs}: ${best(pn).toFixed(0)} ms   (runs: ${list(pn)})`,
    `  speedup (serial / spm-primes, both without it): ${(best(sn) / best(pn)).toFixed(2)}`,
  ];
}
