import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENDER = fileURLToPath(new URL('./fixtures/contender.mjs', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spm-semaphore-contention-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `count` contender processes at once; resolves with their exit codes. */
function contenders(count: number, args: readonly string[]): Promise<(number | null)[]> {
  return Promise.all(
    Array.from({ length: count }, () => new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [CONTENDER, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('close', resolve);
    })),
  );
}

describe('NamedSemaphore across processes', () => {
  it('never lets more than its places be held at once by real processes taking them together, and lets each take its turns', async () => {
    for (const slots of [1, 2]) {
      const root = join(dir, `root-${slots}`);
      const marks = join(dir, `marks-${slots}`);
      mkdirSync(marks, { recursive: true });
      const codes = await contenders(6, [root, marks, 'busy', String(slots), '4']);
      expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
      const seen = readdirSync(marks).filter((entry) => entry.startsWith('seen-')).map((entry) => Number(readFileSync(join(marks, entry), 'utf8')));
      expect(seen).toHaveLength(6);
      expect(Math.max(...seen)).toBeLessThanOrEqual(slots);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(1);
      // Every place given back: only the name's directory is left.
      expect(readdirSync(join(root, 'id-busy'))).toEqual([]);
    }
  });

  it('frees places whose owners died to real processes taking them together, one process freeing a place at a time, never more than its places held', async () => {
    const root = join(dir, 'root-dead');
    const marks = join(dir, 'marks-dead');
    mkdirSync(marks, { recursive: true });
    mkdirSync(join(root, 'id-dead'), { recursive: true });
    const dead = spawnSync('true').pid as number;
    // Both places held by a dead owner, and a file left by a process killed while it freed one.
    for (const k of [1, 2]) writeFileSync(join(root, 'id-dead', `place-${k}`), `${hostname()}\n${dead}\n\n`);
    writeFileSync(join(root, 'id-dead', `place-1.reaping-${dead}--x`), '');
    const codes = await contenders(6, [root, marks, 'dead', '2', '3']);
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const seen = readdirSync(marks).filter((entry) => entry.startsWith('seen-')).map((entry) => Number(readFileSync(join(marks, entry), 'utf8')));
    expect(seen).toHaveLength(6);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(readdirSync(join(root, 'id-dead'))).toEqual([]);
  });
});
