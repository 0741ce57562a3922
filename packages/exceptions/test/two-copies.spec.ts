import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ours from '@spm/exceptions';

// A second, physically separate copy of the built package (as when a spoke bundle and the
// hub resolve @spm/exceptions to different node_modules): instanceof must still work both ways.
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
let copyDir: string;
let theirs: typeof ours;

beforeAll(async () => {
  copyDir = mkdtempSync(join(tmpdir(), 'spm-exceptions-copy-'));
  cpSync(join(pkgDir, 'dist'), join(copyDir, 'dist'), { recursive: true });
  cpSync(join(pkgDir, 'package.json'), join(copyDir, 'package.json'));
  theirs = (await import(pathToFileURL(join(copyDir, 'dist', 'index.js')).href)) as typeof ours;
});

afterAll(() => rmSync(copyDir, { recursive: true, force: true }));

describe('two copies of the package', () => {
  it('are really two copies', () => {
    expect(theirs.SPMTaskTimeout).not.toBe(ours.SPMTaskTimeout);
  });

  it('recognise each other’s errors by brand and code lineage', () => {
    const e = new theirs.SPMTaskTimeout('t', { taskId: 1 });
    expect(e).toBeInstanceOf(ours.SPMTaskTimeout);
    expect(e).toBeInstanceOf(ours.SPMTaskDropped);
    expect(e).toBeInstanceOf(ours.SPMTaskError);
    expect(e).toBeInstanceOf(ours.SPMError);
    expect(e).not.toBeInstanceOf(ours.SPMTaskEval);
    expect(ours.isSPMError(e)).toBe(true);
    expect(new ours.SPMManagerBusy('b')).toBeInstanceOf(theirs.SPMManagerError);
  });

  it('rebuild each other’s wire errors', () => {
    const back = ours.fromWire(theirs.toWire(new theirs.SPMGangError('g', { rank: 2 })));
    expect(back).toBeInstanceOf(ours.SPMGangError);
    expect(back).toBeInstanceOf(theirs.SPMGangError);
  });
});
