/**
 * Which shell runs the commands: GNU parallel's choice, `$PARALLEL_SHELL`, else the shell that
 * started spm-shell (its nearest ancestor process that is one), else `$SHELL`, else `/bin/sh` —
 * so a command typed in an interactive bash (`{a,b}`, `[[ ]]`, `<(…)`) means what it means there.
 *
 * Only Bourne-family shells run commands: spm-shell writes its own shell code (each command is
 * preceded by `export PARALLEL_SEQ=… PARALLEL_JOBSLOT=…`, arguments are quoted `'…'"'"'…'`). An
 * ancestor that is csh, tcsh, fish or rc stops the search at `/bin/sh` (GNU parallel runs
 * commands in those, quoting for csh); `$PARALLEL_SHELL` naming one is a usage error.
 */

import { accessSync, constants, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { SPMError } from '@spm/exceptions';
import { parentProcessOf, processArgvOf } from '@spm/coprocess';
import { DEFAULT_SHELL } from './shell-closure.js';

/** Shells that read Bourne shell syntax (names as a process is called, without a login `-`). */
const BOURNE = new Set(['sh', 'ash', 'dash', 'bash', 'rbash', 'ksh', 'ksh93', 'lksh', 'mksh', 'pdksh', 'posh', 'yash', 'zsh', 'rzsh', 'static-sh']);
/** Shells that do not: their ancestor is not used. */
const OTHER = new Set(['csh', 'tcsh', 'bsd-csh', 'fish', 'rc', 'es']);

/** Where the shell came from: said with `--verbose`. */
export type ShellSource = 'PARALLEL_SHELL' | 'parent' | 'SHELL' | 'default';

/** The shell that runs the commands, and why that one. */
export interface CommandShell {
  /** Its absolute path. */
  readonly path: string;
  readonly source: ShellSource;
  /** With `parent`: the ancestor's pid. With `default`: a non-Bourne ancestor passed over, if one was (`tcsh`). */
  readonly detail?: string;
}

/** What {@link commandShell} reads of the machine (a seam for tests). */
export interface ProcessView {
  /** The parent pid of `pid`, if it can be read. */
  parentOf(pid: number): number | undefined;
  /** The name `pid` was started as (its argv[0]), if it can be read. */
  nameOf(pid: number): string | undefined;
}

/** This machine's `/proc`. */
export const PROC: ProcessView = {
  parentOf: parentProcessOf,
  nameOf: (pid) => processArgvOf(pid)?.[0],
};

/** `name` as a shell's name: its last path part without a login shell's leading `-`. */
function shellName(name: string): string {
  return basename(name.split(' ')[0] ?? '').replace(/^-/, '');
}

/** An executable file at `path`. */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `program` as an absolute path: itself if it holds a `/` (and is executable), else the first on `$PATH`. */
function located(program: string, env: NodeJS.ProcessEnv): string | undefined {
  if (program.includes('/')) return program.startsWith('/') && executable(program) ? program : undefined;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

/**
 * The shell that runs the commands (see the module's text): `$PARALLEL_SHELL`, the nearest
 * ancestor of `pid` that is a shell, `$SHELL`, `/bin/sh`. Throws an SPMError when
 * `$PARALLEL_SHELL` names no executable or a shell that does not read Bourne syntax.
 */
export function commandShell(env: NodeJS.ProcessEnv = process.env, pid = process.pid, view: ProcessView = PROC): CommandShell {
  const chosen = env['PARALLEL_SHELL'];
  if (chosen !== undefined && chosen !== '') {
    const path = located(chosen, env);
    if (path === undefined) throw new SPMError(`Expected $PARALLEL_SHELL to name a shell (an executable file, or a program on $PATH), got \`${chosen}\`: not found`);
    if (OTHER.has(shellName(chosen))) throw new SPMError(`Expected $PARALLEL_SHELL to be a shell of Bourne syntax (sh, bash, zsh, ksh, dash…: spm-shell writes its commands so), got \`${chosen}\``);
    return { path, source: 'PARALLEL_SHELL' };
  }
  // The nearest ancestor that is a shell (a bounded walk: a cycle is no tree).
  let passedOver: string | undefined;
  for (let at = view.parentOf(pid), steps = 0; at !== undefined && at > 1 && steps < 64; at = view.parentOf(at), steps += 1) {
    const name = view.nameOf(at);
    if (name === undefined || name === '') continue;
    const shell = shellName(name);
    if (OTHER.has(shell)) {
      passedOver = shell;
      break;
    }
    if (!BOURNE.has(shell)) continue;
    // As it was called (`/bin/sh`), else by its name on $PATH (`bash`, a login shell's `-bash`).
    const path = (name.startsWith('-') ? undefined : located(name.split(' ')[0] as string, env)) ?? located(shell, env);
    if (path !== undefined) return { path, source: 'parent', detail: String(at) };
  }
  if (passedOver === undefined) {
    const login = env['SHELL'];
    if (login !== undefined && BOURNE.has(shellName(login))) {
      const path = located(login, env);
      if (path !== undefined) return { path, source: 'SHELL' };
    }
  }
  return { path: DEFAULT_SHELL, source: 'default', ...(passedOver !== undefined ? { detail: passedOver } : {}) };
}

/** How `--verbose` says which shell runs the commands, and why. */
export function describeShell(shell: CommandShell): string {
  switch (shell.source) {
    case 'PARALLEL_SHELL':
      return `commands run in ${shell.path} ($PARALLEL_SHELL)`;
    case 'parent':
      return `commands run in ${shell.path} (the shell spm-shell was started from, pid ${shell.detail ?? '?'}; $PARALLEL_SHELL chooses another)`;
    case 'SHELL':
      return `commands run in ${shell.path} ($SHELL: no shell started spm-shell)`;
    default:
      return shell.detail !== undefined
        ? `commands run in /bin/sh (spm-shell was started from ${shell.detail}, whose syntax is not Bourne shell's; $PARALLEL_SHELL chooses another)`
        : 'commands run in /bin/sh';
  }
}
