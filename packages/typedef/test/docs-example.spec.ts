import { describe, it, expect } from '@jest/globals';
import { SPMTypedefError } from '@spm/exceptions';
import { t, typedef, after, createRecord, validateRecord, tie, withSpmComponent, type PlainData } from '@spm/typedef';

// The example of docs/packages/typedef.md, line for line, so that the page stays true.
describe('the docs example', () => {
  it('runs as the page says', () => {
    const fromText = typedef`
      task<list> :: struct {
        nMin :: scalar<int> = deferred;   # must be set before the task is pushed
        nMax :: scalar<int> = deferred;
      };`;
    const primes = t.task('list', { nMin: t.scalar('int').deferred(), nMax: t.scalar('int').deferred() });
    expect(primes).toStrictEqual(fromText);

    const schema = withSpmComponent(primes);
    const record = createRecord(schema, { nMin: 2, nMax: 50235, spm: { meta: { timeout: after({ seconds: 10 }) } } });
    validateRecord(schema, record);
    const nMin: number = record.nMin;
    const returnValue: PlainData = record.spm.stat.returnValue;
    expect([nMin, returnValue, record.spm.meta.timeout]).toEqual([2, null, { ms: 10_000 }]);

    const draft = createRecord(schema);
    const hdl = tie(schema, draft);
    hdl.nMin = 2;
    hdl.nMax = 10;
    hdl.spm.meta.label = '***';
    expect(() => {
      // @ts-expect-error unknown names do not compile
      hdl.nMn = 3;
    }).toThrow(SPMTypedefError);
    validateRecord(schema, draft);
    expect(draft).toMatchObject({ nMin: 2, nMax: 10, spm: { meta: { label: '***' } } });
  });
});
