import { randomBytes } from 'node:crypto';

/**
 * For a provisioner of thread spokes: the variable that gives a thread its coprocess owner token
 * (`@spm/coprocess`'s `COPROCESS_OWNER_VARIABLE`; a spec checks that they agree). Set in a
 * thread spoke's environment, it lets what is left of the thread's coprocesses be found after
 * a forced end ({@link coprocessesOfOwner}). Here, not re-exported: a provisioner that never
 * needs it must not load `@spm/coprocess` (child processes, the fork server) as it boots.
 */
export const COPROCESS_OWNER_ENV = 'SPM_COPROCESS_OWNER';

/** A new coprocess owner token for {@link COPROCESS_OWNER_ENV}: 32 hex digits, 128 random bits. */
export function newCoprocessOwnerToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The live processes of the thread given owner `token`: its fork servers and watchdog, and
 * every process whose coprocess cookie names it (`processesOfOwner` of `@spm/coprocess`, loaded
 * on first use). Empty once nothing of the thread's coprocesses is left.
 */
export async function coprocessesOfOwner(token: string): Promise<number[]> {
  const { processesOfOwner } = await import('@spm/coprocess');
  return processesOfOwner(token);
}
