import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { naturalCompare } from './natural-order.js';

describe('naturalCompare', () => {
  it('orders runs of digits by value and the rest by code units', () => {
    const ids = ['local:10', 'local:2', 'tcp:b:1', 'local:1', 'tcp:a:12', 'tcp:a:3', 'local:02', 'local'];
    expect([...ids].sort(naturalCompare)).toEqual(['local', 'local:1', 'local:02', 'local:2', 'local:10', 'tcp:a:3', 'tcp:a:12', 'tcp:b:1']);
  });

  it('compares numbers longer than a double holds exactly', () => {
    expect(naturalCompare('s:90071992547409931', 's:90071992547409930')).toBe(1);
    expect(naturalCompare('s:100000000000000000000', 's:99999999999999999999')).toBe(1);
  });

  it('agrees with Intl.Collator (numeric) on ids of lower-case letters, digits and separators', () => {
    const collator = new Intl.Collator('en', { numeric: true });
    const id = fc.stringMatching(/^[a-z]{1,5}(:[0-9]{1,4}){0,3}$/);
    fc.assert(
      fc.property(id, id, (a, b) => {
        // Leading zeros: the collator calls `01` and `1` equal; we break the tie.
        fc.pre(!/(^|\D)0\d/.test(a) && !/(^|\D)0\d/.test(b));
        expect(Math.sign(naturalCompare(a, b))).toBe(Math.sign(collator.compare(a, b)));
      }),
    );
  });

  it('is a total order: antisymmetric and transitive, 0 only for equal strings', () => {
    const s = fc.string({ maxLength: 8 });
    fc.assert(
      fc.property(s, s, s, (a, b, c) => {
        expect(Math.sign(naturalCompare(a, b)) + Math.sign(naturalCompare(b, a))).toBe(0);
        expect(naturalCompare(a, b) === 0).toBe(a === b);
        if (naturalCompare(a, b) < 0 && naturalCompare(b, c) < 0) expect(naturalCompare(a, c)).toBeLessThan(0);
      }),
    );
  });
});
