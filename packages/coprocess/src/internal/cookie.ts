import { randomBytes } from 'node:crypto';

/**
 * Every coprocess gets a cookie in its environment, `SPM_COPROCESS=<owner>.<n>`, and every
 * descendant inherits it (unless it clears its environment). Reading `/proc/<pid>/environ`
 * then finds the whole tree, including a grandchild that left the process group with
 * `setsid` and was re-parented after its parent died: the technique of Jenkins'
 * ProcessTreeKiller. Nested runtimes append (`a.1:b.7`), so an outer sweep still matches.
 */
export const COOKIE_VARIABLE = 'SPM_COPROCESS';

/** This thread's owner token: 128 random bits, so no other owner's cookie can match it. */
export const OWNER_TOKEN = randomBytes(16).toString('hex');

let counter = 0;

/** A new cookie for one coprocess of this owner. */
export function newCookie(): string {
  counter += 1;
  return `${OWNER_TOKEN}.${counter}`;
}

/** The variable's new value: an inherited list with `cookie` appended. */
export function appendCookie(inherited: string | undefined, cookie: string): string {
  return inherited === undefined || inherited === '' ? cookie : `${inherited}:${cookie}`;
}

/** True when an environment (as `NAME=value` strings) carries `cookie`. */
export function environHasCookie(environ: readonly string[], cookie: string): boolean {
  const prefix = `${COOKIE_VARIABLE}=`;
  for (const entry of environ) {
    if (entry.startsWith(prefix)) return entry.slice(prefix.length).split(':').includes(cookie);
  }
  return false;
}
