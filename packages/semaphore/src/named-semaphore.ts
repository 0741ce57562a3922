/**
 * A counting semaphore shared by the processes of one user on one machine, by name — GNU
 * parallel's `sem`: `sem -j4 gzip f` in a loop runs at most four at once, `sem --wait` waits for
 * them all.
 *
 * Kept as files, so nothing needs to be running for it: a name is a directory (under
 * `~/.spm/semaphores`, or `$SPM_SEMAPHORE_DIR`), each of its places a file `place-K` (K from 1)
 * made in one step (a file linked to its name: only one process can make a given place, no lock
 * is needed) holding its owner: host, pid and the process's start time (so a pid used again by another process is not
 * taken for the owner), and a token of the hold (so that one hold never gives back another's). Taking one of N places is making the first of `place-1`…`place-N` that
 * does not exist; giving it back is removing it. A place whose owner has died (killed, crashed:
 * it never gave it back) is free: the next process that wants it removes it first — by name, as
 * the only process freeing that place then (see {@link alone}), and only while it still holds the
 * dead owner's file. A live owner's place is never moved out of its name.
 * A place can be handed to another process (a child that runs on after its parent exits):
 * its owner is rewritten, in a new file renamed over the old one.
 *
 * Waiting is polling, as GNU parallel's: from 1 ms, ×1.1 each time, up to 1 s, randomized so
 * that many waiters do not all look at once.
 *
 * Not as GNU parallel 20221122: each process counts its own N places from the first — a process
 * with `-j1` takes `place-1` when it is free even while `place-2` and `place-3` of a `-j3` one
 * are held (GNU parallel's `-j1` would wait until fewer than one is held); a semaphore of one
 * machine only (places owned on another host, through a shared home, are never judged dead).
 */

import { linkSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { hostname, homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { SPMError, describeValue } from '@spm/exceptions';
import { makeDirectories, processInfoOf } from '@spm/coprocess';

/** The environment variable naming the directory the semaphores are kept in. */
export const SEMAPHORE_DIR_VARIABLE = 'SPM_SEMAPHORE_DIR';

/**
 * Where semaphores are kept: `$SPM_SEMAPHORE_DIR` when it is an absolute path, else
 * `~/.spm/semaphores`. An empty or relative value is not taken: it would be each caller's
 * current directory, and callers in two directories would not share the semaphore.
 */
export function semaphoreDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[SEMAPHORE_DIR_VARIABLE];
  return dir !== undefined && isAbsolute(dir) ? dir : join(homedir(), '.spm', 'semaphores');
}

/** A process as a place's owner: its host, pid, and start time (`/proc/<pid>/stat`'s; '' where not known). */
export interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly start: string;
}

/** The start time of process `pid` (clock ticks since boot, `/proc/<pid>/stat` field 22), '' when it cannot be read. */
export function startTimeOf(pid: number): string {
  const info = processInfoOf(pid);
  return info === undefined ? '' : String(info.start);
}

/** Process `pid` of this host as an owner. */
export function ownerOf(pid: number): Owner {
  // Another would be written to a place and never read back as a live owner: the place jammed
  // for good (and pid 0 looks alive to kill(0, 0)).
  if (!Number.isSafeInteger(pid) || pid < 1) throw new SPMError(`Expected the pid of a place's owner to be an integer ≥ 1, got ${describeValue(pid)}`);
  return { host: hostname(), pid, start: startTimeOf(pid) };
}

/**
 * A place's file: its owner, and a token of its own — what tells one hold of a place from a later
 * hold of the same place by the same process (a second release of the first used to give the
 * later one's place back). Readers take the first three lines.
 */
const ownerText = (owner: Owner): string => `${owner.host}\n${owner.pid}\n${owner.start}\n${randomUUID()}\n`;

function parseOwner(text: string): Owner | undefined {
  const [host, pid, start] = text.split('\n');
  if (host === undefined || pid === undefined || !/^\d+$/.test(pid)) return undefined;
  return { host, pid: Number(pid), start: start ?? '' };
}

/**
 * Whether `owner` still runs: true for another host's (it cannot be looked at); else its pid is
 * alive (a zombie counts as dead) and, when its start time is known, is the same process.
 */
export function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const info = processInfoOf(owner.pid);
  // No /proc (not Linux): the pid alone says it.
  if (info === undefined) return true;
  if (info.state === 'Z') return false;
  return owner.start === '' || String(info.start) === owner.start;
}

/** The longest file name of the usual file systems (NAME_MAX of ext4, XFS, Btrfs, tmpfs), in bytes. */
const NAME_MAX = 255;

/** How much of a long name's directory name its shortened one keeps, so that a listing still says whose it is. */
const LONG_NAME_KEPT = 64;

/**
 * A name as a directory name: `id-` and the name, characters other than `-`, `_`, letters and
 * digits as the hex of their UTF-8 bytes, a whole code point at a time (GNU parallel's) — all
 * ASCII, so its length is its size in bytes. One longer than a file name can be ({@link NAME_MAX})
 * is kept shortened: its first {@link LONG_NAME_KEPT} characters, `.sha256-` and the SHA-256 of
 * the whole (136 bytes: within eCryptfs's 143 too). A `.` is never in a directory name of the
 * first kind (it is written `2e`), so the two kinds never meet; names that share a directory of
 * the first kind (`a.b`, `a2eb`) share one of the second. Until session 44 a long name's
 * directory could not be made (ENAMETOOLONG, said as the directory not being writable).
 */
function dirNameOf(name: string): string {
  const plain = `id-${name.replace(/[^-_a-zA-Z0-9]/gu, (c) => Buffer.from(c, 'utf8').toString('hex'))}`;
  if (plain.length <= NAME_MAX) return plain;
  return `${plain.slice(0, LONG_NAME_KEPT)}.sha256-${createHash('sha256').update(plain).digest('hex')}`;
}

/** Resolves after `ms`, or as soon as `signal` is aborted. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A place held: give it back with {@link SemaphoreHold.release}, or hand it to another process. */
export class SemaphoreHold {
  /** The place's file. */
  readonly path: string;
  #owner: Owner;
  /** The place's file as this hold made it (or found it): the place is this hold's while it reads so. */
  #text: string;
  /** Handed to another process: no longer this one's to give back. */
  #handed = false;
  /** Given back already: a second release must not give back the place another hold took since. */
  #released = false;

  /** @internal made by {@link NamedSemaphore} */
  constructor(path: string, owner: Owner, text: string) {
    this.path = path;
    this.#owner = owner;
    this.#text = text;
  }

  /** Whose place it is now. */
  get owner(): Owner {
    return this.#owner;
  }

  /**
   * Makes process `pid` (of this host) the place's owner, as one step (a file renamed over the
   * place): the place is never free meanwhile. The new owner gives it back (see
   * {@link NamedSemaphore.heldBy}), or its death does; {@link release} here then does nothing.
   * Refused (SPMError) once this hold gave the place back or handed it over, or when its owner
   * (a process this hold was taken for) has died: the place is free then, maybe taken since.
   */
  handOver(pid: number): void {
    // Renamed over the place, a released or handed hold's new file would take a place that is
    // another's now.
    if (this.#released || this.#handed) throw new SPMError(`Cannot hand place \`${this.path}\` over: this hold ${this.#released ? 'gave it back' : 'handed it over'} already`);
    // So would a dead owner's: another process may have freed the place and taken it since.
    if (!isAlive(this.#owner)) throw new SPMError(`Cannot hand place \`${this.path}\` over: expected its owner, process ${this.#owner.pid}, to be alive, found it dead (the place is free to any process)`);
    const owner = ownerOf(pid);
    const text = ownerText(owner);
    renameSync(ownerFile(this.path, text), this.path);
    this.#owner = owner;
    this.#text = text;
    this.#handed = true;
  }

  /**
   * Gives the place back — once: nothing if it was given back already (another hold may have
   * taken it since), handed over, or is gone (taken as a dead owner's).
   */
  release(): void {
    if (this.#handed || this.#released) return;
    this.#released = true;
    // A hold for another process, which has died: its place is any process's to free now, so it
    // is freed as a dead owner's is (removed by name while it still reads so, by one process at a
    // time) — else another could free it and take it again between a look and the removal.
    if (!isAlive(this.#owner)) {
      alone(this.path, () => removeIfStill(this.path, this.#text));
      return;
    }
    try {
      // This hold's own file, not merely one of this pid: another hold of this process may have the place now.
      if (readFileSync(this.path, 'latin1') !== this.#text) return;
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** A file of its own beside `path`, holding `text` (an {@link ownerText}; written whole before it is linked or renamed into place). */
function ownerFile(path: string, text: string): string {
  const written = `${path}.new-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(written, text, { mode: 0o644 });
  return written;
}

/**
 * Runs `step` as the only process freeing place `path` now: `{ value }`, what it gave; or
 * `undefined`, `step` not run, when another live process is freeing the place (the caller takes
 * it as held this round, and looks again later).
 *
 * A process freeing a place first makes a file of its own beside it,
 * `place-K.reaping-PID-START-X` (its pid, its start time, a random X), then lists the directory
 * for another's: of two that both make theirs, the later one's listing sees the earlier's file,
 * so two never go on together (both may give up: they look again later, at random times). A dead
 * process's file is removed — named for it alone, it is never made again — so no file left by a
 * process killed while it freed a place (as a lock file would be) can block the place.
 */
function alone<T>(path: string, step: () => T): { readonly value: T } | undefined {
  const dir = dirname(path);
  const prefix = `${basename(path)}.reaping-`;
  const mine = `${prefix}${process.pid}-${startTimeOf(process.pid)}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(join(dir, mine), '', { flag: 'wx' });
  } catch (error) {
    // The directory is gone (tidied), and the place with it: `step` finds it gone.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { value: step() };
    throw error;
  }
  try {
    for (const entry of readdirSync(dir)) {
      if (!entry.startsWith(prefix) || entry === mine) continue;
      const other = /^([1-9]\d*)-(\d*)-/.exec(entry.slice(prefix.length));
      if (other === null) continue;
      if (isAlive({ host: hostname(), pid: Number(other[1]), start: other[2] ?? '' })) return undefined;
      try {
        unlinkSync(join(dir, entry));
      } catch {
        // Gone already.
      }
    }
    return { value: step() };
  } finally {
    try {
      unlinkSync(join(dir, mine));
    } catch {
      // Gone already.
    }
  }
}

/**
 * Removes place `path` if it still holds `text`, by name: run {@link alone}, with `text` a dead
 * owner's, nothing changes the place in between — it exists, so no process can make it; its
 * owner is dead, so none gives it back or hands it over; no other frees it. What the place holds
 * instead ('' when it is gone or holds `text`).
 */
function removeIfStill(path: string, text: string): string {
  let now: string;
  try {
    now = readFileSync(path, 'latin1');
  } catch {
    return '';
  }
  if (now !== text) return now;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return '';
}

/** How {@link NamedSemaphore.acquire} waits. */
export interface AcquireOptions {
  /** Give up after this long (ms): resolves `undefined`. @default no limit */
  readonly timeoutMs?: number;
  /** Stops the waiting (at once, not at the next look): resolves `undefined`. */
  readonly signal?: AbortSignal;
}

/** One named semaphore of this user (see the module's description). */
export class NamedSemaphore {
  /** The directory of its places. */
  readonly dir: string;
  readonly #slots: number;

  /**
   * The semaphore `name` (any text, of any length) of `slots` places (`Infinity`: as many as are
   * asked for), kept under `root` ({@link semaphoreDir} by default), an absolute path. Throws an
   * SPMError when `name` is not a string, `slots` is not a positive integer (or Infinity), `root`
   * is not an absolute path, or the directory cannot be made.
   */
  constructor(name: string, slots: number, root = semaphoreDir()) {
    if (typeof name !== 'string') throw new SPMError(`Expected a semaphore's name to be a string, got ${describeValue(name)}`);
    if (!(slots === Infinity || (Number.isInteger(slots) && slots >= 1))) throw new SPMError(`Expected a semaphore's places to be an integer from 1 (or Infinity), got ${describeValue(slots)}`);
    // As semaphoreDir() refuses a relative $SPM_SEMAPHORE_DIR: it would be each caller's current
    // directory, shared by no one (until session 44 it was taken, from the current directory).
    if (typeof root !== 'string' || !isAbsolute(root)) throw new SPMError(`Expected \`root\`, the directory semaphores are kept under, to be an absolute path (a relative one would be each caller's current directory, shared by no one), got ${describeValue(root)}`);
    this.#slots = slots;
    this.dir = join(root, dirNameOf(name));
    try {
      makeDirectories(this.dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A name's own directory name always fits (see dirNameOf): what is too long is `root`, or
      // a name's directory name on a file system of shorter names than the usual 255 bytes.
      if (code === 'ENAMETOOLONG') throw new SPMError(`Expected the semaphore directory \`${this.dir}\` to be a path the file system takes (each part at most its longest file name, the whole at most its longest path), got ENAMETOOLONG`, { cause: error });
      throw new SPMError(`Expected the semaphore directory \`${this.dir}\` to be writable, got ${code ?? (error as Error).message}`, { cause: error });
    }
  }

  /**
   * The places held now by live owners (a dead owner's is removed on the way; one another process
   * is removing at that moment counts, as its dead owner).
   */
  holders(): Owner[] {
    const live: Owner[] = [];
    for (const entry of this.#entries()) {
      const owner = this.#liveOwner(entry);
      if (owner !== undefined) live.push(owner);
    }
    return live;
  }

  /**
   * Takes the first free place of this process's `slots`, for process `pid` (this one by
   * default), or `undefined` when none is free now.
   */
  tryAcquire(pid = process.pid): SemaphoreHold | undefined {
    return this.#takeFirst(1, this.#slots, ownerOf(pid));
  }

  /** The places process `pid` (this one by default) holds: those another process handed it, say. */
  heldBy(pid = process.pid): SemaphoreHold[] {
    const me = ownerOf(pid);
    const held: SemaphoreHold[] = [];
    for (const entry of this.#entries()) {
      let text: string;
      try {
        text = readFileSync(join(this.dir, entry), 'latin1');
      } catch {
        continue;
      }
      const owner = parseOwner(text);
      if (owner !== undefined && owner.host === me.host && owner.pid === me.pid && owner.start === me.start) held.push(new SemaphoreHold(join(this.dir, entry), owner, text));
    }
    return held;
  }

  /** Waits for a free place and takes it (see {@link tryAcquire}); `undefined` if the wait timed out or was stopped. */
  async acquire(options: AcquireOptions = {}): Promise<SemaphoreHold | undefined> {
    return this.#poll(() => this.tryAcquire(), options);
  }

  /**
   * Takes a place past this process's `slots` (the first free from N+1): GNU parallel's
   * `--semaphore-timeout` with a positive time, "take it anyway". Counted by {@link waitEmpty}.
   */
  takeAnyway(pid = process.pid): SemaphoreHold {
    const owner = ownerOf(pid);
    // (With no last place it always takes one: the loop is for the type.)
    for (;;) {
      const hold = this.#takeFirst(Number.isFinite(this.#slots) ? this.#slots + 1 : 1, Infinity, owner);
      if (hold !== undefined) return hold;
    }
  }

  /** Waits until no place is held (dead owners' are removed): true, or false if timed out or stopped. */
  async waitEmpty(options: AcquireOptions = {}): Promise<boolean> {
    return (await this.#poll(() => (this.holders().length === 0 ? true : undefined), options)) === true;
  }

  /** Removes the directory if no place is in it (it is made again when needed). */
  tidy(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // Not empty, or gone: left as it is.
    }
  }

  /** `attempt` until it gives something, waiting between (1 ms ×1.1 each time, up to 1 s, randomized). */
  async #poll<T>(attempt: () => T | undefined, options: AcquireOptions): Promise<T | undefined> {
    // (NaN or a string never timed out: the wait went on for good.)
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)) {
      throw new SPMError(`Expected \`timeoutMs\` to be a number of ms ≥ 0 (Infinity: no limit), got ${describeValue(timeoutMs)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new SPMError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    let pause = 1;
    for (;;) {
      const got = attempt();
      if (got !== undefined) return got;
      if (options.signal?.aborted === true || Date.now() >= deadline) return undefined;
      pause = Math.min(pause * 1.1, 1000);
      await sleep(Math.min(1 + Math.random() * pause, Math.max(deadline - Date.now(), 0)), options.signal);
    }
  }

  /** The places' file names (a file a dead process left on its way to a place, or freeing one, is removed). */
  #entries(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    for (const entry of entries) {
      const pid = /^place-\d+\.(?:new|dead|reaping)-([1-9]\d*)-/.exec(entry)?.[1];
      if (pid !== undefined && !isAlive({ host: hostname(), pid: Number(pid), start: '' })) {
        try {
          unlinkSync(join(this.dir, entry));
        } catch {
          // Gone already.
        }
      }
    }
    return entries.filter((entry) => /^place-\d+$/.test(entry));
  }

  /**
   * Takes the first free place from `first` to `last` for `owner`, or undefined when none is.
   *
   * One listing first: a place it shows held by a live owner is passed by with one read, and
   * nothing written. Until session 44 each place was tried — a file written, linked to the
   * place's name (EEXIST), removed — before its owner was looked at, so a look at N held places
   * (each poll of a waiter) made and removed N files. Only {@link #make} takes a place, as before:
   * a place made or given back after the listing is found so by its link, or at the next look.
   */
  #takeFirst(first: number, last: number, owner: Owner): SemaphoreHold | undefined {
    const listed = new Set(this.#entries());
    for (let k = first; k <= last; k += 1) {
      if (listed.has(`place-${k}`) && this.#liveOwner(`place-${k}`) !== undefined) continue;
      const hold = this.#make(k, owner);
      if (hold !== undefined) return hold;
    }
    return undefined;
  }

  /** Makes place `k` for `owner`, freeing it first if its owner died; undefined when it is held. */
  #make(k: number, owner: Owner): SemaphoreHold | undefined {
    const path = join(this.dir, `place-${k}`);
    const text = ownerText(owner);
    for (let tries = 0; tries < 3; tries += 1) {
      let written: string;
      try {
        written = ownerFile(path, text);
      } catch (error) {
        // The directory went away (tidied by another process): made again.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        makeDirectories(this.dir);
        continue;
      }
      try {
        // Made with its owner in it, in one step: a link fails if the place exists.
        linkSync(written, path);
        return new SemaphoreHold(path, owner, text);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        unlinkSync(written);
      }
      if (this.#liveOwner(`place-${k}`) !== undefined) return undefined;
    }
    return undefined;
  }

  /**
   * The owner of place `entry` if it is alive; else the place is freed — removed by name, by one
   * process at a time, while it still holds the dead owner's file (see {@link alone}) — and
   * undefined. A live owner's place is never moved: renamed away and linked back (as it was until
   * session 42), one a live owner had made meanwhile went missing when yet another process made
   * the place before the link back, and two processes held it. While another process is freeing
   * the place, its dead owner is given (held, this round).
   */
  #liveOwner(entry: string): Owner | undefined {
    const path = join(this.dir, entry);
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      return undefined;
    }
    const owner = parseOwner(text);
    // (A place is made whole, its owner in it: one without is not ours, and left alone.)
    if (owner === undefined) return undefined;
    if (isAlive(owner)) return owner;
    const freed = alone(path, () => removeIfStill(path, text));
    if (freed === undefined) return owner;
    // Freed (''), or not the dead owner's any more: the owner of the place now.
    return parseOwner(freed.value);
  }
}
