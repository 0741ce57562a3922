import { list } from '@spm/closure-coarse';
import { countPrimes } from './primes.js';

/** A prime-count task: one bucket. */
export interface PrimeTask {
  readonly nMin: number;
  readonly nMax: number;
}

/**
 * The closure (seed Fig. 15–16): declared when this module is imported — by the hub, and by
 * every spoke that evaluates a bucket (the task names this module; the spoke preloads it).
 */
export const primeCount = list.define<PrimeTask, number>({
  signature: 'prime-count:main',
  module: import.meta.url,
  typedef: `
    task<list> :: struct {
      nMin :: scalar<int> = deferred;
      nMax :: scalar<int> = deferred;
    };`,
  evaluate: (task) => countPrimes(task.nMin, task.nMax),
});
