// spm-primes whole-process wall time on 2 spokes vs a serial single-process count of the same
// range, measured side by side in one run (issue: speedup ≥ 1.9 on 2 cores for [2, 20,000,000)).
// Usage: node tools/bench/dist/primes/primes-speedup.js [--max N] [--buckets N] [--runs N] [--transport T]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    max: { type: 'string', default: '20000000' },
    buckets: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    transport: { type: 'string', default: 'process' },
  },
});
const max = Number(values.max);
const runs = Number(values.runs);
const appDir = dirname(createRequire(import.meta.url).resolve('@spm/prime-count/package.json'));
const bin = join(appDir, 'bin', 'spm-primes.mjs');

interface Timed {
  readonly ms: number;
  readonly count: number;
}

// The serial baseline: one Node process, the same countPrimes, the whole range in one call.
function serial(): Timed {
  const script = `import { countPrimes } from '@spm/prime-count'; const n = countPrimes(2, ${max}); process.stdout.write(String(n));`;
  const t0 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0) throw new Error(`serial run failed: ${child.stderr}`);
  return { ms, count: Number(child.stdout) };
}

// spm-primes as a user runs it: a whole process (start-up, spokes, buckets, close included).
function parallel(): Timed {
  const t0 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [bin, '--json', '--max', String(max), '--buckets', String(values.buckets), '--spokes', '2', '--transport', String(values.transport)], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0) throw new Error(`spm-primes failed: ${child.stderr}`);
  return { ms, count: (JSON.parse(child.stdout) as { count: number }).count };
}

const rows: { serial: Timed; parallel: Timed }[] = [];
for (let i = 0; i < runs; i += 1) rows.push({ serial: serial(), parallel: parallel() });
const best = (xs: Timed[]): number => Math.min(...xs.map((x) => x.ms));
const counts = new Set(rows.flatMap((r) => [r.serial.count, r.parallel.count]));
if (counts.size !== 1) throw new Error(`the counts disagree: ${[...counts].join(', ')}`);
const s = best(rows.map((r) => r.serial));
const p = best(rows.map((r) => r.parallel));
process.stdout.write(
  [
    `primes in [2, ${max}): ${[...counts][0]} (both agree)`,
    `serial, one process        best of ${runs}: ${s.toFixed(0)} ms   (runs: ${rows.map((r) => r.serial.ms.toFixed(0)).join(', ')})`,
    `spm-primes, 2 ${values.transport} spokes, ${values.buckets} buckets  best of ${runs}: ${p.toFixed(0)} ms   (runs: ${rows.map((r) => r.parallel.ms.toFixed(0)).join(', ')})`,
    `speedup (serial / spm-primes, whole processes): ${(s / p).toFixed(2)}`,
    '',
  ].join('\n'),
);
