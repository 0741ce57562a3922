import { spawn, type ChildProcess } from 'node:child_process';
import { ownerToken, withoutOwnerCookies } from './cookie.js';

/**
 * The watchdog, as a POSIX shell script (no file to ship, ~1 MiB of memory). It reads
 * `+<pgid>` / `-<pgid>` lines naming this owner's live coprocess groups, and `t<pgid>` for a
 * group the owner already sent SIGTERM (in its grace: a coprocess's, or an escapee's). Its stdin is the lifeline: when the
 * owner dies — however, SIGKILL included — the kernel closes the pipe, `read` sees end-of-file,
 * and the watchdog kills the live groups and every process carrying one of the owner's coprocess
 * cookies, `<token>.N` with N ≥ 1 (SIGTERM, then SIGKILL after the grace period), then exits.
 * One carrying only a spoke's cookie `<token>.0` is a program a task started without
 * `@spm/coprocess`: `@spm/spoke`'s untracked-programs watchdog ends that one (by both, its TERM
 * trap would run twice). Each process gets each signal
 * once: a live group as a group (no SIGTERM for one in its grace), a cookie carrier in a live
 * group not again, one leading a group of its own as that group, one whose group leader carries
 * the cookie too not again, any other by pid. `kill -s SIG -- -PGID` is the spelling dash, bash
 * and busybox sh all accept.
 */
const SCRIPT = `
token=$1
grace=$2
live=' '
termed=' '
drop() {
  rest=' '
  for q in $1; do [ "$q" = "$2" ] || rest="$rest$q "; done
}
while IFS= read -r line; do
  case $line in
    q) exit 0 ;;
    +*) live="$live\${line#+} " ;;
    t*) termed="$termed\${line#t} " ;;
    -*) drop "$live" "\${line#-}"; live=$rest
        drop "$termed" "\${line#-}"; termed=$rest ;;
  esac
done
pgrp() {
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=\${s##*) }; s=\${s#* }; s=\${s#* }; g=\${s%% *}
}
sweep() {
  found=
  for p in $live; do
    case "$1$termed" in
      TERM*" $p "*) kill -0 -- "-$p" 2>/dev/null && found=1 ;;
      *) kill -s "$1" -- "-$p" 2>/dev/null && found=1 ;;
    esac
  done
  for f in $(grep -laE "$token\\.[1-9]" /proc/[0-9]*/environ 2>/dev/null); do
    p=\${f#/proc/}; p=\${p%/environ}
    [ "$p" = "$$" ] && continue
    pgrp "$p" || continue
    case $live in *" $g "*) found=1; continue ;; esac
    case "$1$termed" in TERM*" $g "*) found=1; continue ;; esac
    if [ "$g" = "$p" ]; then
      kill -s "$1" -- "-$p" 2>/dev/null && found=1
    elif [ "$g" != 0 ] && grep -qaE "$token\\.[1-9]" "/proc/$g/environ" 2>/dev/null; then
      found=1
    else
      kill -s "$1" "$p" 2>/dev/null && found=1
    fi
  done
}
sweep TERM
[ -n "$found" ] || exit 0
sleep "$grace"
sweep KILL
`;

/** The name the watchdog shows in `ps` (its `$0`). */
const WATCHDOG_NAME = 'spm-coprocess-watchdog';

/**
 * How long the watchdog stays after the owner's last coprocess ended: long enough that a
 * launcher running command after command keeps one watchdog, short enough that an owner
 * that is done with coprocesses leaves no process behind.
 */
const IDLE_QUIT_MS = 2000;

/**
 * This thread's lifeline to its watchdog, started with the first coprocess. The watchdog
 * leads its own process group, so a group kill of the owner (the hub killing a spoke) does
 * not take it down before it has swept. It never keeps the owner alive: the child and its
 * pipe are unref'd.
 */
class Lifeline {
  #child: ChildProcess | undefined;
  readonly #live = new Set<number>();
  /** Live coprocesses that lead no group (see {@link hold}). */
  #held = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  /** Starts the watchdog if it is not running (first use, or it died). */
  #ensure(graceMs: number): ChildProcess | undefined {
    if (this.#child !== undefined) return this.#child;
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', SCRIPT, WATCHDOG_NAME, ownerToken(), String(Math.max(1, Math.ceil(graceMs / 1000)))], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        // Not the thread's cookie: the watchdog's sweep would end a fork server carrying it.
        env: withoutOwnerCookies(process.env, ownerToken()),
      });
    } catch {
      return undefined;
    }
    const forget = (): void => {
      if (this.#child === child) this.#child = undefined;
    };
    child.on('error', forget);
    child.on('exit', forget);
    child.stdin?.on('error', forget);
    child.unref();
    const stdin = child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
    stdin?.unref?.();
    this.#child = child;
    return child;
  }

  /** Tells the watchdog about a live group. */
  register(pgid: number, graceMs: number): void {
    this.#live.add(pgid);
    this.#busy(graceMs)?.stdin?.write(`+${pgid}\n`);
  }

  /** The owner sent group `pgid` (a coprocess's, or an escapee's) SIGTERM itself: the watchdog's sweep gives it SIGKILL only. */
  terminated(pgid: number): void {
    this.#child?.stdin?.write(`t${pgid}\n`);
  }

  /** True while a live watchdog holds `pgid`: it sweeps the group (SIGTERM, SIGKILL after its grace) when this process ends. */
  watches(pgid: number): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null && this.#live.has(pgid);
  }

  /** Tells the watchdog a group is gone (so a reused pid is never killed for it). */
  unregister(pgid: number): void {
    this.#live.delete(pgid);
    this.#child?.stdin?.write(`-${pgid}\n`);
    this.#idleSoon();
  }

  /**
   * A live coprocess that leads no group (`terminal`: it is in this process's): the watchdog is
   * kept (its sweep finds the coprocess by the owner's cookie) with no group named to it — a
   * group by the leader's pid would be someone else's once that pid is reused. Paired with {@link release}.
   */
  hold(graceMs: number): void {
    this.#held += 1;
    this.#busy(graceMs);
  }

  /** A coprocess is live: the watchdog does not go idle, and runs (started if need be). */
  #busy(graceMs: number): ChildProcess | undefined {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    return this.#ensure(graceMs);
  }

  /** A coprocess {@link hold} kept the watchdog for is gone. */
  release(): void {
    this.#held = Math.max(0, this.#held - 1);
    this.#idleSoon();
  }

  #idleSoon(): void {
    if (this.#live.size === 0 && this.#held === 0 && this.#child !== undefined && this.#idle === undefined) {
      this.#idle = setTimeout(() => this.#quit(), IDLE_QUIT_MS);
      this.#idle.unref();
    }
  }

  // No coprocess for a while: let the watchdog go, without a sweep (there is nothing to sweep,
  // and a sweep could race a coprocess started just after).
  #quit(): void {
    this.#idle = undefined;
    const child = this.#child;
    if (child === undefined || this.#live.size > 0 || this.#held > 0) return;
    this.#child = undefined;
    child.stdin?.write('q\n');
    child.stdin?.end();
  }
}

/** This thread's lifeline. */
export const lifeline = new Lifeline();
