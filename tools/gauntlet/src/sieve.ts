/**
 * The number of primes below `n` by the sieve of Eratosthenes: an oracle independent of the
 * trial division that `@spm/prime-count` distributes, so a chaos run's total is checked against
 * something that did not run through the runtime.
 */
export function primesBelow(n: number): number {
  if (n < 3) return 0;
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i += 1) {
    if (composite[i] === 1) continue;
    count += 1;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}
