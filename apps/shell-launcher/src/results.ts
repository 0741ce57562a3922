import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { isFifo } from '@spm/closure-core';
import { makeDirectories } from '@spm/coprocess';
import { dirname, join } from 'node:path';
import { fillPath, hasReplacement, slotOf, withSlot } from './command-template.js';
import type { JobOutcome } from './job-outcome.js';

/** Where one job's results go (`--results`): a file each for its stdout, stderr and sequence number. */
export interface ResultsPaths {
  readonly stdout: string;
  readonly stderr: string;
  readonly seq: string;
}

/**
 * One value as a directory name in `--results`' tree: GNU parallel's escapes (`\` is `\\`, a tab
 * is `\t`, `/` is `\_`), and — where GNU parallel writes into the wrong directory — an empty
 * value, `.` and `..` with a `\` before them (`\`, `\.`, `\..`), so that every value has a
 * directory of its own inside its parent.
 */
export function escapeValue(value: string): string {
  const escaped = value.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('/', '\\_');
  return escaped === '' || escaped === '.' || escaped === '..' ? `\\${escaped}` : escaped;
}

/** The longest name a directory may have on Linux's file systems (`NAME_MAX`), in bytes. */
const NAME_MAX_BYTES = 255;

/**
 * A value's directory name cut to {@link NAME_MAX_BYTES}, as GNU parallel cuts one its `mkdir`
 * refused (`ENAMETOOLONG`) — but on a UTF-8 character's boundary, where GNU parallel cuts the
 * bytes through a character.
 */
function withinNameMax(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= NAME_MAX_BYTES) return name;
  let end = NAME_MAX_BYTES;
  // (A byte 10xxxxxx continues the character before it: the cut goes before that character.)
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.toString('utf8', 0, end);
}

/**
 * The paths of job `outcome.job`'s results, as GNU parallel names them:
 * - `name` without replacement strings: a tree `name/1/<value 1>/2/<value 2>/…/{stdout,stderr,seq}`,
 *   a level per argument (per column with `--colsep`), named by `--header`'s column names when
 *   given (`headers`), else by the argument's position — in its record, for a job of several
 *   (`-N2 ::: a b`: `1/a/1/b`); values escaped ({@link escapeValue}) and cut to 255 bytes
 *   (values alike in their first 255 bytes share a directory, as in GNU parallel);
 * - `name` with replacement strings, filled with the arguments as they are (not quoted: a `/` in
 *   one makes a directory): ending in `/`, a directory holding `stdout`, `stderr` and `seq`;
 *   else the file for stdout, with `.err` and `.seq` beside it.
 */
export function resultsPaths(name: string, outcome: JobOutcome, headers?: readonly string[]): ResultsPaths {
  const { job } = outcome;
  const args = job.args ?? [job.tag];
  if (hasReplacement(name)) {
    const path = withSlot(fillPath(name, args, job.seq, job.perl), outcome.spoke === undefined ? 1 : slotOf(outcome.spoke));
    if (path.endsWith('/')) return { stdout: join(path, 'stdout'), stderr: join(path, 'stderr'), seq: join(path, 'seq') };
    return { stdout: path, stderr: `${path}.err`, seq: `${path}.seq` };
  }
  // A job of several records (-N, -X…): each value's level is named by its place in its record.
  const levels = args.flatMap((value, i) => {
    const place = job.places?.[i] ?? i + 1;
    return [escapeValue(headers?.[place - 1] ?? String(place)), withinNameMax(escapeValue(value))];
  });
  const dir = join(name, ...levels);
  return { stdout: join(dir, 'stdout'), stderr: join(dir, 'stderr'), seq: join(dir, 'seq') };
}

/** How much of a spilled output is copied at a time. */
const COPY_CHUNK_BYTES = 1 << 20;

/** Why a results file that is a FIFO is not written. */
const FIFO_REFUSED = 'it is a FIFO (results files are written whole, in one go: its open would wait for a reader)';

/**
 * Writes `kept`, then the bytes of `spilled` (if any) after it, to `path`. A FIFO there is
 * refused (thrown): its open would wait for a reader in the hub's thread, deaf to signals.
 */
export function writeStream(path: string, kept: string, spilled: string | undefined): void {
  if (isFifo(path)) throw new Error(FIFO_REFUSED);
  writeFileSync(path, kept);
  if (spilled === undefined) return;
  const from = openSync(spilled, 'r');
  const to = openSync(path, 'a');
  try {
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    for (let n = readSync(from, buffer); n > 0; n = readSync(from, buffer)) {
      for (let at = 0; at < n; ) at += writeSync(to, buffer, at, n - at);
    }
  } finally {
    closeSync(from);
    closeSync(to);
  }
}

/**
 * Writes a finished job's output to its results files (`--results`): its whole stdout and stderr
 * (the part past `--max-output` copied from its spill file, which is left for the caller to
 * delete) and its sequence number. Throws when they cannot be written, naming the file.
 */
export function writeResults(name: string, outcome: JobOutcome, headers?: readonly string[]): ResultsPaths {
  const paths = resultsPaths(name, outcome, headers);
  let at = dirname(paths.stdout);
  try {
    // Not mkdirSync's recursion: it spins forever under /proc or through a dangling link.
    makeDirectories(at);
    at = paths.stdout;
    writeStream(at, outcome.stdout, outcome.stdoutFile);
    at = paths.stderr;
    writeStream(at, outcome.stderr, outcome.stderrFile);
    at = paths.seq;
    if (isFifo(at)) throw new Error(FIFO_REFUSED);
    writeFileSync(at, String(outcome.job.seq));
  } catch (error) {
    throw new Error(`cannot write \`${at}\`: ${(error as Error).message}`);
  }
  return paths;
}

/**
 * `--files`: a new file in `dir` for one command's stdout, named as GNU parallel names them
 * (`par` + random letters + `.par`), made with mode 0600 and never over an existing one.
 */
export function newOutputFile(dir: string): string {
  for (let tries = 0; ; tries++) {
    // Joined as GNU parallel joins it (`--tmpdir .` gives `./parXXX.par`, not normalized away).
    const path = `${dir.endsWith('/') ? dir : `${dir}/`}par${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8)}.par`;
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 100) throw error;
    }
  }
}
