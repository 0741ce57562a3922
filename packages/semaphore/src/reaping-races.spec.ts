import { describe, it, expect, jest, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

// Forced interleavings. Every call the semaphore makes to node:fs first goes through `before`,
// where a spec lets other processes act at that very moment: other NamedSemaphore objects of
// this process — to the files, each hold is a process of its own (its own token), and their
// calls are not intercepted.
let before: ((call: string, args: readonly unknown[]) => void) | undefined;
let inside = false;
function intercepted(call: string, real: (...args: never[]) => unknown): (...args: never[]) => unknown {
  return (...args) => {
    if (before !== undefined && !inside) {
      inside = true;
      try {
        before(call, args);
      } finally {
        inside = false;
      }
    }
    return real(...args);
  };
}
jest.unstable_mockModule('node:fs', () => ({
  ...fs,
  linkSync: intercepted('linkSync', fs.linkSync),
  readdirSync: intercepted('readdirSync', fs.readdirSync),
  readFileSync: intercepted('readFileSync', fs.readFileSync),
  renameSync: intercepted('renameSync', fs.renameSync),
  unlinkSync: intercepted('unlinkSync', fs.unlinkSync),
  writeFileSync: intercepted('writeFileSync', fs.writeFileSync),
}));
const { NamedSemaphore } = await import('./named-semaphore.js');
type Hold = ReturnType<InstanceType<typeof NamedSemaphore>['tryAcquire']>;

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(join(tmpdir(), 'spm-semaphore-races-'));
});
afterAll(() => {
  before = undefined;
  fs.rmSync(root, { recursive: true, force: true });
});

/**
 * From the moment the semaphore's next call reads `place` on: at each of its later calls, `b`
 * then `d` try to take a place (each until it has one), as processes running meanwhile would.
 */
function othersTakeAfterRead(place: string, b: InstanceType<typeof NamedSemaphore>, d: InstanceType<typeof NamedSemaphore>): { b: Hold; d: Hold } {
  let read = false;
  const holds: { b: Hold; d: Hold } = { b: undefined, d: undefined };
  before = (call, args) => {
    if (!read) {
      read = call === 'readFileSync' && args[0] === place;
      return;
    }
    holds.b ??= b.tryAcquire();
    holds.d ??= d.tryAcquire();
  };
  return holds;
}

describe('NamedSemaphore freeing a dead owner’s place while other processes act', () => {
  it('never makes two holders of one place: a live owner’s place is never moved away while another process frees a stale view of it', () => {
    const a = new NamedSemaphore('stale-view', 1, root);
    const place = join(a.dir, 'place-1');
    fs.writeFileSync(place, `${hostname()}\n${spawnSync('true').pid}\n\n`);
    // A reads the dead owner's place; B frees it and takes it (alive); D keeps trying while A
    // goes on. A used to rename B's place away, find it not the dead owner's, and fail to link it
    // back as D had made the place meanwhile: B and D both held the one place.
    const others = othersTakeAfterRead(place, new NamedSemaphore('stale-view', 1, root), new NamedSemaphore('stale-view', 1, root));
    const held = a.tryAcquire();
    before = undefined;
    expect(held).toBeUndefined();
    expect(others.b?.path).toBe(place);
    expect(others.d).toBeUndefined();
    expect(a.holders()).toHaveLength(1);
    others.b?.release();
    expect(a.holders()).toEqual([]);
    // Nothing left beside: no file of a process freeing the place.
    expect(fs.readdirSync(a.dir)).toEqual([]);
  });

  it('gives back a hold for another process that died as a dead owner’s place is freed: never the place another process freed and took meanwhile', async () => {
    const semaphore = new NamedSemaphore('released-late', 1, root);
    const place = join(semaphore.dir, 'place-1');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => child.on('exit', resolve));
    const hold = semaphore.tryAcquire(child.pid as number);
    child.kill('SIGKILL');
    await gone;
    // Between the hold's look at its place and its removal, B frees the dead owner's place and
    // takes it: the removal used to remove B's place, and D took it too.
    const others = othersTakeAfterRead(place, new NamedSemaphore('released-late', 1, root), new NamedSemaphore('released-late', 1, root));
    hold?.release();
    before = undefined;
    expect(others.b?.path).toBe(place);
    expect(others.d).toBeUndefined();
    expect(new NamedSemaphore('released-late', 1, root).tryAcquire()).toBeUndefined();
    expect(semaphore.holders()).toHaveLength(1);
    others.b?.release();
    expect(fs.readdirSync(semaphore.dir)).toEqual([]);
  });
});
