import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `mkdir -p` that cannot hang: makes `dir` and any missing parents (with `mode`, less the umask),
 * one level at a time, and throws the error of the first level that cannot be made (`ENOTDIR`
 * through a file or when `dir` itself is one, `ENOENT` under /proc or through a dangling link,
 * `EACCES`…). Node 20's own
 * `mkdirSync(dir, { recursive: true })` spins forever, deaf to signals, where a parent exists but
 * cannot hold the child (/proc, a dangling symbolic link): it takes the child's `ENOENT` for a
 * missing parent, makes the parent (`EEXIST`), and tries the child again. A relative `dir` is taken
 * from the working directory.
 *
 * @example
 * makeDirectories('results/1/a'); // throws ENOENT for '/proc/x/y' instead of spinning
 */
export function makeDirectories(dir: string, mode = 0o777): void {
  let path = '';
  let existed = true;
  for (const part of resolve(dir).split('/')) {
    if (part === '') continue;
    path += `/${part}`;
    try {
      mkdirSync(path, { mode });
      existed = false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      existed = true;
    }
  }
  // The last level was there already: a file (or a link to one) is not the directory asked for.
  // (A parent that is a file fails its child's mkdir with ENOTDIR above; `/` itself has no level.)
  if (existed && path !== '' && !statSync(path).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', errno: -20, syscall: 'mkdir', path });
  }
}
