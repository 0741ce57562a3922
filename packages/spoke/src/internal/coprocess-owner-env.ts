// No imports: a thread spoke's entry loads this as it boots.

/**
 * For a provisioner of thread or process spokes: the variable that gives a spoke its coprocess
 * owner token (`@spm/coprocess`'s `COPROCESS_OWNER_VARIABLE`; a spec checks that they agree). Set
 * in a spoke's environment, it lets what is left of the spoke's coprocesses be found after a
 * forced end (`coprocessesOfOwner`), and the programs its tasks started without them
 * (`endUntrackedPrograms`). Defined here, not re-exported from `@spm/coprocess`: a
 * provisioner that never needs it must not load that package (child processes, the fork server)
 * as it boots.
 */
export const COPROCESS_OWNER_ENV = 'SPM_COPROCESS_OWNER';

/**
 * `@spm/coprocess`'s cookie variable (`COOKIE_VARIABLE`: the tracker's specs find a spoke's
 * programs by the cookie put here): every coprocess, and every program that inherits a local
 * spoke's environment, carries its owner's cookie in it.
 */
export const COPROCESS_COOKIE_ENV = 'SPM_COPROCESS';

/** `@spm/coprocess` looks here for a token taken out of the environment (see {@link takeCoprocessOwner}). */
const OWNER_SLOT = Symbol.for('@spm/coprocess.owner');

/**
 * For a thread spoke's or process spoke's entry: takes the coprocess owner token out of this
 * thread's environment now, before anything the thread runs could start a program that inherits it (a task's `execSync`,
 * a preloaded module's helper — which, adopting it, would sweep this thread's coprocesses as
 * its own), and leaves it for `@spm/coprocess`'s first coprocess (see {@link becomeCoprocessOwner}).
 * Does nothing without one. Returns the token this thread's cookie names, or undefined when
 * none was given.
 */
export function takeCoprocessOwner(): string | undefined {
  const token = process.env[COPROCESS_OWNER_ENV];
  if (token === undefined) return undefined;
  delete process.env[COPROCESS_OWNER_ENV];
  return becomeCoprocessOwner(token);
}

/**
 * Makes `token` this thread's coprocess owner token (unless it has one already, which it keeps)
 * and puts its cookie in the environment. {@link takeCoprocessOwner} does it with a provisioner's
 * token; a spoke process no provisioner started (`spm-spoke`) with a token of its own, since it
 * must end its tasks' programs itself. Returns the token the cookie names.
 */
export function becomeCoprocessOwner(token: string): string {
  const slots = globalThis as Record<symbol, unknown>;
  slots[OWNER_SLOT] ??= token;
  const owner = slots[OWNER_SLOT] as string;
  // The thread's own cookie (`<token>.0`: a coprocess's count starts at 1), in the environment
  // every program a task starts without @spm/coprocess inherits (`child_process.spawn`,
  // `execSync`), so that the provisioner (or a spoke process without one, itself) finds and ends
  // what is left of them when the spoke stops (`endUntrackedPrograms`); the owner's fork
  // servers, if any, sweep them as the owner's.
  const cookie = `${owner}.0`;
  const list = process.env[COPROCESS_COOKIE_ENV];
  if (list === undefined || list === '') process.env[COPROCESS_COOKIE_ENV] = cookie;
  else if (!list.split(':').includes(cookie)) process.env[COPROCESS_COOKIE_ENV] = `${list}:${cookie}`;
  return owner;
}
