import { describe, it, expect, jest, beforeAll, afterAll } from '@jest/globals';
import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

// What the semaphore does to its files while it looks for a free place: every node:fs call it
// makes on a path in `watched` is recorded, as [call, file name].
let watched: string | undefined;
const calls: [string, string][] = [];
function recorded(call: string, real: (...args: never[]) => unknown): (...args: never[]) => unknown {
  return (...args) => {
    const path = args[0] as unknown;
    if (watched !== undefined && typeof path === 'string' && (path === watched || dirname(path) === watched)) calls.push([call, basename(path)]);
    return real(...args);
  };
}
jest.unstable_mockModule('node:fs', () => ({
  ...fs,
  linkSync: recorded('linkSync', fs.linkSync),
  readdirSync: recorded('readdirSync', fs.readdirSync),
  readFileSync: recorded('readFileSync', fs.readFileSync),
  renameSync: recorded('renameSync', fs.renameSync),
  unlinkSync: recorded('unlinkSync', fs.unlinkSync),
  writeFileSync: recorded('writeFileSync', fs.writeFileSync),
}));
const { NamedSemaphore } = await import('./named-semaphore.js');

const WRITES = new Set(['linkSync', 'renameSync', 'unlinkSync', 'writeFileSync']);

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(join(tmpdir(), 'spm-semaphore-search-'));
});
afterAll(() => {
  watched = undefined;
  fs.rmSync(root, { recursive: true, force: true });
});

/** The calls `step` makes on the files of `dir`. */
function callsOf(dir: string, step: () => unknown): [string, string][] {
  calls.length = 0;
  watched = dir;
  try {
    step();
  } finally {
    watched = undefined;
  }
  return [...calls];
}

describe('NamedSemaphore looking for a free place', () => {
  it('passes by the places live owners hold with a read each, writing nothing, and takes the first free one', () => {
    const semaphore = new NamedSemaphore('search', 4, root);
    const holds = [semaphore.tryAcquire(), semaphore.tryAcquire(), semaphore.tryAcquire(), semaphore.tryAcquire()];
    // All held: one listing, one read of each place — until session 44 it also wrote a file,
    // linked it (EEXIST) and removed it for each held place, at every poll of every waiter.
    expect(callsOf(semaphore.dir, () => expect(semaphore.tryAcquire()).toBeUndefined())).toEqual([
      ['readdirSync', 'id-search'],
      ['readFileSync', 'place-1'],
      ['readFileSync', 'place-2'],
      ['readFileSync', 'place-3'],
      ['readFileSync', 'place-4'],
    ]);
    // Place 3 given back: it is the one taken, with one file written, linked and removed.
    holds[2]?.release();
    let taken: ReturnType<typeof semaphore.tryAcquire>;
    const taking = callsOf(semaphore.dir, () => (taken = semaphore.tryAcquire()));
    expect(taken?.path).toBe(join(semaphore.dir, 'place-3'));
    expect(taking.filter(([call]) => WRITES.has(call)).map(([call]) => call)).toEqual(['writeFileSync', 'linkSync', 'unlinkSync']);
    expect(taking.filter(([call]) => call === 'readFileSync').map(([, file]) => file)).toEqual(['place-1', 'place-2']);
    for (const hold of [...holds, taken]) hold?.release();
  });

  it('still frees a dead owner’s place on its way, and takes it', () => {
    const semaphore = new NamedSemaphore('search-dead', 2, root);
    const first = semaphore.tryAcquire();
    fs.writeFileSync(join(semaphore.dir, 'place-2'), `${hostname()}\n${spawnSync('true').pid}\n\n`);
    expect(semaphore.tryAcquire()?.path).toBe(join(semaphore.dir, 'place-2'));
    expect(semaphore.holders().map((owner) => owner.pid)).toEqual([process.pid, process.pid]);
    first?.release();
  });
});
