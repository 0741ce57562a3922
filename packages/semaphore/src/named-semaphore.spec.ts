import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SPMError } from '@spm/exceptions';
import { NamedSemaphore, isAlive, ownerOf, semaphoreDir, startTimeOf, type SemaphoreHold } from './named-semaphore.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'spm-semaphore-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pid that has been and is no more (a process run to its end). */
function deadPid(): number {
  return spawnSync('true').pid as number;
}

/** A place of `semaphore` taken for a process that then died (killed). */
async function holdForTheDead(semaphore: NamedSemaphore): Promise<SemaphoreHold | undefined> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const gone = new Promise((resolve) => child.on('exit', resolve));
  const hold = semaphore.tryAcquire(child.pid as number);
  child.kill('SIGKILL');
  await gone;
  return hold;
}

describe('NamedSemaphore', () => {
  it('gives each of its places once, the first free first, and a place again once it is given back', () => {
    const semaphore = new NamedSemaphore('two', 2, root);
    const first = semaphore.tryAcquire();
    const second = semaphore.tryAcquire();
    expect([first?.path, second?.path]).toEqual([join(semaphore.dir, 'place-1'), join(semaphore.dir, 'place-2')]);
    expect(semaphore.tryAcquire()).toBeUndefined();
    expect(semaphore.holders().map((owner) => owner.pid)).toEqual([process.pid, process.pid]);
    first?.release();
    expect(semaphore.tryAcquire()?.path).toBe(join(semaphore.dir, 'place-1'));
  });

  it('gives a place back once: a second release leaves the place another hold of this process took since', () => {
    const semaphore = new NamedSemaphore('twice', 2, root);
    const a = semaphore.tryAcquire();
    const b = semaphore.tryAcquire();
    a?.release();
    const c = semaphore.tryAcquire();
    expect(c?.path).toBe(a?.path);
    a?.release(); // it used to remove c's place (the same pid's)
    expect(semaphore.holders()).toHaveLength(2);
    expect(semaphore.tryAcquire()).toBeUndefined();
    // A hold of the place found by heldBy is the same hold as c's: it gives it back.
    const found = semaphore.heldBy().find((held) => held.path === c?.path);
    found?.release();
    expect(semaphore.holders()).toHaveLength(1);
    expect(() => a?.handOver(process.pid)).toThrow(/^Cannot hand place `.*place-1` over: this hold gave it back already$/);
    b?.release();
    c?.release();
    expect(semaphore.holders()).toEqual([]);
  });

  it('frees a place whose owner died, but not one whose pid lives on as another process', () => {
    const semaphore = new NamedSemaphore('dead', 1, root);
    writeFileSync(join(semaphore.dir, 'place-1'), `${hostname()}\n${deadPid()}\n\n`);
    expect(semaphore.holders()).toEqual([]);
    expect(semaphore.tryAcquire()?.owner.pid).toBe(process.pid);
    // This process's pid with another start time: a process that had the pid before.
    const reused = new NamedSemaphore('reused', 1, root);
    writeFileSync(join(reused.dir, 'place-1'), `${hostname()}\n${process.pid}\n1\n`);
    expect(reused.tryAcquire()?.owner).toEqual(ownerOf(process.pid));
    // Another host's owner cannot be looked at: held.
    const shared = new NamedSemaphore('shared', 1, root);
    writeFileSync(join(shared.dir, 'place-1'), `elsewhere.example\n${deadPid()}\n\n`);
    expect(shared.tryAcquire()).toBeUndefined();
  });

  it('frees a dead owner’s place one process at a time: not while a live process frees it, whatever a dead one left', async () => {
    const semaphore = new NamedSemaphore('freeing', 1, root);
    const place = join(semaphore.dir, 'place-1');
    // A process killed while it freed the place left its file: removed, and the place freed.
    writeFileSync(place, `${hostname()}\n${deadPid()}\n\n`);
    writeFileSync(`${place}.reaping-${deadPid()}--x`, '');
    // This process's pid with another start time: a process that had the pid before.
    writeFileSync(`${place}.reaping-${process.pid}-1-y`, '');
    const hold = semaphore.tryAcquire();
    expect(hold?.path).toBe(place);
    expect(readdirSync(semaphore.dir)).toEqual(['place-1']);
    hold?.release();
    // A live process freeing it: the place counts as held (its dead owner), until that one is gone.
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => child.on('exit', resolve));
    const pid = child.pid as number;
    const dead = deadPid();
    try {
      writeFileSync(place, `${hostname()}\n${dead}\n\n`);
      writeFileSync(`${place}.reaping-${pid}-${startTimeOf(pid)}-z`, '');
      expect(semaphore.tryAcquire()).toBeUndefined();
      expect(semaphore.holders().map((owner) => owner.pid)).toEqual([dead]);
      expect(readdirSync(semaphore.dir).sort()).toEqual(['place-1', `place-1.reaping-${pid}-${startTimeOf(pid)}-z`]);
    } finally {
      child.kill('SIGKILL');
      await gone;
    }
    expect(semaphore.tryAcquire()?.path).toBe(place);
    expect(readdirSync(semaphore.dir)).toEqual(['place-1']);
  });

  it('refuses to hand over a hold for another process that died (its place is free, maybe taken since); its release frees the place', async () => {
    const semaphore = new NamedSemaphore('handed-dead', 1, root);
    const hold = await holdForTheDead(semaphore);
    // Freed and taken by another process: handing the hold over used to take that one's place.
    const taken = new NamedSemaphore('handed-dead', 1, root).tryAcquire();
    expect(taken?.path).toBe(hold?.path);
    expect(() => hold?.handOver(process.pid)).toThrow(`Cannot hand place \`${hold?.path}\` over: expected its owner, process ${hold?.owner.pid}, to be alive, found it dead (the place is free to any process)`);
    hold?.release();
    expect(semaphore.holders()).toEqual([ownerOf(process.pid)]);
    taken?.release();
    // Not taken since: its release frees it.
    (await holdForTheDead(semaphore))?.release();
    expect(readdirSync(semaphore.dir)).toEqual([]);
  });

  it('hands a place to another process, whose death then frees it', async () => {
    const semaphore = new NamedSemaphore('handed', 1, root);
    const hold = semaphore.tryAcquire();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => child.on('exit', resolve));
    try {
      const pid = child.pid as number;
      hold?.handOver(pid);
      expect(semaphore.holders()).toEqual([ownerOf(pid)]);
      // Its old owner's release does not give the new owner's place back.
      hold?.release();
      expect(semaphore.holders().map((owner) => owner.pid)).toEqual([pid]);
      expect(semaphore.tryAcquire()).toBeUndefined();
      expect(semaphore.heldBy(pid).map((held) => held.path)).toEqual([join(semaphore.dir, 'place-1')]);
      expect(semaphore.heldBy()).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await gone;
    }
    expect(semaphore.tryAcquire()?.owner.pid).toBe(process.pid);
  });

  it('waits for a place or until none is held, giving up after a time or when stopped', async () => {
    const semaphore = new NamedSemaphore('wait', 1, root);
    const hold = semaphore.tryAcquire();
    expect(await semaphore.acquire({ timeoutMs: 20 })).toBeUndefined();
    expect(await semaphore.waitEmpty({ timeoutMs: 20 })).toBe(false);
    const stop = new AbortController();
    stop.abort();
    expect(await semaphore.acquire({ signal: stop.signal })).toBeUndefined();
    // Stopped while it waits: it ends then, though no place came free.
    const later = new AbortController();
    const stopped = semaphore.acquire({ signal: later.signal });
    later.abort();
    expect(await stopped).toBeUndefined();
    const waiting = semaphore.acquire();
    const empty = semaphore.waitEmpty();
    hold?.release();
    const next = await waiting;
    expect(next?.path).toBe(join(semaphore.dir, 'place-1'));
    next?.release();
    expect(await empty).toBe(true);
  });

  it('takes a place past its own anyway when asked (counted by waitEmpty), and as many as asked with Infinity', async () => {
    const semaphore = new NamedSemaphore('anyway', 1, root);
    semaphore.tryAcquire();
    const extra = semaphore.takeAnyway();
    expect(extra.path).toBe(join(semaphore.dir, 'place-2'));
    expect(semaphore.holders()).toHaveLength(2);
    const unlimited = new NamedSemaphore('unlimited', Infinity, root);
    const holds = [unlimited.tryAcquire(), unlimited.tryAcquire(), unlimited.tryAcquire()];
    expect(holds.map((hold) => hold?.path.endsWith(`place-${holds.indexOf(hold) + 1}`))).toEqual([true, true, true]);
  });

  it('keeps a name as a directory of its own (other characters as hex), tidied when empty; refuses a bad count of places', () => {
    const semaphore = new NamedSemaphore('/dev/pts/3', 1, root);
    expect(semaphore.dir).toBe(join(root, 'id-2fdev2fpts2f3'));
    expect(readdirSync(root)).toContain('id-2fdev2fpts2f3');
    // A character beyond the BMP is one, as GNU parallel writes it: every emoji was `efbfbd` (U+FFFD) twice, one semaphore.
    expect(new NamedSemaphore('🙂', 1, root).dir).toBe(join(root, 'id-f09f9982'));
    expect(new NamedSemaphore('é😀', 1, root).dir).toBe(join(root, 'id-c3a9f09f9880'));
    semaphore.tidy();
    expect(existsSync(semaphore.dir)).toBe(false);
    expect(semaphore.tryAcquire()?.path).toBe(join(semaphore.dir, 'place-1'));
    expect(() => new NamedSemaphore('x', 0, root)).toThrow(SPMError);
    expect(() => new NamedSemaphore('x', 1.5, root)).toThrow('Expected a semaphore\'s places to be an integer from 1 (or Infinity), got `1.5` (number)');
    expect(() => new NamedSemaphore('x', '4' as never, root)).toThrow('Expected a semaphore\'s places to be an integer from 1 (or Infinity), got `"4"` (string)');
    expect(() => new NamedSemaphore(42 as never, 1, root)).toThrow('Expected a semaphore\'s name to be a string, got `42` (number)');
    expect(() => new NamedSemaphore('x', 1, '/proc/no/such')).toThrow(/^Expected the semaphore directory `\/proc\/no\/such\/id-x` to be writable, got ENOENT/);
  });

  it('keeps a name too long for a file name under its start and a digest of the whole, and one that fits as before', () => {
    const digest = (dirName: string): string => createHash('sha256').update(dirName).digest('hex');
    // `id-` and 252 characters: 255 bytes, the longest file name — kept as it is.
    const fits = new NamedSemaphore('f'.repeat(252), 1, root);
    expect(fits.dir).toBe(join(root, `id-${'f'.repeat(252)}`));
    // One more, or 300 (until session 44: ENAMETOOLONG, said as "to be writable").
    expect(new NamedSemaphore('g'.repeat(253), 1, root).dir).toBe(join(root, `id-${'g'.repeat(61)}.sha256-${digest(`id-${'g'.repeat(253)}`)}`));
    const long = new NamedSemaphore('a'.repeat(300), 1, root);
    expect(long.dir).toBe(join(root, `id-${'a'.repeat(61)}.sha256-${digest(`id-${'a'.repeat(300)}`)}`));
    const hold = long.tryAcquire();
    expect(hold?.path).toBe(join(long.dir, 'place-1'));
    // The same name is the same semaphore; another long name with the same start is another.
    expect(new NamedSemaphore('a'.repeat(300), 1, root).tryAcquire()).toBeUndefined();
    expect(new NamedSemaphore(`${'a'.repeat(300)}b`, 1, root).tryAcquire()).toBeDefined();
    // Names of one directory when short are of one when long (`.` is written `2e`), as GNU parallel's.
    expect(new NamedSemaphore(`${'é'.repeat(200)}a.b`, 1, root).dir).toBe(new NamedSemaphore(`${'é'.repeat(200)}a2eb`, 1, root).dir);
    hold?.release();
    expect(long.holders()).toEqual([]);
  });

  it('refuses a relative directory to keep semaphores under, as $SPM_SEMAPHORE_DIR, making nothing', () => {
    const relative = `spm-semaphore-relative-${process.pid}`;
    try {
      // Until session 44 it was taken, from the current directory: shared by no one elsewhere.
      expect(() => new NamedSemaphore('x', 1, `${relative}/dir`)).toThrow(SPMError);
      expect(() => new NamedSemaphore('x', 1, `${relative}/dir`)).toThrow(`Expected \`root\`, the directory semaphores are kept under, to be an absolute path (a relative one would be each caller's current directory, shared by no one), got \`"${relative}/dir"\` (string)`);
      expect(existsSync(resolve(relative))).toBe(false);
      expect(() => new NamedSemaphore('x', 1, '')).toThrow(/^Expected `root`, .*, got `""` \(string\)$/);
      expect(() => new NamedSemaphore('x', 1, 7 as never)).toThrow(/^Expected `root`, .*, got `7` \(number\)$/);
    } finally {
      rmSync(resolve(relative), { recursive: true, force: true });
    }
  });

  it('says a path too long for the file system is so, not that its directory is not writable', () => {
    const deep = join(root, 'r'.repeat(300));
    expect(() => new NamedSemaphore('x', 1, deep)).toThrow(`Expected the semaphore directory \`${join(deep, 'id-x')}\` to be a path the file system takes (each part at most its longest file name, the whole at most its longest path), got ENAMETOOLONG`);
  });

  it('refuses a pid that is not a process’s (it jammed a place for good), and a wait’s timeout that is not a number (it never timed out)', async () => {
    const semaphore = new NamedSemaphore('bad-input', 1, root);
    for (const pid of [-1, 0, 1.5, 'abc']) {
      expect(() => semaphore.tryAcquire(pid as number)).toThrow(/^Expected the pid of a place's owner to be an integer ≥ 1, got /);
    }
    const hold = semaphore.tryAcquire();
    expect(hold).toBeDefined();
    expect(() => hold?.handOver(-1)).toThrow(/^Expected the pid of a place's owner/);
    hold?.release();
    expect(semaphore.holders()).toEqual([]);
    await expect(semaphore.acquire({ timeoutMs: NaN })).rejects.toThrow('Expected `timeoutMs` to be a number of ms ≥ 0 (Infinity: no limit), got `NaN` (number)');
    await expect(semaphore.acquire({ timeoutMs: '100' as never })).rejects.toThrow(/got `"100"` \(string\)/);
    await expect(semaphore.waitEmpty({ signal: {} as AbortSignal })).rejects.toThrow('Expected `signal` to be an AbortSignal, got an empty object');
    semaphore.tidy();
  });

  it('tells live processes from dead ones, and where semaphores are kept', () => {
    expect(isAlive(ownerOf(process.pid))).toBe(true);
    expect(isAlive({ host: hostname(), pid: deadPid(), start: '' })).toBe(false);
    expect(startTimeOf(process.pid)).toMatch(/^\d+$/);
    expect(semaphoreDir({ SPM_SEMAPHORE_DIR: '/x/y' })).toBe('/x/y');
    expect(semaphoreDir({})).toMatch(/\/\.spm\/semaphores$/);
    // Empty or relative: each caller's current directory, not shared — the default instead.
    expect(semaphoreDir({ SPM_SEMAPHORE_DIR: '' })).toMatch(/\/\.spm\/semaphores$/);
    expect(semaphoreDir({ SPM_SEMAPHORE_DIR: 'sems' })).toMatch(/\/\.spm\/semaphores$/);
  });
});
