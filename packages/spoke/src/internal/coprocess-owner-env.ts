// No imports: a thread spoke's entry loads this as it boots.

/**
 * For a provisioner of thread spokes: the variable that gives a thread its coprocess owner token
 * (`@spm/coprocess`'s `COPROCESS_OWNER_VARIABLE`; a spec checks that they agree). Set in a
 * thread spoke's environment, it lets what is left of the thread's coprocesses be found after
 * a forced end (`coprocessesOfOwner`). Defined here, not re-exported from `@spm/coprocess`: a
 * provisioner that never needs it must not load that package (child processes, the fork server)
 * as it boots.
 */
export const COPROCESS_OWNER_ENV = 'SPM_COPROCESS_OWNER';

/** `@spm/coprocess` looks here for a token taken out of the environment (see {@link takeCoprocessOwner}). */
const OWNER_SLOT = Symbol.for('@spm/coprocess.owner');

/**
 * For a thread's entry: takes the coprocess owner token out of this thread's environment now,
 * before anything the thread runs could start a program that inherits it (a task's `execSync`,
 * a preloaded module's helper — which, adopting it, would sweep this thread's coprocesses as
 * its own), and leaves it for `@spm/coprocess`'s first coprocess. Does nothing without one.
 */
export function takeCoprocessOwner(): void {
  const token = process.env[COPROCESS_OWNER_ENV];
  if (token === undefined) return;
  delete process.env[COPROCESS_OWNER_ENV];
  const slots = globalThis as Record<symbol, unknown>;
  slots[OWNER_SLOT] ??= token;
}
