import { readdir } from 'node:fs/promises';
import { OWNER_VARIABLE, environHasOwner, newOwnerToken } from './internal/cookie.js';
import { processArgvOf } from './process-parent.js';
import { HAS_PROC, readEnviron, readProcess } from './internal/process-table.js';

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
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  let read = 0;
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    if (++read % OWNER_SCAN_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const p = readProcess(Number(name));
    if (p === undefined || p.state === 'Z' || p.pid <= 1 || p.pid === process.pid) continue;
    if (argumentsOf(p.pid).includes(token) || environHasOwner(readEnviron(p.pid), token)) found.push(p.pid);
  }
  return found;
}

/** The arguments of `pid` after its program name; empty if unreadable. */
function argumentsOf(pid: number): string[] {
  return processArgvOf(pid)?.slice(1) ?? [];
}
