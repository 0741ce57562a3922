import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '@spm/testing';
import { ChildFailure, errorLine, failureLine, runChild } from '../src/internal/run-child.js';

const CHILD = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));

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

  it('reports a crash by its error, not by the source line Node prints first', async () => {
    const failure = await runChild(CHILD, { mode: 'throw', count: 3 }, { timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChildFailure);
    expect((failure as ChildFailure).stderrTail).toContain('throw new Error(`expected');
    expect((failure as ChildFailure).message).toBe('exited with code 1 (stderr: Error: expected 3 ok reports, got 0 reports)');
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
    expect(isAlive(pid)).toBe(false);
    expect(failure).toBeInstanceOf(ChildFailure);
    expect((failure as ChildFailure).message).toBe('timed out after 1000 ms');
    expect((failure as ChildFailure).exitCode).toBeNull(); // killed by a signal
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('errorLine', () => {
  it('takes the line that starts with an error’s name and a colon', () => {
    const dump = ['file:///x/throughput-subject.js:19', '    throw new TypeError(`expected ${count}`);', '          ^', '', 'TypeError: expected null', '    at file:///x:19:23'].join('\n');
    expect(errorLine(dump)).toBe('TypeError: expected null');
    expect(errorLine('Error [ERR_MODULE_NOT_FOUND]: Cannot find package \'x\'')).toBe("Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x'");
    expect(errorLine('some words about Errors\nSPMTaskError [SPM_TASK_EVAL]: boom')).toBe('SPMTaskError [SPM_TASK_EVAL]: boom');
  });

  it('else the line after the caret line, else the last line', () => {
    expect(errorLine(['file:///x.js:3', '  throw 42;', '  ^', '42', '(Use `node --trace-uncaught ...`)'].join('\n'))).toBe('42');
    expect(errorLine('first\nlast')).toBe('last');
  });
});
