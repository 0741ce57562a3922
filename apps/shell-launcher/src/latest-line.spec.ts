import { describe, expect, it } from '@jest/globals';
import {
  displayWidth,
  fitRow,
  LatestLine,
  LatestLineScreen,
  plainText,
} from './latest-line.js';
import { allLines, terminalScreen } from '../test/terminal-screen.js';

describe('LatestLine', () => {
  const after = (...pieces: string[]): LatestLine => {
    const latest = new LatestLine();
    for (const piece of pieces) latest.take(piece);
    return latest;
  };

  it('shows the latest complete line, whatever the pieces', () => {
    expect(after('one\ntwo\nthr').shown).toBe('two');
    expect(after('one\ntw', 'o\nthree\n').shown).toBe('three');
    expect(after('partial').shown).toBe('');
  });

  it('ends a line at \\r as at \\n, and \\r\\n once (a progress counter shows its latest state)', () => {
    expect(after('10%\r20%\r').shown).toBe('20%');
    expect(after('a\r\n').shown).toBe('a');
    expect(after('a\r', '\nb\r', '\n').shown).toBe('b');
  });

  it('keeps the line before a blank one', () => {
    expect(after('done\n\n   \n').shown).toBe('done');
    expect(after('x\n', '\n', '\t\n').shown).toBe('x');
  });

  it('at the end: what was left open if not blank, else the latest line; none for blanks only', () => {
    expect(after('one\nno newline').last).toBe('no newline');
    expect(after('one\n  ').last).toBe('one');
    expect(after('\n\n').last).toBeUndefined();
    expect(after().last).toBeUndefined();
  });

  it('keeps at most 4096 characters of a line, from its start', () => {
    const long = 'y'.repeat(10_000);
    expect(after(long, '\n').shown).toBe('y'.repeat(4096));
    expect(after(`${long.slice(0, 5000)}`, `${long.slice(5000)}`).last).toBe(
      'y'.repeat(4096),
    );
  });
});

describe('plainText, displayWidth and fitRow', () => {
  it('takes out colours, cursor moves, titles and control characters; tabs become spaces', () => {
    expect(
      plainText('\x1b[31mred\x1b[0m \x1b[2Jx\x1b]0;title\x07y\x07\x00z'),
    ).toBe('red xyz');
    expect(plainText('a\tbc\td')).toBe('a       bc      d');
    expect(plainText('漢\tx')).toBe('漢      x');
  });

  it('counts wide characters as two columns, combining marks as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('漢字')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('😀')).toBe(2);
  });

  it('fits tag and line in the width, marking a cut with >', () => {
    expect(fitRow('a\t', 'short', 20)).toBe('a\tshort');
    expect(fitRow('t ', 'abcdefghij', 8)).toBe('t abcde>');
    expect(fitRow('', '漢字漢字', 5)).toBe('漢字>');
    expect(fitRow('a-long-tag', 'line', 6)).toBe('a-lon>');
    expect(fitRow('tag', '', 3)).toBe('tag');
    expect(fitRow('tag', 'x', 0)).toBe('');
  });
});

/** A terminal the screen draws on: what was written, its size. */
function fakeTerminal(
  columns: number,
  rows: number,
): {
  written: string;
  columns: number;
  rows: number;
  write(text: string): void;
} {
  return {
    written: '',
    columns,
    rows,
    write(text: string) {
      // As the terminal driver sends it on (`onlcr`).
      this.written += text.replaceAll('\n', '\r\n');
    },
  };
}

describe('LatestLineScreen', () => {
  const options = {
    keepOrder: false,
    color: false,
    colorFailed: false,
    intervalMs: 60_000,
  };

  it('gives each job a row and redraws it in place as lines come', () => {
    const term = fakeTerminal(30, 10);
    const screen = new LatestLineScreen(term, options);
    screen.piece(1, 'a\t', 'one\n');
    screen.piece(2, 'b\t', 'first\n');
    screen.finished(2, 'b\t', false);
    screen.piece(1, 'a\t', 'two\nthree\n');
    screen.finished(1, 'a\t', false);
    screen.stop();
    expect(terminalScreen(term.written, 30, 10).screen.slice(0, 3)).toEqual([
      'a       three',
      'b       first',
      '',
    ]);
  });

  it('clears what a longer line before left on the row', () => {
    const term = fakeTerminal(30, 10);
    const screen = new LatestLineScreen(term, options);
    screen.piece(1, '', 'a long line\n');
    screen.finished(1, '', false);
    screen.piece(2, '', 'x\n');
    screen.stop();
    screen.piece(1, '', 'never\n');
    expect(allLines(term.written, 30, 10)).toEqual(['a long line', 'x']);
  });

  it('with keepOrder, rows go in the jobs’ order: a later job’s row waits for earlier ones (blank until they print)', () => {
    const term = fakeTerminal(30, 10);
    const screen = new LatestLineScreen(term, { ...options, keepOrder: true });
    screen.piece(3, '', 'three\n');
    screen.skip(2);
    screen.piece(1, '', 'one\n');
    screen.piece(4, '', 'four\n');
    screen.finished(4, '', false);
    screen.stop();
    expect(allLines(term.written, 30, 10)).toEqual(['one', 'three', 'four']);
  });

  it('with keepOrder, a job not heard of yet gets a blank row when a later one prints; its line goes there later', () => {
    const term = fakeTerminal(30, 10);
    const screen = new LatestLineScreen(term, { ...options, keepOrder: true });
    screen.piece(2, '', 'two\n');
    screen.finished(2, '', false);
    expect(allLines(term.written, 30, 10)).toEqual(['', 'two']);
    screen.piece(1, '', 'one\n');
    screen.stop();
    expect(allLines(term.written, 30, 10)).toEqual(['one', 'two']);
  });

  it('places no row that would scroll a running job’s row off the screen; the waiting ones come as the top ones end', () => {
    const term = fakeTerminal(20, 4); // three rows and the cursor's line
    const screen = new LatestLineScreen(term, options);
    for (const seq of [1, 2, 3, 4, 5]) screen.piece(seq, `${seq} `, `start\n`);
    screen.draw();
    expect(allLines(term.written, 20, 4)).toEqual([
      '1 start',
      '2 start',
      '3 start',
    ]);
    screen.piece(1, '1 ', 'end\n');
    screen.finished(1, '1 ', false);
    screen.piece(3, '3 ', 'middle\n');
    screen.finished(3, '3 ', false);
    // Job 1 ended: one row scrolls; job 2 still runs, so job 5 waits.
    expect(allLines(term.written, 20, 4)).toEqual([
      '1 end',
      '2 start',
      '3 middle',
      '4 start',
    ]);
    screen.piece(2, '2 ', 'late\n');
    screen.finished(2, '2 ', true);
    screen.stop();
    expect(allLines(term.written, 20, 4)).toEqual([
      '1 end',
      '2 late',
      '3 middle',
      '4 start',
      '5 start',
    ]);
  });

  it('puts what else is written below the rows, and finds the rows after it', () => {
    const term = fakeTerminal(20, 10);
    const screen = new LatestLineScreen(term, options);
    screen.piece(1, '', 'one\n');
    screen.piece(2, '', 'two\n');
    screen.foreign('a notice\n', (text) => term.write(text));
    screen.foreign('no newline', (text) => term.write(text));
    screen.foreign(`${'w'.repeat(30)}\n`, (text) => term.write(text));
    screen.piece(3, '', 'three\n');
    screen.piece(1, '', 'ONE\n');
    screen.stop();
    expect(allLines(term.written, 20, 10)).toEqual([
      'ONE',
      'two',
      'a notice',
      'no newline',
      'w'.repeat(20),
      'w'.repeat(10),
      'three',
    ]);
  });

  it('colours rows by job with color, and a failed job’s white on red with colorFailed', () => {
    const term = fakeTerminal(20, 10);
    const screen = new LatestLineScreen(term, {
      ...options,
      color: true,
      colorFailed: true,
    });
    screen.piece(1, '', 'ok\n');
    screen.finished(1, '', false);
    screen.piece(2, '', 'bad\n');
    screen.finished(2, '', true);
    screen.stop();
    expect(term.written).toContain('\x1b[48;5;196;38;5;231m\x1b[Kbad\x1b[m');
    // eslint-disable-next-line no-control-regex -- colours are what it looks for
    expect(term.written).toMatch(/\x1b\[48;5;\d+;38;5;\d+m\x1b\[Kok\x1b\[m/);
  });

  it('cuts rows to the terminal’s width less one, with > where cut', () => {
    const term = fakeTerminal(12, 10);
    const screen = new LatestLineScreen(term, options);
    screen.piece(1, 'tag\t', 'abcdefghijkl\n');
    screen.stop();
    expect(allLines(term.written, 12, 10)).toEqual(['tag     ab>']);
  });
});
