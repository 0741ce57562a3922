import { Script, createContext, type Context } from 'node:vm';
import { SPMError } from '@spm/exceptions';
import { FLUSH, type Piece } from './block-timeout.js';

/**
 * `--regexp`: `--recstart` and `--recend` read as regular expressions, as GNU parallel reads
 * them — Perl's, matched against the input's bytes with `^` and `$` at every line (its `/m`).
 * They are compiled as JavaScript regular expressions over a Latin-1 view of the bytes (a byte
 * is a character, so positions are byte offsets and a non-ASCII character in a pattern is its
 * UTF-8 bytes, as in Perl without `use utf8`), written first into what Perl means where the two
 * languages differ: `.` is any byte but a newline (JavaScript's also stops at `\r`); `^` and `$`
 * are at a line's start and end, lines ending with `\n` alone; `\A`, `\z`, `\Z` are the text's
 * start and end; `\s`, `\S`, `\h`, `\H`, `\v`, `\V` are ASCII blanks (JavaScript's `\s` takes
 * byte 0xA0, part of many a UTF-8 character; so does Perl's `\h`, not here); `\e`, `\a` are ESC
 * and BEL; `[:alpha:]` and the other POSIX classes inside brackets; a `]` first in a class is in
 * it. A letter escape Perl reads and JavaScript would take as the letter itself (`\Q`, `\K`,
 * `\p`, `\x{…}`) is refused.
 */

/** Perl's POSIX classes (`[[:digit:]]`), as JavaScript class items over bytes (ASCII: over characters too). */
export const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: 'A-Za-z0-9_',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

/** Perl's escapes that JavaScript reads otherwise (or not at all), outside a class and in one. */
const ESCAPES_OUTSIDE: Readonly<Record<string, string>> = {
  A: '(?<![\\s\\S])',
  z: '(?![\\s\\S])',
  Z: '(?=\\n?(?![\\s\\S]))',
  s: '[\\t\\n\\v\\f\\r ]',
  S: '[^\\t\\n\\v\\f\\r ]',
  h: '[\\t ]',
  H: '[^\\t ]',
  v: '[\\n\\v\\f\\r]',
  V: '[^\\n\\v\\f\\r]',
  e: '\\x1b',
  a: '\\x07',
};
const ESCAPES_INSIDE: Readonly<Record<string, string>> = { s: '\\t\\n\\v\\f\\r ', h: '\\t ', v: '\\n\\v\\f\\r', e: '\\x1b', a: '\\x07' };
/** Letters after a backslash that mean the same in both (JavaScript reads any other letter as itself, Perl as something else: refused). */
const SAME_ESCAPES = new Set(['d', 'D', 'w', 'W', 'b', 'B', 'n', 't', 'r', 'f', 'c', 'x', 'k']);

/**
 * The JavaScript source of `pattern`, a Perl regular expression given as `option` with
 * `--regexp` (see the module's comment for what is rewritten), checked to compile.
 * @throws SPMError naming the option and the pattern when it is not a regular expression here.
 */
export function recordPattern(option: string, pattern: string): string {
  const bytes = Buffer.from(pattern, 'utf8').toString('latin1');
  const refused = (why: string): SPMError => new SPMError(`Expected \`${option}\` with \`--regexp\` to be a regular expression, got ${JSON.stringify(pattern)}: ${why}`);
  let out = '';
  let inClass = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const c = bytes[i] as string;
    if (c === '\\' && i + 1 < bytes.length) {
      const next = bytes[i + 1] as string;
      const perl = inClass ? ESCAPES_INSIDE[next] : ESCAPES_OUTSIDE[next];
      if (perl === undefined && /[A-Za-z]/.test(next) && (!SAME_ESCAPES.has(next) || (next === 'x' && bytes[i + 2] === '{'))) {
        throw refused(`\`\\${next}${next === 'x' ? '{' : ''}\` is Perl's, not read here (read: \\d \\w \\b \\n \\t \\r \\f \\xHH \\cX \\k<name> and Perl's \\A \\z \\Z \\s \\h \\v \\e \\a, their capitals)`);
      }
      out += perl ?? c + next;
      i += 1;
    } else if (inClass) {
      const posix = c === '[' ? /^\[:(\^?)([a-z]+):\]/.exec(bytes.slice(i)) : null;
      if (posix !== null) {
        const items = POSIX_CLASSES[posix[2] as string];
        if (items === undefined || posix[1] === '^') throw refused(`\`${posix[0]}\` is not a class read here (${Object.keys(POSIX_CLASSES).map((name) => `[:${name}:]`).join(' ')})`);
        out += items;
        i += posix[0].length - 1;
      } else {
        if (c === ']') inClass = false;
        out += c;
      }
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (bytes[i + 1] === '^') {
        out += '^';
        i += 1;
      }
      // Perl: a `]` first in a class is one of its characters (JavaScript's `[]` is an empty class).
      if (bytes[i + 1] === ']') {
        out += '\\]';
        i += 1;
      }
    } else if (c === '.') {
      out += '[^\\n]';
    } else if (c === '^') {
      out += '(?<![^\\n])';
    } else if (c === '$') {
      out += '(?=\\n|(?![\\s\\S]))';
    } else {
      out += c;
    }
  }
  try {
    new RegExp(out);
  } catch (error) {
    throw new SPMError(`Expected \`${option}\` with \`--regexp\` to be a regular expression (JavaScript's syntax, as Perl's for the common part), got ${JSON.stringify(pattern)}: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`);
  }
  return out;
}

/** A record boundary: the recend's match ends (and the recstart's begins) at `at`; the recstart's match ends at `reach`. */
export interface Boundary {
  readonly at: number;
  readonly reach: number;
}

/**
 * The longest one search of what was read may take, by default: past it the run stops (exit
 * 255). A regular expression can backtrack for ever (`(a+)+x` on a run of `a`s), and the search
 * runs on the hub's thread: bounded, a run never hangs on it (a search through 64 MiB without a
 * boundary took 30–210 ms here, with three expressions).
 */
export const SEARCH_LIMIT_MS = 30_000;

/** Runs the guarded search (see {@link RecordPattern.searching}). */
const SEARCH = new Script('guard.work()');

/**
 * Where `--pipe` cuts records that are not plain bytes: {@link RecordPattern}'s (`--regexp`), or
 * CSV records' ends (`--csv`: csv-columns.ts). Texts are the input's bytes as Latin-1, each
 * beginning at a record's start.
 */
export interface RecordBoundaries {
  /**
   * The first boundary in `text` past `after` whose search may begin at `from` (0, or a boundary
   * found before); `undefined` when there is none — or when the one found could still change
   * with more input and `whole` is false.
   */
  next(text: string, from: number, after: number, whole: boolean): Boundary | undefined;
  /** `work` (searches) run so that it cannot hold the thread for ever; `undefined` when a Ctrl-C stopped it. */
  searching<T>(work: () => T): T | undefined;
  /** Whether `text` begins with a record's start (GNU parallel's -N: else what precedes the first boundary is garbage). */
  startsRecord(text: string): boolean;
  /** `block` without its separators (`--rrs`). */
  removeSeparators(block: string): string;
}

/**
 * Boundaries found by a scan of the text, linear (nothing to bound): every text begins with a
 * record, and no separator is removed — `--csv`'s (csv-columns.ts) and `-L`'s.
 */
export abstract class ScannedBoundaries implements RecordBoundaries {
  abstract next(text: string, from: number, after: number, whole: boolean): Boundary | undefined;

  searching<T>(work: () => T): T {
    return work();
  }

  startsRecord(): boolean {
    return true;
  }

  removeSeparators(block: string): string {
    return block;
  }
}

/** `--pipe -L n` (`-l n`): records of `n` lines — a boundary after every `n`th newline from a record's start, as GNU parallel cuts them. */
export class LineRecords extends ScannedBoundaries {
  constructor(private readonly lines: number) {
    super();
  }

  next(text: string, from: number, after: number): Boundary | undefined {
    // `from` is a record's start; more input cannot move a boundary found.
    let count = 0;
    for (let at = text.indexOf('\n', from); at >= 0; at = text.indexOf('\n', at + 1)) {
      if (++count < this.lines) continue;
      if (at + 1 > after) return { at: at + 1, reach: at + 1 };
      count = 0;
    }
    return undefined;
  }
}

/**
 * `--recend` and `--recstart` as regular expressions (sources from {@link recordPattern}; an
 * empty one matches the empty string): a boundary is where a match of recend ends and one of
 * recstart begins, found in texts that are the input's bytes as Latin-1.
 */
export class RecordPattern implements RecordBoundaries {
  /** recend, then recstart looked ahead for: the match ends at the boundary. */
  private readonly boundary: RegExp;
  /** recstart alone, at a boundary: how far its match reaches (is it all read yet?). */
  private readonly start: RegExp;
  /** `--rrs`: every recend + recstart; a recstart at the start; a recend at the end (or before a last newline). */
  private readonly separators: RegExp;
  private readonly leading: RegExp;
  private readonly trailing: RegExp;
  /** The search {@link searching} runs, in a context of its own (a time limit and Ctrl-C can stop it there). */
  private readonly guard = { work: (): unknown => undefined };
  private readonly context: Context = createContext({ guard: this.guard });

  /**
   * @param limitMs the longest one {@link searching} may take ({@link SEARCH_LIMIT_MS}).
   */
  constructor(
    recend: string,
    recstart: string,
    private readonly limitMs = SEARCH_LIMIT_MS,
  ) {
    this.boundary = new RegExp(`(?:${recend})(?=${recstart})`, 'g');
    this.start = new RegExp(`(?:${recstart})`, 'y');
    this.separators = new RegExp(`(?:${recend})(?:${recstart})`, 'g');
    this.leading = new RegExp(`^(?:${recstart})`);
    this.trailing = new RegExp(`(?:${recend})(?=\\n?$)`);
  }

  /**
   * The first boundary in `text` past `after` whose recend match begins at or after `from`;
   * `undefined` when there is none — or when one is found whose matches reach the end of `text`
   * and `whole` is false: more of the input could then make it another (a recend of `\n+` could
   * grow) or none, so it is not taken until more is read.
   */
  next(text: string, from: number, after: number, whole: boolean): Boundary | undefined {
    for (let p = from; p <= text.length; ) {
      this.boundary.lastIndex = p;
      const match = this.boundary.exec(text);
      if (match === null) return undefined;
      const at = match.index + match[0].length;
      if (at > after) {
        this.start.lastIndex = at;
        const reach = at + (this.start.exec(text)?.[0].length ?? 0);
        return whole || reach < text.length ? { at, reach } : undefined;
      }
      p = match.index + 1;
    }
    return undefined;
  }

  /**
   * `work` (searches with this pattern) run so that it cannot hold the thread for ever: past the
   * time limit it is stopped and an SPMError says why; a Ctrl-C stops it too — the SIGINT is then
   * given to the process's handlers (the bin's stops the run), and `undefined` is returned
   * (nothing more is to be cut).
   */
  searching<T>(work: () => T): T | undefined {
    this.guard.work = work;
    try {
      return SEARCH.runInContext(this.context, { timeout: this.limitMs, breakOnSigint: true }) as T;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') {
        // The handlers hear it now, before the caller sees no more blocks (a signal sent again
        // could come after the run ended on that); with none, the default: the process ends.
        if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
        else process.kill(process.pid, 'SIGINT');
        return undefined;
      }
      if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new SPMError(`Expected \`--recstart\`/\`--recend\` with \`--regexp\` to find the records' boundaries in what was read within ${this.limitMs / 1000} s, but the search took longer (an expression that backtracks without end, as nested quantifiers like \`(a+)+\` can?): the run stops`);
      }
      throw error;
    } finally {
      this.guard.work = (): unknown => undefined;
    }
  }

  /** Whether `text` begins with a match of recstart (GNU parallel's -N: else what precedes the first boundary is garbage). */
  startsRecord(text: string): boolean {
    this.start.lastIndex = 0;
    return this.start.test(text);
  }

  /** `block` without its separators, as GNU parallel's `--rrs` with `--regexp` removes them. */
  removeSeparators(block: string): string {
    return block.replace(this.separators, '').replace(this.leading, '').replace(this.trailing, '');
  }
}

/** How `--pipe --regexp` cuts its input (as {@link import('./pipe-blocks.js').BlockOptions}, the separators patterns). */
export interface PatternBlockOptions {
  /** The most bytes a block holds (`--block`): it ends at the last boundary within them; a longer record is a block of its own. */
  readonly blockBytes: number;
  /** `-N n`: n records per block (the last may hold fewer). */
  readonly records?: number;
  readonly pattern: RecordBoundaries;
  /** `--header`: the first line (ended by `headerEnd`) goes before every block. */
  readonly header?: boolean;
  readonly headerEnd: number;
  /** `--round-robin`: the header is handed to this, and not put before the blocks. */
  readonly onHeader?: (header: Buffer) => void;
  /** `--rrs`: each block loses its separators ({@link RecordPattern.removeSeparators}). */
  readonly removeSeparators?: boolean;
}

/** The most bytes searched again for a long record each time more is read; past it, a search waits until what is held has doubled. */
const RESEARCH_BYTES = 1024 * 1024;

/**
 * `--pipe --regexp`: the input cut into blocks of whole records as {@link import('./pipe-blocks.js').blocksOf}
 * cuts it — each ends at the last boundary whose recend and recstart matches lie within
 * `blockBytes` (never at its first byte), else at
 * the first after them; or n records each — the boundaries being {@link RecordPattern}'s. A
 * boundary whose matches reach the end of what is read waits for more; the input's last bytes
 * are the last block. A long record is searched again as more comes, every time while it is
 * under 1 MiB, then each time it has doubled. Each search is {@link RecordPattern.searching}'s:
 * a Ctrl-C during one ends the blocks there.
 */
export async function* patternBlocksOf(input: AsyncIterable<Piece>, options: PatternBlockOptions): AsyncGenerator<Buffer> {
  const { blockBytes, records, pattern } = options;
  const headerEnd = String.fromCharCode(options.headerEnd);
  let header: Buffer | undefined;
  let needHeader = options.header === true;
  let text = '';
  // -N: the boundaries found in the block being gathered, and the last of them.
  let found = 0;
  let lastAt = 0;
  // The length of `text` the last fruitless search saw (a long record's next search waits for more).
  let searched = -1;
  // No boundary in the block's size: the record is longer, its end looked for in what comes.
  let longRecord = false;
  // -N: the input's first record may have garbage before it, not yet looked at.
  let garbage = records !== undefined;
  const take = (end: number): Buffer => {
    let block = text.slice(0, end);
    text = text.slice(end);
    [found, lastAt, searched, longRecord] = [0, 0, -1, false];
    if (options.removeSeparators === true) block = pattern.removeSeparators(block);
    const bytes = Buffer.from(block, 'latin1');
    return header === undefined || options.onHeader !== undefined ? bytes : Buffer.concat([header, bytes]);
  };
  /** Whether searching what is held again could find what the last search did not: more read, by enough (see above). */
  const worthSearching = (whole: boolean): boolean => whole || searched < 0 || (text.length > searched && (searched < RESEARCH_BYTES || text.length >= 2 * searched));
  function* cut(whole: boolean): Generator<Buffer> {
    while (text.length > 0) {
      if (records !== undefined) {
        if (!worthSearching(whole)) break;
        if (garbage) {
          // GNU parallel's -N with --regexp: what comes before the first record's recstart is a block of its own.
          const first = pattern.next(text, 0, 0, whole);
          if (first === undefined) {
            searched = text.length;
            break;
          }
          garbage = false;
          if (!pattern.startsRecord(text)) {
            yield take(first.at);
            continue;
          }
        }
        // Each search goes on from the last boundary found: a record's recend begins in it.
        while (found < records) {
          const boundary = pattern.next(text, lastAt, lastAt, whole);
          if (boundary === undefined) break;
          found += 1;
          lastAt = boundary.at;
        }
        if (found === records) {
          yield take(lastAt);
          continue;
        }
        searched = text.length;
        break;
      }
      // Less than a block: the next read may hold more records (at the end, it is the last block).
      if (text.length < blockBytes || !worthSearching(whole)) break;
      // The last boundary in the block's first `blockBytes` bytes, matched there alone (GNU
      // parallel's, whose buffer holds a block: a look-ahead past it sees its end)…
      let best = 0;
      if (!longRecord) {
        const window = text.length === blockBytes ? text : text.slice(0, blockBytes);
        for (let boundary = pattern.next(window, 0, 0, true); boundary !== undefined; boundary = pattern.next(window, boundary.at, boundary.at, true)) best = boundary.at;
      }
      // …else the first in all that is read: a record longer than a block is a block of its own.
      if (best === 0) best = pattern.next(text, 0, 0, whole)?.at ?? 0;
      if (best > 0) {
        yield take(best);
        continue;
      }
      longRecord = true;
      searched = text.length;
      break;
    }
    if (whole && text.length > 0) {
      // `-L n`: a last record of fewer lines (no n-th newline) is a block of its own, as GNU
      // parallel cuts it (`a b c` with -L 2: `a b`, then `c`) — not with -N (its last block is
      // what is left, there too).
      if (pattern instanceof LineRecords && records === undefined) {
        let last = 0;
        for (let boundary = pattern.next(text, 0, 0); boundary !== undefined; boundary = pattern.next(text, boundary.at, boundary.at)) last = boundary.at;
        if (last > 0 && last < text.length) yield take(last);
      }
      yield take(text.length);
    }
  }
  /** {@link cut}'s blocks, guarded (see {@link guardedBy}). */
  function* guarded(whole: boolean): Generator<Buffer, boolean> {
    return yield* guardedBy(() => cut(whole));
  }
  /** `making`'s blocks, each found within {@link RecordPattern.searching}: false if a Ctrl-C stopped a search. */
  function* guardedBy(making: () => Generator<Buffer>): Generator<Buffer, boolean> {
    const blocks = making();
    for (;;) {
      const step = pattern.searching(() => blocks.next());
      if (step === undefined) return false;
      if (step.done === true) return true;
      yield step.value;
    }
  }
  /**
   * `--block-timeout`: what is held up to its last record boundary, as a block (nothing before the
   * header, with `-N`, whose blocks are N records, or when no record is complete).
   */
  function* flushed(): Generator<Buffer> {
    if (needHeader || records !== undefined || text.length === 0) return;
    let last = 0;
    for (let boundary = pattern.next(text, 0, 0, false); boundary !== undefined; boundary = pattern.next(text, boundary.at, boundary.at, false)) last = boundary.at;
    if (last > 0) yield take(last);
  }
  for await (const piece of input) {
    if (piece === FLUSH) {
      if (!(yield* guardedBy(flushed))) return;
      continue;
    }
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (chunk.length === 0) continue;
    text += chunk.toString('latin1');
    if (needHeader) {
      const at = text.indexOf(headerEnd);
      if (at < 0) continue;
      header = Buffer.from(text.slice(0, at + 1), 'latin1');
      text = text.slice(at + 1);
      needHeader = false;
      options.onHeader?.(header);
    }
    if (!(yield* guarded(false))) return;
  }
  if (needHeader) return;
  yield* guarded(true);
}
