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
   * `-X`, `-m`: the records are spread evenly across this many job slots while they do not
   * fill every slot's command (GNU parallel's rule: `min(cap, ceil(records / slots))` each).
   * Absent (`--xargs`): each command is filled in turn, the last one taking what is left.
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
 * most `maxArgs` records), and — with `slots` — records that do not fill that many commands are
 * spread evenly across them. Fed one record at a time ({@link push}), it hands back each group
 * as soon as it is known whole: with `slots`, once the records read fill every slot's command
 * (or at {@link end}). A record whose command is too long even alone is a group of its own (its
 * job is refused by the caller).
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
  /**
   * Once the records read fill every slot's command, each command is filled (GNU parallel's
   * `ceil(records / slots)` is then past the cap); `--xargs` fills them from the start.
   */
  #filling: boolean;
  // While not filling: the full commands the buffer holds, counted as records come (an
  // estimate, as #front makes it), so that the buffer is measured once, not once per record.
  #counted = 0;
  #length = 0;
  #estimate = 0;

  constructor(packing: Packing, target: PackTarget<T>) {
    this.#packing = packing;
    this.#target = target;
    this.#cap = packing.maxArgs !== undefined && packing.maxArgs > 0 ? packing.maxArgs : Infinity;
    this.#filling = packing.slots === undefined;
  }

  /** Takes the next record; returns the groups it completed, in order (often none). */
  push(record: T): T[][] {
    const extra = this.#target.extra(record);
    this.#buffer.push(record);
    this.#extras.push(extra);
    if (!this.#filling) {
      if (this.#length === 0 || (this.#length < this.#cap && this.#estimate + extra <= this.#packing.maxChars)) {
        this.#estimate = this.#length === 0 ? this.#target.bytes([record], this.#seq + this.#counted + 1) : this.#estimate + extra;
        this.#length += 1;
      } else {
        // This record starts another command: one more full one — and every slot has one?
        this.#counted += 1;
        this.#estimate = this.#target.bytes([record], this.#seq + this.#counted + 1);
        this.#length = 1;
        if (this.#counted >= (this.#packing.slots ?? 1)) {
          // From now on commands are filled: the buffer holds several full ones already.
          this.#filling = true;
          return this.#drain();
        }
      }
      return [];
    }
    if (this.#length === 0) return this.#drain();
    // Filling: the buffer holds the command being filled; this record joins it, or completes it.
    if (this.#length < this.#cap && this.#estimate + extra <= this.#packing.maxChars) {
      this.#estimate += extra;
      this.#length += 1;
      return this.#length >= this.#cap ? this.#drain() : [];
    }
    return this.#drain();
  }

  /** While filling: the full commands at the front of the buffer; the last one, not full, stays (and is measured). */
  #drain(): T[][] {
    const groups: T[][] = [];
    while (this.#buffer.length > 0) {
      const { n, full } = this.#front(this.#cap);
      if (!full) break;
      groups.push(this.#take(n));
    }
    this.#length = this.#buffer.length;
    this.#estimate = this.#length === 0 ? 0 : this.#target.bytes(this.#buffer.slice(0, 1), this.#seq + 1) + this.#extras.slice(1).reduce((a, b) => a + b, 0);
    return groups;
  }

  /** The input ended: the groups of the records left. */
  end(): T[][] {
    // With slots and no command filled yet, what is left is spread evenly.
    const each = this.#filling ? this.#cap : Math.min(this.#cap, Math.ceil(this.#buffer.length / Math.max(1, this.#packing.slots ?? 1)));
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
