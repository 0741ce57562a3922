/**
 * @spm/prime-count — the seed's Appendix A as an app (`spm-primes`): count primes in a range
 * by buckets on local spokes.
 * @packageDocumentation
 */
export { countPrimes, isPrime } from './primes.js';
export { split, splitRange, splitRangeByCost, SPLIT_KINDS, type Bucket, type SplitKind } from './buckets.js';
export { primeCount, type PrimeTask } from './prime-closure.js';
export { parseOptions, UsageError, USAGE, type PrimeOptions } from './options.js';
export { runPrimes, TraceFileError, type PrimeResult } from './run-primes.js';
