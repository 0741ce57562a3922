import { spawn, type ChildProcess } from 'node:child_process';
import { COPROCESS_COOKIE_ENV } from './internal/coprocess-owner-env.js';

/**
 * The watchdog, as a POSIX shell script (no file to ship). It reads `+<token>` / `-<token>` lines
 * naming the spoke tokens whose programs it guards, `t<token>` for one whose programs this
 * process is ending itself (SIGTERM sent: in their grace), `q` to go without a sweep. Its stdin is
 * the lifeline: when this process dies — SIGKILL included — the kernel closes the pipe, `read`
 * sees end-of-file, and the watchdog ends every **untracked** program of a guarded token (SIGTERM,
 * SIGKILL after the grace), then exits.
 *
 * Untracked is what `@spm/coprocess`'s `endUntrackedPrograms` means by it: the process's
 * `SPM_COPROCESS` list holds the spoke's cookie `<token>.0` with no coprocess cookie (`<any>.N`,
 * N ≥ 1) after it. A coprocess, and all it started, is its fork servers' and lifeline's to end;
 * signalled by both, a command's TERM trap would run twice. Each process gets each signal once:
 * one leading a group of its own as that group, one whose group leader is untracked too not
 * again (the leader's group signal reaches it), any other by pid; a token in its grace gets
 * SIGKILL only.
 */
const SCRIPT = `
grace=$1
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
[ "$live" = ' ' ] && exit 0
pattern=
for t in $live; do pattern="$pattern|$t"; done
pattern="(\${pattern#|})\\.0"
untracked() {
  tok=
  v=$(tr '\\000' '\\n' < "/proc/$1/environ" 2>/dev/null | sed -n 's/^${COPROCESS_COOKIE_ENV}=//p')
  old=$IFS; IFS=:; set -f
  for c in $v; do
    case $c in
      *.0) case $live in *" \${c%.0} "*) tok=\${c%.0} ;; esac ;;
      *) tok= ;;
    esac
  done
  IFS=$old; set +f
  [ -n "$tok" ]
}
pgrp() {
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=\${s##*) }; s=\${s#* }; s=\${s#* }; g=\${s%% *}
}
sweep() {
  found=
  for f in $(grep -laE "$pattern" /proc/[0-9]*/environ 2>/dev/null); do
    p=\${f#/proc/}; p=\${p%/environ}
    [ "$p" = "$$" ] && continue
    untracked "$p" || continue
    case "$1$termed" in TERM*" $tok "*) found=1; continue ;; esac
    pgrp "$p" || continue
    if [ "$g" = "$p" ]; then
      kill -s "$1" -- "-$p" 2>/dev/null && found=1
    elif [ "$g" != 0 ] && untracked "$g"; then
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
const WATCHDOG_NAME = 'spm-untracked-watchdog';

/** Seconds between the watchdog's SIGTERM and SIGKILL: `endUntrackedPrograms`' default grace. */
const GRACE_S = 2;

/** Where `/proc` can be read (the watchdog's sweep reads processes' environments there). */
const HAS_PROC = process.platform === 'linux';

/** The guarded tokens: each `true` once this process began ending its programs itself ({@link UntrackedGuard.ending}). */
const guarded = new Map<string, boolean>();
let watchdog: ChildProcess | undefined;

/** `env` without the spoke cookies (`<token>.0`) in its cookie list: the watchdog is no program to sweep. */
function withoutSpokeCookies(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const list = env[COPROCESS_COOKIE_ENV];
  if (list === undefined || list === '') return env;
  const kept = list.split(':').filter((cookie) => !cookie.endsWith('.0'));
  const copy = { ...env };
  if (kept.length === 0) delete copy[COPROCESS_COOKIE_ENV];
  else copy[COPROCESS_COOKIE_ENV] = kept.join(':');
  return copy;
}

/** Writes `line` to the running watchdog, starting one (told every guarded token) if there is none. */
function tell(line: string): void {
  if (watchdog === undefined) {
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', SCRIPT, WATCHDOG_NAME, String(GRACE_S)], {
        // Its own group: a group kill of this process (Ctrl-C's SIGINT, `kill -9 -PGID`) does not
        // take it down before it has swept.
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        env: withoutSpokeCookies(process.env),
      });
    } catch {
      return;
    }
    const forget = (): void => {
      if (watchdog === child) watchdog = undefined;
    };
    child.on('error', forget);
    child.on('exit', forget);
    child.stdin?.on('error', forget);
    // It never keeps this process alive.
    child.unref();
    (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
    watchdog = child;
    const known = [...guarded].map(([token, ending]) => `+${token}\n${ending ? `t${token}\n` : ''}`).join('');
    if (known !== '') child.stdin?.write(known);
    if (line.startsWith('+') || line.startsWith('t')) return;
  }
  watchdog.stdin?.write(`${line}\n`);
}

/** What {@link guardUntrackedPrograms} returns: tells the watchdog how the guarded spoke's programs are doing. */
export interface UntrackedGuard {
  /**
   * This process has begun ending the spoke's programs itself (`endUntrackedPrograms`: SIGTERM,
   * SIGKILL after the grace): should it die meanwhile, the watchdog sends them SIGKILL only, after
   * its grace — never a second SIGTERM.
   */
  ending(): void;
  /** The spoke's programs are ended (or it started none): the token is no longer guarded. Idempotent. */
  release(): void;
}

/**
 * Guards what a local spoke's tasks start **without** `@spm/coprocess` (`child_process.spawn`,
 * `execSync`, … and what those start: they carry the spoke's cookie `<token>.0`) against this
 * process's sudden death. While this process lives, ending them is its own job
 * (`endUntrackedPrograms`, when the spoke stops); if it dies without doing so — SIGKILL, an
 * out-of-memory kill, a crash — a watchdog (one `/bin/sh` per process, in a process group of its
 * own, started with the first guard and gone with the last) sees its lifeline close and ends
 * them: SIGTERM, SIGKILL 2 s later. A hub's local provisioner guards each thread and process
 * spoke's token; `spm-spoke` guards its own. Coprocesses are not its business: their fork servers
 * and lifeline end them. A program that cleared its environment cannot be found. Does nothing
 * without `/proc`.
 */
export function guardUntrackedPrograms(token: string): UntrackedGuard {
  if (!HAS_PROC || !/^[0-9a-f]+$/.test(token)) return { ending: () => undefined, release: () => undefined };
  guarded.set(token, false);
  tell(`+${token}`);
  let released = false;
  return {
    ending: () => {
      if (released || guarded.get(token) !== false) return;
      guarded.set(token, true);
      tell(`t${token}`);
    },
    release: () => {
      if (released) return;
      released = true;
      guarded.delete(token);
      if (watchdog === undefined) return;
      if (guarded.size > 0) {
        watchdog.stdin?.write(`-${token}\n`);
        return;
      }
      // The last one: the watchdog goes, without a sweep.
      const child = watchdog;
      watchdog = undefined;
      child.stdin?.write('q\n');
      child.stdin?.end();
    },
  };
}
