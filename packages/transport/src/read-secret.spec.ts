import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPMTransportError } from '@spm/exceptions';
import { readSecret } from './read-secret.js';

const SECRET = 'correct horse battery staple 0123';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spm-secret-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secretFile(name: string, content: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

describe('readSecret', () => {
  it('reads an environment variable (SPM_SECRET by default, or the one named)', () => {
    process.env['SPM_SECRET'] = SECRET;
    process.env['MY_HUB_SECRET'] = 'another secret of some length';
    try {
      expect(readSecret()).toBe(SECRET);
      expect(readSecret({ env: 'MY_HUB_SECRET' })).toBe('another secret of some length');
    } finally {
      delete process.env['SPM_SECRET'];
      delete process.env['MY_HUB_SECRET'];
    }
  });

  it('reads a file of mode 0600, trimming the trailing newline', () => {
    expect(readSecret({ file: secretFile('ok', `${SECRET}\n`, 0o600) })).toBe(SECRET);
    expect(readSecret({ file: secretFile('ro', SECRET, 0o400) })).toBe(SECRET);
  });

  it('refuses a group- or world-readable file, saying how to fix it, without quoting the secret', () => {
    for (const mode of [0o640, 0o604, 0o644]) {
      const file = secretFile(`open-${mode.toString(8)}`, SECRET, mode);
      let error: unknown;
      try {
        readSecret({ file });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SPMTransportError);
      expect((error as Error).message).toBe(
        `Expected the secret file \`${file}\` to be accessible by its owner only (mode 0600), got mode 0${mode.toString(8)}; run \`chmod 600 ${file}\``,
      );
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it('refuses a missing variable, an empty file and a missing file', () => {
    delete process.env['SPM_SECRET'];
    expect(() => readSecret()).toThrow('Expected a shared secret in the environment variable `SPM_SECRET` (or a file of mode 0600), found none');
    expect(() => readSecret({ file: secretFile('empty', '\n', 0o600) })).toThrow('to hold a secret, got an empty file');
    expect(() => readSecret({ file: join(dir, 'absent') })).toThrow(SPMTransportError);
  });
});
