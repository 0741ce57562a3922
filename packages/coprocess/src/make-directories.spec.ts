import { describe, it, expect, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'spm-make-directories-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MODULE = fileURLToPath(new URL('../dist/make-directories.js', import.meta.url));

/**
 * makeDirectories(path) in a process of its own, bounded: where Node's own recursive mkdir spins
 * forever (deaf to signals but SIGKILL), a hang must fail this spec, not freeze the test worker.
 */
function make(path: string, cwd = dir): { error: string | null; timedOut: boolean } {
  const script = `const { makeDirectories } = await import(${JSON.stringify(MODULE)}); try { makeDirectories(${JSON.stringify(path)}); console.log('null'); } catch (e) { console.log(JSON.stringify(e.code)); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
  return { error: child.signal === null ? (JSON.parse(child.stdout) as string | null) : null, timedOut: child.signal !== null };
}

describe('makeDirectories', () => {
  it('makes missing parents, relative to the working directory, and takes an existing directory', () => {
    expect(make('a/b/c')).toEqual({ error: null, timedOut: false });
    expect(statSync(join(dir, 'a/b/c')).isDirectory()).toBe(true);
    expect(make(join(dir, 'a/b'))).toEqual({ error: null, timedOut: false });
    // The root has no level to make: it is taken, as it was (spm-shell --wd / is GNU-compared).
    expect(make('/')).toEqual({ error: null, timedOut: false });
  });

  it('throws at once where Node’s recursive mkdir spins forever: under /proc, through a dangling link', () => {
    expect(make('/proc/spm-not-there/x')).toEqual({ error: 'ENOENT', timedOut: false });
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    expect(make(join(dir, 'dangling/out'))).toEqual({ error: 'ENOENT', timedOut: false });
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('throws ENOTDIR through a file', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(make(join(dir, 'file/x'))).toEqual({ error: 'ENOTDIR', timedOut: false });
  });

  it('throws ENOTDIR when the path itself is a file or a link to one, and takes a link to a directory', () => {
    writeFileSync(join(dir, 'plain'), '');
    expect(make(join(dir, 'plain'))).toEqual({ error: 'ENOTDIR', timedOut: false });
    symlinkSync(join(dir, 'plain'), join(dir, 'to-plain'));
    expect(make(join(dir, 'to-plain'))).toEqual({ error: 'ENOTDIR', timedOut: false });
    symlinkSync(join(dir, 'a'), join(dir, 'to-a'));
    expect(make(join(dir, 'to-a'))).toEqual({ error: null, timedOut: false });
  });
});
