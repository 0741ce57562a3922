import { readFileSync } from 'node:fs';
import { badByteAt, firstInvalidUtf8 } from './input-lines.js';

/** A command-line argument whose bytes are not valid UTF-8 (Node's `argv` shows each bad sequence as U+FFFD). */
export interface NotUtf8Argument {
  /** Its position among spm-shell's arguments, from 1 (`process.argv[2]` is argument 1), for messages. */
  readonly argument: number;
  /** The first byte that does not fit UTF-8. */
  readonly byte: number;
  /** That byte's offset in the argument, from 0. */
  readonly at: number;
}

/**
 * The arguments (`process.argv.slice(2)`, by index) whose bytes, as the process was given them,
 * are not valid UTF-8. Node decodes `argv` lossily: `caf\xe9.txt` arrives as `caf\uFFFD.txt`,
 * naming another file. The bytes are read back from `/proc/self/cmdline` — only when an
 * argument holds U+FFFD (a lossy decode always leaves one), so a start-up pays nothing for it
 * otherwise. Empty where the bytes cannot be had (no `/proc`: not Linux) or do not match the
 * arguments (a changed process title): spm-shell then reads them as Node decoded them.
 *
 * `cmdline` gives the bytes (for tests); its entries end with NUL, node's own options before the
 * script's path, the arguments last (`NODE_OPTIONS` is not among them).
 */
export function notUtf8Arguments(args: readonly string[], cmdline: () => Buffer | undefined = ownCmdline): ReadonlyMap<number, NotUtf8Argument> {
  const found = new Map<number, NotUtf8Argument>();
  if (!args.some((arg) => arg.includes('\uFFFD'))) return found;
  const bytes = cmdline();
  if (bytes === undefined) return found;
  const entries = nulEnded(bytes);
  if (entries.length < args.length) return found;
  const own = entries.slice(entries.length - args.length);
  for (const [k, entry] of own.entries()) {
    // (Not the arguments Node was given: tell nothing rather than the wrong thing.)
    if (entry.toString('utf8') !== args[k]) return new Map();
    const at = firstInvalidUtf8(entry);
    if (at < entry.length) found.set(k, { argument: k + 1, byte: entry[at] as number, at });
  }
  return found;
}

/** Why the jobs of `bad`, a `:::` argument, are not run: its position and the byte, as a refused input line says it. */
export function notUtf8Reason(bad: NotUtf8Argument): string {
  return `argument ${bad.argument} (after :::) is not valid UTF-8 (${badByteAt(bad.byte, bad.at)}); spm-shell passes commands to the shell as UTF-8 text`;
}

function ownCmdline(): Buffer | undefined {
  try {
    return readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
}

/** `bytes`' NUL-ended entries (an empty argument is an empty entry). */
function nulEnded(bytes: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0, start); end >= 0; end = bytes.indexOf(0, start)) {
    entries.push(bytes.subarray(start, end));
    start = end + 1;
  }
  // (A last entry without its NUL: a process that rewrote its command line.)
  if (start < bytes.length) entries.push(bytes.subarray(start));
  return entries;
}
