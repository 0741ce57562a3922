import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `mkdir -p` that cannot hang: makes `dir` and any missing parents (with `mode`, less the umask),
 * one level at a time, and throws the error of the first level that cannot be made (`ENOTDIR`
 * through a file, `ENOENT` under /proc or through a dangling link, `EACCES`…). Node 20's own
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
  for (const part of resolve(dir).split('/')) {
    if (part === '') continue;
    path += `/${part}`;
    try {
      mkdirSync(path, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
