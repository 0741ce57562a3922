import { describe, it, expect } from '@jest/globals';
import { notUtf8Arguments, notUtf8Reason } from './not-utf8-arguments.js';

/** A command line as /proc/self/cmdline holds it: each entry NUL-ended. */
const cmdline = (...entries: (string | Buffer)[]): Buffer => Buffer.concat(entries.flatMap((entry) => [Buffer.from(entry), Buffer.from([0])]));
const cafe = Buffer.from('caf\xe9.txt', 'latin1');

describe('notUtf8Arguments', () => {
  it('finds the arguments whose bytes are not UTF-8 among the last entries, node’s own options before the script', () => {
    const args = ['ls', '-b', ':::', cafe.toString('utf8'), '', 'plain.txt'];
    const bytes = cmdline('/usr/bin/node', '--no-warnings', '--stack-size=2000', '/x/spm-shell.cjs', 'ls', '-b', ':::', cafe, '', 'plain.txt');
    expect([...notUtf8Arguments(args, () => bytes)]).toEqual([[3, { argument: 4, byte: 0xe9, at: 3 }]]);
  });

  it('passes a real U+FFFD (valid UTF-8), and a cut sequence is found at its start', () => {
    const args = ['\uFFFD', 'a\uFFFD'];
    const bytes = cmdline('node', 'bin', '\uFFFD', Buffer.from([0x61, 0xf0, 0x9f]));
    expect([...notUtf8Arguments(args, () => bytes)]).toEqual([[1, { argument: 2, byte: 0xf0, at: 1 }]]);
  });

  it('does not read the command line when no argument holds U+FFFD (a lossy decode always leaves one)', () => {
    let read = 0;
    expect(notUtf8Arguments(['echo', ':::', 'café'], () => {
        read += 1;
        return cmdline();
      })).toEqual(new Map());
    expect(read).toBe(0);
  });

  it('tells nothing where the bytes cannot be had (no /proc) or are not the arguments’ (a changed title)', () => {
    const args = ['echo', cafe.toString('utf8')];
    expect(notUtf8Arguments(args, () => undefined)).toEqual(new Map());
    expect(notUtf8Arguments(args, () => cmdline('spm-shell: busy'))).toEqual(new Map());
    expect(notUtf8Arguments(args, () => cmdline('node', 'bin', 'echo', 'other'))).toEqual(new Map());
  });
});

describe('notUtf8Reason', () => {
  it('says it as a refused input line does: the argument, the byte and where', () => {
    expect(notUtf8Reason({ argument: 4, byte: 0xe9, at: 3 })).toBe('argument 4 (after :::) is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text');
  });
});
