import { readFileSync } from 'node:fs';
import { SPMError } from '@spm/exceptions';
import { runCoprocess } from '@spm/coprocess';
import { loadNow, readingOf } from './machine-load.js';
import { freeMemoryNow } from './machine-memory.js';

/**
 * `--limit "command args"` (GNU parallel's dynamic job limit): what is asked before each job
 * starts, and while jobs run. A shell command, or one of GNU parallel's three measures, done here
 * without a shell: `mem SIZE` (as `--memfree`), `load N` (as `--load`), `io N` (the busiest
 * disk's utilisation, 0–100).
 */
export type LimitRule =
  | { readonly kind: 'command'; readonly command: string }
  | { readonly kind: 'mem'; readonly bytes: number }
  | { readonly kind: 'load'; readonly max: number }
  | { readonly kind: 'io'; readonly percent: number };

/**
 * What a check says, as GNU parallel reads the command's exit status: 0, below the limit (start
 * a job); 1, over it (start none now); 2, way over (start none, and kill the youngest job).
 */
export type LimitVerdict = 0 | 1 | 2;

/** How long a `--limit` command may run before it is killed (its tree) and the run stops starting jobs. */
export const LIMIT_COMMAND_TIMEOUT_MS = 60_000;

/**
 * `--limit`'s value read: `mem SIZE`, `load N`, `io N` (the first word exactly, as GNU parallel
 * picks its own), else a shell command run as it is. `size` reads SIZE as `--memfree` does.
 */
export function parseLimit(option: string, value: string | undefined, size: (option: string, value: string | undefined) => number): LimitRule {
  if (value === undefined || value.trim() === '') throw new SPMError(`Expected \`${option}\` to be followed by a command whose exit status says whether a job may start (0: yes, 1: not now, 2: kill the youngest job), or \`mem SIZE\`, \`load N\`, \`io N\`; got nothing`);
  if (value.includes('\0')) throw new SPMError(`Expected \`${option}\`'s command to hold no NUL, got one`);
  const [name, ...args] = value.trim().split(/\s+/);
  if (name !== 'mem' && name !== 'load' && name !== 'io') return { kind: 'command', command: value };
  const given = args.join(' ');
  if (name === 'mem') return { kind: 'mem', bytes: size(`${option} mem`, args.length === 1 ? args[0] : given) };
  const n = args.length === 1 && /^\d+(?:\.\d+)?$/.test(args[0] as string) ? Number(args[0]) : NaN;
  if (name === 'load') {
    if (!(n >= 0)) throw new SPMError(`Expected \`${option} load N\` to give N, the most running processes (a number, 1.5 too), got \`${given}\``);
    return { kind: 'load', max: n };
  }
  if (!(n >= 0 && n <= 100)) throw new SPMError(`Expected \`${option} io N\` to give N, the most utilisation of the busiest disk in percent (0 to 100), got \`${given}\``);
  return { kind: 'io', percent: n };
}

/** How `--limit` is shown in messages: its command, or its measure as given. */
export function limitText(rule: LimitRule): string {
  switch (rule.kind) {
    case 'command':
      return rule.command;
    case 'mem':
      return `mem ${rule.bytes}`;
    case 'load':
      return `load ${rule.max}`;
    case 'io':
      return `io ${rule.percent}`;
  }
}

/** One reading of `/proc/diskstats`: each device's milliseconds spent doing I/O so far, and when it was read. */
interface DiskSample {
  readonly at: number;
  readonly busyMs: ReadonlyMap<string, number>;
}

/** Each device's `io_ticks` (the 10th statistic: ms spent doing I/O) from the text of `/proc/diskstats`. */
export function diskBusyOf(diskstats: string): Map<string, number> {
  const busy = new Map<string, number>();
  for (const line of diskstats.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 13 && /^\d+$/.test(fields[12] as string)) busy.set(fields[2] as string, Number(fields[12]));
  }
  return busy;
}

/** The busiest device's utilisation between two samples, in percent (0–100): GNU parallel's `iostat -x` `%util` maximum. */
export function busiestPercent(before: DiskSample, after: DiskSample): number {
  const spanMs = after.at - before.at;
  if (!(spanMs > 0)) return 0;
  let most = 0;
  for (const [device, ms] of after.busyMs) {
    const was = before.busyMs.get(device);
    if (was !== undefined) most = Math.max(most, ((ms - was) / spanMs) * 100);
  }
  return Math.min(100, most);
}

/** The shortest span `io N` measures over (ms): a check sooner than this after the last waits out the rest. */
const IO_SPAN_MIN_MS = 200;
/** How long an `io N` reading stands (ms): GNU parallel measures over a second. */
const IO_FRESH_MS = 1_000;

/**
 * Asks `--limit`: one check at a time (callers meanwhile share it). A command that exits other
 * than 0, 1 or 2, is killed by a signal, runs past {@link LIMIT_COMMAND_TIMEOUT_MS} (its tree is
 * killed) or cannot be started makes {@link check} reject, saying so: the caller stops starting
 * jobs (GNU parallel would wait for it forever).
 */
export class LimitCheck {
  readonly #rule: LimitRule;
  readonly #readDiskstats: () => string;
  #underWay: Promise<LimitVerdict> | undefined;
  #lastAt: number | undefined;
  #disk: { sample: DiskSample; percent: number | undefined } | undefined;

  constructor(rule: LimitRule, readDiskstats: () => string = () => readFileSync('/proc/diskstats', 'latin1')) {
    this.#rule = rule;
    this.#readDiskstats = readDiskstats;
    if (rule.kind === 'io') this.#disk = { sample: this.#diskSample(), percent: undefined };
  }

  /** When the last check began (`performance.now()`), if one has. */
  get lastAt(): number | undefined {
    return this.#lastAt;
  }

  /** The verdict now (a check under way is shared, not started again). */
  check(): Promise<LimitVerdict> {
    if (this.#underWay !== undefined) return this.#underWay;
    this.#lastAt = performance.now();
    const underWay = this.#ask().finally(() => {
      if (this.#underWay === underWay) this.#underWay = undefined;
    });
    this.#underWay = underWay;
    return underWay;
  }

  async #ask(): Promise<LimitVerdict> {
    const rule = this.#rule;
    switch (rule.kind) {
      case 'mem': {
        const free = freeMemoryNow() ?? Infinity;
        return free < rule.bytes / 2 ? 2 : free < rule.bytes ? 1 : 0;
      }
      case 'load':
        return (loadNow() ?? 0) > rule.max ? 1 : 0;
      case 'io':
        return (await this.#ioPercent()) > rule.percent ? 1 : 0;
      case 'command':
        return this.#runCommand(rule.command);
    }
  }

  #diskSample(): DiskSample {
    return { at: performance.now(), busyMs: readingOf(this.#readDiskstats, diskBusyOf) ?? new Map() };
  }

  async #ioPercent(): Promise<number> {
    const disk = this.#disk as { sample: DiskSample; percent: number | undefined };
    const since = performance.now() - disk.sample.at;
    if (disk.percent !== undefined && since < IO_FRESH_MS) return disk.percent;
    if (since < IO_SPAN_MIN_MS) await new Promise((resolve) => setTimeout(resolve, IO_SPAN_MIN_MS - since));
    const sample = this.#diskSample();
    disk.percent = busiestPercent(disk.sample, sample);
    disk.sample = sample;
    return disk.percent;
  }

  async #runCommand(command: string): Promise<LimitVerdict> {
    const shown = `--limit \`${command}\``;
    let r: Awaited<ReturnType<typeof runCoprocess>>;
    try {
      // GNU parallel's $SSHLOGIN: `:` is this machine. Its output is not ours to print: stderr is kept for a message.
      r = await runCoprocess({ command, env: { ...process.env, SSHLOGIN: ':' }, timeoutMs: LIMIT_COMMAND_TIMEOUT_MS, maxOutputBytes: 1024 });
    } catch (error) {
      throw new SPMError(`${shown} cannot be run: ${(error as Error).message}`);
    }
    if (r.spawnError !== null) throw new SPMError(`${shown} cannot be run: ${r.spawnError}`);
    if (r.exitCode === 0 || r.exitCode === 1 || r.exitCode === 2) return r.exitCode;
    const said = r.stderr.trim() === '' ? '' : `; it said: ${r.stderr.trim().split('\n').slice(0, 3).join(' / ')}`;
    const ended = r.timedOut ? `ran past ${LIMIT_COMMAND_TIMEOUT_MS / 1000} s (its process tree was killed)` : r.signal !== null ? `was killed by ${r.signal}` : `exited ${String(r.exitCode)}`;
    throw new SPMError(`${shown} ${ended}; expected it to exit 0 (start a job), 1 (over the limit: not now) or 2 (way over: kill the youngest job)${said}`);
  }
}
