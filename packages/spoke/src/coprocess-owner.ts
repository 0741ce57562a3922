import { randomBytes } from 'node:crypto';

export { COPROCESS_OWNER_ENV } from './internal/coprocess-owner-env.js';

/** A new coprocess owner token for {@link COPROCESS_OWNER_ENV}: 32 hex digits, 128 random bits. */
export function newCoprocessOwnerToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The live processes of the thread given owner `token`: its fork servers and watchdog, and
 * every process whose coprocess cookie names it (`processesOfOwner` of `@spm/coprocess`, loaded
 * on first use; it lets the event loop turn as it reads `/proc`). Empty once nothing of the
 * thread's coprocesses is left.
 */
export async function coprocessesOfOwner(token: string): Promise<number[]> {
  const { processesOfOwner } = await import('@spm/coprocess');
  return processesOfOwner(token);
}

/**
 * Ends what is still running of the programs the spoke given owner `token` started **without**
 * `@spm/coprocess` (`child_process.spawn`, `execSync`, and what those started, wherever they went:
 * they carry the spoke's cookie, `<token>.0`): SIGTERM, then SIGKILL after `graceMs`
 * (`endUntrackedPrograms` of `@spm/coprocess`, loaded on first use). For a provisioner, once the
 * spoke is gone. Resolves with how many processes it found.
 */
export async function endUntrackedPrograms(token: string, graceMs?: number): Promise<number> {
  const coprocess = await import('@spm/coprocess');
  return coprocess.endUntrackedPrograms(token, graceMs);
}
