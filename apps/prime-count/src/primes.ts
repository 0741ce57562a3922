/**
 * The serial module (seed Fig. 14): trial division by odd numbers, as the seed counts, but
 * correct at the edges — 2 is prime, 0 and 1 are not — so `countPrimes(min, max)` is exactly
 * the number of primes p with min ≤ p < max.
 */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let i = 3; i * i <= n; i += 2) {
    if (n % i === 0) return false;
  }
  return true;
}

/** The number of primes p with `nMin ≤ p < nMax`. */
export function countPrimes(nMin: number, nMax: number): number {
  let count = 0;
  if (nMin <= 2 && nMax > 2) count += 1;
  // Focus on odd numbers (seed Fig. 14).
  for (let n = Math.max(3, nMin % 2 === 0 ? nMin + 1 : nMin); n < nMax; n += 2) {
    if (isPrime(n)) count += 1;
  }
  return count;
}
