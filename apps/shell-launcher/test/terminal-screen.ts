/**
 * What a terminal of `columns` × `rows` shows after `output` (what a program wrote to it, as
 * `script` records it: `\n` already `\r\n`): a small VT100 of the moves spm-shell and GNU
 * parallel make — `\r`, `\n` (scrolling at the bottom), `\b`, tabs, cursor up and down
 * (`ESC[nA`, `ESC[nB`), erase to the end of the line (`ESC[K`); colours and other sequences are
 * taken out. A character in the last column leaves the cursor there until the next one wraps
 * (xterm's). Characters are one column each.
 */
export function terminalScreen(
  output: string,
  columns: number,
  rows: number,
): {
  readonly screen: readonly string[];
  readonly scrolled: readonly string[];
} {
  const blank = (): string[] => Array.from({ length: columns }, () => ' ');
  const grid = Array.from({ length: rows }, blank);
  const scrolled: string[] = [];
  const text = (line: readonly string[]): string =>
    line.join('').replace(/ +$/, '');
  let row = 0;
  let col = 0;
  let pendingWrap = false;
  const down = (): void => {
    if (row < rows - 1) {
      row += 1;
      return;
    }
    scrolled.push(text(grid.shift() as string[]));
    grid.push(blank());
  };
  for (let i = 0; i < output.length; i += 1) {
    const char = output[i] as string;
    if (char === '\x1b') {
      // eslint-disable-next-line no-control-regex -- escape sequences are what it reads
      const csi = /^\x1b\[([0-?]*)[ -/]*([@-~])/.exec(output.slice(i, i + 32));
      if (csi === null) {
        // OSC up to BEL or ST; else a two-character escape.
        // eslint-disable-next-line no-control-regex -- escape sequences are what it reads
        const osc = /^\x1b\][\s\S]*?(?:\x07|\x1b\\)/.exec(output.slice(i));
        i += osc === null ? 1 : osc[0].length - 1;
        continue;
      }
      i += csi[0].length - 1;
      const n = Math.max(
        1,
        Number.parseInt(csi[1] === '' ? '1' : (csi[1] as string), 10) || 1,
      );
      pendingWrap = false;
      if (csi[2] === 'A') row = Math.max(0, row - n);
      else if (csi[2] === 'B') row = Math.min(rows - 1, row + n);
      else if (csi[2] === 'K' && (csi[1] === '' || csi[1] === '0'))
        for (let c = col; c < columns; c += 1) (grid[row] as string[])[c] = ' ';
      continue;
    }
    if (char === '\r') {
      col = 0;
      pendingWrap = false;
    } else if (char === '\n') {
      down();
      pendingWrap = false;
    } else if (char === '\b') {
      col = Math.max(0, col - 1);
      pendingWrap = false;
    } else if (char === '\t') {
      col = Math.min(columns - 1, (Math.floor(col / 8) + 1) * 8);
    } else if (char >= ' ') {
      if (pendingWrap) {
        col = 0;
        down();
        pendingWrap = false;
      }
      (grid[row] as string[])[col] = char;
      if (col === columns - 1) pendingWrap = true;
      else col += 1;
    }
  }
  return { screen: grid.map(text), scrolled };
}

/** The lines a terminal shows and scrolled off, in order, with the trailing empty ones dropped. */
export function allLines(
  output: string,
  columns: number,
  rows: number,
): string[] {
  const { screen, scrolled } = terminalScreen(output, columns, rows);
  const lines = [...scrolled, ...screen];
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}
