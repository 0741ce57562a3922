import { beforeEach, afterEach } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoDir } from '../src/fifo-feed.js';

// For the unit specs beside the sources, which may not import @spm/testing themselves.
export { waitFor } from '@spm/testing';

/** A reader as a command is: `sh -c 'exec <path; script'`, resolving with its stdout and exit code. */
export function fifoReader(path: string, script: string): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `exec <'${path}'\n${script}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, code }));
  });
}

/**
 * Gives each case of the calling describe (or file) a new directory (`prefix`…, under the
 * system's temporary one) and a {@link FifoDir} in it, both removed after the case: read them
 * from the returned object inside a case.
 */
export function fifoDirPerCase(prefix: string): { readonly dir: string; readonly fifos: FifoDir } {
  const current = { dir: '', fifos: undefined as unknown as FifoDir };
  beforeEach(() => {
    current.dir = mkdtempSync(join(tmpdir(), prefix));
    current.fifos = new FifoDir(current.dir);
  });
  afterEach(() => {
    current.fifos.close();
    rmSync(current.dir, { recursive: true, force: true });
  });
  return current;
}
