import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { moduleKey } from './module-key.js';

describe('moduleKey', () => {
  it.each([
    ['file:///srv/app/primes.js', 'file:///srv/app/primes.js'],
    ['/srv/app/primes.js', 'file:///srv/app/primes.js'],
    ['//srv//app/primes.js', 'file:///srv//app/primes.js'],
    ['/srv/app/../app/./primes.js', 'file:///srv/app/primes.js'],
    ['file:///srv/app/sub/../primes.js', 'file:///srv/app/primes.js'],
    ['file:///srv/app/primes.js?v=2#x', 'file:///srv/app/primes.js'],
    ['/srv/my app/100%/a#b?.js', 'file:///srv/my%20app/100%25/a%23b%3F.js'],
    ['file:///srv/my%20app/100%25/a%23b%3F.js', 'file:///srv/my%20app/100%25/a%23b%3F.js'],
    ['C:\\Users\\me\\primes.js', 'file:///C:/Users/me/primes.js'],
    ['https://example.org/m.js', 'https://example.org/m.js'],
  ])('normalises %s to %s', (input, expected) => {
    expect(moduleKey(input)).toBe(expected);
  });

  it('gives a path and the URL of the same file one key', () => {
    expect(moduleKey('/tmp/ä b.js')).toBe(moduleKey('file:///tmp/%C3%A4%20b.js'));
  });

  it.each([['./primes.js'], ['primes'], [''], ['file://[bad']])('refuses %j', (input) => {
    expect(() => moduleKey(input)).toThrow(SPMError);
    expect(() => moduleKey(input)).toThrow('Expected `module` to be a module URL (`import.meta.url`) or an absolute path, got');
  });

  it('refuses a value that is not a string', () => {
    expect(() => moduleKey(42 as unknown as string)).toThrow('got `42` (number)');
  });
});
