import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildFailure, failureLine, runChild } from '../src/internal/run-child.js';

const CHILD = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runChild', () => {
  it('passes the input as JSON and resolves with the result the child sends', async () => {
    const result = await runChild<{ echoed: unknown; pid: number }>(CHILD, { mode: 'echo', value: { a: [1, 'two'] } }, { timeoutMs: 10_000 });
    expect(result.echoed).toEqual({ a: [1, 'two'] });
    expect(result.pid).not.toBe(process.pid);
  });

  it('rejects with ChildFailure carrying the exit code and the tail of stderr when the child crashes', async () => {
    const failure = await runChild(CHILD, { mode: 'crash' }, { timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChildFailure);
    expect(failure).toMatchObject({ message: 'exited with code 3 (stderr: TypeError: boom)', exitCode: 3 });
    expect((failure as ChildFailure).stderrTail).toContain('TypeError: boom');
    expect(failureLine(failure as ChildFailure)).toBe('TypeError: boom');
  });

  it('rejects when the child exits cleanly without a result', async () => {
    await expect(runChild(CHILD, { mode: 'silent' }, { timeoutMs: 10_000 })).rejects.toThrow(/^printed no result/);
  });

  it('kills a child past its timeout and rejects; the child is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-bench-'));
    const pidFile = join(dir, 'pid');
    const started = Date.now();
    const failure = await runChild(CHILD, { mode: 'hang', pidFile }, { timeoutMs: 1000 }).catch((error: unknown) => error);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    rmSync(dir, { recursive: true, force: true });
    expect(alive(pid)).toBe(false);
    expect(failure).toBeInstanceOf(ChildFailure);
    expect((failure as ChildFailure).message).toBe('timed out after 1000 ms');
    expect((failure as ChildFailure).exitCode).toBeNull(); // killed by a signal
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
