import { readdir } from 'node:fs/promises';
import { OWNER_VARIABLE, cookiesOfEnviron, environHasOwner, newOwnerToken, threadCookie } from './internal/cookie.js';
import { DEFAULT_KILL_GRACE_MS } from './coprocess-options.js';
import { processArgvOf } from './process-parent.js';
import { HAS_PROC, readEnviron, readProcess, type ProcessInfo } from './internal/process-table.js';

/**
 * The environment variable that gives a thread its coprocess owner token (see
 * {@link processesOfOwner}). Whoever starts a thread that runs coprocesses and must account for
 * them after the thread is gone — the local provisioner, for a thread spoke it may have to
 * terminate — sets it in the thread's environment to a token from {@link newCoprocessOwnerToken}.
 * A thread spoke's entry takes it out of the environment at the thread's start; any other thread
 * reads it at its first coprocess and removes it then (no program inherits it). A token set
 * after that first coprocess is not seen.
 */
export const COPROCESS_OWNER_VARIABLE = OWNER_VARIABLE;

/** A new coprocess owner token (32 hex digits: 128 random bits) for {@link COPROCESS_OWNER_VARIABLE}. */
export function newCoprocessOwnerToken(): string {
  return newOwnerToken();
}

/** How many processes {@link processesOfOwner} reads between two turns of the event loop. */
export const OWNER_SCAN_SLICE = 100;

/**
 * The live processes of the thread whose owner token is `token`: its fork servers and watchdog
 * (the token is their first argument) and every process whose `SPM_COPROCESS` cookie names it —
 * its coprocesses and their descendants that kept their environment. After the thread is gone,
 * its fork servers end its coprocesses as on an owner's death (SIGTERM, SIGKILL after the grace)
 * and then exit: when this is empty, nothing of the thread's coprocesses is left. Zombies do not
 * count. Empty without `/proc`.
 *
 * It reads three files per process (stat, arguments, environment) — the stat files alone of a
 * machine with 27,000 processes took 0.6 s — so it lets the event loop turn after every
 * {@link OWNER_SCAN_SLICE} processes (the local provisioner calls it on the hub's thread).
 */
export async function processesOfOwner(token: string): Promise<number[]> {
  if (!HAS_PROC || token === '') return [];
  return liveProcesses((p) => (argumentsOf(p.pid).includes(token) || environHasOwner(readEnviron(p.pid), token) ? p.pid : undefined));
}

/**
 * What `pick` makes of each live process (zombies, init and this process left out) it does not
 * pass by (`undefined`), read from `/proc` {@link OWNER_SCAN_SLICE} processes per turn of the
 * event loop. Empty if `/proc` cannot be listed.
 */
async function liveProcesses<T>(pick: (p: ProcessInfo) => T | undefined): Promise<T[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const found: T[] = [];
  let read = 0;
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    if (++read % OWNER_SCAN_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const p = readProcess(Number(name));
    if (p === undefined || p.state === 'Z' || p.pid <= 1 || p.pid === process.pid) continue;
    const picked = pick(p);
    if (picked !== undefined) found.push(picked);
  }
  return found;
}

/** The arguments of `pid` after its program name; empty if unreadable. */
function argumentsOf(pid: number): string[] {
  return processArgvOf(pid)?.slice(1) ?? [];
}

/** A process found by {@link programsUnder}: its start tells it from a later one given its pid. */
export interface ProgramRef {
  readonly pid: number;
  /** Start time in clock ticks since boot (`/proc/<pid>/stat`). */
  readonly start: number;
}

/** A process {@link endUntrackedPrograms} found, with its process group. */
interface Carrier extends ProgramRef {
  readonly pgrp: number;
}

/**
 * True when an environment's cookie list holds thread cookie `cookie` and no coprocess cookie
 * after it: a program started without `@spm/coprocess`, not a coprocess of some runtime in the
 * tree (a cookie appended after the thread's, `<any>.N` with N ≥ 1), which that runtime's fork
 * servers end — signalled by both, a command's TERM trap would run twice.
 */
function untracked(environ: readonly string[], cookie: string): boolean {
  const list = cookiesOfEnviron(environ);
  const at = list.lastIndexOf(cookie);
  return at >= 0 && list.slice(at + 1).every((later) => later.endsWith('.0'));
}

/** The live processes carrying thread cookie `cookie` untracked (see {@link untracked}) that are not one of owner `token`'s keepers. */
function carriersOf(token: string, cookie: string): Promise<Carrier[]> {
  return liveProcesses((p) => (untracked(readEnviron(p.pid), cookie) && !argumentsOf(p.pid).includes(token) ? { pid: p.pid, pgrp: p.pgrp, start: p.start } : undefined));
}

/** True while `program` runs: its pid is not a zombie and not another process's by now. */
function stillRuns(program: ProgramRef): boolean {
  const p = readProcess(program.pid);
  return p !== undefined && p.state !== 'Z' && p.start === program.start;
}

/** `signal` to `carrier` — its group when it leads one, else itself alone (a plain child shares its parent's group) — if it still runs. */
function signalCarrier(carrier: Carrier, signal: NodeJS.Signals): void {
  if (!stillRuns(carrier)) return;
  try {
    process.kill(carrier.pgrp === carrier.pid ? -carrier.pid : carrier.pid, signal);
  } catch {
    // gone meanwhile
  }
}

/**
 * `signal` to each of `carriers` (see {@link signalCarrier}) but those whose group leader is one
 * of them: the leader's group signal reaches them (a second SIGTERM would run a TERM trap twice).
 */
function signalCarriers(carriers: readonly Carrier[], signal: NodeJS.Signals): void {
  // A leader that is gone signals no group: its members are signalled one by one.
  const leaders = new Set(carriers.filter((carrier) => carrier.pgrp === carrier.pid && stillRuns(carrier)).map((carrier) => carrier.pid));
  for (const carrier of carriers) {
    if (carrier.pgrp !== carrier.pid && leaders.has(carrier.pgrp)) continue;
    signalCarrier(carrier, signal);
  }
}

/** Waits until none of `carriers` runs, or `ms` passed; the ones still running. */
async function waitEnded(carriers: readonly Carrier[], ms: number): Promise<Carrier[]> {
  const until = performance.now() + ms;
  let left = carriers.filter(stillRuns);
  while (left.length > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = left.filter(stillRuns);
  }
  return left;
}

/**
 * Ends what is still running of the programs a thread started **without** `@spm/coprocess`
 * (`child_process.spawn`, `exec`, `execSync`, and what those started in turn): every process
 * whose environment carries the thread's cookie — `<token>.0`, which `@spm/spoke`'s thread entry
 * puts in a thread spoke's environment for its programs to inherit — other than the owner's fork
 * servers and watchdog, and other than coprocesses (a cookie of theirs after it), which their fork
 * servers end. Each gets SIGTERM (its group when it leads one, else itself alone: a plain
 * child shares the hub's group), and what is left after `graceMs` gets SIGKILL (found again, so a
 * process forked meanwhile is not missed), as a coprocess's kill sequence does. For a thread
 * spoke's end, once its coprocesses have ended. A program that cleared its environment cannot be
 * found. Resolves with how many processes it found running (0 at once without `/proc`); reads
 * `/proc` as {@link processesOfOwner} does, letting the event loop turn.
 */
export async function endUntrackedPrograms(token: string, graceMs: number = DEFAULT_KILL_GRACE_MS): Promise<number> {
  if (!HAS_PROC || token === '') return 0;
  const cookie = threadCookie(token);
  const found = await carriersOf(token, cookie);
  if (found.length === 0) return 0;
  signalCarriers(found, 'SIGTERM');
  await waitEnded(found, graceMs);
  const left = await carriersOf(token, cookie);
  signalCarriers(left, 'SIGKILL');
  await waitEnded(left, 1000);
  return found.length;
}

/**
 * The programs run under process `root` (this one by default): its live descendants whose
 * environment carries a coprocess cookie `root`'s own does not — the coprocesses started in it or
 * in its spoke threads and processes, what those started, and what a spoke's tasks started
 * without `@spm/coprocess` (they carry the spoke's cookie) — but not its spokes, fork servers,
 * watchdogs or other helpers, which carry none of their own. For a launcher that stops and
 * continues its commands with itself (Ctrl-Z, `fg`). A program that left the tree (re-parented to
 * init) or cleared its environment is not found. Empty without `/proc`.
 */
export async function programsUnder(root: number = process.pid): Promise<ProgramRef[]> {
  if (!HAS_PROC) return [];
  const own = new Set(cookiesOfEnviron(readEnviron(root)));
  const all = await liveProcesses((p) => p);
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list === undefined) children.set(p.ppid, [p.pid]);
    else list.push(p.pid);
  }
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const found: ProgramRef[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let i = 0; i < queue.length; i += 1) {
    const pid = queue[i] as number;
    queue.push(...(children.get(pid) ?? []));
    const p = byPid.get(pid);
    if (p !== undefined && cookiesOfEnviron(readEnviron(pid)).some((cookie) => !own.has(cookie))) found.push({ pid, start: p.start });
  }
  return found;
}

/**
 * Sends `signal` to each of `programs` that still runs as the process found (a pid given to
 * another process since is left alone; zombies too). Never throws; returns how many it signalled.
 */
export function signalPrograms(programs: readonly ProgramRef[], signal: NodeJS.Signals): number {
  let sent = 0;
  for (const program of programs) {
    if (!stillRuns(program)) continue;
    try {
      process.kill(program.pid, signal);
      sent += 1;
    } catch {
      // gone meanwhile
    }
  }
  return sent;
}
