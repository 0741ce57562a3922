/**
 * `-X`, `-m` and `--xargs`: as many arguments per command as fit, as GNU parallel (and xargs)
 * group them. A pure grouping of records into jobs; job-source.ts makes the jobs.
 */

/** GNU parallel's variable for the job slot less one (`--process-slot-var` names another). */
export const SLOT_VARIABLE = 'PARALLEL_JOBSLOT0';

/**
 * What the spoke puts before a command (shell-closure.ts): GNU parallel's job variables,
 * exported to the command's shell and all it starts — `$PARALLEL_SEQ`, `$PARALLEL_JOBSLOT`, the
 * slot less one as `slotVariable` (GNU parallel's `$PARALLEL_JOBSLOT0`, or `--process-slot-var`'s
 * name), and `$PARALLEL_PID` — ended by `;`, not a newline: the command's first line is the
 * shell's line 1, so its syntax errors and `$LINENO` count its own lines (as in GNU parallel).
 */
export function jobVariables(seq: number, slot: number, pid: number | undefined, slotVariable = SLOT_VARIABLE): string {
  return `export PARALLEL_SEQ=${seq} PARALLEL_JOBSLOT=${slot} ${slotVariable}=${slot - 1}${pid === undefined ? '' : ` PARALLEL_PID=${pid}`};`;
}

/**
 * The longest command line Linux passes to the shell: the command is one argument of
 * `/bin/sh -c`, and one argument may hold at most 32 pages (`MAX_ARG_STRLEN`, 131,072 bytes)
 * with its terminating NUL — less what the spoke puts before it ({@link jobVariables} at its
 * longest: a 16-digit seq, a 5-digit slot, a 10-digit pid), which `slotVariable`'s length changes.
 */
export function maxCommandBytes(slotVariable = SLOT_VARIABLE): number {
  return 131_071 - Buffer.byteLength(jobVariables(2 ** 53, 99_999, 4_294_967_295, slotVariable));
}

/** {@link maxCommandBytes} with GNU parallel's slot variable: 130963. */
export const MAX_COMMAND_BYTES = maxCommandBytes();

/** How `-X`, `-m` and `--xargs` group records into jobs. */
export interface Packing {
  /** The longest command, in bytes (`-s`, `--max-chars`). */
  readonly maxChars: number;
  /** The most records per job (`-n`, `-N`), if capped. */
  readonly maxArgs?: number;
  /**
   * `-X`, `-m`: commands are filled in turn, and the records of the one the input ends in are
   * spread evenly across this many job slots (GNU parallel's rule: `ceil(records / slots)` a
   * command). Absent (`--xargs`): the last command takes what is left.
   */
  readonly slots?: number;
}

/** What the packer needs to know of the jobs it shapes. */
export interface PackTarget<T> {
  /** The bytes of the command that job `seq` of `records` would run. */
  bytes(records: readonly T[], seq: number): number;
  /**
   * About how many bytes `record` adds to a command that holds others already: what a command
   * is measured by while records are gathered (its exact size is then checked once).
   */
  extra(record: T): number;
}

/**
 * Groups records into jobs: each group is as long as its command may be (`maxChars` bytes, at
 * most `maxArgs` records), filled in turn; with `slots` (`-X`, `-m`), the records of the command
 * the input ends in are spread evenly across them — GNU parallel 20221122's rule (its
 * `CommandLine::populate`): `-j2 -n3 -X` of 9 records makes 3, 3, 2 and 1; `-j4 -X` of 9 (no
 * cap) 3, 3, 3. Fed one record at a time ({@link push}), it hands back each group as soon as it
 * is known whole: when a record does not fit in it, or it reaches `maxArgs` — with `slots`, once
 * a record after it shows the input goes on. A record whose command is too long even alone is a
 * group of its own (its job is refused by the caller).
 */
export class ArgPacker<T> {
  readonly #packing: Packing;
  readonly #target: PackTarget<T>;
  readonly #cap: number;
  readonly #buffer: T[] = [];
  /** `extra` of each record of the buffer, in order. */
  readonly #extras: number[] = [];
  /** Groups handed out. */
  #seq = 0;
  // The command being filled (the buffer's records): how many, and its size as estimated (as
  // #front estimates it), so that it is measured once, not once per record.
  #length = 0;
  #estimate = 0;

  constructor(packing: Packing, target: PackTarget<T>) {
    this.#packing = packing;
    this.#target = target;
    this.#cap = packing.maxArgs !== undefined && packing.maxArgs > 0 ? packing.maxArgs : Infinity;
  }

  /** Takes the next record; returns the groups it completed, in order (often none). */
  push(record: T): T[][] {
    const extra = this.#target.extra(record);
    this.#buffer.push(record);
    this.#extras.push(extra);
    if (this.#length === 0) return this.#drain();
    // The buffer holds the command being filled: this record joins it, or shows it is full.
    if (this.#length < this.#cap && this.#estimate + extra <= this.#packing.maxChars) {
      this.#estimate += extra;
      this.#length += 1;
      // --xargs: a command at its cap goes at once. -X, -m: only once a record after it shows
      // the input goes on — the one the input ends in is spread (end()).
      return this.#length >= this.#cap && this.#packing.slots === undefined ? this.#drain() : [];
    }
    return this.#drain();
  }

  /** The full commands at the front of the buffer; the last one, not full (or, with slots, not followed), stays (and is measured). */
  #drain(): T[][] {
    const groups: T[][] = [];
    while (this.#buffer.length > 0) {
      const { n, full } = this.#front(this.#cap);
      if (!full || (this.#packing.slots !== undefined && n >= this.#buffer.length)) break;
      groups.push(this.#take(n));
    }
    this.#length = this.#buffer.length;
    this.#estimate = this.#length === 0 ? 0 : this.#target.bytes(this.#buffer.slice(0, 1), this.#seq + 1) + this.#extras.slice(1).reduce((a, b) => a + b, 0);
    return groups;
  }

  /** The input ended: the groups of the records left (one command's; with slots, spread over them). */
  end(): T[][] {
    const slots = this.#packing.slots;
    const each = slots === undefined ? this.#cap : Math.min(this.#cap, Math.ceil(this.#buffer.length / Math.max(1, slots)));
    const groups: T[][] = [];
    while (this.#buffer.length > 0) groups.push(this.#take(this.#front(each).n));
    return groups;
  }

  /**
   * How many of the buffer's first records (at most `limit`, at least 1) make the next command,
   * and whether it is full (the record after them would not fit, or `limit` is reached).
   */
  #front(limit: number): { n: number; full: boolean } {
    const buffer = this.#buffer;
    const max = this.#packing.maxChars;
    const seq = this.#seq + 1;
    let n = 1;
    let estimate = this.#target.bytes(buffer.slice(0, 1), seq);
    while (n < buffer.length && n < limit && estimate + (this.#extras[n] as number) <= max) {
      estimate += this.#extras[n] as number;
      n += 1;
    }
    // The estimate is exact for `{}` and its forms; positional strings may make it short: the
    // whole command is measured, and cut down (a binary search) until it fits.
    if (n > 1 && this.#target.bytes(buffer.slice(0, n), seq) > max) {
      let low = 1;
      let high = n - 1;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (this.#target.bytes(buffer.slice(0, mid), seq) <= max) low = mid;
        else high = mid - 1;
      }
      return { n: low, full: true };
    }
    return { n, full: n >= limit || n < buffer.length };
  }

  #take(n: number): T[] {
    this.#seq += 1;
    this.#extras.splice(0, n);
    return this.#buffer.splice(0, n);
  }
}
