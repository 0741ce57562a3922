#!/usr/bin/env node
// spm-primes: see `spm-primes --help`.
import { parseOptions, UsageError, USAGE } from '../options.js';
import { runPrimes } from '../run-primes.js';

// SIGUSR1 would start Node's inspector (127.0.0.1:9229, open to any local user), SIGUSR2 and
// SIGALRM end the run unsaid: heard and ignored (since session 44), a listener keeps Node's
// own action away.
for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const) process.on(signal, () => undefined);

/** Exit status when stdout's reader went away (EPIPE): 128 + SIGPIPE, as a shell reports it (spm-shell's too). */
const SIGPIPE_STATUS = 141;

// stdout that cannot be written (a reader gone, `spm-primes | head -1`; a full disk) stops the
// run: running buckets are killed and the spokes closed. Without a listener the stream's
// 'error' event would crash the hub with a stack trace and leave the spokes to die with it.
const stop = new AbortController();
let outputError: NodeJS.ErrnoException | undefined;
const onOutputError = (error: Error | null | undefined): void => {
  if (error == null || outputError !== undefined) return;
  outputError = error;
  stop.abort(error);
};
process.stdout.on('error', onOutputError);
// stderr carries the diagnostics: one that cannot be written (2>/dev/full) has nowhere to be
// said, and must not change the outcome (a usage error stays exit 2, a count exit 0).
process.stderr.on('error', () => undefined);

// The first failed write's callback gets the write's own error (EPIPE, ENOSPC), before the
// stream's 'error' event; later ones get only "the stream was destroyed".
const out = (line: string): void => {
  if (outputError === undefined) process.stdout.write(`${line}\n`, onOutputError);
};
const err = (line: string): void => void process.stderr.write(`${line}\n`);

// No top-level await (bundles load this as a CommonJS module).
async function run(): Promise<void> {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options.help) {
      out(USAGE);
    } else {
      const result = await runPrimes(options, out, err, stop.signal);
      // The run could not go on (every spoke lost, none could start): said, then what was counted.
      if (result.error !== undefined) err(`spm-primes: ${result.error}`);
      if (options.json) out(JSON.stringify(result));
      else {
        const where = `${result.buckets} bucket(s) on ${result.spokes} ${result.transport} spoke(s), ${result.wallMs} ms`;
        out(`Primes in [${result.min}, ${result.max}): ${result.count}${result.failedBuckets > 0 ? ` (INCOMPLETE: ${result.failedBuckets} bucket(s) failed)` : ''} — ${where}`);
      }
      process.exitCode = result.failedBuckets > 0 || result.traceError !== undefined || result.error !== undefined ? 1 : 0;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`spm-primes: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (outputError === undefined) {
      // (When stdout failed, the run was stopped on purpose: said below.)
      err(`spm-primes: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }

  // The last lines may still be queued (a slow reader, a full disk): the callback of an empty
  // write comes after every earlier one's, so a failed write has been seen when it runs.
  if (!process.stdout.destroyed) await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  if (outputError?.code === 'EPIPE') {
    process.exitCode = SIGPIPE_STATUS;
  } else if (outputError !== undefined) {
    err(`spm-primes: cannot write the output: ${outputError.message}`);
    process.exitCode = 1;
  }
}
void run();
