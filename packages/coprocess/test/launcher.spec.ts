import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';

// How a program is started — fork server or Node's spawn — as a fresh owner process sees it,
// with its own cache directory, compiler and SPM_COPROCESS_LAUNCHER.
const fixture = fileURLToPath(new URL('./fixtures/launcher.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Seen {
  readonly before: { launcher: string; reason: string; error?: string };
  readonly after: { launcher: string; reason: string; error?: string };
  readonly result?: { exitCode: number; parentIsOwner: boolean };
  readonly error?: { name: string; message: string };
}

function owner(env: Record<string, string>, cache = mkdtempSync(join(tmpdir(), 'spm-launcher-'))): Seen {
  dirs.push(cache);
  const child = spawnSync(process.execPath, [fixture], { encoding: 'utf8', env: { ...process.env, SPM_COPROCESS_LAUNCHER: '', SPM_CACHE_DIR: cache, ...env }, timeout: 60_000 });
  expect(child.stderr).toBe('');
  return { ...(JSON.parse(child.stdout) as Seen), cache } as Seen & { cache: string };
}

describe('the launcher of a fresh owner', () => {
  it('builds the fork server on first use (spawn meanwhile) and uses it from then on', () => {
    const seen = owner({}) as Seen & { cache: string };
    expect(seen.before.launcher).toBe('node');
    expect(seen.before.reason).toMatch(/being built/);
    expect(seen.result).toEqual({ exitCode: 0, parentIsOwner: true });
    expect(seen.after.launcher).toBe('fork-server');
    // One binary, no temporary file left.
    expect(readdirSync(seen.cache)).toEqual([expect.stringMatching(/^spm-fork-server-[0-9a-f]{16}$/)]);
  });

  it('falls back to spawn, saying why, when there is no C compiler', () => {
    const seen = owner({ CC: '/nonexistent/cc' });
    expect(seen.result).toEqual({ exitCode: 0, parentIsOwner: true });
    expect(seen.after).toEqual({ launcher: 'node', reason: expect.stringMatching(/no C compiler \(`\/nonexistent\/cc` not found\); set CC or install one/) });
    expect(seen.after.error).toBeUndefined(); // runs can start (with spawn)
  });

  it('rejects runs when the fork server is required and cannot be built', () => {
    const seen = owner({ CC: '/nonexistent/cc', SPM_COPROCESS_LAUNCHER: 'fork-server' });
    expect(seen.result).toBeUndefined();
    expect(seen.error).toEqual({ name: 'SPMError', message: expect.stringMatching(/^SPM_COPROCESS_LAUNCHER=fork-server, but there is no fork server: no C compiler/) });
    // The status says it too, for a launcher to check once up front.
    expect(seen.after.error).toBe(seen.error?.message);
  });

  it('uses spawn when told to, and refuses an unknown launcher naming the variable', () => {
    expect(owner({ SPM_COPROCESS_LAUNCHER: 'node' }).after).toEqual({ launcher: 'node', reason: 'SPM_COPROCESS_LAUNCHER=node' });
    const bad = owner({ SPM_COPROCESS_LAUNCHER: 'vfork' });
    expect(bad.error).toEqual({ name: 'SPMError', message: 'Expected SPM_COPROCESS_LAUNCHER to be `auto`, `fork-server` or `node`, got `vfork`' });
    expect(bad.before.error).toBe(bad.error?.message);
  });
});

describe('a cached fork server that cannot be used', () => {
  // A binary in the cache that is empty, corrupt, another program, or not executable used to
  // fail every program (killed, or "cannot run /bin/sh: EACCES") in every run, until the user
  // removed the cache by hand. It never says hello: its runs are started with spawn instead,
  // it is not tried again in the thread, and it is removed so that the next owner rebuilds it.
  let built: string;
  let name: string;
  beforeAll(() => {
    built = (owner({}) as Seen & { cache: string }).cache;
    name = readdirSync(built)[0] as string;
  });
  it.each([
    ['empty', (path: string) => writeFileSync(path, '')],
    ['corrupt', (path: string) => writeFileSync(path, '\u007fELF garbage " unterminated')],
    ['another program', (path: string) => copyFileSync('/bin/true', path)],
    ['not executable', (path: string) => chmodSync(path, 0o600)],
  ] as const)('%s: runs the program with spawn, says why, and removes it', (_, spoil) => {
    const cache = mkdtempSync(join(tmpdir(), 'spm-launcher-'));
    const binary = join(cache, name);
    copyFileSync(join(built, name), binary);
    chmodSync(binary, 0o700);
    spoil(binary);
    const seen = owner({}, cache);
    expect(seen.before.launcher).toBe('fork-server');
    expect(seen.result).toEqual({ exitCode: 0, parentIsOwner: true });
    expect(seen.after).toEqual({ launcher: 'node', reason: expect.stringMatching(/is unusable: .*; programs are started with spawn \(it is rebuilt on the next start\)/) });
    expect(readdirSync(cache)).toEqual([]);
    // The next owner builds it again.
    expect(owner({}, cache).before.reason).toMatch(/being built/);
  });
});

describe('a fork server killed from outside before its hello', () => {
  it('is not taken for an unusable binary: its run starts with spawn, the binary stays, the next run uses a server', () => {
    // Regression: any server that exited before its hello was read had its binary deleted from
    // the cache shared by every process of the user — a SIGKILL from outside (an OOM kill, a test
    // killing it early) sent every later run on the machine to spawn until a rebuild.
    const cache = (owner({}) as Seen & { cache: string }).cache;
    const name = readdirSync(cache)[0] as string;
    // The cached server says its hello only after a while (a script that waits, then runs the
    // real one): the owner kills it before, whatever the machine's speed.
    const real = join(mkdtempSync(join(tmpdir(), 'spm-launcher-real-')), name);
    dirs.push(dirname(real));
    copyFileSync(join(cache, name), real);
    // (A loop of the shell's own, not `sleep`: a child would hold the server's pipes past its kill.)
    writeFileSync(join(cache, name), `#!/bin/sh\ni=0; while [ $i -lt 5000000 ]; do i=$((i + 1)); done\nexec ${real} "$@"\n`, { mode: 0o700 });
    const seen = owner({ KILL_SERVER_BEFORE_HELLO: '1' }, cache);
    expect(seen.before.launcher).toBe('fork-server');
    expect(seen.result).toEqual({ exitCode: 0, parentIsOwner: true });
    expect(seen.after.launcher).toBe('fork-server');
    expect(readdirSync(cache)).toEqual([name]);
  });
});

describe('where the fork server is cached', () => {
  it('never in the current directory (relative or empty places are skipped), and not stuck on /proc', () => {
    // An empty HOME and a relative XDG_CACHE_HOME used to build the binary under the current
    // directory; a cache directory under /proc spun forever (Node's recursive mkdir).
    const home = mkdtempSync(join(tmpdir(), 'spm-home-'));
    const cwd = mkdtempSync(join(tmpdir(), 'spm-cwd-'));
    dirs.push(home, cwd);
    const run = (env: Record<string, string>): Seen => {
      const child = spawnSync(process.execPath, [fixture], { cwd, encoding: 'utf8', env: { ...process.env, SPM_COPROCESS_LAUNCHER: '', ...env }, timeout: 60_000 });
      expect(child.stderr).toBe('');
      return JSON.parse(child.stdout) as Seen;
    };
    const seen = run({ SPM_CACHE_DIR: '/proc/spm-nope', XDG_CACHE_HOME: 'relative-cache', HOME: home, TMPDIR: 'relative-tmp' });
    expect(seen.result).toEqual({ exitCode: 0, parentIsOwner: true });
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(join(home, '.cache', 'spm-ts'))).toEqual([expect.stringMatching(/^spm-fork-server-/)]);
  });
});

