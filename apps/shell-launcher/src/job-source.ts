import { ArgPacker, type Packing } from './arg-packing.js';
import { combinations, fillTemplate, hasReplacement, nameColumns, trimmed, withSlot } from './command-template.js';
import { CsvColumns, CsvFormatError } from './csv-columns.js';
import type { InputLine } from './input-lines.js';
import type { Job } from './job-outcome.js';
import { withPerlValues, type PerlJob } from './perl-eval.js';

/**
 * How input records become jobs' arguments: one each by default; `-N`/`-n` a fixed number each;
 * `-X`/`-m`/`--xargs` as many as fit a command line.
 */
export interface Grouping {
  /** `-N n`, `-n n`: records per job (with {@link pack}, at most); `0`: one per job, none inserted. */
  readonly maxArgs?: number;
  /**
   * `{}` is each argument in turn, its word repeated for each (GNU parallel's context replace:
   * `-N`, `-X`), rather than all of them in place (`-n`, `-m`, `--xargs`).
   * @default true when {@link maxArgs} is set
   */
  readonly context?: boolean;
  /** `-X`, `-m`, `--xargs`: records packed into commands of at most `maxChars` bytes (see arg-packing.ts). */
  readonly pack?: Omit<Packing, 'maxArgs'>;
  /**
   * The longest command a job may have, in bytes: what Linux passes to the shell (`-s`'s most);
   * with {@link pack}, its `maxChars` instead. Absent: not checked.
   */
  readonly maxCommandBytes?: number;
  /**
   * `-r`: blank values (whitespace only) are passed over — each source's, before the sources are
   * combined (GNU parallel drops them as it reads each source).
   */
  readonly skipBlank?: boolean;
  /** `--trim`: the whitespace trimmed from each argument (each column with `--colsep`). @default 'n' */
  readonly trim?: 'l' | 'r' | 'lr' | 'n';
  /** `-E`: a line equal to it ends the input (jobsFromLines; the caller cuts `:::` sources). */
  readonly eof?: string;
  /**
   * `--tee`: a command template without replacement strings gets no arguments appended — the
   * arguments only make the jobs (GNU parallel's `--pipe` commands: `--tee wc -l ::: a b` runs
   * `wc -l` twice). `{}` and the like still fill.
   */
  readonly appendless?: boolean;
  /** The run's Perl strings (`{= =}`, `--rpl`): their values for a job of these arguments (perl-eval.ts). */
  readonly perl?: (seq: number, args: readonly string[]) => PerlJob;
}

/** `-N n` given as a number (as the specs and older callers do), or a whole {@link Grouping}. */
function groupingOf(given: number | Grouping | undefined): Grouping {
  return typeof given === 'number' ? { maxArgs: given } : (given ?? {});
}

/**
 * Is `text` kept (`-r` passes over blank ones)? Blank as GNU parallel's Perl `/^\s*$/` on bytes:
 * spaces, tabs, line ends, form and line tabulations only (not U+00A0 and other Unicode spaces).
 */
function kept(grouping: Grouping, text: string): boolean {
  return grouping.skipBlank !== true || !/^[\t\n\v\f\r ]*$/.test(text);
}

/** The widest job slot `{%}` may be filled with, when a command is measured before it has one. */
const WIDEST_SLOT = 99_999;

/** How values are split into columns: at a regular expression (`--colsep`), or as CSV records (`--csv`). */
export type Columns = RegExp | CsvColumns;

/**
 * The columns of `text` at `colsep` (`--colsep`), the first `limit` of them at most. An empty
 * separator splits between characters (not between a surrogate pair's halves). With `--csv`, the
 * record's fields (a value that is not CSV throws {@link CsvFormatError}).
 */
export function splitColumns(text: string, colsep: Columns, limit?: number): string[] {
  if (colsep instanceof CsvColumns) return colsep.split(text, limit);
  if (colsep.source !== '(?:)') return text.split(colsep, limit);
  const characters = text === '' ? [''] : Array.from(text);
  return limit === undefined ? characters : characters.slice(0, limit);
}

/** The columns of `given` values at `colsep` (`--colsep`), in order; all of them as they are without one. */
export function columnsOf(given: readonly string[], colsep: Columns | undefined): readonly string[] {
  return colsep === undefined ? given : given.flatMap((arg) => splitColumns(arg, colsep));
}

/**
 * `--header`: the sources' first values (a header each) name the columns, split as values are;
 * `template`'s `{name}`s become those columns' positions (see {@link nameColumns}).
 */
export function withHeader(template: string | undefined, headers: readonly string[], colsep: Columns | undefined): string | undefined {
  return template === undefined ? undefined : nameColumns(template, headerColumns(headers, colsep));
}

/**
 * `--header`: the column names of `headers` (the sources' first values); one that is not CSV
 * (`--csv`) throws a {@link CsvFormatError} that names it (the run cannot go on without its names).
 */
export function headerColumns(headers: readonly string[], colsep: Columns | undefined): readonly string[] {
  try {
    return columnsOf(headers, colsep);
  } catch (error) {
    if (!(error instanceof CsvFormatError)) throw error;
    throw new CsvFormatError(`Expected the header (--header) to be a CSV record (--csv), got ${JSON.stringify(headers.find((text) => notCsv(text, colsep)))}: ${error.message}`);
  }
}

/**
 * The job `seq` of `args`: with `colsep` (`--colsep`), each argument is split into columns
 * there, and the columns are the arguments (GNU parallel's: an empty column stays, `,a` is `''`
 * and `a`; an empty separator splits between characters).
 */
function job(seq: number, given: readonly string[], template: string | undefined, colsep: Columns | undefined, grouping: Grouping): Job {
  const context = grouping.context ?? grouping.maxArgs !== undefined;
  // `-N 0`: GNU parallel inserts an empty argument, bare, for each one it read.
  const blank = grouping.maxArgs === 0;
  const trim = grouping.trim ?? 'n';
  const split = columnsOf(given, colsep);
  const columns = trim === 'n' ? split : split.map((column) => trimmed(column, trim));
  const args = blank ? columns.map(() => '') : columns;
  // `{= =}`: evaluated once for the job, for all its templates; one that dies refuses it.
  const perl = grouping.perl?.(seq, args);
  // --tee: a template without replacement strings is the command as it is (nothing appended).
  const inserted = grouping.appendless === true && template !== undefined && !hasReplacement(template) ? [] : args;
  return withPerlValues({ seq, command: commandOf(template, inserted, seq, context, blank, perl), tag: args.join(' '), args, attempt: 1 }, perl);
}

/** Job `seq`'s command of `args`: `template` filled; without one, the arguments are the command itself, as GNU parallel runs them. */
function commandOf(template: string | undefined, args: readonly string[], seq: number, context: boolean, blank: boolean, perl?: PerlJob): string {
  return template === undefined ? args.join(' ') : fillTemplate(template, args, seq, context, blank, perl);
}

/**
 * How many records (input lines, or combinations of the sources) each job takes: `-N n`'s `n`,
 * else one. `-N 0` takes one too, and inserts none of it (see {@link job}).
 */
export function recordsPerJob(maxArgs: number | undefined): number {
  return Math.max(maxArgs ?? 1, 1);
}

/** `records` in chunks of `n`, in order; the last one may hold fewer. */
function* chunks<T>(records: Iterable<T>, n: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const record of records) {
    chunk.push(record);
    if (chunk.length >= n) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * The job of its records (one, or `-N`'s chunk: their values its arguments, in order, `{}` then
 * context-replaced; with `-N 0` one empty argument per value, inserted bare, as GNU parallel
 * does), refused for its first refused line (see {@link InputLine}): a job that is not run.
 */
function jobOf(seq: number, records: readonly (readonly InputLine[])[], template: string | undefined, colsep: Columns | undefined, grouping: Grouping): Job {
  const lines = records.flat();
  const texts = lines.map((line) => line.text);
  const given = lines.find((line) => line.refused !== undefined)?.refused;
  let made: Job;
  try {
    made = job(seq, texts, template, colsep, grouping);
  } catch (error) {
    if (!(error instanceof CsvFormatError)) throw error;
    // --csv: a record that is not CSV is a job that is not run, shown as it was read.
    const which = texts.length > 1 ? `its record ${JSON.stringify(texts.find((text) => notCsv(text, colsep)))}` : 'its record';
    return { seq, command: texts.join(' '), tag: texts.join(' '), args: texts, attempt: 1, refused: given ?? `${which} is not CSV (--csv): ${error.message}` };
  }
  if (given !== undefined) return { ...made, refused: given };
  if (records.length > 1) {
    // Several records: each argument's place is in its record (for --results' levels).
    const places = records.flatMap((record) => columnsOf(record.map((line) => line.text), colsep).map((_, i) => i + 1));
    if (grouping.maxArgs !== 0 && places.length === made.args?.length) return withCommandCheck({ ...made, places }, grouping);
  }
  return withCommandCheck(made, grouping);
}

/** True when `text` cannot be split as a CSV record by `colsep` (--csv). */
function notCsv(text: string, colsep: Columns | undefined): boolean {
  try {
    if (colsep !== undefined) splitColumns(text, colsep);
    return false;
  } catch {
    return true;
  }
}

/**
 * A command's length as `-s` counts it: its bytes, its widest `{%}` filled, and its terminating
 * NUL (xargs' and GNU parallel's count of a command line).
 */
const commandLineBytes = (command: string): number => Buffer.byteLength(withSlot(command, WIDEST_SLOT)) + 1;

/**
 * `made`, refused if its command is longer than `-s` (-X, -m, --xargs) or than Linux passes to
 * the shell (which would fail to start it: E2BIG).
 */
function withCommandCheck(made: Job, grouping: Grouping): Job {
  const packed = grouping.pack?.maxChars;
  const maxChars = packed ?? grouping.maxCommandBytes;
  // (Most commands are too short to need measuring: a UTF-16 unit is at most 3 bytes of UTF-8.)
  if (maxChars === undefined || made.refused !== undefined || made.command.length * 3 < maxChars / 2) return made;
  const line = commandLineBytes(made.command);
  const bytes = line - 1;
  if ((packed !== undefined ? line : bytes) <= maxChars) return made;
  const limit = packed !== undefined ? `-s ${maxChars} allows (--max-chars: a command line and its terminating NUL; what Linux passes to the shell is the most it may be)` : `${maxChars}, the longest command Linux passes to the shell (one argument of /bin/sh -c, less the job's variables)`;
  return { ...made, oversize: true, refused: `its command would be ${bytes} bytes long, more than ${limit}` };
}

/**
 * The packer of `-X`, `-m`, `--xargs`: it packs records — an input line, or with several
 * sources a combination of their values (no --colsep) — and a command's arguments are its
 * records' values, in order (GNU parallel's: `-X echo x{}y ::: a b ::: c` → `echo xay xcy xby xcy`).
 */
function packerOf(template: string | undefined, grouping: Grouping & { pack: Omit<Packing, 'maxArgs'> }): ArgPacker<readonly InputLine[]> {
  // The same default as jobOf's: the commands are measured as they will be made.
  const context = grouping.context ?? grouping.maxArgs !== undefined;
  const trim = grouping.trim ?? 'n';
  // The command alone, as job() makes it (no --colsep here): measured once or twice per line.
  const bytes = (records: readonly (readonly InputLine[])[], seq: number): number => {
    const args = records.flat().map((line) => (trim === 'n' ? line.text : trimmed(line.text, trim)));
    return commandLineBytes(commandOf(template, args, seq, context, grouping.maxArgs === 0, grouping.perl?.(seq, args)));
  };
  return new ArgPacker<readonly InputLine[]>(
    { ...grouping.pack, ...(grouping.maxArgs !== undefined ? { maxArgs: grouping.maxArgs } : {}) },
    { bytes, extra: (record) => bytes([record, record], 1) - bytes([record], 1) },
  );
}

/**
 * How sources are taken together (GNU parallel's): `linked[i]` links source i to the one before
 * it (`:::+`, `::::+`: side by side, the shortest giving the count); `all` links every source
 * (`--link`: side by side, the longest giving the count, shorter ones wrapping around). Else
 * every combination, first source outermost.
 */
export interface SourceLinks {
  readonly linked?: readonly boolean[];
  readonly all?: boolean;
}

/** The sources' values side by side: the `i`th record holds each one's `i`th value (`wrap`: modulo its length). */
function sideBySide<T>(groups: readonly (readonly T[])[], wrap: boolean): T[][] {
  if (groups.some((group) => group.length === 0)) return [];
  const lengths = groups.map((group) => group.length);
  const count = wrap ? Math.max(...lengths) : Math.min(...lengths);
  return Array.from({ length: count }, (_, i) => groups.map((group) => group[i % group.length] as T));
}

/** The units combined: runs of linked sources, each taken side by side (see {@link SourceLinks}). */
function linkedUnits<T>(groups: readonly (readonly T[])[], links: SourceLinks): T[][][] {
  if (links.all === true) return [sideBySide(groups, true)];
  const runs: (readonly T[])[][] = [];
  groups.forEach((group, i) => {
    if (links.linked?.[i] === true && runs.length > 0) (runs[runs.length - 1] as (readonly T[])[]).push(group);
    else runs.push([group]);
  });
  return runs.map((run) => sideBySide(run, false));
}

/**
 * GNU parallel's sources combined: with several, one that has no values (an empty `:::` group or
 * file, a `--header` source with its names alone) counts as one empty value, so the others'
 * values still run (`::: a b ::: $(cat empty)` runs `a` and `b` with an empty second argument);
 * all of them empty, nothing runs. Linked sources too: `:::: f ::::+ empty` is one record, `f`'s
 * first value beside an empty one (GNU's `:::+`); with `--link`, the empty value wraps around
 * beside every value of the longest source (GNU parallel 20221122 dies there: "Can't call method
 * orig on an undefined value").
 */
export function withEmptySourcesBlank(groups: readonly (readonly InputLine[])[]): (readonly InputLine[])[] {
  if (groups.length < 2 || groups.every((group) => group.length === 0)) return [...groups];
  return groups.map((group) => (group.length === 0 ? [{ text: '' }] : group));
}

/** How many records the sources make (before `-N` groups them): see {@link SourceLinks}. */
export function recordCount(groups: readonly (readonly unknown[])[], links: SourceLinks = {}): number {
  return linkedUnits(groups, links).reduce((n, unit) => n * unit.length, 1);
}

/**
 * Jobs from combined sources (`:::` words, the lines of `-a`/`::::` files): every combination, in
 * GNU parallel's order — or, linked, side by side (see {@link SourceLinks}) — one per job (or
 * `-N`'s number per job). With `random` (`--shuf`), the records in a random order drawn from it.
 */
export function* jobsFromArgs(template: string | undefined, groups: readonly (readonly InputLine[])[], colsep?: Columns, maxArgs?: number | Grouping, links: SourceLinks = {}, random?: () => number): Generator<Job> {
  const grouping = groupingOf(maxArgs);
  let seq = 0;
  // -r: each source's blank values dropped first (a source left without any is then one empty value).
  const sources = grouping.skipBlank === true ? withEmptySourcesBlank(groups.map((group) => group.filter((line) => kept(grouping, line.text)))) : groups;
  const linking = links.all === true || links.linked?.some((linked, i) => linked && i > 0) === true;
  const combined = linking
    ? (function* (): Generator<InputLine[]> {
        for (const combination of combinations(linkedUnits(sources, links))) yield combination.flat();
      })()
    : combinations(sources);
  // `--shuf`: every record, in a random order; the jobs are numbered in that order.
  const records = random === undefined ? combined : shuffled([...combined], random);
  const pack = grouping.pack;
  if (pack !== undefined) {
    // `-X`, `-m`, `--xargs`: records (a line, or a combination of the sources' values) packed.
    const packer = packerOf(template, { ...grouping, pack });
    for (const record of records) {
      // A record that cannot be a command is a job of its own: it must not take a whole command's others with it.
      if (record.some((line) => line.refused !== undefined)) yield jobOf(++seq, [record], template, colsep, grouping);
      else for (const group of packer.push(record)) yield jobOf(++seq, group, template, colsep, grouping);
    }
    for (const group of packer.end()) yield jobOf(++seq, group, template, colsep, grouping);
    return;
  }
  for (const chunk of chunks(records, recordsPerJob(grouping.maxArgs))) yield jobOf(++seq, chunk, template, colsep, grouping);
}

/** `items` in a uniformly random order (Fisher–Yates with `random`, a source of numbers in [0, 1)); in place. */
export function shuffled<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Jobs from input lines (stdin or one file), read as they come: each line is a command, or the
 * argument of `template` (`-N`: that many lines per job). With `header` (`--header`), the first
 * line names the columns (see {@link withHeader}); `header` is told their names.
 */
export async function* jobsFromLines(lines: AsyncIterable<InputLine>, template: string | undefined, colsep?: Columns, maxArgs?: number | Grouping, header?: (names: readonly string[]) => void): AsyncGenerator<Job> {
  const grouping = groupingOf(maxArgs);
  const packer = grouping.pack !== undefined ? packerOf(template, { ...grouping, pack: grouping.pack }) : undefined;
  let seq = 0;
  let chunk: InputLine[][] = [];
  // `--header`: the first line names the columns; it is not a job.
  let naming = header !== undefined;
  for await (const line of lines) {
    if (naming) {
      naming = false;
      header?.(headerColumns([line.text], colsep));
      template = withHeader(template, [line.text], colsep);
      continue;
    }
    // `-E`: the rest of the input is not read (the header line is not checked, as in GNU parallel).
    if (grouping.eof !== undefined && line.text === grouping.eof) break;
    if (!kept(grouping, line.text)) continue;
    if (packer !== undefined) {
      // A line that cannot be a command is a job of its own (numbered as it comes, before the
      // lines still gathering): it must not take a whole command's others with it.
      if (line.refused !== undefined) yield jobOf(++seq, [[line]], template, colsep, grouping);
      else for (const group of packer.push([line])) yield jobOf(++seq, group, template, colsep, grouping);
      continue;
    }
    chunk.push([line]);
    if (chunk.length >= recordsPerJob(grouping.maxArgs)) {
      yield jobOf(++seq, chunk, template, colsep, grouping);
      chunk = [];
    }
  }
  if (packer !== undefined) for (const group of packer.end()) yield jobOf(++seq, group, template, colsep, grouping);
  if (chunk.length > 0) yield jobOf(++seq, chunk, template, colsep, grouping);
}
