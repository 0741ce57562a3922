import { describe, it, expect } from '@jest/globals';
import { groupMark, markGroups } from './group-by.js';

/** The pieces given, as an input that comes in those chunks. */
async function* chunks(...pieces: string[]): AsyncGenerator<Buffer> {
  for (const piece of pieces) yield Buffer.from(piece);
}

async function marked(input: AsyncIterable<Buffer>, lineEnd = 0x0a): Promise<string> {
  let out = '';
  for await (const chunk of markGroups(input, { lineEnd, keyOf: (line) => line.split('\t')[0] ?? '', mark: Buffer.from('|') })) out += chunk.toString();
  return out;
}

describe('groupMark', () => {
  it('is 20 letters and digits, new each time', () => {
    const [a, b] = [groupMark().toString(), groupMark().toString()];
    expect(a).toMatch(/^[0-9a-zA-Z]{20}$/);
    expect(b).not.toBe(a);
  });
});

describe('markGroups', () => {
  it('marks the first line of each run of equal keys, lines cut across chunks included; a key seen again starts a new run', async () => {
    expect(await marked(chunks('a\t1\na\t2\nb', '\t3\nc\t4\n', 'c\t5\na\t6'))).toBe('|a\t1\na\t2\n|b\t3\n|c\t4\nc\t5\n|a\t6');
  });

  it('ends lines at NULs with -0, and gives nothing for an empty input', async () => {
    expect(await marked(chunks('a\t1\0a\t2\0b\0'), 0)).toBe('|a\t1\0a\t2\0|b\0');
    expect(await marked(chunks())).toBe('');
  });
});
