import { OWNER_VARIABLE, environHasOwner, newOwnerToken } from './internal/cookie.js';
import { processArgvOf } from './process-parent.js';
import { readEnviron, readProcessTable } from './internal/process-table.js';

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

/**
 * The live processes of the thread whose owner token is `token`: its fork servers and watchdog
 * (the token is their first argument) and every process whose `SPM_COPROCESS` cookie names it —
 * its coprocesses and their descendants that kept their environment. After the thread is gone,
 * its fork servers end its coprocesses as on an owner's death (SIGTERM, SIGKILL after the grace)
 * and then exit: when this is empty, nothing of the thread's coprocesses is left. Zombies do not
 * count. Empty without `/proc`.
 */
export function processesOfOwner(token: string): number[] {
  const table = readProcessTable();
  if (table === undefined || token === '') return [];
  const found: number[] = [];
  for (const p of table) {
    if (p.state === 'Z' || p.pid <= 1 || p.pid === process.pid) continue;
    if (argumentsOf(p.pid).includes(token) || environHasOwner(readEnviron(p.pid), token)) found.push(p.pid);
  }
  return found;
}

/** The arguments of `pid` after its program name; empty if unreadable. */
function argumentsOf(pid: number): string[] {
  return processArgvOf(pid)?.slice(1) ?? [];
}
