import { randomBytes } from 'node:crypto';

/**
 * Every coprocess gets a cookie in its environment, `SPM_COPROCESS=<owner>.<n>`, and every
 * descendant inherits it (unless it clears its environment). Reading `/proc/<pid>/environ`
 * then finds the whole tree, including a grandchild that left the process group with
 * `setsid` and was re-parented after its parent died: the technique of Jenkins'
 * ProcessTreeKiller. Nested runtimes append (`a.1:b.7`), so an outer sweep still matches.
 */
export const COOKIE_VARIABLE = 'SPM_COPROCESS';

/**
 * Names the owner token a thread is to use (see {@link ownerToken}): set by whoever starts the
 * thread and must find its coprocesses afterwards (the local provisioner, for a thread spoke).
 * Read once, at the thread's first coprocess, and removed from its environment then, so that
 * no program it starts inherits it.
 */
export const OWNER_VARIABLE = 'SPM_COPROCESS_OWNER';

const TOKEN_SHAPE = /^[0-9a-f]{32}$/;

/**
 * Where a thread's entry may leave the token it took out of the environment at its start (so
 * that nothing the thread runs before its first coprocess — a task's `execSync`, a preloaded
 * module's helper — inherits it): `@spm/spoke`'s thread entry does.
 */
const OWNER_SLOT = Symbol.for('@spm/coprocess.owner');

/** A new owner token: 128 random bits, so no other owner's cookie can match it. */
export function newOwnerToken(): string {
  return randomBytes(16).toString('hex');
}

let token: string | undefined;

/**
 * This thread's owner token: the first part of every cookie it gives, and the first argument
 * of its fork servers and watchdog. The one {@link OWNER_VARIABLE} names (32 hex digits),
 * else a new one; fixed at first use.
 */
export function ownerToken(): string {
  if (token === undefined) {
    const slot = (globalThis as Record<symbol, unknown>)[OWNER_SLOT];
    const given = typeof slot === 'string' ? slot : process.env[OWNER_VARIABLE];
    delete process.env[OWNER_VARIABLE];
    token = given !== undefined && TOKEN_SHAPE.test(given) ? given : newOwnerToken();
  }
  return token;
}

/**
 * The cookie a local spoke carries in its own environment: `<token>.0` (a coprocess's count
 * starts at 1, so it names none). `@spm/spoke`'s thread and process entries set it, so that a program a task
 * starts without `@spm/coprocess` (`child_process.spawn`, `execSync`) inherits it and can be
 * found, and ended, when the spoke ends (`endUntrackedPrograms`); the owner's fork
 * servers' sweep already ends every process carrying one of the owner's cookies.
 */
export function threadCookie(token: string): string {
  return `${token}.0`;
}

/**
 * `env` with no cookie of owner `token` and no thread cookie ({@link threadCookie}, anyone's) in its
 * {@link COOKIE_VARIABLE} list (the variable gone if that empties it): the environment of the
 * owner's fork servers and watchdog. A keeper is no program to sweep: carrying the thread's
 * cookie, a fork server would be ended by its owner's watchdog's sweep, or — started by an
 * evaluator thread, whose environment is its process spoke's — by the provisioner's sweep of that
 * spoke's programs, before it has ended its own runs.
 */
export function withoutOwnerCookies(env: NodeJS.ProcessEnv, token: string): NodeJS.ProcessEnv {
  const list = env[COOKIE_VARIABLE];
  if (list === undefined || list === '') return env;
  const all = list.split(':');
  const kept = all.filter((cookie) => !cookie.startsWith(`${token}.`) && !cookie.endsWith('.0'));
  if (kept.length === all.length) return env;
  const copy = { ...env };
  if (kept.length === 0) delete copy[COOKIE_VARIABLE];
  else copy[COOKIE_VARIABLE] = kept.join(':');
  return copy;
}

let counter = 0;

/** A new cookie for one coprocess of this owner. */
export function newCookie(): string {
  counter += 1;
  return `${ownerToken()}.${counter}`;
}

/** The variable's new value: an inherited list with `cookie` appended. */
export function appendCookie(inherited: string | undefined, cookie: string): string {
  return inherited === undefined || inherited === '' ? cookie : `${inherited}:${cookie}`;
}

/** The cookies an environment (as `NAME=value` strings) carries: its `SPM_COPROCESS` list. */
export function cookiesOfEnviron(environ: readonly string[]): string[] {
  const prefix = `${COOKIE_VARIABLE}=`;
  for (const entry of environ) {
    if (entry.startsWith(prefix)) return entry.slice(prefix.length).split(':');
  }
  return [];
}

/** True when an environment (as `NAME=value` strings) carries `cookie`. */
export function environHasCookie(environ: readonly string[], cookie: string): boolean {
  return cookiesOfEnviron(environ).includes(cookie);
}

/** True when an environment carries a cookie of owner `token` (any of its coprocesses). */
export function environHasOwner(environ: readonly string[], token: string): boolean {
  return cookiesOfEnviron(environ).some((cookie) => cookie.startsWith(`${token}.`));
}
