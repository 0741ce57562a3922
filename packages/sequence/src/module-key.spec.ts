import { describe, it, expect } from '@jest/globals';
import { pathToFileURL } from 'node:url';
import { SPMError } from '@spm/exceptions';
import { moduleKey } from './module-key.js';

describe('moduleKey', () => {
  it.each([
    ['file:///srv/app/primes.js', 'file:///srv/app/primes.js'],
    ['/srv/app/primes.js', 'file:///srv/app/primes.js'],
    ['//srv//app/primes.js', 'file:///srv/app/primes.js'],
    ['file:///srv//app/primes.js', 'file:///srv/app/primes.js'],
    ['/srv/~me/a\\b[1]|^`{}.js', 'file:///srv/%7Eme/a%5Cb%5B1%5D%7C%5E%60%7B%7D.js'],
    ['file:///srv/%7eme/%41.js', 'file:///srv/%7Eme/A.js'],
    ['file:///srv/a%2Fb.js', 'file:///srv/a%2Fb.js'],
    ['/../srv/./app/../primes.js', 'file:///srv/primes.js'],
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

  it('keys a path as Node’s pathToFileURL writes it (what import.meta.url says), and that URL alike', () => {
    // Every ASCII character but '/', some beyond, a lone surrogate: a path with a `~` or a `\\`
    // was keyed apart from its module's import.meta.url, so the closure was not found by its path.
    let ascii = '';
    for (let c = 1; c < 128; c++) if (c !== 47) ascii += String.fromCharCode(c);
    for (const path of [`/x/${ascii}é😀`, '/tmp/~d/a.js', '/a/b\\c.js', '/tmp//dd/x.mjs', '/a/./b/../c.js', '/a/100%/b#?.js', '/a/\ud800x.js']) {
      const href = pathToFileURL(path).href;
      expect(moduleKey(path)).toBe(href);
      expect(moduleKey(href)).toBe(href);
    }
  });

  it.each([['./primes.js'], ['primes'], [''], ['file://[bad']])('refuses %j', (input) => {
    expect(() => moduleKey(input)).toThrow(SPMError);
    expect(() => moduleKey(input)).toThrow('Expected `module` to be a module URL (`import.meta.url`) or an absolute path, got');
  });

  it('refuses a value that is not a string', () => {
    expect(() => moduleKey(42 as unknown as string)).toThrow('got `42` (number)');
  });
});
