/**
 * `--latest-line` (`--ll`): each job's latest line of output — stdout and stderr alike — on a row
 * of its own, redrawn in place on a terminal as the job goes on (GNU parallel's `--latest-line`).
 * Off a terminal, each job's last line is printed once, when it ends (see docs/apps/spm-shell.md).
 */
import { FAILED_COLOR, RESET, jobColor } from './output-printer.js';

/** What a line shown may take, kept of a line still open (the rest is past any terminal's width). */
const OPEN_LINE_MAX = 4096;

/** Terminal control sequences (CSI, OSC, other escapes) and control characters but tab: what a row must not hold. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][\s\S]*?(?:\x07|\x1b\\|$)|\x1b[@-_]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** How often rows that changed are redrawn, by default. */
const DEFAULT_INTERVAL_MS = 100;

/**
 * A job's latest line, from its output as it comes (in pieces, cut anywhere): a line ends at
 * `\n`, `\r` or `\r\n` — so a progress counter redrawn with `\r` shows its latest state. A
 * blank line (spaces only) does not replace the line before it.
 */
export class LatestLine {
  /** The latest complete line that is not blank; `undefined` before one. */
  #line: string | undefined;
  /** What came after the last line end (at most {@link OPEN_LINE_MAX} characters of it). */
  #open = '';

  /** Takes the next piece of the job's output: only its last lines are looked at. */
  take(text: string): void {
    if (text === '') return;
    const all = this.#open + text;
    const lastEnd = Math.max(all.lastIndexOf('\n'), all.lastIndexOf('\r'));
    this.#open = all.slice(lastEnd + 1, lastEnd + 1 + OPEN_LINE_MAX);
    // The lines before it, from the last: the first one not blank is the latest (`\r\n` ends one, between them a blank one).
    for (let end = lastEnd; end > 0; ) {
      const start =
        Math.max(
          all.lastIndexOf('\n', end - 1),
          all.lastIndexOf('\r', end - 1),
        ) + 1;
      if (all.slice(start, end).trim() !== '') {
        this.#line = all.slice(start, Math.min(end, start + OPEN_LINE_MAX));
        return;
      }
      end = start - 1;
    }
  }

  /** The line to show now: the latest complete one (`''` before one). */
  get shown(): string {
    return this.#line ?? '';
  }

  /** The job's last line, once it has ended: what was left open if not blank, else the latest complete one; `undefined`: it printed nothing but blanks. */
  get last(): string | undefined {
    return this.#open.trim() !== '' ? this.#open : this.#line;
  }
}

/**
 * How many terminal columns a character takes: 0 for combining marks and format characters, 2
 * for East Asian wide and full-width ones and emoji, else 1 (close to `wcwidth`).
 */
function charWidth(char: string): number {
  const cp = char.codePointAt(0) as number;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (/^[\p{Mn}\p{Me}\p{Cf}]$/u.test(char)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** The columns `text` takes on a terminal (no control characters in it). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * `text` made safe to draw on one row: terminal control sequences (colours, cursor moves, titles)
 * and other control characters taken out, tabs turned into spaces to the next multiple of 8.
 */
export function plainText(text: string): string {
  const bare = text.replace(CONTROL, '');
  if (!bare.includes('\t')) return bare;
  let column = 0;
  let spaced = '';
  for (const char of bare) {
    if (char === '\t') {
      const pad = 8 - (column % 8);
      spaced += ' '.repeat(pad);
      column += pad;
    } else {
      spaced += char;
      column += charWidth(char);
    }
  }
  return spaced;
}

/** The longest start of `text` that takes at most `width` columns. */
function cut(text: string, width: number): string {
  let taken = 0;
  let end = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (taken + w > width) break;
    taken += w;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * A row's text in at most `width` columns: `tag` (already plain), then as much of `line` as fits;
 * a line cut short ends with `>`, and so does a tag too wide for the row (GNU parallel's marks).
 */
export function fitRow(tag: string, line: string, width: number): string {
  if (width <= 0) return '';
  const tagWidth = displayWidth(tag);
  if (tagWidth >= width)
    return tagWidth === width && line === '' ? tag : `${cut(tag, width - 1)}>`;
  const room = width - tagWidth;
  return displayWidth(line) <= room
    ? `${tag}${line}`
    : `${tag}${cut(line, room - 1)}>`;
}

/** The terminal the rows are drawn on (stdout): its size as it is now. */
export interface ScreenStream {
  write(text: string): unknown;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

/** Options of {@link LatestLineScreen}. */
export interface LatestLineOptions {
  /** `-k`: rows in the jobs' order (a job's row waits for those of the jobs before it); else in the order the jobs first printed or ended. */
  readonly keepOrder: boolean;
  /** `--color`: each row in its job's colour. */
  readonly color: boolean;
  /** `--color-failed`: a failed job's row white on red once it has ended. */
  readonly colorFailed: boolean;
  /** How often the rows that changed are redrawn (ms). Default 100. */
  readonly intervalMs?: number;
  /** Called before each write of the screen's own (the progress bar on stderr is erased by it). */
  readonly beforeWrite?: () => void;
}

/** A job on the screen. */
interface Row {
  readonly seq: number;
  /** Its `--tag` (and tab), plain; `''` without one. */
  tag: string;
  readonly latest: LatestLine;
  /** It has ended (its last line is final). */
  done: boolean;
  failed: boolean;
  /** Its line on the screen (counted from the run's first), once placed. */
  at: number | undefined;
  /** Changed since last drawn. */
  dirty: boolean;
}

/**
 * The rows of `--latest-line` on a terminal. Each job gets a row when it first prints or ends
 * (with `keepOrder`: in the jobs' order, rows of earlier jobs first, blank until they print); a
 * row is redrawn in place (cursor up, the row, cursor back down) while the cursor rests on the
 * line below the last row — where the progress bar, if any, is drawn. Rows are placed only while
 * the screen holds every unfinished job's row: once the rows of running jobs would scroll off
 * the top, later jobs wait for a row until the top ones end (so a run of 500 jobs on a 40-line
 * terminal shows the oldest running ones). Anything else written to the terminal meanwhile (a
 * notice) goes through {@link foreign}, so that it lands below the rows and they are still found.
 */
export class LatestLineScreen {
  readonly #stream: ScreenStream;
  readonly #options: LatestLineOptions;
  readonly #rows = new Map<number, Row>();
  /** Rows that want a line, in the order they are to get one (not with `keepOrder`). */
  readonly #waiting: Row[] = [];
  /** With `keepOrder`: the first job not placed yet, and the jobs passed over. */
  #nextSeq = 1;
  readonly #skipped = new Set<number>();
  /** The line the cursor rests on (column 0): the one below the last row. */
  #cursor = 1;
  readonly #timer: ReturnType<typeof setInterval>;
  #stopped = false;

  constructor(stream: ScreenStream, options: LatestLineOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#timer = setInterval(
      () => this.draw(),
      options.intervalMs ?? DEFAULT_INTERVAL_MS,
    );
    this.#timer.unref();
  }

  /** A piece of job `seq`'s output (`tag`: its `--tag` and tab, or `''`). */
  piece(seq: number, tag: string, text: string): void {
    const row = this.#row(seq, tag);
    const before = row.latest.shown;
    row.latest.take(text);
    if (row.latest.shown !== before) row.dirty = true;
  }

  /** Job `seq` has ended: its row shows its last line, in red with `colorFailed` if it failed. */
  finished(seq: number, tag: string, failed: boolean): void {
    const row = this.#row(seq, tag);
    row.done = true;
    row.failed = failed;
    row.dirty = true;
    this.#render(false);
  }

  /**
   * Job `seq` is over unfinished (passed over, or stopped): a row it has shows its last line; with
   * `keepOrder`, no row waits for one it has not.
   */
  skip(seq: number): void {
    const row = this.#rows.get(seq);
    if (row === undefined) {
      this.#skipped.add(seq);
      return;
    }
    row.done = true;
    row.dirty = true;
  }

  /**
   * Writes something else to the terminal (a notice, a job log's row) with `write`: below the
   * rows, on lines of its own (a newline added if it has none), which later rows go below.
   */
  foreign(text: string, write: (text: string) => void): void {
    if (text === '') return;
    if (this.#stopped) {
      write(text);
      return;
    }
    // The rows so far go above it.
    this.#render(false);
    this.#options.beforeWrite?.();
    const ended = text.endsWith('\n') ? text : `${text}\n`;
    write(ended);
    const columns = this.#columns();
    for (const line of ended.slice(0, -1).split('\n'))
      this.#cursor += Math.max(
        1,
        Math.ceil(displayWidth(plainText(line)) / columns),
      );
  }

  /** Redraws the rows that changed and places waiting ones now (the timer does every `intervalMs`). */
  draw(): void {
    this.#render(false);
  }

  /** Draws every row as it is now, the waiting ones included, and stops redrawing. */
  stop(): void {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    this.#render(true);
    this.#stopped = true;
  }

  #row(seq: number, tag: string): Row {
    let row = this.#rows.get(seq);
    if (row === undefined) {
      row = {
        seq,
        tag: plainText(tag),
        latest: new LatestLine(),
        done: false,
        failed: false,
        at: undefined,
        dirty: true,
      };
      this.#rows.set(seq, row);
      if (!this.#options.keepOrder) this.#waiting.push(row);
    } else if (tag !== '' && row.tag === '') {
      row.tag = plainText(tag);
      row.dirty = true;
    }
    return row;
  }

  #columns(): number {
    const columns = this.#stream.columns;
    return columns !== undefined && columns > 0 ? columns : 80;
  }

  /** Lines the screen has for rows: all but the cursor's. */
  #screenRows(): number {
    const rows = this.#stream.rows;
    return Math.max(1, (rows !== undefined && rows > 0 ? rows : 24) - 1);
  }

  /** The next row to place, if any: the oldest waiting one, or (`keepOrder`) the next job's — a blank one for a job not heard of yet while a later one waits. */
  #nextToPlace(): Row | undefined {
    if (!this.#options.keepOrder) return this.#waiting[0];
    for (;;) {
      if (this.#skipped.has(this.#nextSeq)) {
        this.#nextSeq += 1;
        continue;
      }
      const row = this.#rows.get(this.#nextSeq);
      if (row !== undefined) return row;
      // A job not heard of: a row for it only if a later job has one waiting.
      const later = [...this.#rows.values()].some(
        (r) => r.seq > this.#nextSeq && r.at === undefined,
      );
      if (!later) return undefined;
      return this.#row(this.#nextSeq, '');
    }
  }

  #taken(row: Row): void {
    if (this.#options.keepOrder) this.#nextSeq = row.seq + 1;
    else this.#waiting.shift();
  }

  /** Redraws the rows that changed and places waiting ones while the screen holds the running ones (`all`: every one). */
  #render(all: boolean): void {
    if (this.#stopped) return;
    let text = '';
    const top = this.#cursor - this.#screenRows();
    for (const row of this.#rows.values()) {
      if (!row.dirty || row.at === undefined) continue;
      row.dirty = false;
      // Scrolled off (the terminal shrank, a long notice): its line cannot be reached.
      if (row.at < top) continue;
      const up = this.#cursor - row.at;
      text += `\x1b[${up}A${this.#drawn(row)}\r\x1b[${up}B`;
    }
    for (
      let row = this.#nextToPlace();
      row !== undefined;
      row = this.#nextToPlace()
    ) {
      if (!all) {
        // Placing it scrolls the screen a line once it is full: not while that hides a running job's row.
        const newTop = this.#cursor + 1 - this.#screenRows();
        const hidden = [...this.#rows.values()].some(
          (r) => r.at !== undefined && r.at < newTop && (!r.done || r.dirty),
        );
        if (hidden) break;
      }
      this.#taken(row);
      row.at = this.#cursor;
      row.dirty = false;
      text += `${this.#drawn(row)}\n`;
      this.#cursor += 1;
    }
    if (text === '') return;
    this.#options.beforeWrite?.();
    this.#stream.write(text);
    // Rows whose final line is drawn are no longer looked at.
    for (const [seq, row] of this.#rows)
      if (row.done && !row.dirty && row.at !== undefined)
        this.#rows.delete(seq);
  }

  /** A row as drawn: from column 0, its colour, the line cleared, its text, the colour reset. */
  #drawn(row: Row): string {
    const line = plainText(
      row.done ? (row.latest.last ?? '') : row.latest.shown,
    );
    const text = fitRow(row.tag, line, this.#columns() - 1);
    const colour =
      this.#options.colorFailed && row.done && row.failed
        ? FAILED_COLOR
        : this.#options.color
          ? jobColor(row.seq)
          : undefined;
    return colour === undefined
      ? `\r\x1b[K${text}`
      : `\r${colour}\x1b[K${text}${RESET}`;
  }
}
