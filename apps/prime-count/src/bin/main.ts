#!/usr/bin/env node
// spm-primes: see `spm-primes --help`.
import { parseOptions, UsageError, USAGE } from '../options.js';
import { runPrimes } from '../run-primes.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

try {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    out(USAGE);
  } else {
    const result = await runPrimes(options, out, err);
    if (options.json) out(JSON.stringify(result));
    else {
      const where = `${result.buckets} bucket(s) on ${result.spokes} ${result.transport} spoke(s), ${result.wallMs} ms`;
      out(`Primes in [${result.min}, ${result.max}): ${result.count}${result.failedBuckets > 0 ? ` (INCOMPLETE: ${result.failedBuckets} bucket(s) failed)` : ''} — ${where}`);
    }
    process.exitCode = result.failedBuckets > 0 ? 1 : 0;
  }
} catch (error) {
  if (error instanceof UsageError) {
    err(`spm-primes: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    err(`spm-primes: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
