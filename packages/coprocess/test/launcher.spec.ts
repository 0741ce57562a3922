import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, afterAll } from '@jest/globals';

// How a program is started — fork server or Node's spawn — as a fresh owner process sees it,
// with its own cache directory, compiler and SPM_COPROCESS_LAUNCHER.
const fixture = fileURLToPath(new URL('./fixtures/launcher.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Seen {
  readonly before: { launcher: string; reason: string };
  readonly after: { launcher: string; reason: string };
  readonly result?: { exitCode: number; parentIsOwner: boolean };
  readonly error?: { name: string; message: string };
}

function owner(env: Record<string, string>): Seen {
  const cache = mkdtempSync(join(tmpdir(), 'spm-launcher-'));
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
  });

  it('rejects runs when the fork server is required and cannot be built', () => {
    const seen = owner({ CC: '/nonexistent/cc', SPM_COPROCESS_LAUNCHER: 'fork-server' });
    expect(seen.result).toBeUndefined();
    expect(seen.error).toEqual({ name: 'SPMError', message: expect.stringMatching(/^SPM_COPROCESS_LAUNCHER=fork-server, but there is no fork server: no C compiler/) });
  });

  it('uses spawn when told to, and refuses an unknown launcher naming the variable', () => {
    expect(owner({ SPM_COPROCESS_LAUNCHER: 'node' }).after).toEqual({ launcher: 'node', reason: 'SPM_COPROCESS_LAUNCHER=node' });
    const bad = owner({ SPM_COPROCESS_LAUNCHER: 'vfork' });
    expect(bad.error).toEqual({ name: 'SPMError', message: 'Expected SPM_COPROCESS_LAUNCHER to be `auto`, `fork-server` or `node`, got `vfork`' });
  });
});
