import { describe, it, expect } from '@jest/globals';
import { outcome } from '../test/fixtures/outcome.js';
import { OutputPrinter, tagLines } from './output-printer.js';

function capture(): { sink: { out: (t: string) => void; err: (t: string) => void }; writes: string[] } {
  const writes: string[] = [];
  return { writes, sink: { out: (t) => void writes.push(`out:${t}`), err: (t) => void writes.push(`err:${t}`) } };
}

describe('OutputPrinter', () => {
  it('prints each job whole, stdout then stderr, in the order jobs finish', () => {
    const { sink, writes } = capture();
    const p = new OutputPrinter({ keepOrder: false, tag: false, json: false }, sink);
    p.finished(outcome({ seq: 2, stdout: 'two\n', stderr: 'oops\n' }));
    p.finished(outcome({ seq: 1, stdout: 'one\n' }));
    expect(writes).toEqual(['out:two\n', 'err:oops\n', 'out:one\n']);
  });

  it('with keep-order, holds a job only until the jobs before it are done or skipped', () => {
    const { sink, writes } = capture();
    const p = new OutputPrinter({ keepOrder: true, tag: false, json: false }, sink);
    p.finished(outcome({ seq: 3, stdout: '3\n' }));
    p.finished(outcome({ seq: 2, stdout: '2\n' }));
    expect(writes).toEqual([]);
    expect(p.held).toBe(2);
    p.skip(1); // killed: it never prints
    expect(writes).toEqual(['out:2\n', 'out:3\n']);
    p.finished(outcome({ seq: 5, stdout: '5\n' }));
    p.flush(); // 4 never came (still inside the manager when it stopped)
    expect(writes).toEqual(['out:2\n', 'out:3\n', 'out:5\n']);
    expect(p.held).toBe(0);
  });

  it('tags every line of stdout and stderr, and prints JSON lines instead of output with --json', () => {
    expect(tagLines('a\nb\n', 'x\t')).toBe('x\ta\nx\tb\n');
    expect(tagLines('a\nb', 'x\t')).toBe('x\ta\nx\tb');
    expect(tagLines('', 'x\t')).toBe('');
    const { sink, writes } = capture();
    new OutputPrinter({ keepOrder: false, tag: true, json: false }, sink).finished(outcome({ job: { seq: 1, command: 'c', tag: 'arg 1', attempt: 1 }, stdout: 'o\n', stderr: 'e' }));
    expect(writes).toEqual(['out:arg 1\to\n', 'err:arg 1\te']);
    const json = capture();
    new OutputPrinter({ keepOrder: false, tag: true, json: true }, json.sink).finished(outcome({ stdout: 'o\n' }));
    expect(json.writes).toHaveLength(1);
    expect(JSON.parse((json.writes[0] as string).slice(4))).toMatchObject({ seq: 1, command: 'echo a', exitCode: 0, stdout: 'o\n', spoke: 'local:1', host: 'vm', attempts: 1 });
  });
});
