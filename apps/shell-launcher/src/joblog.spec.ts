import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outcome } from '../test/fixtures/outcome.js';
import { exitValue, jobExitStatus } from './job-outcome.js';
import { SPMError } from '@spm/exceptions';
import { failedInJoblog, formatJoblogRow, Joblog, JOBLOG_HEADER, jobsInJoblog } from './joblog.js';

describe('formatJoblogRow', () => {
  it('writes GNU parallel’s columns: seconds with 3 decimals, padded runtime, `:` for the hub’s server', () => {
    expect(formatJoblogRow(outcome(), 'vm')).toBe('1\t:\t1795242532.621\t     0.004\t0\t2\t0\t0\techo a');
    expect(formatJoblogRow(outcome({ host: 'node7' }), 'vm').split('\t')[1]).toBe('node7');
  });

  it('gives a timeout Exitval -1 with its signal, a signal death Exitval 0 with the signal number', () => {
    const timedOut = outcome({ ok: false, exitCode: null, signal: 'SIGTERM', timedOut: true, durationMs: 1023 });
    expect(formatJoblogRow(timedOut, 'vm').split('\t').slice(3, 8)).toEqual(['     1.023', '0', '2', '-1', '15']);
    const killed = outcome({ ok: false, exitCode: null, signal: 'SIGKILL' });
    expect(formatJoblogRow(killed, 'vm').split('\t').slice(6, 8)).toEqual(['0', '9']);
    const lost = outcome({ ok: false, exitCode: null, error: 'spoke lost' });
    expect(exitValue(lost)).toBe(-1);
  });

  it('keeps one row per job for a command with a newline, written as a NUL as GNU parallel writes it (until session 44: a space)', () => {
    expect(formatJoblogRow(outcome({ command: "echo 'a\nb'\nexit 3" }), 'vm').split('\t')[8]).toBe("echo 'a\0b'\0exit 3");
  });
});

describe('jobExitStatus', () => {
  it('is the exit code, 128 + signal, or 255 for a timeout (GNU parallel’s --halt …,fail=1 status)', () => {
    expect(jobExitStatus(outcome({ exitCode: 3 }))).toBe(3);
    expect(jobExitStatus(outcome({ exitCode: null, signal: 'SIGKILL' }))).toBe(137);
    expect(jobExitStatus(outcome({ exitCode: null, signal: 'SIGTERM', timedOut: true }))).toBe(255);
  });
});

describe('Joblog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spm-shell-joblog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the header, then a row per finished job as it finishes', () => {
    const path = join(dir, 'jl');
    const log = new Joblog(path, 'vm', { write: () => { throw new Error('not stdout'); } });
    expect(readFileSync(path, 'utf8')).toBe(`${JOBLOG_HEADER}\n`);
    log.write(outcome({ seq: 2, command: 'exit 3', exitCode: 3, ok: false, stdoutBytes: 0 }));
    expect(readFileSync(path, 'utf8').split('\n')[1]).toBe('2\t:\t1795242532.621\t     0.004\t0\t0\t3\t0\texit 3');
    log.write(outcome());
    log.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(3);
  });

  it('writes through stdout for `-`, in step with the outputs written there', () => {
    const written: string[] = [];
    const log = new Joblog('-', 'vm', { write: (text: string) => written.push(text) });
    log.write(outcome());
    log.close();
    expect(written).toEqual([`${JOBLOG_HEADER}\n`, '1\t:\t1795242532.621\t     0.004\t0\t2\t0\t0\techo a\n']);
  });

  it('with append (--resume), adds rows to a job log that has some, ending a cut last line first; writes a new one otherwise', () => {
    const path = join(dir, 'resumed');
    writeFileSync(path, `${JOBLOG_HEADER}\n1\t:\t1\t     0.004\t0\t0\t0\t0\ttrue`);
    const log = new Joblog(path, 'vm', { write: () => undefined }, true);
    log.write(outcome({ seq: 2 }));
    log.close();
    expect(readFileSync(path, 'utf8').split('\n')).toEqual([JOBLOG_HEADER, '1\t:\t1\t     0.004\t0\t0\t0\t0\ttrue', '2\t:\t1795242532.621\t     0.004\t0\t2\t0\t0\techo a', '']);
    const fresh = join(dir, 'fresh');
    new Joblog(fresh, 'vm', { write: () => undefined }, true).close();
    expect(readFileSync(fresh, 'utf8')).toBe(`${JOBLOG_HEADER}\n`);
  });
});

/** A job log row of job `seq`, as an earlier run wrote it. */
const row = (seq: string, exit: string, signal: string, command = 'x'): string => [seq, ':', '1.000', '     0.001', '0', '0', exit, signal, command].join('\t');

describe('jobsInJoblog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spm-shell-resume-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has every job with a row (--resume), or those with a row that succeeded (--resume-failed), as GNU parallel', () => {
    const path = join(dir, 'jl');
    writeFileSync(path, [JOBLOG_HEADER, row('1', '0', '0'), row('2', '1', '0'), row('3', '-1', '15'), row('4', '0', '9'), row('5', '2', '0'), row('5', '0', '0', 'a\tcommand with a tab'), 'garbage', row('x', '0', '0'), ''].join('\n'));
    expect([...jobsInJoblog(path, false)].sort()).toEqual([1, 2, 3, 4, 5]);
    expect([...jobsInJoblog(path, true)].sort()).toEqual([1, 5]);
  });

  it('has none for a job log that does not exist yet or is empty', () => {
    expect(jobsInJoblog(join(dir, 'none'), false).size).toBe(0);
    writeFileSync(join(dir, 'empty'), '');
    expect(jobsInJoblog(join(dir, 'empty'), true).size).toBe(0);
  });

  it('refuses a file that is not a job log: its rows would be added to it', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'my notes\n');
    expect(() => jobsInJoblog(path, false)).toThrow(SPMError);
    expect(() => jobsInJoblog(path, false)).toThrow(`Expected \`--joblog ${path}\` to be a job log to resume from (its first line GNU parallel's header: Seq, Host, … tab-separated), got a file whose first line is \`my notes\``);
    expect(() => jobsInJoblog(dir, false)).toThrow(/^cannot read the joblog `.*` to resume from: EISDIR/);
  });
});

describe('failedInJoblog (--retry-failed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spm-shell-retry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the jobs with rows and none that succeeded, each with its last row’s command (tabs kept), in Seq order', () => {
    const path = join(dir, 'jl');
    writeFileSync(path, [JOBLOG_HEADER, row('3', '-1', '15', 'sleep 9'), row('1', '0', '0'), row('2', '1', '0', 'first'), row('4', '0', '9', 'kill -9 $$'), row('2', '2', '0', 'a\tb'), row('5', '2', '0'), row('5', '0', '0'), 'garbage', ''].join('\n'));
    expect(failedInJoblog(path)).toEqual([
      { seq: 2, command: 'a\tb' },
      { seq: 3, command: 'sleep 9' },
      { seq: 4, command: 'kill -9 $$' },
    ]);
    writeFileSync(join(dir, 'empty'), '');
    expect(failedInJoblog(join(dir, 'empty'))).toEqual([]);
  });

  it('gives back the newlines of a command, logged as NULs (GNU parallel’s); --resume reads such rows too', () => {
    const path = join(dir, 'jl-newline');
    writeFileSync(path, [JOBLOG_HEADER, formatJoblogRow(outcome({ command: 'echo first 1\nexit 3', ok: false, exitCode: 3 }), 'vm'), ''].join('\n'));
    expect(failedInJoblog(path)).toEqual([{ seq: 1, command: 'echo first 1\nexit 3' }]);
    expect([...jobsInJoblog(path, false)]).toEqual([1]);
    expect([...jobsInJoblog(path, true)]).toEqual([]);
  });

  it('refuses a file that is missing or is not a job log, naming it', () => {
    expect(() => failedInJoblog(join(dir, 'none'))).toThrow(/^cannot read the joblog `.*none` to retry its failed jobs: ENOENT/);
    writeFileSync(join(dir, 'notes'), 'my notes\n');
    expect(() => failedInJoblog(join(dir, 'notes'))).toThrow(SPMError);
    expect(() => failedInJoblog(join(dir, 'notes'))).toThrow(/to be a job log to retry from .* got a file whose first line is `my notes`/);
  });
});
