#!/usr/bin/env node
// spm-primes: see `spm-primes --help`.
import { parseOptions, UsageError, USAGE } from '../options.js';
import { runPrimes } from '../run-primes.js';

// msgpackr (the wire codec, loaded by the hub and by every spoke) first tries to require its
// optional native extractor, msgpackr-extract; when that is not installed (npm 11 does not build
// it without approval) the failed lookup costs ~10 ms of start-up in every thread. This app's
// messages are a few small records, so the pure-JS codec loses nothing. Spokes inherit the
// variable. A user's own setting wins.
process.env['MSGPACKR_NATIVE_ACCELERATION_DISABLED'] ??= 'true';

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
    process.exitCode = result.failedBuckets > 0 || result.traceError !== undefined ? 1 : 0;
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
