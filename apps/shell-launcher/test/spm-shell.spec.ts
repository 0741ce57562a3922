import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { appendFileSync, closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, groupStopped, liveDescendants, processState, waitFor } from '@spm/testing';
import { BIN, exitvalsBySeq, fileTree, joblogRows, leftovers, MARK_VARIABLE, runSpmShell } from './run-spm-shell.js';

// Marks unique to this spec run: a sleep's argument (scanned in /proc/*/cmdline) and an
// environment value every process of a run inherits (scanned in /proc/*/environ). Fixed width,
// so one is never a prefix of another (pids wrap).
const PID = String(process.pid).padStart(7, '0');
let runs = 0;
const newMark = (): { env: string; sleep: string } => {
  runs += 1;
  return { env: `spm-shell-${PID}-${runs}`, sleep: `100.${PID}${String(runs).padStart(2, '0')}` };
};

/** A user's Ctrl-C at a chosen moment: SIGINT to `child` once `predicate` holds; SIGKILL if it does not within `ms` (`what` names it). */
function interruptWhen(child: ChildProcess, predicate: () => boolean, ms: number, what: string): void {
  void waitFor(predicate, ms, what).then(
    () => child.kill('SIGINT'),
    () => child.kill('SIGKILL'),
  );
}

/** Waits (bounded) until nothing of a run is left, then asserts it. */
async function expectNoLeftovers(mark: { env: string; sleep: string }): Promise<void> {
  await waitFor(() => leftovers(mark.env, mark.sleep).length === 0, 10_000, 'every process of the run to be gone').catch(() => undefined);
  expect(leftovers(mark.env, mark.sleep)).toEqual([]);
}

/**
 * Runs the bin with `args` on `input` (process spokes), SIGKILLs the process spoke under which the
 * run's `sleep` runs, `afterMs` after it does, and resolves with the bin's exit status and what it wrote.
 */
async function killSpokeUnderSleep(args: readonly string[], input: string, mark: { env: string; sleep: string }, afterMs = 0): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end(input);
  const sleeping = (pid: number | undefined): boolean => liveDescendants(pid).some((p) => commandLine(p) === `sleep ${mark.sleep}`);
  // The process spoke whose command sleeps.
  const spoke = (): number | undefined => liveDescendants(child.pid).find((pid) => /spoke\/entries\/process\.js/.test(commandLine(pid)) && sleeping(pid));
  await waitFor(() => spoke() !== undefined, 15_000, 'the command to sleep on a process spoke');
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  process.kill(spoke() as number, 'SIGKILL');
  return { code: await closed, stdout, stderr };
}

const seqOutput = (n: number): string => `${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n`;
const block = (name: string): string => Array.from({ length: 8 }, (_, i) => `${name}-${i + 1}\n`).join('');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spm-shell-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spm-shell on a list mixing successes, failures, timeouts and a huge output', () => {
  it.each(['inproc', 'thread', 'process'])('exits with the number of failed commands, logs every job, prints each output whole, and leaves nothing behind (%s spokes)', async (transport) => {
    const mark = newMark();
    const joblog = join(dir, `mixed-${transport}.joblog`);
    const commands = [
      'echo ok-1',
      'exit 3',
      `sh -c 'sleep ${mark.sleep} & sleep ${mark.sleep}; wait'`,
      'seq 1 600000',
      'kill -9 $$',
      'printf no-newline',
      'for i in 1 2 3 4 5 6 7 8; do echo block-A-$i; sleep 0.02; done',
      'for i in 1 2 3 4 5 6 7 8; do echo block-B-$i; sleep 0.02; done',
      'echo to-stderr >&2; exit 1',
    ];
    // Its own temporary directory: the outputs spilled there (past --max-output) must be gone after.
    const tmp = mkdtempSync(join(dir, `mixed-tmp-${transport}-`));
    const r = await runSpmShell(['-j', '3', '--timeout', '1', '--joblog', joblog, '--transport', transport], { input: `${commands.join('\n')}\n`, mark: mark.env, env: { TMPDIR: tmp } });
    // Failed: exit 3, the timeout, kill -9, exit 1.
    expect(r.code).toBe(4);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => Number(row[0])).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bySeq = new Map(rows.map((row) => [Number(row[0]), row]));
    expect(commands.map((_, i) => bySeq.get(i + 1)?.[6])).toEqual(['0', '3', '-1', '0', '0', '0', '0', '0', '1']);
    expect(commands.map((_, i) => bySeq.get(i + 1)?.[7])).toEqual(['0', '0', '15', '0', '9', '0', '0', '0', '0']);
    expect(commands.map((_, i) => bySeq.get(i + 1)?.[8])).toEqual(commands);
    expect(bySeq.get(4)?.[5]).toBe(String(seqOutput(600000).length)); // Receive: bytes of stdout
    expect(rows.every((row) => row[1] === ':' && row[4] === '0' && /^\d+\.\d{3}$/.test(row[2] as string))).toBe(true);
    // Each command's output is one contiguous block, whatever ran beside it.
    expect(r.stdout).toContain(seqOutput(600000));
    expect(r.stdout).toContain(block('block-A'));
    expect(r.stdout).toContain(block('block-B'));
    expect(r.stdout).toContain('ok-1\n');
    expect(r.stdout).toContain('no-newline');
    expect(r.stdout.length).toBe(seqOutput(600000).length + block('block-A').length * 2 + 'ok-1\n'.length + 'no-newline'.length);
    expect(r.stderr).toContain('to-stderr\n');
    expect(r.stderr).toMatch(/job 3 timed out after 1 s; its process tree was killed/);
    expect(r.stderr).not.toContain('\x1b[K'); // not a terminal: no progress bar
    expect(r.stderr).not.toContain('--max-output'); // the huge output was spilled and printed whole, not cut
    expect(readdirSync(tmp)).toEqual([]);
    await expectNoLeftovers(mark);
  });

  it('prints outputs of 20 MB whole beside each other, never interleaved, their spill files gone after', async () => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'huge-tmp-'));
    // Two commands of ~20 MB each (20× the default --max-output) on two slots, short ones around them.
    const commands = ['seq 1 3000000', 'echo before', 'seq 1 3000001', 'echo after'];
    const r = await runSpmShell(['-j', '2', '--transport', 'thread'], { input: `${commands.join('\n')}\n`, mark: mark.env, env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    // Each seq's output is one block: from each line `1`, consecutive numbers to its end.
    const starts = lines.flatMap((line, i) => (line === '1' ? [i] : []));
    const runs = starts.map((at) => {
      let k = at;
      while (k + 1 < lines.length && lines[k + 1] === String(k + 2 - at)) k += 1;
      return k - at + 1;
    });
    expect(runs.sort((x, y) => x - y)).toEqual([3_000_000, 3_000_001]);
    expect(lines.filter((line) => line === 'before' || line === 'after').sort()).toEqual(['after', 'before']);
    expect(r.stdout.length).toBe(seqOutput(3_000_000).length + seqOutput(3_000_001).length + 'before\nafter\n'.length);
    expect(r.stderr).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.each([
    ['thread', 1],
    ['process', 2],
  ] as const)('leaves no spill file behind when interrupted while a command spills (%s spokes, %i SIGINT)', async (transport, signals) => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, `spill-int-${transport}-`));
    const spilling = (): boolean => readdirSync(tmp).some((d) => d.startsWith('spm-shell-') && readdirSync(join(tmp, d)).length > 0);
    const r = await runSpmShell(['-j', '1', '--transport', transport], {
      input: `seq 1 1000000; sleep ${mark.sleep}\n`,
      mark: mark.env,
      env: { TMPDIR: tmp },
      onSpawn: (child) => {
        void waitFor(spilling, 20_000, 'the output to spill').then(
          () => {
            for (let k = 0; k < signals; k++) child.kill('SIGINT');
          },
          () => child.kill('SIGKILL'),
        );
      },
    });
    expect(r.code).toBe(130);
    expect(readdirSync(tmp)).toEqual([]);
    await expectNoLeftovers(mark);
  });

  it('cuts output at --max-output, saying so for that job only, when no temporary directory can be made', async () => {
    const mark = newMark();
    const r = await runSpmShell(['-j', '1', '--max-output', '10K'], { input: 'seq 1 100000\necho small\n', mark: mark.env, env: { TMPDIR: join(dir, 'no-such-tmp') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${seqOutput(100000).slice(0, 10240)}small\n`);
    expect(r.stderr.trim().split('\n')).toEqual([
      'spm-shell: job 1 wrote 588895 bytes to stdout and 0 to stderr; only the first 10240 of each were kept (--max-output; the rest could not be written to a temporary file)',
    ]);
  });

  it('says so with --json too, on stderr, its line marked truncated (it said nothing until session 47)', async () => {
    const mark = newMark();
    const r = await runSpmShell(['-j', '1', '--max-output', '10K', '--json'], { input: 'seq 1 100000\necho small\n', mark: mark.env, env: { TMPDIR: join(dir, 'no-such-tmp') } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { seq: number; stdout: string; truncated: boolean });
    expect(lines.map((line) => [line.seq, line.stdout.length, line.truncated])).toEqual([
      [1, 10240, true],
      [2, 6, false],
    ]);
    expect(r.stderr.trim().split('\n')).toEqual([
      'spm-shell: job 1 wrote 588895 bytes to stdout and 0 to stderr; only the first 10240 of each were kept (--max-output; the rest could not be written to a temporary file)',
    ]);
  });

  it('keeps outputs past --max-output in --tmpdir, removed after; a --tmpdir that cannot hold them stops the run first', async () => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'chosen-tmp-'));
    // The command lists the run's directory there while its own output, past 1K, waits in it.
    const r = await runSpmShell(['-j', '1', '--max-output', '1K', '--tmpdir', tmp], { input: `seq 1 20000; ls -d ${tmp}/spm-shell-*\n`, mark: mark.env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(20_001);
    expect(lines[19_999]).toBe('20000');
    expect(lines[20_000]).toMatch(new RegExp(`^${tmp}/spm-shell-`));
    expect(readdirSync(tmp)).toEqual([]);
    const refused = await runSpmShell(['--tmpdir', join(dir, 'no-such-dir'), 'echo', ':::', 'a'], { input: '', mark: mark.env });
    expect(refused.code).toBe(255);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^spm-shell: cannot use --tmpdir `.*no-such-dir` for outputs past --max-output: ENOENT/);
    await expectNoLeftovers(mark);
  });

  it('writes each command’s whole stdout to a file of its own with --files and prints its name; stderr as usual', async () => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'files-'));
    const r = await runSpmShell(['-k', '-j', '2', '--max-output', '1K', '--tmpdir', tmp, '--files'], { input: 'seq 1 50000\necho small; echo oops >&2; exit 3\n', mark: mark.env });
    expect(r.code).toBe(1);
    const names = r.stdout.trim().split('\n');
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name.startsWith(`${tmp}/par`) && name.endsWith('.par')).toBe(true);
      expect(statSync(name).mode & 0o777).toBe(0o600);
    }
    // The spilled output whole in its file; the spill directory itself gone.
    expect(readFileSync(names[0] as string, 'utf8')).toBe(seqOutput(50000));
    expect(readFileSync(names[1] as string, 'utf8')).toBe('small\n');
    expect(r.stderr).toContain('oops\n');
    expect(readdirSync(tmp).sort()).toEqual(names.map((name) => name.slice(tmp.length + 1)).sort());
    await expectNoLeftovers(mark);
  });

  it('refuses a bad option of ~/.parallel/config naming its file and line (exit 255, nothing run); --plain skips it', async () => {
    const mark = newMark();
    const home = mkdtempSync(join(dir, 'home-'));
    mkdirSync(join(home, '.parallel'));
    writeFileSync(join(home, '.parallel/config'), '-k\n--no-such-option\n');
    const r = await runSpmShell(['echo', ':::', 'ran'], { input: '', mark: mark.env, env: { HOME: home } });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 255, stdout: '' });
    expect(r.stderr).toContain('spm-shell: Expected an option of spm-shell (see --help), got `--no-such-option` (from ~/.parallel/config line 2)');
    const plain = await runSpmShell(['--plain', 'echo', ':::', 'ran'], { input: '', mark: mark.env, env: { HOME: home, PARALLEL: '--bogus' } });
    expect({ code: plain.code, stdout: plain.stdout }).toEqual({ code: 0, stdout: 'ran\n' });
  });

  it('takes --env NAME (the command has the variable anyway) and writes the variables’ names with --record-env, running nothing', async () => {
    const mark = newMark();
    const r = await runSpmShell(['-k', '--env', 'SPM_TEST_VAR', '--env', '_', 'echo $SPM_TEST_VAR {}', ':::', 'a'], { input: '', mark: mark.env, env: { SPM_TEST_VAR: 'seen' } });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'seen a\n' });
    const bad = await runSpmShell(['--env', '', 'echo', ':::', 'a'], { input: '', mark: mark.env });
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 255, stdout: '' });
    expect(bad.stderr).toContain("Expected `--env` to be followed by a variable's name (or `_`), got an empty string");
    const home = mkdtempSync(join(dir, 'record-env-'));
    const recorded = await runSpmShell(['--record-env', 'touch', join(home, 'ran')], { input: '', mark: mark.env, env: { HOME: home, SPM_TEST_VAR: 'x' } });
    expect({ code: recorded.code, stdout: recorded.stdout, stderr: recorded.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    const names = readFileSync(join(home, '.parallel/ignored_vars'), 'utf8').split('\n');
    expect(names).toEqual(expect.arrayContaining(['SPM_TEST_VAR', 'HOME', MARK_VARIABLE]));
    expect(existsSync(join(home, 'ran'))).toBe(false);
  });

  it('prints a job’s output when its --files file cannot be made, says so, and exits 255', async () => {
    const mark = newMark();
    const r = await runSpmShell(['--files', 'echo', ':::', 'kept'], { input: '', mark: mark.env, env: { TMPDIR: join(dir, 'no-such-tmp') } });
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('kept\n');
    expect(r.stderr).toMatch(/^spm-shell: job 1: its --files output file cannot be made \(ENOENT.*\); its output is printed instead$/m);
  });

  it('prints one JSON line per command with --json', async () => {
    const mark = newMark();
    const commands = ['echo ok-1', 'exit 3', `sh -c 'sleep ${mark.sleep} & sleep ${mark.sleep}; wait'`, 'kill -9 $$', 'echo to-stderr >&2; exit 1'];
    const r = await runSpmShell(['-j', '3', '--timeout', '1', '--json'], { input: `${commands.join('\n')}\n`, mark: mark.env });
    expect(r.code).toBe(4);
    const lines = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l['seq']).sort()).toEqual([1, 2, 3, 4, 5]);
    const bySeq = new Map(lines.map((l) => [l['seq'], l]));
    expect(bySeq.get(1)).toMatchObject({ command: 'echo ok-1', exitCode: 0, signal: null, timedOut: false, stdout: 'ok-1\n', stderr: '', attempts: 1, truncated: false, error: null });
    expect(bySeq.get(2)).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(bySeq.get(3)).toMatchObject({ command: commands[2], exitCode: null, signal: 'SIGTERM', timedOut: true });
    expect(bySeq.get(4)).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: false });
    expect(bySeq.get(5)).toMatchObject({ exitCode: 1, stderr: 'to-stderr\n', stdout: '' });
    for (const line of lines) {
      expect(line['spoke']).toMatch(/^local:[123]$/);
      expect(typeof line['host']).toBe('string');
      expect(typeof line['durationMs']).toBe('number');
      expect(typeof line['startMs']).toBe('number');
    }
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --timeout N%', () => {
  it.each(['inproc', 'thread', 'process'])('kills a command once it has run past N%% of the median runtime of the successes, one that started before there was any too (%s spokes)', async (transport) => {
    const mark = newMark();
    // It starts first, with no limit yet (no job has succeeded); the short ones' runtimes then set one (~1 s).
    const commands = [`sh -c 'sleep ${mark.sleep} & sleep ${mark.sleep}; wait'`, 'sleep 0.1', 'sleep 0.1', 'sleep 0.1', 'sleep 0.1'];
    const r = await runSpmShell(['-j', '2', '--timeout', '1000%', '--json', '--transport', transport], { input: `${commands.join('\n')}\n`, mark: mark.env });
    expect(r.code).toBe(1);
    const lines = new Map(r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).map((l) => [l['seq'], l]));
    expect(lines.get(1)).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: true });
    for (const seq of [2, 3, 4, 5]) expect(lines.get(seq)).toMatchObject({ exitCode: 0, timedOut: false });
    expect(r.stderr).toMatch(/^spm-shell: job 1 timed out after [\d.]+ s \(--timeout 1000%: of the median runtime of the jobs that succeeded\); its process tree was killed: sh -c/m);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell with a template and ::: arguments', () => {
  it('fills replacement strings with shell-quoted arguments and tags lines', async () => {
    const mark = newMark();
    const r = await runSpmShell(['-j', '2', '-k', '--tag', 'echo {} {.} {/}', ':::', "it's", 'a b.txt', '/x/y.z'], { mark: mark.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("it's\tit's it's it's\na b.txt\ta b.txt a b a b.txt\n/x/y.z\t/x/y.z /x/y y.z\n");
  });

  it('takes items that end with NUL with -0 (find -print0): a newline or a space stays inside its argument', async () => {
    const mark = newMark();
    const scratch = mkdtempSync(join(dir, 'null-'));
    for (const name of ['plain', 'with space', 'with\nnewline']) writeFileSync(join(scratch, name), `${name.length}`);
    const names = execFileSync('find', [scratch, '-type', 'f', '-print0']);
    const r = await runSpmShell(['-0', '-k', '-j', '2', 'printf "[%s]=" {/}; cat {}; echo'], { input: names, mark: mark.env });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((line) => line !== '').sort()).toEqual(['[plain]=5', '[with space]=10', '[with', 'newline]=12'].sort());
    expect(r.stdout).toContain('[with\nnewline]=12\n');
  });

  it('fills {%} with the job slot of the spoke that runs the command, and logs the command as run', async () => {
    const mark = newMark();
    const joblog = join(dir, `slots-${mark.env}.tsv`);
    const r = await runSpmShell(['-j', '2', '--json', '--joblog', joblog, 'echo slot-{%} {}', ':::', 'a', 'b', 'c', 'd'], { mark: mark.env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { command: string; stdout: string; spoke: string });
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      const slot = /^local:([12])$/.exec(line.spoke)?.[1];
      expect(slot).toBeDefined();
      expect(line.stdout).toMatch(new RegExp(`^slot-${String(slot)} [abcd]\n$`));
      expect(line.command).toBe(`echo ${line.stdout.trim()}`);
    }
    const logged = joblogRows(readFileSync(joblog, 'utf8')).map((row) => row[8]).sort();
    expect(logged).toEqual(lines.map((line) => line.command).sort());
  });

  it('runs nothing and exits 0 for an empty ::: group alone, as GNU parallel does (`::: $(cat empty-list)`); beside another, it is one empty value', async () => {
    const mark = newMark();
    const alone = await runSpmShell(['echo', 'never', ':::'], { mark: mark.env });
    expect([alone.code, alone.stdout, alone.stderr]).toEqual([0, '', '']);
    const both = await runSpmShell(['echo', 'never', ':::', ':::'], { mark: mark.env });
    expect([both.code, both.stdout, both.stderr]).toEqual([0, '', '']);
    // GNU parallel 20221122 prints `never  a` here too (an empty value, then a).
    const beside = await runSpmShell(['echo', 'once', ':::', ':::', 'a'], { mark: mark.env });
    expect([beside.code, beside.stdout, beside.stderr]).toEqual([0, 'once  a\n', '']);
  });

  it('prints in input order with --keep-order although later jobs finish first (arguments from -a FILE)', async () => {
    const mark = newMark();
    const args = join(dir, 'keep-order.args');
    writeFileSync(args, '0.6\n0.3\n0\n');
    const r = await runSpmShell(['-j', '3', '-k', '-a', args, 'sleep {}; echo {}'], { mark: mark.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0.6\n0.3\n0\n');
  });
});

describe('spm-shell --dry-run, :::: and -j 0', () => {
  it('--dry-run prints each command in input order and runs nothing, writes no job log', async () => {
    const where = join(dir, 'dry');
    rmSync(where, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', where]);
    const r = await runSpmShell(['--dry-run', '--joblog', 'jl', '-j', '2', 'touch {}.{%}', ':::', 'a', 'b c', 'd'], { cwd: where, mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("touch a.1\ntouch 'b c'.2\ntouch d.1\n");
    expect(readdirSync(where)).toEqual([]);
  });

  it('--dry-run --json prints a JSON line per job, its seq and command as a run would name them', async () => {
    const r = await runSpmShell(['--dry-run', '--json', '-j', '2', 'echo {}.{%}', ':::', 'a', "b'c"], { mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { seq: 1, command: 'echo a.1', dryRun: true },
      { seq: 2, command: "echo 'b'\"'\"'c'.2", dryRun: true },
    ]);
  });

  it('combines :::: files with ::: groups; a combination holding a line that cannot be an argument is not run, and says which file', async () => {
    const names = join(dir, 'names');
    writeFileSync(names, Buffer.from('ok\ncaf\xe9\n', 'latin1'));
    const r = await runSpmShell(['-k', 'echo {2}-{1}', '::::', names, ':::', 'x', 'y'], { mark: newMark().env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('x-ok\ny-ok\n');
    expect(r.stderr).toContain(`spm-shell: job 3 not run: line 2 of \`${names}\` is not valid UTF-8 (byte 0xe9 at byte 4)`);
    expect(r.stderr).toContain('spm-shell: job 4 not run: ');
  });

  it('-j 0 runs every job at once, each in a slot of its own', async () => {
    // Each job waits (at most 10 s) until all 5 have begun: with fewer slots than jobs, the
    // highest slot would be under 5 and the jobs would wait out their 10 s.
    const count = join(dir, 'all-at-once');
    const r = await runSpmShell(['-j', '0', '--json', `echo x >> ${count}; i=0; while [ $(wc -l < ${count}) -lt 5 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo {%} $i`, ':::', '1', '2', '3', '4', '5'], { mark: newMark().env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { stdout: string; spoke: string });
    expect(lines.map((line) => Number(line.stdout.split(' ')[0])).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(lines.every((line) => Number(line.stdout.split(' ')[1]) < 100)).toBe(true);
  });
});

describe('spm-shell --plus {##} and {0#}', () => {
  it('with --shuf and -X, {##} is the number of commands run and {0#} numbers them: the recount shuffles as the first count did', async () => {
    // Arguments of many lengths: how -X packs them into commands of at most -s bytes depends on their order.
    const args = Array.from({ length: 60 }, (_, k) => 'x'.repeat(1 + ((k * 7) % 23)));
    for (let run = 0; run < 3; run++) {
      const r = await runSpmShell(['--plus', '--shuf', '-X', '-s', '120', '-j', '2', 'echo {##} {0#} {}', ':::', ...args], { mark: newMark().env });
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((line) => line.split(' '));
      expect(lines.every((words) => words[0] === String(lines.length))).toBe(true);
      const width = String(lines.length).length;
      expect(lines.map((words) => words[1]).sort()).toEqual(Array.from({ length: lines.length }, (_, k) => String(k + 1).padStart(width, '0')));
      expect(lines.flatMap((words) => words.slice(2)).sort()).toEqual([...args].sort());
    }
  });
});

describe('spm-shell --plus {choose_k}, {uniq} and {0%}', () => {
  it('passes over the jobs {choose_k} refuses: not run, printed or logged, not failed; the others keep their input numbers, -k waits for none of the passed', async () => {
    const joblog = join(dir, 'choose-k.joblog');
    const r = await runSpmShell(['--plus', '-k', '-j', '2', '--halt', 'now,fail=1', '--joblog', joblog, 'echo {#} {choose_k}', ':::', '1', '2', '3', '4', ':::', '1', '2', '3', '4'], { mark: newMark().env });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '2 1 2\n3 1 3\n4 1 4\n7 2 3\n8 2 4\n12 3 4\n', stderr: '' });
    // Rows in the order the jobs ended.
    const rows = joblogRows(readFileSync(joblog, 'utf8')).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows.map((row) => [row[0], row[6], row[8]])).toEqual([2, 3, 4, 7, 8, 12].map((seq) => [String(seq), '0', expect.stringMatching(new RegExp(`^echo ${seq} `))]));
    // --resume: the passed-over jobs are passed over again, not run as missing from the log.
    const again = await runSpmShell(['--plus', '-k', '--resume', '--joblog', joblog, 'echo {#} {choose_k}', ':::', '1', '2', '3', '4', ':::', '1', '2', '3', '4'], { mark: newMark().env });
    expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: '' });
  });

  it('passes over the lines {uniq} refuses, read from stdin in columns, and shows none of them with --dry-run', async () => {
    const input = 'a\tb\nb\tb\nb\ta\nc\tc\nc\td\n';
    const r = await runSpmShell(['--plus', '-k', '--colsep', '\t', 'echo {#}: {2uniq} {1}'], { input, mark: newMark().env });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '1: b a\n3: a b\n5: d c\n' });
    const dry = await runSpmShell(['--plus', '--dry-run', '--colsep', '\t', 'echo {uniq}'], { input, mark: newMark().env });
    expect({ code: dry.code, stdout: dry.stdout }).toEqual({ code: 0, stdout: 'echo a b\necho b a\necho c d\n' });
  });

  for (const transport of ['inproc', 'process'] as const) {
    it(`fills {0%} with the job slot padded to the digits of -j, in the command and in --tagstring (${transport} spokes)`, async () => {
      const r = await runSpmShell(['--plus', '--transport', transport, '-j', '10', '--tagstring', '{0%}', 'echo {0%} {%}', ':::', ...'abcdefghijkl'], { mark: newMark().env });
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((line) => line.split(/[\t ]/));
      expect(lines).toHaveLength(12);
      // The tag (the slot as the hub saw it), the command's padded slot and its plain {%} agree.
      for (const [tag, padded, plain] of lines) expect({ tag, padded, plain }).toEqual({ tag: (plain as string).padStart(2, '0'), padded: tag, plain: expect.stringMatching(/^([1-9]|10)$/) });
    });
  }
});

describe('spm-shell --header names beyond the command', () => {
  it('are replacement strings in --tagstring, --results and --wd too (they stayed text: a literal `{x}` tag, tree, directory)', async () => {
    const where = join(dir, 'header-names');
    mkdirSync(where);
    const sources = [':::', 'x', '1', '2', ':::', 'y', 'a'];
    const tagged = await runSpmShell(['-k', '--header', ':', '--tagstring', '{x}-{y}-{#}', 'echo', '{x}', ...sources], { cwd: where, mark: newMark().env });
    expect(tagged).toMatchObject({ code: 0, stdout: '1-a-1\t1\n2-a-2\t2\n' });
    const results = await runSpmShell(['-k', '--header', ':', '--results', 'o/{x}-{y}', 'echo', 'out', '{x}', ...sources], { cwd: where, mark: newMark().env });
    expect(results.code).toBe(0);
    expect(readdirSync(join(where, 'o')).sort()).toEqual(['1-a', '1-a.err', '1-a.seq', '2-a', '2-a.err', '2-a.seq']);
    expect(readFileSync(join(where, 'o', '2-a'), 'utf8')).toBe('out 2\n');
    const worked = await runSpmShell(['-k', '--header', ':', '--wd', 'd{x}', 'pwd', ...sources], { cwd: where, mark: newMark().env });
    expect(worked).toMatchObject({ code: 0, stdout: `${join(where, 'd1')}\n${join(where, 'd2')}\n` });
    // --dry-run fills a --tagstring's {%} with the slot its command shows (it printed the internal mark).
    const dry = await runSpmShell(['-k', '-j', '2', '--dry-run', '--tagstring', 's{%}', 'echo', '{%}', ':::', 'a', 'b', 'c'], { mark: newMark().env });
    expect(dry.stdout).toBe('s1\techo 1\ns2\techo 2\ns1\techo 1\n');
  });
});

describe('spm-shell --template', () => {
  it('writes each job’s file before its command runs — names and texts filled, --header’s names, {%} — and leaves them, or removes them with --cleanup', async () => {
    const where = join(dir, 'tmpl');
    mkdirSync(where);
    writeFileSync(join(where, 'my.tmpl'), 'Xval: {x}\nYval: {y}\nseq {#} slot {%} of {0#}\n');
    const r = await runSpmShell(['-k', '--plus', '-j', '2', '--header', ':', '--tmpl', 'my.tmpl={#}.t', 'echo Using {#}.t; cat {#}.t', ':::', 'x', '1.5', '2.5', ':::', 'y', '1', '2'], { cwd: where, mark: newMark().env });
    expect(r.code).toBe(0);
    const blocks = r.stdout.split('Using ').slice(1);
    expect(blocks.map((block) => block.replace(/slot [12] /, 'slot S '))).toEqual([
      '1.t\nXval: 1.5\nYval: 1\nseq 1 slot S of 1\n',
      '2.t\nXval: 1.5\nYval: 2\nseq 2 slot S of 2\n',
      '3.t\nXval: 2.5\nYval: 1\nseq 3 slot S of 3\n',
      '4.t\nXval: 2.5\nYval: 2\nseq 4 slot S of 4\n',
    ]);
    // Left behind, as written (the slot a run had is in its file).
    expect(readdirSync(where).sort()).toEqual(['1.t', '2.t', '3.t', '4.t', 'my.tmpl']);
    expect(readFileSync(join(where, '4.t'), 'utf8')).toMatch(/^Xval: 2\.5\nYval: 2\nseq 4 slot [12] of 4\n$/);
    for (const n of [1, 2, 3, 4]) rmSync(join(where, `${n}.t`));
    const cleaned = await runSpmShell(['-k', '--cleanup', '--tmpl', 'my.tmpl=run-{}.t', 'cat run-{}.t | wc -l; ls run-{}.t', ':::', 'a', 'b'], { cwd: where, mark: newMark().env });
    expect({ code: cleaned.code, stdout: cleaned.stdout }).toEqual({ code: 0, stdout: '3\nrun-a.t\n3\nrun-b.t\n' });
    expect(readdirSync(where)).toEqual(['my.tmpl']);
  });

  it('writes one name for every job just before each runs: at -j1 each command reads its own job’s text, short commands or not', async () => {
    const where = join(dir, 'tmpl-one');
    mkdirSync(where);
    writeFileSync(join(where, 'one.tmpl'), '{}\n');
    // Many short commands: spm-shell would hold and batch them (and write a held one's file early) but for --template.
    const values = Array.from({ length: 60 }, (_, k) => `v${k}`);
    const r = await runSpmShell(['-j', '1', '--tmpl', 'one.tmpl=conf', 'printf "%s=" {}; cat conf', ':::', ...values], { cwd: where, mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(values.map((v) => `${v}=${v}`));
  });

  it('fails the job whose file cannot be written, unstarted and saying why; the others run', async () => {
    const where = join(dir, 'tmpl-fail');
    mkdirSync(where);
    mkdirSync(join(where, 'ok'));
    writeFileSync(join(where, 't.tmpl'), '{}\n');
    const joblog = join(where, 'jl');
    const r = await runSpmShell(['-k', '--joblog', joblog, '--tmpl', 't.tmpl={}/f', 'cat {}/f', ':::', 'ok', 'missing'], { cwd: where, mark: newMark().env });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: 'ok\n' });
    expect(r.stderr).toContain(`job 2 ended without an exit status (cannot write its --template file \`${join(where, 'missing', 'f')}\`: ENOENT`);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]]).sort()).toEqual([['1', '0'], ['2', '-1']]);
  });
});

describe('spm-shell --joblog +F', () => {
  it('starts a new log with the header and adds each later run’s rows to it, after a cut last line ended', async () => {
    const joblog = join(dir, 'append.joblog');
    // One at a time: rows are written as jobs end (-k orders output, not the log).
    const first = await runSpmShell(['-k', '-j', '1', '--joblog', `+${joblog}`, 'echo {}', ':::', 'a', 'b'], { mark: newMark().env });
    expect(first.code).toBe(0);
    // A row cut short (a run killed mid-write): the next run's rows start on a line of their own.
    appendFileSync(joblog, '9\t:\t1.000\t');
    const second = await runSpmShell(['-k', '-j', '1', '--joblog', `+${joblog}`, 'exit {}', ':::', '0', '3'], { mark: newMark().env });
    expect(second.code).toBe(1);
    const lines = readFileSync(joblog, 'utf8').split('\n');
    expect(lines[0]).toBe('Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand');
    expect(lines.filter((line) => line.startsWith('Seq\t'))).toHaveLength(1);
    expect(lines.slice(1, 4).map((line) => line.split('\t')[0])).toEqual(['1', '2', '9']);
    expect(lines[3]).toBe('9\t:\t1.000\t');
    expect(lines.slice(4).filter((line) => line !== '').map((line) => line.split('\t')).map((row) => [row[0], row[6], row[8]])).toEqual([['1', '0', 'exit 0'], ['2', '3', 'exit 3']]);
  });
});

describe('spm-shell --joblog naming the file stdout goes to (/dev/stdout)', () => {
  // Opened apart (until session 47), the log had an offset of its own in the same file: its
  // header and rows overwrote the jobs' output (in a pipe, rows landed inside an output).
  it('writes the header first and each row between whole outputs, none of them overwritten', async () => {
    const path = join(dir, 'joblog-to-stdout.out');
    const fd = openSync(path, 'w');
    const sizes = [60_000, 40_000, 3, 2];
    let r;
    try {
      r = await runSpmShell(['-j', '2', '--joblog', '/dev/stdout', 'seq 1 {}', ':::', ...sizes.map(String)], { mark: newMark().env, stdoutFd: fd });
    } finally {
      closeSync(fd);
    }
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand');
    const rows = lines.filter((line) => line.includes('\t'));
    expect(rows.slice(1).map((row) => row.split('\t')[8]).sort()).toEqual(sizes.map((n) => `seq 1 ${n}`).sort());
    // Outputs whole: each a run 1, 2, … n; a row only after an output's last line (or another row).
    let previous = 0;
    const ended: number[] = [];
    for (const line of lines.slice(1)) {
      if (line.includes('\t')) {
        expect(previous === 0 || sizes.includes(previous)).toBe(true);
        if (previous !== 0) ended.push(previous);
        previous = 0;
        continue;
      }
      expect(Number(line)).toBe(previous + 1);
      previous = Number(line);
    }
    expect(ended.sort((a, b) => a - b)).toEqual([...sizes].sort((a, b) => a - b));
  });
});

describe('spm-shell with no job to run', () => {
  // Until session 47 a run without a job returned before its outputs: an earlier run's joblog
  // (its failures) was left as it was, a new one never made, no --trace written.
  it('writes the joblog anew (its header), and the --trace, for empty input, blank lines with -r, and every job filtered out', async () => {
    const cases: [string, readonly string[], string][] = [
      ['empty', ['echo'], ''],
      ['blank', ['-r', 'echo'], '   \n\n'],
      ['filtered', ['--filter', '"{}" ne "a"', 'echo', ':::', 'a'], ''],
    ];
    for (const [name, args, input] of cases) {
      const joblog = join(dir, `none-${name}.joblog`);
      const trace = join(dir, `none-${name}.trace.json`);
      writeFileSync(joblog, 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t1.000\t0.001\t0\t0\t1\t0\texit 1\n');
      const r = await runSpmShell(['--joblog', joblog, '--trace', trace, ...args], { input, mark: newMark().env });
      expect({ name, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ name, code: 0, stdout: '', stderr: '' });
      expect(readFileSync(joblog, 'utf8')).toBe('Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n');
      expect((JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string }[] }).traceEvents.filter((event) => event.ph === 'X')).toEqual([]);
    }
  });
});

describe('spm-shell --line-buffer with --halt now', () => {
  // A killed command's unfinished last line was printed as the run stopped, and ran into the
  // next one's (`3\tb31\tb12\tb2`); GNU parallel drops it.
  it('drops the unfinished last lines of the commands it kills, and prints the failing one’s', async () => {
    const mark = newMark();
    const started = (seq: number): string => join(dir, `lb-halt.started.${seq}`);
    const command = `printf 'a{}\\nb{}'; if [ {} = 3 ]; then while [ ! -e ${started(1)} ] || [ ! -e ${started(2)} ]; do sleep 0.02; done; exit 1; fi; touch ${join(dir, 'lb-halt.started.')}{}; exec sleep ${mark.sleep}`;
    const r = await runSpmShell(['--lb', '--tag', '-j', '3', '--halt', 'now,fail=1', command, ':::', '1', '2', '3'], { mark: mark.env });
    expect(r.code).toBe(1);
    // The failing job's last line, unfinished, is printed; the killed ones' are not (a whole line
    // of theirs may still come after it, and run on from it — as any line after an unfinished
    // one does, in GNU parallel too).
    expect(r.stdout).toContain('3\tb3');
    const rest = r.stdout.replace('3\tb3', '').split('\n').filter((line) => line !== '');
    expect(rest).toContain('3\ta3');
    for (const line of rest) expect(['1\ta1', '2\ta2', '3\ta3']).toContain(line);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --resume', () => {
  it('after an interrupt, runs exactly the jobs the job log lacks, and adds their rows to it', async () => {
    const joblog = join(dir, 'resume.joblog');
    const first = join(dir, 'resume-first');
    const second = join(dir, 'resume-second');
    const args = (ran: string): string[] => ['-j', '2', '--joblog', joblog, `sleep 0.1; echo {} >> ${ran}`, ':::', ...Array.from({ length: 20 }, (_, k) => String(k + 1))];
    const lines = (path: string): number[] => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter((line) => line !== '').map(Number) : []);
    const interrupted = await runSpmShell(args(first), {
      mark: newMark().env,
      onSpawn: (child) => {
        interruptWhen(child, () => lines(first).length >= 6, 20_000, 'six jobs to finish');
      },
    });
    expect(interrupted.code).toBe(130);
    const logged = joblogRows(readFileSync(joblog, 'utf8')).map((row) => Number(row[0]));
    expect(logged.length).toBeGreaterThanOrEqual(6);
    expect(logged.length).toBeLessThan(20);
    const resumed = await runSpmShell(['--resume', ...args(second)], { mark: newMark().env });
    expect(resumed.code).toBe(0);
    const all = Array.from({ length: 20 }, (_, k) => k + 1);
    expect(lines(second).sort((a, b) => a - b)).toEqual(all.filter((seq) => !logged.includes(seq)));
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => Number(row[0])).sort((a, b) => a - b)).toEqual(all);
  });

  it('with -k, prints a job’s output without waiting for the jobs it passes over', async () => {
    const joblog = join(dir, 'resume-k.joblog');
    const go = join(dir, 'resume-k-go');
    expect((await runSpmShell(['--joblog', joblog, 'echo {}', ':::', '1', '2', '3'], { mark: newMark().env })).code).toBe(0);
    // Job 5 waits (at most 20 s) for a file the spec makes once job 4's output is printed: had
    // the printer waited for jobs 1–3 (passed over), job 4's output would come only at the end.
    const r = await runSpmShell(['--resume', '-k', '-j', '2', '--joblog', joblog, `if [ {} = 5 ]; then i=0; while [ ! -e ${go} ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; echo 5 after $i; else echo {}; fi`, ':::', '1', '2', '3', '4', '5'], {
      mark: newMark().env,
      onSpawn: (child) => {
        let seen = '';
        child.stdout?.on('data', (chunk: Buffer | string) => {
          seen += chunk.toString();
          if (seen.includes('4\n')) writeFileSync(go, '');
        });
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4\n5 after \d+\n$/);
    expect(Number(/after (\d+)/.exec(r.stdout)?.[1])).toBeLessThan(200);
  });
});

describe.each(['inproc', 'thread', 'process'] as const)('spm-shell’s job variables and SIGHUP (%s spokes)', (transport) => {
  it('gives each command $PARALLEL_SEQ, $PARALLEL_JOBSLOT, $PARALLEL_JOBSLOT0 and $PARALLEL_PID (the bin’s), exported to what it starts', async () => {
    let pid: number | undefined;
    const r = await runSpmShell(['-k', '-j', '3', '--transport', transport, 'echo {} $PARALLEL_SEQ $PARALLEL_JOBSLOT $PARALLEL_PID $(sh -c "echo \\$PARALLEL_SEQ") $PARALLEL_JOBSLOT0', ':::', 'a', 'b', 'c', 'd', 'e'], {
      mark: newMark().env,
      onSpawn: (child) => (pid = child.pid),
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => line.split(' '));
    expect(lines.map(([arg, seq, , , inner]) => [arg, seq, inner])).toEqual(['a', 'b', 'c', 'd', 'e'].map((arg, i) => [arg, String(i + 1), String(i + 1)]));
    for (const [, , slot, parallelPid, , slot0] of lines) {
      expect(['1', '2', '3']).toContain(slot);
      expect(parallelPid).toBe(String(pid));
      expect(Number(slot0)).toBe(Number(slot) - 1);
    }
  });

  it('puts the job variables on the command’s first line: its lines are the shell’s (a syntax error in line 1 is said so; $LINENO)', async () => {
    // bash: dash has no $LINENO. --cat's file as stdin goes on that line too.
    const env = { PARALLEL_SHELL: '/bin/bash' };
    const r = await runSpmShell(['-k', '-j', '1', '--transport', transport, 'echo [$LINENO {}]', ':::', 'a'], { mark: newMark().env, env });
    expect(r.stdout).toBe('[1 a]\n');
    const broken = await runSpmShell(['-j', '1', '--transport', transport, 'echo "{}', ':::', 'a'], { mark: newMark().env, env });
    expect(broken.stderr).toMatch(/-c: line 1: unexpected EOF while looking for matching `"'/);
    const cat = await runSpmShell(['--pipe', '--cat', '-j', '1', '--transport', transport, 'echo [$LINENO]; cat {}'], { input: 'x\n', mark: newMark().env, env });
    expect(cat.stdout).toBe('[1]\nx\n');
  });

  it('names the slot-less-one variable --process-slot-var says (and then sets no $PARALLEL_JOBSLOT0), in what the command starts too', async () => {
    const r = await runSpmShell(['-k', '-j', '3', '--transport', transport, '--process-slot-var', 'GPU', 'echo $PARALLEL_JOBSLOT $GPU $(sh -c "echo \\$GPU") [$PARALLEL_JOBSLOT0]', ':::', 'a', 'b', 'c', 'd', 'e', 'f'], { mark: newMark().env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => line.split(' '));
    expect(lines).toHaveLength(6);
    for (const [slot, gpu, inner, unset] of lines) {
      expect(['1', '2', '3']).toContain(slot);
      expect([gpu, inner, unset]).toEqual([String(Number(slot) - 1), String(Number(slot) - 1), '[]']);
    }
  });

  it('on SIGHUP starts no more jobs: the running ones finish and are printed and logged, the exit status is theirs', async () => {
    const scratch = mkdtempSync(join(dir, `hup-${transport}-`));
    const go = join(scratch, 'go');
    const joblog = join(scratch, 'joblog');
    let sawHup = false;
    const r = await runSpmShell(['-j', '2', '--transport', transport, '--joblog', joblog, `touch ${scratch}/started-{}; while [ ! -e ${go} ]; do sleep 0.02; done; echo done {}`, ':::', '1', '2', '3', '4', '5', '6'], {
      mark: newMark().env,
      onSpawn: (child) => {
        void (async () => {
          await waitFor(() => readdirSync(scratch).filter((name) => name.startsWith('started-')).length === 2, 20_000, 'two jobs to start');
          child.kill('SIGHUP');
          // Once it has said it starts no more, the two may end.
          await waitFor(() => sawHup, 20_000, 'the SIGHUP notice');
          writeFileSync(go, '');
        })();
        child.stderr?.on('data', (chunk: Buffer) => (sawHup ||= chunk.toString().includes('SIGHUP: starting no more jobs; waiting for 2 running')));
      },
    });
    expect(r.code).toBe(0);
    const started = readdirSync(scratch).filter((name) => name.startsWith('started-')).sort();
    expect(started).toHaveLength(2);
    expect(r.stdout.trim().split('\n').sort()).toEqual(started.map((name) => `done ${name.slice('started-'.length)}`));
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => row[6])).toEqual(['0', '0']);
  });

  it('on Ctrl-Z (SIGTSTP) stops its running commands with itself, and SIGCONT continues them all', async () => {
    // Until session 44 only spm-shell stopped: its commands, in sessions of their own, ran on.
    const scratch = mkdtempSync(join(dir, `tstp-${transport}-`));
    const go = join(scratch, 'go');
    // (Each written whole, then renamed into place: a name without `.tmp` holds the pid.)
    const pidsOf = (): number[] => readdirSync(scratch).filter((name) => /^pid-\d+$/.test(name)).map((name) => Number(readFileSync(join(scratch, name), 'utf8')));
    let seen: string | undefined;
    const r = await runSpmShell(['-j', '2', '--transport', transport, `echo $$ > ${scratch}/pid-{}.tmp && mv ${scratch}/pid-{}.tmp ${scratch}/pid-{}; while [ ! -e ${go} ]; do sleep 0.02; done; echo done {}`, ':::', '1', '2'], {
      mark: newMark().env,
      onSpawn: (child) => {
        void (async () => {
          try {
            await waitFor(() => pidsOf().length === 2, 20_000, 'both commands to start');
            child.kill('SIGTSTP');
            await waitFor(() => processState(child.pid as number) === 'T' && pidsOf().every((pid) => processState(pid) === 'T'), 20_000, 'spm-shell and both commands stopped');
            seen = 'stopped';
          } catch (error) {
            seen = String(error);
          } finally {
            writeFileSync(go, '');
            child.kill('SIGCONT');
          }
        })();
      },
    });
    expect(seen).toBe('stopped');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['done 1', 'done 2']);
  });

  it('hears SIGUSR1, SIGUSR2 and SIGALRM and goes on: no inspector opened, no run ended unsaid', async () => {
    // Until session 44 SIGUSR1 (GNU parallel's "list the jobs") opened Node's inspector on
    // 127.0.0.1:9229, and SIGUSR2 or SIGALRM ended the run with status 140 or 142.
    const r = await runSpmShell(['-k', '-j', '1', '--transport', transport, 'echo {}; if [ {} = 1 ]; then kill -USR1 $PARALLEL_PID; kill -USR2 $PARALLEL_PID; kill -ALRM $PARALLEL_PID; sleep 0.2; fi', ':::', '1', '2', '3'], { mark: newMark().env });
    expect(r.stderr).not.toContain('Debugger listening');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1\n2\n3\n');
  });

  it('after SIGHUP, a job that fails is not run again (--retries): it is printed, logged and counted failed', async () => {
    const joblog = join(dir, `hup-retries-${transport}.joblog`);
    const r = await runSpmShell(['-k', '-j', '1', '--retries', '3', '--transport', transport, '--joblog', joblog, 'echo {}; if [ {} = 2 ]; then kill -HUP $PARALLEL_PID; sleep 0.2; exit 1; fi; sleep 0.2', ':::', '1', '2', '3'], { mark: newMark().env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('1\n2\n');
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
      ['1', '0'],
      ['2', '1'],
    ]);
  });
});

describe('spm-shell --delay', () => {
  it('starts no command before the delay since the one before has passed, with slots free', async () => {
    // Two slots, two jobs, a 20 s delay: the second must not start while the first is done and
    // the run is interrupted (without --delay both start at once).
    const first = join(dir, 'delay-first');
    const second = join(dir, 'delay-second');
    const joblog = join(dir, 'delay.joblog');
    const r = await runSpmShell(['-j', '2', '--delay', '20', '--joblog', joblog, 'touch {}', ':::', first, second], {
      mark: newMark().env,
      onSpawn: (child) => {
        // Rows only: the file exists a moment before its header is in it (joblogRows would throw).
        const rows = (): number => (existsSync(joblog) ? readFileSync(joblog, 'utf8').split('\n').filter((line) => /^\d+\t/.test(line)).length : 0);
        interruptWhen(child, () => rows() === 1, 15_000, 'the first job to be logged');
      },
    });
    expect(r.code).toBe(130);
    expect(existsSync(first)).toBe(true);
    expect(existsSync(second)).toBe(false);
  });
});

describe('spm-shell on input lines that cannot be commands', () => {
  it('counts a job not run among the jobs a --halt percentage is a share of: 1 of 2 failed is 50 %', async () => {
    const r = await runSpmShell(['-j', '1', '--halt', 'soon,fail=60%'], { input: Buffer.from('echo a\0b\ntrue\n'), mark: newMark().env });
    expect(r.code).toBe(50);
  });

  it('says a command too long for Linux is not run, cut short in the notice (not echoed whole), and runs the others', async () => {
    const r = await runSpmShell(['-j', '1', '-k', 'echo'], { input: `a\n${'x'.repeat(300_000)}\nb\n`, mark: newMark().env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('a\nb\n');
    expect(r.stderr).toContain(`spm-shell: job 2 not run: its command would be 300005 bytes long, more than 130963, the longest command Linux passes to the shell (one argument of /bin/sh -c, less the job's variables): echo ${'x'.repeat(995)}… (299005 more bytes)\n`);
    expect(r.stderr.length).toBeLessThan(2_000);
  });

  it('runs every other line, fails those (not valid UTF-8, a NUL byte) without running them, and says why', async () => {
    const joblog = join(dir, 'refused.joblog');
    const created = join(dir, 'refused-created');
    // `touch <dir>/refused-created<0xE9>`: run as U+FFFD it would create another file.
    const input = Buffer.concat([Buffer.from('echo first\n'), Buffer.from(`touch ${created}`), Buffer.from([0xe9, 0x0a]), Buffer.from('echo a\0b\necho last\n')]);
    const r = await runSpmShell(['-j', '2', '-k', '--joblog', joblog], { input, mark: newMark().env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('first\nlast\n');
    expect(readdirSync(dir).filter((name) => name.startsWith('refused-created'))).toEqual([]);
    expect(r.stderr).toContain('spm-shell: job 2 not run: input line 2 is not valid UTF-8 (byte 0xe9 at byte');
    expect(r.stderr).toContain('spm-shell: job 3 not run: input line 3 holds a NUL byte (at byte 7), which a shell command cannot hold (items that end with NUL: -0): echo a\\0b');
    expect(exitvalsBySeq(joblog)).toEqual([
      ['1', '0'],
      ['2', '-1'],
      ['3', '-1'],
      ['4', '0'],
    ]);
    const json = await runSpmShell(['--json'], { input: Buffer.from('echo a\0b\n'), mark: newMark().env });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ seq: 1, exitCode: null, attempts: 0, error: 'input line 1 holds a NUL byte (at byte 7), which a shell command cannot hold (items that end with NUL: -0)' });
  });
});

describe('spm-shell given command-line arguments that are not UTF-8', () => {
  it('fails a ::: argument that is not UTF-8 without running it, naming it and the byte, as an input line: `ls -b ::: *`', async () => {
    const where = join(dir, 'argv-latin1');
    mkdirSync(where, { recursive: true });
    writeFileSync(join(where, 'plain.txt'), '');
    writeFileSync(Buffer.from(join(where, 'caf\xe9.txt'), 'latin1'), '');
    const joblog = join(dir, 'argv-latin1.joblog');
    // The names as the shell's `*` gives them: bytes (sorted, as a glob is).
    const names = readdirSync(where, { encoding: 'buffer' }).sort(Buffer.compare);
    const r = await runSpmShell(['-k', '--joblog', joblog, 'ls', '-b', ':::', ...names], { cwd: where, mark: newMark().env });
    // Until 2026-11-24 Node's U+FFFD went to ls: "ls: cannot access 'caf�.txt'".
    expect(r.stderr).toBe("spm-shell: job 1 not run: argument 7 (after :::) is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text: ls -b 'caf\uFFFD.txt'\n");
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: 'plain.txt\n' });
    expect(exitvalsBySeq(joblog)).toEqual([
      ['1', '-1'],
      ['2', '0'],
    ]);
  });

  it('finds them with node’s own options before the bin’s path, and lets a real U+FFFD (valid UTF-8) through', async () => {
    const r = await runSpmShell(['-k', 'echo', ':::', '\uFFFD', Buffer.from('x\xff', 'latin1'), 'last'], { mark: newMark().env, nodeOptions: ['--no-warnings', '--stack-size=2000'] });
    expect(r).toEqual({ code: 1, signal: null, stdout: '\uFFFD\nlast\n', stderr: "spm-shell: job 2 not run: argument 5 (after :::) is not valid UTF-8 (byte 0xff at byte 2); spm-shell passes commands to the shell as UTF-8 text: echo 'x\uFFFD'\n" });
  });

  it('with -d, refuses only the pieces of such an argument that hold its bad bytes', async () => {
    const r = await runSpmShell(['-k', '-d', ',', 'echo', ':::', Buffer.from('a,x\xe9', 'latin1')], { mark: newMark().env });
    expect(r).toEqual({ code: 1, signal: null, stdout: 'a\n', stderr: "spm-shell: job 2 not run: argument 6 (after :::) is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text: echo 'x\uFFFD'\n" });
  });

  it('refuses one in the command or an option as a usage error (255), running nothing', async () => {
    const made = join(dir, 'argv-made');
    // (In `dir`: the `touch … a` it ran until 2026-11-24 made `a` where it runs too.)
    const command = await runSpmShell([Buffer.from(`touch ${made}\xe9`, 'latin1'), ':::', 'a'], { cwd: dir, mark: newMark().env });
    expect(existsSync(made)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith('argv-made'))).toEqual([]);
    expect(command).toEqual({
      code: 255,
      signal: null,
      stdout: '',
      stderr: `spm-shell: Expected argument 1 (in the command) to be valid UTF-8, got byte 0xe9 at byte ${made.length + 7}; spm-shell passes commands to the shell as UTF-8 text (only a \`:::\` argument may be other bytes: its jobs are then not run)\nTry \`spm-shell --help\`.\n`,
    });
    const option = await runSpmShell(['--tagstring', Buffer.from('\xe9', 'latin1'), 'echo', ':::', 'a'], { mark: newMark().env });
    expect({ code: option.code, stdout: option.stdout }).toEqual({ code: 255, stdout: '' });
    expect(option.stderr).toMatch(/^spm-shell: Expected argument 2 \(an option or its value\) to be valid UTF-8, got byte 0xe9 at byte 1;/);
  });
});

describe('spm-shell --csv', () => {
  it('runs each CSV record’s job with its fields (line ends inside quotes too), fails a record that is not CSV without running it, says why, and runs the rest', async () => {
    const joblog = join(dir, 'csv.joblog');
    // (Its quotes are even: a line with an odd number would open a record to the next such line.)
    const input = 'a,"b, c"\nx"y"z,q\n"multi\nline",w\n';
    const r = await runSpmShell(['-k', '--csv', '--joblog', joblog, 'printf', '[%s]', '{2}', '{1};', 'echo'], { input, mark: newMark().env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('[b, c][a]\n[w][multi\nline]\n');
    expect(r.stderr).toContain('spm-shell: job 2 not run: its record is not CSV (--csv): field 1 holds a `"` (at character 2) without being quoted; write it as `""` in a field quoted whole: x"y"z,q');
    expect(exitvalsBySeq(joblog)).toEqual([
      ['1', '0'],
      ['2', '-1'],
      ['3', '0'],
    ]);
    // A header that is not CSV stops the run before anything runs.
    const header = await runSpmShell(['--csv', '--header', ':', 'echo', '{a}', ':::', 'a"b', 'x'], { input: '', mark: newMark().env });
    expect({ code: header.code, stdout: header.stdout }).toEqual({ code: 255, stdout: '' });
    expect(header.stderr).toContain('spm-shell: Expected the header (--header) to be a CSV record (--csv), got "a\\"b": field 1 holds a `"` (at character 2) without being quoted');
    const stdin = await runSpmShell(['--csv', '--header', ':', 'echo', '{a}'], { input: 'a"b"c\nx\n', mark: newMark().env });
    expect({ code: stdin.code, stdout: stdin.stdout }).toEqual({ code: 255, stdout: '' });
    expect(stdin.stderr).toMatch(/^spm-shell: Expected the header \(--header\) to be a CSV record \(--csv\), got "a\\"b\\"c": field 1 holds/);
  });
});

describe('spm-shell as a script’s #! interpreter', () => {
  const bin = fileURLToPath(new URL('../bin/spm-shell.cjs', import.meta.url));
  const script = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o755 });
    return path;
  };

  it('--shebang: the script’s lines (not the #! one) are the input of the command its #! line gives, with the options there', () => {
    const jobs = script('shebang jobs', `#!${bin} --shebang -k -r --timeout 5 "echo {#}:{}; exit {#}"\na b\n\nc\n`);
    const r = spawnSync(jobs, [], { encoding: 'utf8', env: { ...process.env, [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    // The quoted word is the template; -r passes the blank line over; the exit status counts the two failures.
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 2, stdout: '1:a b\n2:c\n' });
  });

  it('--shebang-wrap: the program on its #! line runs the script once per argument, each argument whole (GNU parallel 20221122 splits one holding a blank), a script path with a blank too', () => {
    const wrapped = script('wrapped script', `#!${bin} --shebang-wrap -k -j 2 /bin/sh\necho "$# [$1] $0"\n`);
    const r = spawnSync(wrapped, ['a', 'b c', ''], { encoding: 'utf8', env: { ...process.env, [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 0, stdout: `1 [a] ${wrapped}\n1 [b c] ${wrapped}\n1 [] ${wrapped}\n` });
  });
});

describe('spm-shell run as a program (its npm bin) where NODE_EXTRA_CA_CERTS is set', () => {
  // Node 20 loads that file's certificates as a process starts (~50 ms here); the bin's first
  // line (sh) execs node without it, and the hub puts it back for the commands. A file that
  // cannot be read makes the load visible: Node warns on stderr where it tried.
  const bin = fileURLToPath(new URL('../bin/spm-shell.cjs', import.meta.url));
  const sem = fileURLToPath(new URL('../bin/spm-sem.cjs', import.meta.url));
  const env = { ...process.env, PARALLEL: undefined, NODE_EXTRA_CA_CERTS: '/nonexistent-spm-ca.pem' };
  const WARNING = 'Ignoring extra certs from `/nonexistent-spm-ca.pem`';
  // What a command sees, and whether the hub ($PARALLEL_PID) was started with the variable.
  const SHOW = 'printf "%s|%s|" "$NODE_EXTRA_CA_CERTS" "${SPM_DEFERRED_NODE_EXTRA_CA_CERTS-unset}"; tr "\\0" "\\n" </proc/$PARALLEL_PID/environ | grep -c ^NODE_EXTRA_CA_CERTS=; : {}';

  it('starts its hub without loading them, and every command gets the variable as it was', () => {
    const r = spawnSync(bin, [SHOW, ':::', 'a'], { encoding: 'utf8', env: { ...env, [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '/nonexistent-spm-ca.pem|unset|0\n', stderr: '' });
    // spm-sem too.
    const s = spawnSync(sem, ['--fg', SHOW], { encoding: 'utf8', env: { ...env, [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    expect({ code: s.status, stdout: s.stdout, stderr: s.stderr }).toEqual({ code: 0, stdout: '/nonexistent-spm-ca.pem|unset|0\n', stderr: '' });
    // Run with `node bin`, the hub loads them itself (and was started with the variable).
    const viaNode = spawnSync(process.execPath, [bin, SHOW, ':::', 'a'], { encoding: 'utf8', env: { ...env, [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    expect({ code: viaNode.status, stdout: viaNode.stdout }).toEqual({ code: 0, stdout: '/nonexistent-spm-ca.pem|unset|1\n' });
    expect(viaNode.stderr).toContain(WARNING);
  });

  it('leaves an empty or unset variable as it is', () => {
    const empty = spawnSync(bin, [SHOW, ':::', 'a'], { encoding: 'utf8', env: { ...env, NODE_EXTRA_CA_CERTS: '', [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    expect({ code: empty.status, stdout: empty.stdout }).toEqual({ code: 0, stdout: '|unset|1\n' });
    const unset = spawnSync(bin, ['printf "%s|%s" "${NODE_EXTRA_CA_CERTS-unset}" "${SPM_DEFERRED_NODE_EXTRA_CA_CERTS-unset}" #{}', ':::', 'a'], { encoding: 'utf8', env: { ...env, NODE_EXTRA_CA_CERTS: undefined, [MARK_VARIABLE]: newMark().env }, timeout: 40_000 });
    expect({ code: unset.status, stdout: unset.stdout }).toEqual({ code: 0, stdout: 'unset|unset' });
  });
});

describe('spm-shell --trace to a file that cannot be written', () => {
  it('says so before running anything and exits 255, like an unwritable joblog', async () => {
    const mark = newMark();
    const r = await runSpmShell(['--trace', '/nonexistent-spm-dir/trace.json', ':::', `echo ran-${mark.env}`], { mark: mark.env });
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^spm-shell: cannot write the trace `\/nonexistent-spm-dir\/trace\.json`: ENOENT/);
  });
});

describe('spm-shell --trace to a file that fails at the end', () => {
  it('says so and exits 255: the trace was not written', async () => {
    // Regression: the start-up check (an empty write) passes on /dev/full, the trace at the end
    // failed, and the run exited 0.
    const mark = newMark();
    const r = await runSpmShell(['--trace', '/dev/full', ':::', 'echo x'], { mark: mark.env });
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('x\n');
    expect(r.stderr).toMatch(/^spm-shell: cannot write the trace `\/dev\/full`: ENOSPC[^\n]*\n$/);
  });
});

describe('spm-shell --joblog to a file that fails after the header', () => {
  it('says so once, kills the running commands and exits 255', async () => {
    // Regression: the status callback threw, and the run ended with the task manager's message
    // about a throwing callback instead of naming the job log.
    const mark = newMark();
    const fifo = join(dir, 'joblog.fifo');
    const gone = join(dir, 'joblog.reader-gone');
    const started = join(dir, 'joblog.started');
    execFileSync('mkfifo', [fifo]);
    // The job log's reader takes the header and goes away: the first row's write fails (EPIPE).
    const reader = createReadStream(fifo);
    reader.once('data', () => reader.destroy());
    reader.once('close', () => writeFileSync(gone, ''));
    const input = [`while [ ! -e ${gone} ] || [ ! -e ${started} ]; do sleep 0.02; done`, `touch ${started}; exec sleep ${mark.sleep}`].join('\n');
    const r = await runSpmShell(['-j', '2', '--joblog', fifo], { input: `${input}\n`, mark: mark.env });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(`spm-shell: cannot write the joblog \`${fifo}\`: EPIPE: broken pipe, write\n`);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell when its output cannot be written', () => {
  let full: number;
  beforeAll(() => {
    full = openSync('/dev/full', 'w');
  });
  afterAll(() => closeSync(full));

  it.each([[[]], [['--json']], [['--joblog', '-']]])('says so in one line, kills the running commands and exits 255 (%j)', async (extra: string[]) => {
    // Regression: ENOSPC on stdout was rethrown: a stack trace, exit 1, commands left to the watchdogs.
    const mark = newMark();
    const started = join(dir, `full-stdout-${mark.env}.started`);
    const r = await runSpmShell(['-j', '2', ...extra, ':::', `while [ ! -e ${started} ]; do sleep 0.02; done; echo hi`, `touch ${started}; exec sleep ${mark.sleep}`], { mark: mark.env, stdoutFd: full });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/^spm-shell: cannot write the output: ENOSPC: no space left on device, write\n$/);
    await expectNoLeftovers(mark);
  });

  it('exits 0 when there was nothing to write', async () => {
    const mark = newMark();
    const r = await runSpmShell([':::', 'true'], { mark: mark.env, stdoutFd: full });
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('spm-shell when stderr cannot be written', () => {
  let full: number;
  beforeAll(() => {
    full = openSync('/dev/full', 'w');
  });
  afterAll(() => closeSync(full));

  it('ends as it would have: its notices, progress and the commands’ stderr are lost, the outcome is not', async () => {
    // Regression: the final (empty) write to stderr failed with ENOSPC, an unhandled 'error': exit 1.
    const mark = newMark();
    const ok = await runSpmShell([':::', 'echo hi'], { mark: mark.env, stderrFd: full });
    expect(ok).toMatchObject({ code: 0, stdout: 'hi\n' });
    const noisy = await runSpmShell(['--verbose', '--progress', '-k', ':::', 'echo hi', 'echo oops >&2', 'exit 3'], { mark: mark.env, stderrFd: full });
    expect(noisy).toMatchObject({ code: 1, stdout: 'hi\n' });
  });
});

/** Starts the bin on `transport` spokes; `stdout` and `stderr` grow as it writes. */
function startOn(transport: string, args: readonly string[], mark: { env: string }): { stdout: () => string; stderr: () => string; closed: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, '--no-progress', '--transport', transport, ...args], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { stdout: () => stdout, stderr: () => stderr, closed: new Promise((resolve) => child.on('close', resolve)) };
}

describe.each(['inproc', 'thread', 'process'] as const)('spm-shell -t (%s spokes)', (transport) => {
  it('prints each command on stderr as it starts, its job slot filled, while it runs', async () => {
    // The commands go on only once the test has seen both on stderr: shown at their end, they
    // would wait for \`go\` until their timeout.
    const mark = newMark();
    const go = join(dir, `go-t-${transport}`);
    const wait = `while [ ! -e ${go} ]; do sleep 0.02; done`;
    const run = startOn(transport, ['-t', '-j', '2', '-k', '--timeout', '60', `${wait}; echo {%} {}`, ':::', 'a', 'b c'], mark);
    try {
      await waitFor(() => run.stderr().split('\n').length === 3, 20_000, 'both commands on stderr while they run');
    } finally {
      writeFileSync(go, '');
    }
    expect(await run.closed).toBe(0);
    expect(run.stderr().split('\n').sort()).toEqual(['', `${wait}; echo 1 a`, `${wait}; echo 2 'b c'`]);
    expect(run.stdout()).toBe('1 a\n2 b c\n');
    await expectNoLeftovers(mark);
  });
});

describe.each(['inproc', 'thread', 'process'] as const)('spm-shell --line-buffer (%s spokes)', (transport) => {
  const start = (args: readonly string[], mark: { env: string }): ReturnType<typeof startOn> => startOn(transport, args, mark);

  it('prints running commands’ lines as they come, whole and tagged; the job log counts what was not kept', async () => {
    // Each command goes on only once the test has seen both commands' first lines on the bin's
    // stdout: printed only at their end, they would wait for \`go\` until their timeout.
    const mark = newMark();
    const go = join(dir, `go-${transport}`);
    const joblog = join(dir, `lb-${transport}.joblog`);
    const run = start(['-j', '2', '--lb', '--tag', '--timeout', '60', '--joblog', joblog, `echo first {}; echo err {} >&2; while [ ! -e ${go} ]; do sleep 0.02; done; printf 'second {}'`, ':::', 'a', 'b'], mark);
    await waitFor(() => run.stdout().includes('a\tfirst a\n') && run.stdout().includes('b\tfirst b\n'), 20_000, 'both commands’ first lines while they run');
    expect(run.stdout()).not.toContain('second');
    await waitFor(() => run.stderr().includes('a\terr a\n') && run.stderr().includes('b\terr b\n'), 20_000, 'both commands’ stderr lines while they run');
    writeFileSync(go, '');
    expect(await run.closed).toBe(0);
    // A last line without a newline is printed when its command ends, as it stands.
    const out = run.stdout();
    const firsts = out.slice(0, 'a\tfirst a\nb\tfirst b\n'.length);
    expect(['a\tfirst a\nb\tfirst b\n', 'b\tfirst b\na\tfirst a\n']).toContain(firsts);
    expect(['a\tsecond ab\tsecond b', 'b\tsecond ba\tsecond a']).toContain(out.slice(firsts.length));
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => [row[6], row[5]]).sort()).toEqual([
      ['0', String('first a\nsecond a'.length)],
      ['0', String('first b\nsecond b'.length)],
    ]);
    await expectNoLeftovers(mark);
  });

  it('with -u, prints output as it comes, half a line too', async () => {
    // The command goes on only once the test has read its half line: with whole lines only, it
    // would wait for \`go\` until its timeout.
    const mark = newMark();
    const go = join(dir, `go-u-${transport}`);
    const run = start(['-u', '--timeout', '60', `printf half; while [ ! -e ${go} ]; do sleep 0.02; done; echo ' rest'`, ':::', 'a'], mark);
    await waitFor(() => run.stdout() === 'half', 20_000, 'the half line while the command runs');
    writeFileSync(go, '');
    expect(await run.closed).toBe(0);
    expect(run.stdout()).toBe('half rest a\n');
    await expectNoLeftovers(mark);
  });

  it('with -k, prints the oldest command’s lines live and holds a later one’s until its turn', async () => {
    const mark = newMark();
    const go = join(dir, `go-k-${transport}`);
    const joblog = join(dir, `lb-k-${transport}.joblog`);
    const run = start(['-j', '2', '-k', '--lb', '--timeout', '60', '--joblog', joblog, ':::', `echo 1-start; while [ ! -e ${go} ]; do sleep 0.02; done; echo 1-end`, 'echo 2-line; echo 2-more'], mark);
    await waitFor(() => run.stdout().includes('1-start\n'), 20_000, 'the first command’s first line while it runs');
    // The second command has ended (its row is in the job log): its lines still wait.
    const rowsNow = (): number => {
      try {
        return joblogRows(readFileSync(joblog, 'utf8')).length;
      } catch {
        return 0; // not written yet, or only part of its header
      }
    };
    await waitFor(() => rowsNow() === 1, 20_000, 'the second command to end');
    expect(run.stdout()).toBe('1-start\n');
    writeFileSync(go, '');
    expect(await run.closed).toBe(0);
    expect(run.stdout()).toBe('1-start\n1-end\n2-line\n2-more\n');
    await expectNoLeftovers(mark);
  });

  it('with -k, keeps a later command’s lines past --max-output in a file of the run’s temporary directory until its turn', async () => {
    const mark = newMark();
    const go = join(dir, `go-k-file-${transport}`);
    const tmp = mkdtempSync(join(dir, `lb-k-tmp-${transport}-`));
    const run = start(['-j', '2', '-k', '--lb', '--max-output', '64K', '--tmpdir', tmp, '--timeout', '60', ':::', `echo 1-start; while [ ! -e ${go} ]; do sleep 0.02; done; echo 1-end`, 'seq 1 200000'], mark);
    // The second command's 1.3 MB wait on disk (but its first 64 KiB), not in the bin's memory.
    const waitingOnDisk = (): number => {
      try {
        return readdirSync(tmp).flatMap((run) => readdirSync(join(tmp, run)).filter((name) => name.startsWith('live-2-')).map((name) => statSync(join(tmp, run, name)).size))[0] ?? 0;
      } catch {
        return 0;
      }
    };
    try {
      // Both: on process spokes the first command's line may reach the bin after the second's are on disk.
      await waitFor(() => run.stdout().includes('1-start\n') && waitingOnDisk() > 1_000_000, 20_000, 'the first command’s line, and the second command’s lines in a file, while the first runs');
      expect(run.stdout()).toBe('1-start\n');
    } finally {
      writeFileSync(go, '');
    }
    expect(await run.closed).toBe(0);
    expect(run.stdout() === `1-start\n1-end\n${seqOutput(200000)}`).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --results', () => {

  it('writes each command’s whole stdout, stderr and seq to its files and prints none of it; a spilled output whole', async () => {
    const out = join(dir, 'results');
    const joblog = join(dir, 'results.joblog');
    const r = await runSpmShell(['-j', '2', '--max-output', '1K', '--results', out, '--joblog', joblog, 'seq 1 {}; echo e{} >&2; [ {} -lt 1000 ]', ':::', '3', '20000'], { input: '', mark: newMark().env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    expect(fileTree(out)).toEqual({
      '1/3/stdout': seqOutput(3),
      '1/3/stderr': 'e3\n',
      '1/3/seq': '1',
      '1/20000/stdout': seqOutput(20000),
      '1/20000/stderr': 'e20000\n',
      '1/20000/seq': '2',
    });
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[5], row[6]]).sort()).toEqual([
      ['1', String(seqOutput(3).length), '0'],
      ['2', String(seqOutput(20000).length), '1'],
    ]);
  });

  it('prints a job’s output when its files cannot be written, says so, and exits 255', async () => {
    const file = join(dir, 'results-not-a-dir');
    writeFileSync(file, '');
    const r = await runSpmShell(['--results', join(file, 'out'), 'echo', ':::', 'kept'], { input: '', mark: newMark().env });
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('kept\n');
    expect(r.stderr).toContain(`spm-shell: job 1: its --results cannot write \`${join(file, 'out', '1', 'kept')}\`: ENOTDIR`);
    expect(r.stderr).toContain('its output is printed instead');
  });

  it('is refused with --line-buffer, and a table (NAME.csv, .tsv, .json) with --json', async () => {
    const both = await runSpmShell(['--lb', '--results', join(dir, 'x'), 'echo', ':::', 'a'], { input: '', mark: newMark().env });
    expect(both.code).toBe(255);
    expect(both.stderr).toContain('Expected one of `--line-buffer` and `--results`, got both');
    const csv = await runSpmShell(['--json', '--results', 'out.CSV', 'echo', ':::', 'a'], { input: '', mark: newMark().env });
    expect(csv.code).toBe(255);
    expect(csv.stderr).toContain('Expected one of `--json` and `--results out.CSV`, got both (the table holds each command’s whole output, and nothing else is printed)');
  });

  it('cuts a value’s directory past 255 bytes to 255, as GNU parallel, and exits 0 (until session 44: ENAMETOOLONG, exit 255)', async () => {
    const out = join(dir, 'results-long');
    const r = await runSpmShell(['--results', out, 'echo out {}', ':::', 'x'.repeat(300)], { input: '', mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(fileTree(out)).toEqual({ [`1/${'x'.repeat(255)}/stdout`]: `out ${'x'.repeat(300)}\n`, [`1/${'x'.repeat(255)}/stderr`]: '', [`1/${'x'.repeat(255)}/seq`]: '1' });
  });

  it('writes a table of every job to NAME.csv (nothing printed): whole outputs, spilled ones too; a file that cannot be made is said before anything runs', async () => {
    const mark = newMark();
    const table = join(dir, `table-${mark.env}.csv`);
    // 3 MB of output: past --max-output, spilled, then read back into its row.
    const r = await runSpmShell(['-k', '--max-output', '64K', '--results', table, 'if [ {} = big ]; then seq 1 400000; else echo {}; echo err-{} >&2; exit 3; fi', ':::', 'a', 'big'], { input: '', mark: mark.env, env: { TMPDIR: dir } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const text = readFileSync(table, 'utf8');
    const big = execFileSync('seq', ['1', '400000'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(text.startsWith('Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,Stdout,Stderr\n1,:,')).toBe(true);
    expect(text).toContain(`,3,0,"if [ a = big ]; then seq 1 400000; else echo a; echo err-a >&2; exit 3; fi",a,"a\n","err-a\n"\n2,:,`);
    expect(text.endsWith(`,big,"${big}",\n`)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.startsWith('spm-shell-'))).toEqual([]);
    const bad = await runSpmShell(['--results', join(dir, 'no', 'such', 'dir', 't.json'), 'echo', ':::', 'a'], { input: '', mark: mark.env });
    expect(bad.code).toBe(255);
    expect(bad.stderr).toMatch(/^spm-shell: cannot write the --results table `.*t\.json`: ENOENT/m);
    expect(bad.stdout).toBe('');
  });
});

describe('spm-shell --json and --results when an output past --max-output cannot be read back', () => {
  // Job 1 waits for job 2's spill file and removes it; with -k, job 2's output is read back only
  // after job 1 has ended, and finds its file gone (as a 600 MB output fails: too long for a string).
  const remover = (tmp: string): string => `until ls ${tmp}/spm-shell-*/*.stdout >/dev/null 2>&1; do sleep 0.02; done; rm -f ${tmp}/spm-shell-*/*.stdout`;
  const runBoth = async (tmp: string, extra: readonly string[], mark: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    runSpmShell(['-k', '-j', '2', '--max-output', '1K', '--tmpdir', tmp, '--timeout', '60', ...extra, ':::', remover(tmp), 'seq 1 3000; echo err >&2'], { input: '', mark });

  it('says the job truncated in its --json line, and exits 255 (until session 44: the output cut silently, exit 0)', async () => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'lost-json-'));
    const r = await runBoth(tmp, ['--json'], mark.env);
    expect(r.code).toBe(255);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { seq: number; stdout: string; stderr: string; truncated: boolean; error: unknown });
    expect(lines.map((line) => [line.seq, line.truncated])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(lines[1]?.stdout).toBe(seqOutput(3000).slice(0, 1024));
    expect(lines[1]?.stderr).toBe('err\n');
    expect(r.stderr).toMatch(/^spm-shell: job 2: its output past --max-output could not be read back: ENOENT/m);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('exits 255 with a --results table (the row keeps what was in memory)', async () => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'lost-csv-'));
    const table = join(tmp, 'lost.csv');
    const r = await runBoth(tmp, ['--results', table], mark.env);
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^spm-shell: job 2: its output past --max-output could not be read back: ENOENT/m);
    expect(readFileSync(table, 'utf8').split('\n').filter((line) => /^\d+,/.test(line)).map((line) => line.split(',')[0])).toEqual(['1', '2']);
  });

  it('exits 255 when printing it', async () => {
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'lost-print-'));
    const r = await runBoth(tmp, [], mark.env);
    expect(r.code).toBe(255);
    expect(r.stdout).toBe(seqOutput(3000).slice(0, 1024));
    expect(r.stderr).toMatch(/^spm-shell: job 2: its output past --max-output could not be read back: ENOENT/m);
  });
});

describe.each(['inproc', 'process'] as const)('spm-shell --pipe-part (%s spokes)', (transport) => {
  it('streams each part of the file to its command: all of it once, parts bigger than a pipe, a run again given its whole part, nothing left', async () => {
    const mark = newMark();
    const file = join(dir, `pipe-part-${transport}.txt`);
    const text = seqOutput(400_000); // 2.7 MB: 3 parts per slot of ~450 KB
    writeFileSync(file, text);
    const joblog = join(dir, `pipe-part-${transport}.joblog`);
    const flags = join(dir, `pipe-part-${transport}-flags`);
    mkdirSync(flags, { recursive: true });
    // Each job's first run reads a little of its part and fails; its second run gets it all.
    const command = `if [ -e ${flags}/{#} ]; then md5sum | cut -c1-8; else touch ${flags}/{#}; head -c 10 >/dev/null; exit 1; fi`;
    const r = await runSpmShell(['-j', '2', '-k', '--pipe-part', '-a', file, '--block', '-3', '--retries', '2', '--joblog', joblog, '--transport', transport, command], { mark: mark.env });
    expect(r.code).toBe(0);
    const rows = joblogRows(readFileSync(joblog, 'utf8')).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows).toHaveLength(6);
    // The parts: cut at line ends, each at least 1 + ⌊size / 2 / 3⌋ bytes but the last; together the file.
    let at = 0;
    const sums: string[] = [];
    for (const row of rows) {
      const part = text.slice(at, at + Number(row[4]));
      expect(part.endsWith('\n')).toBe(true);
      sums.push(createHash('md5').update(part).digest('hex').slice(0, 8));
      at += part.length;
    }
    expect(at).toBe(text.length);
    expect(r.stdout).toBe(sums.map((sum) => `${sum}\n`).join(''));
    await expectNoLeftovers(mark);
  });

  it('with --regexp, cuts the parts where the pattern says: `^>` at each line’s start only, the parts of a literal `>` where that is the same', async () => {
    const mark = newMark();
    const file = join(dir, `pipe-part-regexp-${transport}.fa`);
    // Records of 3 lines; the bases of every other hold a `>` (not at a line's start).
    const records = Array.from({ length: 300 }, (_, r) => `>r${r}\n${r % 2 === 0 ? 'AC>GT' : 'ACGTA'}\n${'T'.repeat(r % 17)}\n`);
    writeFileSync(file, records.join(''));
    const run = async (...cut: string[]): Promise<string[]> => {
      const r = await runSpmShell(['-j', '2', '-k', '--pipe-part', '-a', file, '--block', '500', '--transport', transport, ...cut, 'printf "%s|" "$(head -c 4)"'], { mark: mark.env });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      return r.stdout.split('|').slice(0, -1);
    };
    const anchored = await run('--regexp', '--recstart', '^>');
    // Each part begins with a record: `>r` and its number.
    expect(anchored.length).toBeGreaterThan(10);
    for (const start of anchored) expect(start).toMatch(/^>r\d/);
    // A plain `>` cuts inside the bases too; as a pattern it cuts as the bytes do.
    const literal = await run('--recstart', '>');
    expect(literal.some((start) => start.startsWith('>GT'))).toBe(true);
    expect(await run('--regexp', '--recstart', '>')).toEqual(literal);
    await expectNoLeftovers(mark);
  });

  it('fails a job whose file is gone when it is handed out (never a part cut short), and runs the rest', async () => {
    const mark = newMark();
    const file = join(dir, `pipe-part-gone-${transport}.txt`);
    writeFileSync(file, seqOutput(30));
    const joblog = join(dir, `pipe-part-gone-${transport}.joblog`);
    // The first job removes the file: its own part was opened when it was handed out.
    const r = await runSpmShell(['-j', '1', '-k', '--pipe-part', '-a', file, '--block', '20', '--joblog', joblog, '--transport', transport, `rm -f ${file}; wc -l`], { mark: mark.env });
    const rows = joblogRows(readFileSync(joblog, 'utf8')).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows.map((row) => row[6])).toEqual(['0', '-1', '-1', '-1']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('10\n');
    expect(r.stderr).toContain(`job 2 ended without an exit status (its --pipe-part file \`${file}\` cannot be read: ENOENT`);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --pipe --regexp', () => {
  it('hears Ctrl-C while an expression backtracks without end (the search is stopped, exit 130), after running the blocks cut before it', async () => {
    const mark = newMark();
    const ran = join(dir, 'regexp-sigint-ran');
    // Two records end with `x`; then a run of `a`s on which `(a+)+x` backtracks for ever. One job
    // at a time: at -j2 the second record's `cat` could append first (seen once in a clean-clone CI).
    const r = await runSpmShell(['-k', '-j', '1', '--pipe', '--regexp', '--recend', '(a+)+x', '-N', '1', `cat >> ${ran}; echo`], {
      input: `aax\nax\n${'a'.repeat(40)}b\n`,
      mark: mark.env,
      onSpawn: (child) => {
        void waitFor(() => existsSync(ran) && readFileSync(ran, 'utf8').length >= 5, 20_000, 'the two records to be run').then(
          () => setTimeout(() => child.kill('SIGINT'), 300),
          () => child.kill('SIGKILL'),
        );
      },
    });
    expect(r.code).toBe(130);
    expect(readFileSync(ran, 'utf8')).toBe('aax\nax');
    await expectNoLeftovers(mark);
  });
});

describe.each(['inproc', 'process'] as const)('spm-shell --pipe (%s spokes)', (transport) => {
  it('gives each block of whole lines to one run as its stdin: every line once, each run’s share in the job log’s Send', async () => {
    const joblog = join(dir, `pipe-${transport}.joblog`);
    const input = seqOutput(300_000);
    const r = await runSpmShell(['-j', '2', '-k', '--pipe', '--block', '256K', '--transport', transport, '--joblog', joblog, 'md5sum | cut -c1-8; wc -l'], { input, mark: newMark().env });
    expect(r.code).toBe(0);
    const rows = joblogRows(readFileSync(joblog, 'utf8')).sort((a, b) => Number(a[0]) - Number(b[0]));
    // Blocks as GNU parallel cuts them: at most 256 KiB, each ending after its last whole line.
    const sends = rows.map((row) => Number(row[4]));
    expect(sends.reduce((a, b) => a + b, 0)).toBe(input.length);
    expect(Math.max(...sends)).toBeLessThanOrEqual(256 * 1024);
    let at = 0;
    const expected: string[] = [];
    for (const send of sends) {
      const block = input.slice(at, at + send);
      expect(block.endsWith('\n')).toBe(true);
      at += send;
      expected.push(execFileSync('sh', ['-c', 'md5sum | cut -c1-8; wc -l'], { input: block, encoding: 'utf8' }));
    }
    expect(r.stdout).toBe(expected.join(''));
  });

  it('with --cat and --fifo, $PARALLEL_TMP is absolute: a relative --tmpdir with --wd left the job unable to open its block', async () => {
    const where = mkdtempSync(join(dir, 'tmp-wd-'));
    mkdirSync(join(where, 'td'));
    for (const way of ['--cat', '--fifo']) {
      const r = await runSpmShell(['--pipe', way, '--tmpdir', 'td', '--wd', 'wdX', '-k', '-N', '500', 'wc -l < {}'], { cwd: where, input: seqOutput(1000), mark: newMark().env });
      expect(r).toMatchObject({ code: 0, stdout: '500\n500\n' });
    }
  });

  it('with --cat, puts each block in a file named by $PARALLEL_TMP (stdin empty), kept for a run again, deleted when its job is over', async () => {
    const tmp = mkdtempSync(join(dir, `cat-${transport}-`));
    const input = seqOutput(10);
    // Each run counts the file's lines and what came on stdin (nothing), and fails while it is
    // the first run: its second run (--retries 2) must find the file still there.
    const mark = join(tmp, 'ran');
    const command = `wc -l < {}; wc -c; [ -e ${mark}-{#} ] || { touch ${mark}-{#}; exit 1; }`;
    const joblog = join(dir, `cat-${transport}.joblog`);
    const r = await runSpmShell(['-j', '2', '-k', '--pipe', '-N', '4', '--cat', '--retries', '2', '--tmpdir', tmp, '--joblog', joblog, '--transport', transport, command], { input, mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('4\n0\n4\n0\n2\n0\n');
    // Send: each block's bytes, as GNU parallel logs them with --cat too.
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[4]]).sort()).toEqual([
      ['1', String('1\n2\n3\n4\n'.length)],
      ['2', String('5\n6\n7\n8\n'.length)],
      ['3', String('9\n10\n'.length)],
    ]);
    // The run's temporary directory (and every block's file in it) is gone.
    expect(readdirSync(tmp).sort()).toEqual(['ran-1', 'ran-2', 'ran-3']);
  });
});

describe.each(['inproc', 'process'] as const)('spm-shell --tee, --round-robin, --fifo (%s spokes)', (transport) => {
  /** Runs the bin with stdin that never ends (a chunk written whenever it takes one): resolves with its exit. */
  function withEndlessInput(args: readonly string[], mark: string, onRunning: (child: ReturnType<typeof spawn>) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, [MARK_VARIABLE]: mark }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const chunk = Buffer.alloc(64 << 10, 'y\n');
      let open = true;
      child.stdin.on('error', () => (open = false));
      const write = (): void => {
        while (open && child.stdin.write(chunk));
      };
      child.stdin.on('drain', write);
      write();
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`spm-shell ${args.join(' ')} ran past 40 s; stderr so far:\n${stderr}`));
      }, 40_000);
      child.on('close', (code) => {
        open = false;
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      onRunning(child).catch(reject);
    });
  }

  it('--tee gives every job all of stdin as it comes (a job per argument, all at once): the job log’s Send is what each took', async () => {
    const tmp = mkdtempSync(join(dir, `tee-${transport}-`));
    const joblog = join(dir, `tee-${transport}.joblog`);
    const input = seqOutput(300_000);
    // Three readers of the whole input, one that takes a line and exits.
    const r = await runSpmShell(['-k', '--pipe', '--tee', '--transport', transport, '--tmpdir', tmp, '--joblog', joblog, 'eval {}', ':::', 'md5sum | cut -c1-8', 'wc -l', 'head -1', 'sleep 0.3; wc -c'], { input, mark: newMark().env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const md5 = execFileSync('sh', ['-c', 'md5sum | cut -c1-8'], { input, encoding: 'utf8' });
    expect(r.stdout).toBe(`${md5}300000\n1\n${input.length}\n`);
    const sends = new Map(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], Number(row[4])]));
    expect([sends.get('1'), sends.get('2'), sends.get('4')]).toEqual([input.length, input.length, input.length]);
    expect(sends.get('3')).toBeLessThanOrEqual(input.length);
    // Every FIFO (and their directory) is gone.
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('--tee with fewer job slots than jobs is refused before anything runs', async () => {
    const r = await runSpmShell(['-j', '2', '--pipe', '--tee', '--transport', transport, 'echo {}', ':::', 'a', 'b', 'c'], { input: 'x\n', mark: newMark().env });
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('spm-shell: --tee runs every job at once (each reads stdin as it comes): 3 jobs need as many job slots, got 2 (-j 2; -j 0 gives each job one)\n');
  });

  it('--round-robin deals the blocks to at most -j jobs that take many each: every line once, the Sends add up to the input', async () => {
    const joblog = join(dir, `rr-${transport}.joblog`);
    const input = seqOutput(300_000);
    const r = await runSpmShell(['-j', '3', '--pipe', '--round-robin', '--block', '64K', '--transport', transport, '--joblog', joblog, 'awk \'{ s += $1; n++ } END { printf "%d %.0f\\n", n, s }\''], { input, mark: newMark().env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    // ~30 blocks of 64 KiB, 3 jobs.
    expect(rows.map((row) => row[0]).sort()).toEqual(['1', '2', '3']);
    expect(rows.reduce((sum, row) => sum + Number(row[4]), 0)).toBe(input.length);
    const counts = r.stdout.trim().split('\n').map((line) => line.split(' ').map(Number));
    expect(counts).toHaveLength(3);
    expect(counts.reduce((sum, [n]) => sum + (n as number), 0)).toBe(300_000);
    expect(counts.reduce((sum, [, total]) => sum + (total as number), 0)).toBe((300_000 * 300_001) / 2);
  });

  it('--round-robin -k deals the blocks strictly in turn, the --header once per job, as GNU parallel does', async () => {
    const r = await runSpmShell(['-k', '-j', '3', '-N', '2', '--pipe', '--round-robin', '--header', ':', '--transport', transport, 'tr "\\n" " "; echo {#}'], { input: `HEAD\n${seqOutput(14)}`, mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('HEAD 1 2 7 8 13 14 1\nHEAD 3 4 9 10 2\nHEAD 5 6 11 12 3\n');
  });

  it('--fifo gives each block through a FIFO named by $PARALLEL_TMP (stdin empty); a run again gets its block again', async () => {
    const tmp = mkdtempSync(join(dir, `fifo-${transport}-`));
    const ran = join(tmp, 'ran');
    // The first run of each job reads its FIFO, then fails: its second run (--retries 2) reads a new one.
    const command = `wc -l < {}; wc -c; [ -p "$PARALLEL_TMP" ] || echo gone; [ -e ${ran}-{#} ] || { touch ${ran}-{#}; exit 1; }`;
    const r = await runSpmShell(['-k', '-j', '2', '--pipe', '-N', '4', '--fifo', '--retries', '2', '--tmpdir', tmp, '--transport', transport, command], { input: seqOutput(10), mark: newMark().env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The FIFO is removed once opened: the command opens it once.
    expect(r.stdout).toBe('4\n0\ngone\n4\n0\ngone\n2\n0\ngone\n');
    expect(readdirSync(tmp).sort()).toEqual(['ran-1', 'ran-2', 'ran-3']);
  });

  it('--shard runs exactly -j jobs, each line to one: a key’s lines all to one job, every line once, the Sends add up to the input', async () => {
    const tmp = mkdtempSync(join(dir, `shard-${transport}-`));
    const joblog = join(dir, `shard-${transport}.joblog`);
    const n = 30_000;
    const input = Array.from({ length: n }, (_, k) => `${k},key-${k % 37},x\n`).join('');
    const r = await runSpmShell(['-j', '3', '--pipe', '--shard', '2', '--tmpdir', tmp, '--transport', transport, '--joblog', joblog, 'cut -d, -f2 | sort | uniq -c'], { input, mark: newMark().env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const counted = r.stdout.trim().split('\n').map((line) => line.trim().split(' '));
    // Each key once across all the jobs' outputs (else two jobs had some of its lines), with all its lines.
    expect(counted.map(([, key]) => key).sort()).toEqual(Array.from({ length: 37 }, (_, k) => `key-${k}`).sort());
    for (const [count, key] of counted) expect(Number(count)).toBe(Array.from({ length: n }, (_, k) => k).filter((k) => `key-${k % 37}` === key).length);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => row[0]).sort()).toEqual(['1', '2', '3']);
    expect(rows.reduce((sum, row) => sum + Number(row[4]), 0)).toBe(input.length);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('--bin -k sends each line to job (value mod -j), the header to every job; a header without the named column is refused before anything runs', async () => {
    const input = 'id\tname\n1\ta\n2\tb\n3\tc\n4\td\n0\te\n';
    const r = await runSpmShell(['-k', '-j', '3', '--pipe', '--bin', 'id', '--colsep', '\\t', '--transport', transport, 'echo job {#}; cat'], { input, mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job 1\nid\tname\n1\ta\n4\td\njob 2\nid\tname\n2\tb\njob 3\nid\tname\n3\tc\n0\te\n');
    const mark = newMark();
    const refused = await runSpmShell(['-j', '2', '--pipe', '--bin', 'nope', '--transport', transport, `sleep ${mark.sleep}`], { input: 'id,name\n1,a\n', mark: mark.env });
    expect(refused.code).toBe(255);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe('spm-shell: `--bin nope`: the header has no column `nope` (its columns, split at /,/: `id`, `name`)\n');
  });

  it('--group-by cuts blocks only between runs of a column’s value, named in the header; the Sends are the input’s bytes, no mark left', async () => {
    const joblog = join(dir, `group-by-${transport}.joblog`);
    const runs = Array.from({ length: 60 }, (_, r) => Array.from({ length: 1 + (r % 7) }, (_, k) => `${k},host-${r % 9}\n`).join(''));
    const input = `n,host\n${runs.join('')}`;
    const r = await runSpmShell(['-k', '--pipe', '--group-by', 'host', '--colsep', ',', '--block', '40', '--transport', transport, '--joblog', joblog, 'tail -n +2 | cut -d, -f2 | uniq -c | wc -l'], { input, mark: newMark().env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Each block holds whole runs: never a host split across two (40 bytes hold one or two runs).
    const counts = r.stdout.trim().split('\n').map(Number);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(60);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows).toHaveLength(counts.length);
    expect(rows.reduce((sum, row) => sum + Number(row[4]), 0)).toBe(input.length - 'n,host\n'.length + rows.length * 'n,host\n'.length);
  });

  it('--shard on endless stdin: a job that exits takes no more, the others go on; SIGINT stops the run; nothing is left', async () => {
    const tmp = mkdtempSync(join(dir, `shard-endless-${transport}-`));
    const mark = newMark();
    // Every line is `y`: one job takes them all, the other none (its stdin stays open, empty).
    const interrupted = await withEndlessInput(['--pipe', '--shard', '1', '-j', '2', '--tmpdir', tmp, '--transport', transport, `sleep ${mark.sleep} & wc -c; wait`], mark.env, async (child) => {
      await waitFor(() => leftovers(mark.env, mark.sleep).filter((p) => p.endsWith(`sleep ${mark.sleep}`)).length === 2, 20_000, 'both jobs to run');
      child.kill('SIGINT');
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('spm-shell: SIGINT: killing 2 running commands');
    await expectNoLeftovers(mark);
    // The job that takes the lines exits after its first; the run ends with the input's end, never.
    const early = await withEndlessInput(['--pipe', '--shard', '1', '-j', '2', '--tmpdir', tmp, '--transport', transport, '--timeout', '3', 'head -n 1 | wc -l'], newMark().env, async () => undefined);
    expect(early.code).toBe(1);
    expect(early.stdout).toBe('1\n');
    expect(early.stderr).toMatch(/^spm-shell: job \d timed out after 3 s; its process tree was killed: head -n 1 \| wc -l$/m);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('--tee on endless stdin: --timeout kills the jobs and the run ends; SIGINT stops it; nothing is left', async () => {
    const tmp = mkdtempSync(join(dir, `tee-endless-${transport}-`));
    const mark = newMark();
    const timedOut = await withEndlessInput(['--pipe', '--tee', '--timeout', '1', '--tmpdir', tmp, '--transport', transport, 'wc -c; echo {}', ':::', 'a', 'b'], mark.env, async () => undefined);
    expect(timedOut.code).toBe(2);
    expect(timedOut.stderr).toMatch(/^spm-shell: job 1 timed out after 1 s; its process tree was killed: wc -c; echo a$/m);
    await expectNoLeftovers(mark);
    const second = newMark();
    const interrupted = await withEndlessInput(['--pipe', '--round-robin', '-j', '2', '--tmpdir', tmp, '--transport', transport, `sleep ${second.sleep} & wc -c; wait`], second.env, async (child) => {
      await waitFor(() => leftovers(second.env, second.sleep).filter((p) => p.endsWith(`sleep ${second.sleep}`)).length === 2, 20_000, 'both jobs to run');
      child.kill('SIGINT');
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('spm-shell: SIGINT: killing 2 running commands');
    await expectNoLeftovers(second);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

/**
 * The end of the --memfree and --limit specs' runs of three commands: job 2 (the youngest when it
 * was picked) killed by SIGKILL after its grace, jobs 1 and 3 succeeded, job 3 started no sooner
 * than `since` (ms since the epoch: the job log's Starttime is this machine's clock to the ms).
 */
function expectSecondKilled(r: { code: number | null; stdout: string }, joblog: string, since: number): void {
  expect(r.code).toBe(1);
  expect(r.stdout.split('\n').sort()).toEqual(['', 'one', 'three']);
  const rows = new Map(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row]));
  // Seq → Exitval, Signal.
  expect(['1', '2', '3'].map((seq) => rows.get(seq)?.slice(6, 8))).toEqual([['0', '0'], ['-1', '9'], ['0', '0']]);
  expect(Number(rows.get('3')?.[2]) * 1000).toBeGreaterThanOrEqual(since - 1);
}

describe('spm-shell --memfree', () => {
  // The free memory comes from a file in /proc/meminfo's format (SPM_SHELL_MEMINFO): a test cannot
  // make the machine short of memory at will. The commands and their killing are real.
  const meminfo = (freeKiB: number): string => `MemTotal:       24000000 kB\nMemFree:        ${freeKiB} kB\nMemAvailable:   ${freeKiB} kB\nBuffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n`;

  it('kills the youngest running command while less than half of SIZE is free, and starts none while less than SIZE is', async () => {
    const mark = newMark();
    const fake = join(dir, `meminfo-${mark.env}`);
    const go = join(dir, `go-${mark.env}`);
    const joblog = join(dir, `memfree-${mark.env}.joblog`);
    writeFileSync(fake, meminfo(4_000_000));
    const termed = join(dir, `termed-${mark.env}`);
    // Job 2 says when it gets its SIGTERM, and lives on to its SIGKILL (the grace, 2 s): memory is
    // back before its run is over, so no second command is killed for it.
    const victim = `trap 'touch ${termed}' TERM; sleep ${mark.sleep} & while :; do sleep 0.05; done`;
    const run = runSpmShell(['-j', '2', '--memfree', '1G', '--joblog', joblog, ':::', `while [ ! -e ${go} ]; do sleep 0.05; done; echo one`, victim, 'echo three'], { input: '', mark: mark.env, env: { SPM_SHELL_MEMINFO: fake } });
    await waitFor(() => leftovers(mark.env).some((p) => p.endsWith(`sleep ${mark.sleep}`)), 20_000, 'the second command to run');
    // 100 MB free, under half of 1G: job 2, the youngest, is killed (job 1 is older).
    writeFileSync(fake, meminfo(100_000));
    await waitFor(() => existsSync(termed), 20_000, 'the youngest command to get its SIGTERM');
    // Job 3 has waited for memory since; it starts once memory is back.
    const restoredAt = Date.now();
    writeFileSync(fake, meminfo(4_000_000));
    writeFileSync(go, '');
    const r = await run;
    expectSecondKilled(r, joblog, restoredAt);
    expect(r.stderr).toContain(`spm-shell: job 2 was killed, the youngest command while the machine had less than half of --memfree 1073741824 bytes free; its process tree was killed: ${victim}`);
    await expectNoLeftovers(mark);
  });

  it('is refused when the free memory cannot be read, before anything runs (so is --memsuspend)', async () => {
    const r = await runSpmShell(['--memfree', '1G', 'echo', ':::', 'a'], { input: '', mark: newMark().env, env: { SPM_SHELL_MEMINFO: join(dir, 'no-such-meminfo') } });
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('spm-shell: --memfree needs the machine\'s free memory, read from');
    const suspending = await runSpmShell(['--memsuspend', '1G', 'echo', ':::', 'a'], { input: '', mark: newMark().env, env: { SPM_SHELL_MEMINFO: join(dir, 'no-such-meminfo') } });
    expect({ code: suspending.code, stdout: suspending.stdout }).toEqual({ code: 255, stdout: '' });
    expect(suspending.stderr).toContain(`spm-shell: --memsuspend needs the machine's free memory, read from ${join(dir, 'no-such-meminfo')} (Linux), which cannot be read here`);
  });
});

describe('spm-shell --noswap', () => {
  // The swap counters come from a file in /proc/vmstat's format (SPM_SHELL_VMSTAT): a test cannot
  // make the machine swap at will. The spec makes it "swap" (both counters rising) until it says
  // it stopped, in a file the second command reads: run while the machine swapped, it fails.
  const vmstat = (pages: number): string => `nr_free_pages 1000\npswpin ${pages}\npswpout ${pages}\npgfault 7\n`;

  it('starts no command while pages go both in and out, and the held one once they stop', async () => {
    const mark = newMark();
    const fake = join(dir, `vmstat-${mark.env}`);
    const go = join(dir, `go-${mark.env}`);
    const stopped = join(dir, `stopped-${mark.env}`);
    const started = join(dir, `started-${mark.env}`);
    let pages = 0;
    writeFileSync(fake, vmstat(pages));
    const swapping = setInterval(() => writeFileSync(fake, vmstat((pages += 8))), 50);
    try {
      const run = runSpmShell(['-j', '1', '--noswap', ':::', `touch ${started}; while [ ! -e ${go} ]; do sleep 0.05; done`, `cat ${stopped}`], { input: '', mark: mark.env, env: { SPM_SHELL_VMSTAT: fake } });
      await waitFor(() => existsSync(started), 20_000, 'the first command to run');
      // Past the watch's first sample (a second; it began before the first command), so the
      // second command's start is judged on pages that went in and out: it is held.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      writeFileSync(go, '');
      // Still swapping for a while: without --noswap the second command would run now, and fail.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      writeFileSync(stopped, 'no more swapping\n');
      clearInterval(swapping);
      const r = await run;
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'no more swapping\n' });
    } finally {
      clearInterval(swapping);
    }
    await expectNoLeftovers(mark);
  });

  it('is refused when the swap counters cannot be read, before anything runs', async () => {
    const r = await runSpmShell(['--noswap', 'echo', ':::', 'a'], { input: '', mark: newMark().env, env: { SPM_SHELL_VMSTAT: join(dir, 'no-such-vmstat') } });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 255, stdout: '' });
    expect(r.stderr).toBe(`spm-shell: --noswap needs the machine's swap counters (pswpin, pswpout), read from ${join(dir, 'no-such-vmstat')} (Linux), which cannot be read here\n`);
  });
});

describe.each(['inproc', 'process'] as const)('spm-shell --memsuspend (%s spokes)', (transport) => {
  // The free memory comes from a file (SPM_SHELL_MEMINFO), as for --memfree; the commands, their
  // stopping and continuing are real: /proc says a stopped group's states (T; a shell caught in a
  // vfork, D, holds its stopped child's exec).
  const meminfo = (freeKiB: number): string => `MemTotal:       24000000 kB\nMemFree:        ${freeKiB} kB\nMemAvailable:   ${freeKiB} kB\nBuffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n`;
  // Each command's shell leads its own process group.
  const stopped = (pid: number): boolean => groupStopped(pid);

  it('stops the youngest commands while less than twice SIZE is free (more of them the less there is), and continues them, oldest first, once it is back', async () => {
    const mark = newMark();
    const at = (name: string): string => join(dir, `memsuspend-${name}-${mark.env}`);
    const fake = at('meminfo');
    // Written whole, then renamed over: a reader never sees half of it.
    const setFree = (kib: number): void => {
      writeFileSync(`${fake}.new`, meminfo(kib));
      renameSync(`${fake}.new`, fake);
    };
    setFree(4_000_000);
    let stderr = '';
    const job = `echo $$ > ${at('pid')}-{}; while [ ! -e ${at('go')} ]; do sleep 0.05; done; echo {}`;
    const run = runSpmShell(['-j', '3', '--memsuspend', '1G', '--transport', transport, '--verbose', job, ':::', '1', '2', '3'], {
      mark: mark.env,
      env: { SPM_SHELL_MEMINFO: fake },
      onSpawn: (child) => child.stderr?.on('data', (chunk: string) => (stderr += chunk)),
    });
    await waitFor(() => [1, 2, 3].every((seq) => existsSync(`${at('pid')}-${seq}`) && readFileSync(`${at('pid')}-${seq}`, 'utf8').endsWith('\n')), 20_000, 'the three commands to run');
    const [one, two, three] = [1, 2, 3].map((seq) => Number(readFileSync(`${at('pid')}-${seq}`, 'utf8'))) as [number, number, number];
    // 1.2 GiB free (below twice 1G): 1 + ⌊1 / 0.8⌋ = 2 go on, job 3 is stopped.
    setFree(1_258_291);
    await waitFor(() => stopped(three), 20_000, 'job 3 to be stopped');
    expect([stopped(one), stopped(two)]).toEqual([false, false]);
    // 0.5 GiB (below 1G): only the oldest goes on.
    setFree(524_288);
    await waitFor(() => stopped(two), 20_000, 'job 2 to be stopped');
    expect([stopped(one), stopped(three)]).toEqual([false, true]);
    // Memory back: each goes on again, the oldest first.
    setFree(4_000_000);
    await waitFor(() => !stopped(two) && !stopped(three), 20_000, 'jobs 2 and 3 to go on');
    writeFileSync(at('go'), '');
    const r = await run;
    expect({ code: r.code, lines: r.stdout.split('\n').sort() }).toEqual({ code: 0, lines: ['', '1', '2', '3'] });
    const [back2, back3] = [2, 3].map((seq) => stderr.indexOf(`#: spm-shell: job ${seq} goes on (4096000000 bytes free, twice --memsuspend 1073741824 or more)`)) as [number, number];
    expect(back2).toBeGreaterThan(-1);
    expect(back3).toBeGreaterThan(back2);
    expect(stderr).toContain('#: spm-shell: job 3 is stopped (1288489984 bytes free, below twice --memsuspend 1073741824: the 2 oldest run)');
    expect(stderr).toContain('#: spm-shell: job 2 is stopped (536870912 bytes free, below twice --memsuspend 1073741824: the 1 oldest run)');
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --limit', () => {
  it('starts a command only when the limit command exits 0, and kills the youngest running one when it exits 2', async () => {
    const mark = newMark();
    const [open, way, go, termed] = ['open', 'way', 'go', 'termed'].map((name) => join(dir, `limit-${name}-${mark.env}`)) as [string, string, string, string];
    const joblog = join(dir, `limit-${mark.env}.joblog`);
    // 2 once each time `way` is there; else 0 while `open` is there, 1 while it is not.
    const limit = `if [ -e ${way} ]; then rm -f ${way}; exit 2; fi; [ -e ${open} ]`;
    writeFileSync(open, '');
    // Job 2 says when it gets its SIGTERM, and lives on to its SIGKILL (the grace, 2 s).
    const victim = `trap 'touch ${termed}' TERM; sleep ${mark.sleep} & while :; do sleep 0.05; done`;
    const run = runSpmShell(['-j', '2', '--limit', limit, '--joblog', joblog, ':::', `while [ ! -e ${go} ]; do sleep 0.05; done; echo one`, victim, 'echo three'], { input: '', mark: mark.env });
    await waitFor(() => leftovers(mark.env).some((p) => p.endsWith(`sleep ${mark.sleep}`)), 20_000, 'the second command to run');
    // Over the limit (job 3 must wait), and way over once: job 2, the youngest, is killed — by the
    // asking while commands run (job 3 waits behind a full -j meanwhile).
    rmSync(open);
    writeFileSync(way, '');
    await waitFor(() => existsSync(termed), 20_000, 'the youngest command to get its SIGTERM');
    // Job 3 has waited for the limit since; it starts once it is below again.
    const openedAt = Date.now();
    writeFileSync(open, '');
    writeFileSync(go, '');
    const r = await run;
    expectSecondKilled(r, joblog, openedAt);
    expect(r.stderr).toContain(`spm-shell: job 2 was killed, the youngest command when --limit \`${limit}\` exited 2 (way over the limit); its process tree was killed: ${victim}`);
    await expectNoLeftovers(mark);
  });

  it('starts no more commands once the limit command fails otherwise (it would be waited on forever), lets the running one end, and exits 255', async () => {
    const mark = newMark();
    const [broken, saw, started, go] = ['broken', 'saw', 'started', 'go'].map((name) => join(dir, `limit-${name}-${mark.env}`)) as [string, string, string, string];
    const limit = `if [ -e ${broken} ]; then touch ${saw}; echo no such limit >&2; exit 5; fi`;
    const run = runSpmShell(['-j', '1', '--limit', limit, ':::', `touch ${started}; while [ ! -e ${go} ]; do sleep 0.05; done; echo one`, 'echo two'], { input: '', mark: mark.env });
    await waitFor(() => existsSync(started), 20_000, 'the first command to run');
    writeFileSync(broken, '');
    // The asking while it runs finds the limit broken: said once, and nothing more starts.
    await waitFor(() => existsSync(saw), 20_000, 'the limit to be asked while the first command runs');
    writeFileSync(go, '');
    const r = await run;
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 255, stdout: 'one\n' });
    expect(r.stderr).toContain(`spm-shell: --limit \`${limit}\` exited 5; expected it to exit 0 (start a job), 1 (over the limit: not now) or 2 (way over: kill the youngest job); it said: no such limit: starting no more jobs; waiting for 1 running`);
    await expectNoLeftovers(mark);
  });
});

describe.each(['inproc', 'process'] as const)('spm-shell -j FILE (%s spokes)', (transport) => {
  it('follows the file as it changes: more slots start more commands at once (on more spokes), fewer let the running ones finish first; a bad text is said and changes nothing', async () => {
    const mark = newMark();
    const at = (name: string): string => join(dir, `jobs-file-${name}-${mark.env}`);
    const [slots, events] = [at('slots'), at('events')];
    writeFileSync(slots, '1\n');
    writeFileSync(events, '');
    // Each job says when it starts and ends, and runs until its go file is there.
    const job = `echo start {} >> ${events}; touch ${at('started')}-{}; while [ ! -e ${at('go')}-{} ]; do sleep 0.05; done; echo end {} >> ${events}`;
    let stderr = '';
    const run = runSpmShell(['-j', slots, '--transport', transport, '--verbose', job, ':::', '1', '2', '3', '4', '5', '6'], {
      mark: mark.env,
      onSpawn: (child) => child.stderr?.on('data', (chunk: string) => (stderr += chunk)),
    });
    const started = (seq: number): boolean => existsSync(`${at('started')}-${seq}`);
    await waitFor(() => started(1), 20_000, 'job 1 to start');
    // 3 slots: jobs 2 and 3 start beside job 1, which still runs (so not one slot any more).
    writeFileSync(slots, '3');
    await waitFor(() => started(2) && started(3), 20_000, 'jobs 2 and 3 to start once the file gives 3 slots');
    writeFileSync(slots, 'lots');
    await waitFor(() => stderr.includes('got `lots`; keeping 3 job slots'), 20_000, 'the bad text to be said');
    writeFileSync(slots, '1');
    await waitFor(() => stderr.includes(`#: spm-shell: the -j file \`${slots}\` gives 1 job slot: 1 from now on`), 20_000, 'the file to be read again');
    for (let seq = 1; seq <= 6; seq += 1) writeFileSync(`${at('go')}-${seq}`, '');
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`spm-shell: Expected the \`-j\` file \`${slots}\` to hold a number of job slots`);
    // How many ran when each job started: 3 at once after the rise; after the fall to 1 slot, jobs
    // 4, 5 and 6 each alone (the 3 running ones finished first), though all could go at once.
    const running = new Set<string>();
    const alongside: Record<string, number> = {};
    for (const [what, seq] of readFileSync(events, 'utf8').trim().split('\n').map((line) => line.split(' ') as [string, string])) {
      if (what === 'start') {
        running.add(seq);
        alongside[seq] = running.size;
      } else running.delete(seq);
    }
    expect([alongside[1], [alongside[2], alongside[3]].sort(), alongside[4], alongside[5], alongside[6]]).toEqual([1, [2, 3], 1, 1, 1]);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --load', () => {
  it('starts no command while the machine’s load is at the limit, and runs them once it falls', async () => {
    const mark = newMark();
    const out = mkdtempSync(join(dir, 'load-'));
    // 12 busy loops: the load (running tasks now) is ≥ 11, past --load 8, until they are killed.
    const loops = Array.from({ length: 12 }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore', detached: true }));
    try {
      const run = runSpmShell(['-j', '2', '--load', '8', `touch ${out}/{}`, ':::', 'a', 'b', 'c'], { input: '', mark: mark.env });
      // The bin is up and would have run all three long since (ms each) were it not held back.
      await waitFor(() => liveDescendants(process.pid).some((pid) => commandLine(pid).includes(BIN)), 15_000, 'spm-shell to start');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(readdirSync(out)).toEqual([]);
      for (const loop of loops) process.kill(-(loop.pid as number), 'SIGKILL');
      const r = await run;
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['a', 'b', 'c']);
    } finally {
      for (const loop of loops) {
        try {
          process.kill(-(loop.pid as number), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --shuf', () => {
  it('runs every job once in a random order, numbered ({#}, Seq) in the order they run; stdin read whole first', async () => {
    const orders = new Set<string>();
    for (let run = 0; run < 5; run++) {
      const r = await runSpmShell(['-j', '1', '--shuf', 'echo {#} {}'], { input: 'a\nb\nc\nd\ne\nf\ng\nh\n', mark: newMark().env });
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.map((line) => line.split(' ')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
      const args = lines.map((line) => line.split(' ')[1]);
      expect([...args].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
      orders.add(args.join(''));
    }
    // Five runs of 8 jobs in one order would be a 1 in 40320⁴ chance.
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('spm-shell --wd', () => {
  it('runs each command in its directory, made if missing; one that cannot be made fails its job at once, under /proc too', async () => {
    const cwd = join(dir, 'wd');
    const r = await runSpmShell(['-k', '--wd', 'w{}/x', 'pwd', ':::', '1', '2'], { cwd: dir, input: '', mark: newMark().env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${join(dir, 'w1/x')}\n${join(dir, 'w2/x')}\n`);
    // Node's own recursive mkdir would spin here forever, deaf to signals.
    const bad = await runSpmShell(['--wd', '/proc/spm-not-there/x', 'pwd', ':::', 'a'], { cwd: dir, input: '', mark: newMark().env, timeoutMs: 30_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("spm-shell: job 1 ended without an exit status (cannot make its working directory `/proc/spm-not-there/x` (--wd): ENOENT");
    expect(existsSync(cwd)).toBe(false);
    // A file where the directory should be: said as such (it was the fork server's start error).
    writeFileSync(join(dir, 'wd-file'), '');
    const file = await runSpmShell(['--wd', 'wd-file', 'pwd', ':::', 'a'], { cwd: dir, input: '', mark: newMark().env });
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`spm-shell: job 1 ended without an exit status (cannot make its working directory \`${join(dir, 'wd-file')}\` (--wd): ENOTDIR`);
  });
});

describe('spm-shell reading commands as they come', () => {
  it('starts the first command without waiting for -j lines of a pipe that is still open', async () => {
    // Regression: the read-ahead waited for -j lines (or the end of the input) before starting
    // anything, so a slow producer's first command sat idle until enough lines had come.
    const mark = newMark();
    const child = spawn(process.execPath, [BIN, '-j', '3', '--no-progress'], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('echo first\n');
    await waitFor(() => stdout.includes('first'), 10_000, 'the first command to run while the input is open');
    child.stdin.end('echo second\n');
    expect(await closed).toBe(0);
    expect(stdout).toBe('first\nsecond\n');
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --pipe --block-timeout', () => {
  it('passes on the complete records of a block read for longer than --bt while the input is still open', async () => {
    // Without --bt the block (1 MiB by default) waits for more input or its end: the spec's wait would fail.
    const mark = newMark();
    const child = spawn(process.execPath, [BIN, '--pipe', '--bt', '0.2', '-k', '--no-progress', 'echo "[$(tr "\\n" " ")]"'], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('a1\na2\nb');
    await waitFor(() => stdout.includes(']'), 10_000, 'the first records to be passed on while the input is open');
    child.stdin.end('1\n');
    expect(await closed).toBe(0);
    expect(stdout).toBe('[a1 a2 ]\n[b1 ]\n');
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell given --total-jobs', () => {
  it('fills {##}, draws the bar and halts at a percentage of it while the input is still open', async () => {
    // Without --total-jobs, {##} and --halt 50% read the whole input before the first job: the
    // first output would not come while stdin is open, and the spec's wait would fail.
    const mark = newMark();
    const child = spawn(process.execPath, [BIN, '--plus', '--progress', '-j', '1', '--total-jobs', '4', '--halt', 'soon,fail=50%', 'echo {0#}/{##} {}; exit {}'], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('0\n1\n');
    await waitFor(() => stdout.includes('2/4 1\n'), 10_000, 'the first two jobs to run while the input is open');
    // The bar is redrawn on its tick: its total is the given one while more input may come.
    await waitFor(() => stderr.includes('2/4 done, 1 failed, 0 running'), 10_000, 'the bar to count the first two jobs of 4');
    // 50% of 4 is 2 failures: the second one halts the run, its status the share failed (2 of 4).
    child.stdin.end('1\n0\n0\n');
    expect(await closed).toBe(50);
    expect(stdout).toBe('1/4 0\n2/4 1\n3/4 1\n');
    expect(stderr).toContain('spm-shell: halting (--halt soon,fail=50%) after job 3: starting no more jobs');
    await expectNoLeftovers(mark);
  });

  it('halts --pipe at a percentage of it', async () => {
    // Blocks of one line; 25% of 8 is 2 failures (lines 3 and 5), the share 25: blocks 6–10 never run.
    const r = await runSpmShell(['--pipe', '-N1', '-j1', '--total-jobs', '8', '--halt', 'soon,fail=25%', 'read n; echo $n; [ $n != 3 ] && [ $n != 5 ]'], { input: '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n', mark: newMark().env });
    expect(r.code).toBe(25);
    expect(r.stdout).toBe('1\n2\n3\n4\n5\n');
  });

  it('shows the jobs counted on the bar once they are known, and no total below the jobs done before', async () => {
    // `:::` words are counted before the run: 3, not the 2 given.
    const counted = await runSpmShell(['--progress', '-j', '1', '--total-jobs', '2', 'echo', ':::', 'a', 'b', 'c'], { mark: newMark().env });
    expect(counted.code).toBe(0);
    expect(counted.stderr).toContain('/3 done');
    expect(counted.stderr).not.toContain('/2 done');
    // stdin still open: given 1, with two jobs done the total shown is 2.
    const mark = newMark();
    const child = spawn(process.execPath, [BIN, '--progress', '-j', '1', '--total-jobs', '1'], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('echo a\necho b\n');
    await waitFor(() => stderr.includes('2/2 done, 0 failed, 0 running'), 10_000, 'the bar to show two jobs done of at least two');
    expect(stderr).not.toMatch(/\b[2-9]\/1 done/);
    child.stdin.end();
    expect(await closed).toBe(0);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell when a fork server is killed under a command', () => {
  it('reports that command killed, runs the rest and exits with the failure count', async () => {
    // Regression: the run never settled once its fork server was gone (the server's process
    // handle was unref'd), so spm-shell exited with status 13 and printed nothing at all.
    const mark = newMark();
    const child = spawn(process.execPath, [BIN, '-j', '1', '--no-progress', '--json'], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end(`sleep ${mark.sleep}; echo never\necho after\n`);
    const server = (): number[] => liveDescendants(child.pid).filter((pid) => /spm-fork-server-[0-9a-f]+ /.test(commandLine(pid)));
    // The sleep itself, not any process with the run's mark: the fork server carries the mark
    // too, and killed before its hello was read it started nothing — the command then rightly
    // runs with spawn instead (a flake of this spec until 2026-11-22, under load).
    await waitFor(() => server().length === 1 && leftovers(mark.env).some((p) => p.endsWith(`sleep ${mark.sleep}`)), 10_000, 'the command to run on a fork server');
    for (const pid of server()) process.kill(pid, 'SIGKILL');
    expect(await closed).toBe(1);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { command: string; signal: string | null; stdout: string; stderr: string });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ signal: 'SIGKILL', stdout: '', stderr: expect.stringContaining('the fork server exited') });
    expect(lines[1]).toMatchObject({ command: 'echo after', stdout: 'after\n' });
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell stopped (SIGSTOP) while a command runs past its --timeout', () => {
  it('has the command killed at its timeout all the same: the fork server keeps the time', async () => {
    // The timeout used to be a timer in the hub's thread (where inproc spokes run): with the hub
    // stopped (or busy) past it, the command ran to its end and was reported as a success.
    const mark = newMark();
    const late = join(dir, `late-${mark.env}`);
    const joblog = join(dir, `stopped-${mark.env}.log`);
    const child = spawn(process.execPath, [BIN, '-j', '1', '--no-progress', '--timeout', '0.3', '--joblog', joblog], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const sleep = `sleep 1.${mark.sleep.slice(4)}`; // ~1 s, and unique to this run
    child.stdin.end(`${sleep}; touch ${late}\n`);
    await waitFor(() => leftovers(mark.env).some((line) => line.endsWith(`: ${sleep}`)), 10_000, 'the command to run');
    process.kill(child.pid as number, 'SIGSTOP');
    try {
      // Stopped well past the command's `sleep 1.x`: only the fork server can end it meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(existsSync(late)).toBe(false);
    } finally {
      process.kill(child.pid as number, 'SIGCONT');
    }
    expect(await closed).toBe(1);
    expect(existsSync(late)).toBe(false);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => [row[6], row[7]])).toEqual([['-1', '15']]); // Exitval, Signal
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell when a process spoke is killed under a command', () => {
  it('runs the command again on the relaunched spoke, says so with --verbose and counts both runs in --json', async () => {
    // At-least-once: the manager re-dispatches a command whose spoke was lost. It used to do so
    // silently, and --json said "attempts": 1 for a command that had been started twice.
    const mark = newMark();
    const flag = join(dir, `second-run-${mark.env}`);
    const command = `if [ -e ${flag} ]; then echo second; else touch ${flag}; sleep ${mark.sleep}; fi`;
    const { code, stdout, stderr } = await killSpokeUnderSleep(['-j', '1', '--transport', 'process', '--no-progress', '--json', '--verbose'], `${command}\n`, mark);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ command, exitCode: 0, stdout: 'second\n', attempts: 2 });
    expect(stderr).toMatch(/#: spm-shell: spoke local:1 was lost under a running command \(.+\); running that command again/);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell with a long command beside idle slots', () => {
  it('lets a command outlive the idle time of the other slots (their fork servers quit) and finish', async () => {
    // Regression: an idle fork server quitting swept every process carrying the owner's token,
    // killing the other slot's command with SIGTERM 2 s after its own slot went idle.
    const mark = newMark();
    const r = await runSpmShell(['-j', '2', '--json', ':::', 'sleep 3; echo slept', 'true'], { mark: mark.env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { command: string; exitCode: number | null; signal: string | null; stdout: string });
    expect(lines.find((line) => line.command === 'sleep 3; echo slept')).toMatchObject({ exitCode: 0, signal: null, stdout: 'slept\n' });
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell with many short commands (each slot holds its next command)', () => {
  it('still runs one command at a time per job slot, each job once', async () => {
    // Past 8 short commands in a row, each spoke holds its next command, started by its fork
    // server the moment the current one exits: a slot's commands must still never overlap.
    const mark = newMark();
    const slots = mkdtempSync(join(dir, 'slots-'));
    const jobs = Array.from({ length: 60 }, (_, i) => String(i + 1));
    const joblog = join(dir, `short-${mark.env}.tsv`);
    const r = await runSpmShell(['-j', '2', '--joblog', joblog, `echo b{} >> ${slots}/{%}; sleep 0.005; echo e{} >> ${slots}/{%}`, ':::', ...jobs], { mark: mark.env });
    expect(r.code).toBe(0);
    const seen: string[] = [];
    for (const slot of ['1', '2']) {
      const lines = existsSync(join(slots, slot)) ? readFileSync(join(slots, slot), 'utf8').trim().split('\n') : [];
      for (let i = 0; i < lines.length; i += 2) {
        const job = lines[i]?.slice(1);
        expect([lines[i], lines[i + 1]]).toEqual([`b${String(job)}`, `e${String(job)}`]);
        seen.push(String(job));
      }
    }
    expect(seen.sort((a, b) => Number(a) - Number(b))).toEqual(jobs);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => row[6])).toEqual(jobs.map(() => '0'));
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell with many short commands in batches', () => {
  type JsonLine = { seq: number; command: string; exitCode: number | null; timedOut: boolean; stdout: string; stderr: string; attempts: number };
  type TraceEvent = { name: string; ph: string; cat?: string; args?: Record<string, unknown> };
  const readTrace = (file: string): TraceEvent[] => (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  /** The jobs of each task the trace shows (those it gave back to run elsewhere aside), in the order the tasks were reported. */
  const tasksOf = (events: readonly TraceEvent[]): number[][] =>
    events
      .filter((e) => e.ph === 'X' && e.cat === 'task')
      .map((e) => {
        const given = new Set(Array.isArray(e.args?.['returned']) ? (e.args['returned'] as number[]) : []);
        return (Array.isArray(e.args?.['seqs']) ? (e.args['seqs'] as number[]) : [e.args?.['seq'] as number]).filter((seq) => !given.has(seq));
      })
      .filter((jobs) => jobs.length > 0);

  it('gives each job of a batch its own outcome: output, exit status, joblog row, JSON line and trace span', async () => {
    // Past 8 short commands in a row, a task carries up to 8 jobs. A failure in a batch is that
    // job's alone; the others of its batch run and report as if each had been a task of its own.
    const mark = newMark();
    const n = 300;
    const failing = (i: number): boolean => i % 50 === 25;
    const input = Array.from({ length: n }, (_, k) => (failing(k + 1) ? `echo err-${k + 1} >&2; exit 3` : `echo out-${k + 1}`)).join('\n');
    const joblog = join(dir, `batches-${mark.env}.tsv`);
    const trace = join(dir, `batches-${mark.env}.json`);
    const r = await runSpmShell(['-j', '2', '--json', '--joblog', joblog, '--trace', trace], { mark: mark.env, input: `${input}\n` });
    const failures = Array.from({ length: n }, (_, k) => k + 1).filter(failing);
    expect(r.code).toBe(failures.length);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
    expect(lines.map((line) => line.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    for (const line of lines) {
      if (failing(line.seq)) expect(line).toMatchObject({ exitCode: 3, stdout: '', stderr: `err-${line.seq}\n`, attempts: 1 });
      else expect(line).toMatchObject({ exitCode: 0, stdout: `out-${line.seq}\n`, stderr: '', attempts: 1 });
    }
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => [Number(row[0]), row[6]]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(
      Array.from({ length: n }, (_, k) => [k + 1, failing(k + 1) ? '3' : '0']),
    );
    const events = readTrace(trace);
    const tasks = tasksOf(events);
    // Batches there were, and every job ran in exactly one task, drawn as one piece of work.
    expect(Math.max(...tasks.map((jobs) => jobs.length))).toBeGreaterThan(1);
    expect(tasks.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    expect(events.filter((e) => e.ph === 'X' && e.cat === 'work')).toHaveLength(n);
    // A batch's jobs are consecutive — in input order at least, when a batch ran long on a loaded
    // machine and gave jobs back, which may be handed out again together.
    const gaveBack = events.some((e) => e.ph === 'X' && e.cat === 'task' && e.args?.['returned'] !== undefined);
    for (const jobs of tasks) expect(jobs).toEqual(gaveBack ? [...jobs].sort((a, b) => a - b) : jobs.map((_, i) => (jobs[0] as number) + i));
    await expectNoLeftovers(mark);
  });

  it('--trace marks timeouts and --retries runs again as instants (the doc said so; only the task layer\'s own were)', async () => {
    const mark = newMark();
    const trace = join(dir, `instants-${mark.env}.json`);
    const r = await runSpmShell(['-j', '2', '--trace', trace, '--timeout', '0.5', '--retries', '2', '--no-progress'], { input: `sleep ${mark.sleep}\nexit 1\n`, mark: mark.env });
    expect(r.code).toBe(2);
    const instants = readTrace(trace)
      .filter((e) => e.ph === 'i')
      .map((e) => e.name);
    expect(instants).toEqual(expect.arrayContaining(['job 1 timed out after 0.5 s', 'job 1 failed (run 1 of 2): running it again (--retries)', 'job 2 failed (run 1 of 2): running it again (--retries)']));
    await expectNoLeftovers(mark);
  });

  it('gives back the commands held behind one that runs long: they run in the other slot meanwhile, and what finished is printed at once', async () => {
    // A command that turns out long in a stream of short ones: the commands its slot held behind
    // it (the rest of its batch, the batch held next) waited for it while the other slot idled,
    // and those of its batch that had finished were printed only when it ended.
    const mark = newMark();
    const ended = join(dir, `long-ended-${mark.env}`);
    const shorts = 40;
    const followers = 12;
    const input = [
      ...Array.from({ length: shorts }, (_, k) => `echo s-${k + 1}`),
      `sleep 5; touch ${ended}`,
      ...Array.from({ length: followers }, (_, k) => `sleep 0.1; if [ -e ${ended} ]; then echo late-${k + 1}; else echo early-${k + 1}; fi`),
    ];
    const joblog = join(dir, `give-back-${mark.env}.tsv`);
    const trace = join(dir, `give-back-${mark.env}.json`);
    // Each line as it comes, and whether the long command had ended by then.
    const seen: { line: string; longEnded: boolean }[] = [];
    const r = await runSpmShell(['-j', '2', '--verbose', '--joblog', joblog, '--trace', trace], {
      mark: mark.env,
      input: `${input.join('\n')}\n`,
      onSpawn: (child) => {
        let partial = '';
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) seen.push({ line, longEnded: existsSync(ended) });
        });
      },
    });
    expect(r.code).toBe(0);
    // Every job once, and every one of them before the long one ended.
    expect(seen.map((s) => s.line).sort()).toEqual([...Array.from({ length: shorts }, (_, k) => `s-${k + 1}`), ...Array.from({ length: followers }, (_, k) => `early-${k + 1}`)].sort());
    expect(seen.filter((s) => s.longEnded)).toEqual([]);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => Number(row[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: shorts + 1 + followers }, (_, k) => k + 1));
    expect(rows.every((row) => row[6] === '0')).toBe(true);
    // Some were given back (said with --verbose, drawn in the task that gave them back), and each
    // job ran in exactly one task.
    expect(r.stderr).toMatch(/#: spm-shell: job \d+ waited behind a long command on spoke local:\d; handing it out again/);
    const tasks = tasksOf(readTrace(trace));
    expect(tasks.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: shorts + 1 + followers }, (_, k) => k + 1));
    await expectNoLeftovers(mark);
  });

  it('runs a command given back once, even when the spoke that gave it back is lost afterwards', async () => {
    // Process spokes hold single commands behind the running one. Those held behind the sleep are
    // given back (and run elsewhere); then the spoke is killed under the sleep: the manager runs
    // its tasks again — the sleep's, and those of the given-back commands, which must not run twice.
    // Spokes hold commands only after a streak of short ones (under 10 ms each): on a loaded
    // machine a run may hold none, and give nothing back. The scenario is run again then (at most
    // 4 times); every run must keep the invariants, and one must give a command back.
    let gaveBack = false;
    for (let attempt = 1; attempt <= 4 && !gaveBack; attempt++) {
      const mark = newMark();
      const flag = join(dir, `gb-second-run-${mark.env}`);
      const counts = join(dir, `gb-counts-${mark.env}`);
      const [total, lost] = [40, 30];
      const input = Array.from({ length: total }, (_, k) =>
        k + 1 === lost ? `if [ -e ${flag} ]; then echo second; else touch ${flag}; sleep ${mark.sleep}; fi` : `echo ${k + 1} >> ${counts}; echo out-${k + 1}`,
      ).join('\n');
      // Killed well after the give-back (GIVE_BACK_MS after the sleep began).
      const { code, stdout, stderr } = await killSpokeUnderSleep(['-j', '2', '--transport', 'process', '--no-progress', '--json', '--verbose'], `${input}\n`, mark, 1000);
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
      expect(lines.map((line) => line.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k + 1));
      expect(lines.find((line) => line.seq === lost)).toMatchObject({ exitCode: 0, stdout: 'second\n', attempts: 2 });
      for (const line of lines.filter((l) => l.seq !== lost)) expect(line).toMatchObject({ exitCode: 0, stdout: `out-${line.seq}\n`, attempts: 1 });
      // Each of the others ran exactly once.
      expect(readFileSync(counts, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k + 1).filter((k) => k !== lost));
      await expectNoLeftovers(mark);
      gaveBack = /#: spm-shell: job \d+ waited behind a long command on spoke local:\d; handing it out again/.test(stderr);
    }
    expect(gaveBack).toBe(true);
  });

  it('reports a batch of commands with large outputs whole (more than the default 4 MiB frame holds)', async () => {
    // After a streak of `true`, short commands writing 1.5 MB each were batched 4 and 8 at a
    // time: the batch's report did not fit in a frame, and every job of it failed unreported.
    const mark = newMark();
    const input = [...Array.from({ length: 20 }, () => 'true'), ...Array.from({ length: 40 }, () => 'head -c 1500000 /dev/zero')].join('\n');
    const r = await runSpmShell(['-j', '1', '--json', '--max-output', '1.5M'], { mark: mark.env, input: `${input}\n` });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as JsonLine & { error: string | null });
    expect(lines).toHaveLength(60);
    expect(lines.filter((line) => line.exitCode !== 0 || line.error !== null)).toEqual([]);
    expect(lines.filter((line) => line.seq > 20).every((line) => line.stdout.length === 1_500_000)).toBe(true);
  });

  it('times out a command of a batch alone, its tree killed, and runs the batch’s others', async () => {
    const mark = newMark();
    const slow = 40;
    const input = Array.from({ length: 80 }, (_, k) => (k + 1 === slow ? `sh -c 'sleep ${mark.sleep} & sleep ${mark.sleep}; wait'` : `echo out-${k + 1}`)).join('\n');
    const trace = join(dir, `batch-timeout-${mark.env}.json`);
    const r = await runSpmShell(['-j', '2', '--json', '--timeout', '1', '--trace', trace], { mark: mark.env, input: `${input}\n` });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
    expect(lines).toHaveLength(80);
    for (const line of lines) {
      if (line.seq === slow) expect(line).toMatchObject({ timedOut: true, attempts: 1 });
      else expect(line).toMatchObject({ exitCode: 0, timedOut: false, stdout: `out-${line.seq}\n` });
    }
    expect(r.stderr).toContain(`spm-shell: job ${slow} timed out after 1 s; its process tree was killed`);
    // The slow command was in a batch with others (the streak of short ones came before it) —
    // whether or not its batch gave those behind it back, 100 ms into the slow one.
    const batchOfSlow = readTrace(trace).find((e) => e.ph === 'X' && e.cat === 'task' && Array.isArray(e.args?.['seqs']) && (e.args['seqs'] as number[]).includes(slow));
    expect((batchOfSlow?.args?.['seqs'] as number[] | undefined)?.length).toBeGreaterThan(1);
    await expectNoLeftovers(mark);
  });

  it('on SIGINT kills the running command of a batch, starts none of its others, logs only what finished', async () => {
    const mark = newMark();
    const joblog = join(dir, `batch-sigint-${mark.env}.tsv`);
    const never = mkdtempSync(join(dir, 'batch-never-'));
    const slow = 40;
    const input = Array.from({ length: 60 }, (_, k) => (k + 1 < slow ? `echo out-${k + 1}` : k + 1 === slow ? `exec sleep ${mark.sleep}` : `touch ${never}/${k + 1}`)).join('\n');
    const trace = join(dir, `batch-sigint-${mark.env}.json`);
    const began = Date.now();
    const r = await runSpmShell(['-j', '1', '--verbose', '--joblog', joblog, '--trace', trace], {
      input: `${input}\n`,
      mark: mark.env,
      onSpawn: (child) => {
        interruptWhen(child, () => leftovers(mark.env, mark.sleep).some((p) => p.endsWith(`: sleep ${mark.sleep}`)), 20_000, 'the sleep to run');
      },
    });
    expect(r.code).toBe(130);
    // The jobs after the sleep were in its batch or held behind it (or given back to the hub,
    // which holds them while the sleep runs: -j 1): none started.
    expect(readdirSync(never)).toEqual([]);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => Number(row[0]))).toEqual(Array.from({ length: slow - 1 }, (_, k) => k + 1));
    // Said so: held ones counted with the running one — unless the interrupt came after the spoke
    // had given them back (GIVE_BACK_MS into the sleep's task, on a loaded machine): then they
    // waited in the hub, never handed out again, and only the sleep was stopped.
    expect(r.stderr).toMatch(/#: spm-shell: (1 unfinished command was|\d+ unfinished commands were) stopped \(running ones killed, held ones never started\)/);
    // The trace draws what ran, from the run's start on: nothing for the commands that never started.
    const spans = readTrace(trace).filter((e) => e.ph === 'X') as (TraceEvent & { ts: number })[];
    expect(spans.filter((e) => e.ts < (began - 1000) * 1000)).toEqual([]);
    expect(spans.filter((e) => e.cat === 'work')).toHaveLength(slow); // jobs 1–39, and the killed one
    await expectNoLeftovers(mark);
  });

  it('reports every command that finished before an interrupt, and runs a later run in the same process whole (runShell from code)', async () => {
    // The fixture interrupts while the exits of jobs that finished wait unread in its thread: the
    // stop marked them stopped, and they were neither printed nor logged (seen in the clean-clone
    // CI). And the stop an interrupt puts on this thread's commands must not outlive its run.
    const mark = newMark();
    const scratch = mkdtempSync(join(dir, 'twice-'));
    const fixture = new URL('./fixtures/run-twice.mjs', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [fixture, scratch, mark.sleep], { env: { ...process.env, [MARK_VARIABLE]: mark.env }, encoding: 'utf8', timeout: 60_000 });
    const { first, second, done } = JSON.parse(out) as { first: { status: number; stdout: string }; second: { status: number; stdout: string }; done: number[] };
    expect(first.status).toBe(130);
    expect(done.length).toBeGreaterThanOrEqual(30);
    expect(first.stdout.trim().split('\n')).toEqual(done.map((k) => `one-${k}`));
    expect(second.status).toBe(0);
    expect(second.stdout.trim().split('\n')).toEqual(Array.from({ length: 20 }, (_, k) => `two-${k + 1}`));
    await expectNoLeftovers(mark);
  });

  it('reports a command that finished just before an interrupt, its exit still unread, without batches too', async () => {
    // Commands too long to be held or batched (each its own task); the fixture's thread spins
    // past job 5's end, then interrupts: aborting the invocation at once counted job 5 as killed
    // (4 runs of 4 before the fix; the "non-batch unread exit" race left alone since session 11,
    // met again by the batch spec above under load, where no batch had formed).
    const scratch = mkdtempSync(join(dir, 'after-exit-'));
    const fixture = new URL('./fixtures/interrupt-after-exit.mjs', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [fixture, scratch], { encoding: 'utf8', timeout: 60_000 });
    const { status, stdout, done } = JSON.parse(out) as { status: number; stdout: string; done: number[] };
    expect(status).toBe(130);
    expect(done.length).toBeGreaterThanOrEqual(5);
    expect(stdout.trim().split('\n')).toEqual(done.map((k) => `one-${k}`));
  });

  it('makes no batches on process spokes; a command lost with its spoke runs again, each job reported once', async () => {
    // Batches are for spokes in the bin's thread, whose commands an interrupt can stop before
    // the invocation (see the SIGINT case above); process spokes hold single commands.
    const mark = newMark();
    const flag = join(dir, `batch-second-run-${mark.env}`);
    const trace = join(dir, `no-batch-${mark.env}.json`);
    const lost = 30;
    const input = Array.from({ length: 40 }, (_, k) => (k + 1 === lost ? `if [ -e ${flag} ]; then echo second; else touch ${flag}; sleep ${mark.sleep}; fi` : `echo out-${k + 1}`)).join('\n');
    const { code, stdout } = await killSpokeUnderSleep(['-j', '1', '--transport', 'process', '--no-progress', '--json', '--trace', trace], `${input}\n`, mark);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
    expect(lines.map((line) => line.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    expect(lines.find((line) => line.seq === lost)).toMatchObject({ exitCode: 0, stdout: 'second\n', attempts: 2 });
    for (const line of lines.filter((l) => l.seq !== lost)) expect(line).toMatchObject({ exitCode: 0, stdout: `out-${line.seq}\n` });
    expect(Math.max(...tasksOf(readTrace(trace)).map((jobs) => jobs.length))).toBe(1);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --retries', () => {
  it('runs a failing command again up to N runs in all, printing and logging only its last run', async () => {
    const mark = newMark();
    const joblog = join(dir, 'retries.joblog');
    const counter = (name: string, succeedAt: number): string =>
      `f=${dir}/${name}; n=$(( $(cat $f 2>/dev/null || echo 0) + 1 )); echo $n > $f; echo run-${name} $n; [ $n -ge ${succeedAt} ]`;
    const r = await runSpmShell(['-j', '2', '--retries', '3', '--joblog', joblog, '--verbose'], { input: `${counter('a', 2)}\n${counter('b', 9)}\n`, mark: mark.env });
    expect(r.code).toBe(1);
    expect(readFileSync(join(dir, 'a'), 'utf8').trim()).toBe('2');
    expect(readFileSync(join(dir, 'b'), 'utf8').trim()).toBe('3');
    expect(r.stdout.split('\n').sort()).toEqual(['', 'run-a 2', 'run-b 3']);
    const rows = joblogRows(readFileSync(joblog, 'utf8'));
    expect(rows.map((row) => [row[0], row[6]]).sort()).toEqual([
      ['1', '0'],
      ['2', '1'],
    ]);
    expect(r.stderr).toContain('#: MetaStatus (hub): Tasks - Eval\n');
    expect(r.stderr).toContain('#: MetaStatus (hub): Tasks - EvalDone\n');
    expect(r.stderr.match(/job 2 failed \(run \d of 3\); running it again/g)).toHaveLength(2);
  });
});

describe('spm-shell --halt', () => {
  it('now,fail=1: kills the running commands, starts nothing more, exits with the failing job’s status', async () => {
    const mark = newMark();
    const joblog = join(dir, 'halt-now.joblog');
    const started = join(dir, 'halt-now.started');
    const never = join(dir, 'halt-now.never');
    const input = [`while [ ! -e ${started} ]; do sleep 0.02; done; exit 3`, `touch ${started}; exec sleep ${mark.sleep}`, `touch ${never}`].join('\n');
    const r = await runSpmShell(['-j', '2', '--halt', 'now,fail=1', '--joblog', joblog], { input: `${input}\n`, mark: mark.env });
    expect(r.code).toBe(3);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([['1', '3']]);
    expect(existsSync(never)).toBe(false);
    expect(r.stderr).toContain('halting (--halt now,fail=1) after job 1: killing 1 running command');
    await expectNoLeftovers(mark);
  });

  it('soon,fail=1: lets the running commands finish and starts nothing more', async () => {
    const mark = newMark();
    const joblog = join(dir, 'halt-soon.joblog');
    const started = join(dir, 'halt-soon.started');
    const never = join(dir, 'halt-soon.never');
    const input = [`while [ ! -e ${started} ]; do sleep 0.02; done; exit 3`, `touch ${started}; sleep 0.5; echo slept`, `touch ${never}`].join('\n');
    const r = await runSpmShell(['-j', '2', '--halt', 'soon,fail=1', '--joblog', joblog], { input: `${input}\n`, mark: mark.env });
    expect(r.code).toBe(3);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
      ['1', '3'],
      ['2', '0'],
    ]);
    expect(r.stdout).toBe('slept\n');
    expect(existsSync(never)).toBe(false);
  });

  it('soon,fail=1 after many short commands: no command was held ahead of the failing one', async () => {
    // Without --halt, a spoke holds its next commands once commands are short (each started by
    // the fork server as the one before exits): here the one after `exit 3` would start.
    const mark = newMark();
    const after = mkdtempSync(join(dir, 'halt-short-'));
    const input = [...Array.from({ length: 20 }, () => 'true'), 'exit 3', ...Array.from({ length: 10 }, (_, i) => `touch ${after}/${i}`)].join('\n');
    const r = await runSpmShell(['-j', '1', '--halt', 'soon,fail=1'], { input: `${input}\n`, mark: mark.env });
    expect(r.code).toBe(3);
    expect(readdirSync(after)).toEqual([]);
  });
});

describe.each([
  ['SIGINT', 130, 'inproc'],
  ['SIGINT', 130, 'thread'],
  ['SIGTERM', 143, 'thread'],
  ['SIGINT', 130, 'process'],
] as const)('spm-shell interrupted by %s (%s, %s spokes)', (signal, status, transport) => {
  it(`kills the running commands, keeps the joblog of what finished, exits ${status}, and leaves nothing behind`, async () => {
    const mark = newMark();
    const name = `${signal}-${transport}`;
    const joblog = join(dir, `${name}.joblog`);
    const s1 = join(dir, `${name}.s1`);
    const s2 = join(dir, `${name}.s2`);
    const input = ['echo quick', `touch ${s1}; sh -c 'sleep ${mark.sleep} & sleep ${mark.sleep}; wait'`, `touch ${s2}; exec sleep ${mark.sleep}`, `touch ${join(dir, `${name}.never`)}`].join('\n');
    let sleepsBefore = 0;
    const r = await runSpmShell(['-j', '2', '--joblog', joblog, '--transport', transport], {
      input: `${input}\n`,
      mark: mark.env,
      onSpawn: (child) => {
        void waitFor(() => existsSync(s1) && existsSync(s2) && leftovers(mark.env, mark.sleep).filter((p) => p.endsWith(`: sleep ${mark.sleep}`)).length === 3, 20_000, 'the three sleeps to run').then(
          () => {
            // The scan sees them while they run: it would see a survivor too.
            sleepsBefore = leftovers(mark.env, mark.sleep).filter((p) => p.endsWith(`: sleep ${mark.sleep}`)).length;
            child.kill(signal);
          },
          () => child.kill('SIGKILL'),
        );
      },
    });
    expect(sleepsBefore).toBe(3);
    expect(r.code).toBe(status);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6], row[8]])).toEqual([['1', '0', 'echo quick']]);
    expect(r.stdout).toBe('quick\n');
    expect(r.stderr).toContain(`spm-shell: ${signal}: killing 2 running commands`);
    expect(r.stderr).not.toContain('spm-spoke'); // no spoke complains while the cloud closes
    expect(existsSync(join(dir, `${name}.never`))).toBe(false);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell reading a FIFO source (-a, ::::)', () => {
  /** Sends `signal` to the bin once it has `fifo` open (SIGKILL if it never opens it). */
  const signalOnceOpened = (child: ChildProcess, fifo: string, signal: NodeJS.Signals): void => {
    const opened = (): boolean => {
      try {
        return readdirSync(`/proc/${String(child.pid)}/fd`).some((fd) => readlinkSync(`/proc/${String(child.pid)}/fd/${fd}`) === fifo);
      } catch {
        return false;
      }
    };
    void waitFor(opened, 20_000, 'spm-shell to open the FIFO').then(
      () => child.kill(signal),
      () => child.kill('SIGKILL'),
    );
  };

  it.each([
    ['SIGTERM', 143, '::::'],
    ['SIGINT', 130, '-a'],
  ] as const)('that no writer opens: a %s ends the run (exit %i, %s), nothing left', async (signal, status, how) => {
    // Regression: the FIFO's open blocked one of libuv's pool threads, and a Node process cannot
    // exit while one is stuck so: the signal was heard, the run never ended, a second signal
    // neither; only SIGKILL ended it.
    const mark = newMark();
    const fifo = join(dir, `source-${signal}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const args = how === '-a' ? ['-a', fifo, 'echo'] : ['echo', '::::', fifo];
    const r = await runSpmShell(args, {
      mark: mark.env,
      timeoutMs: 20_000,
      onSpawn: (child) => signalOnceOpened(child, fifo, signal),
    });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: status, stdout: '' });
    await expectNoLeftovers(mark);
  });

  it('that no writer opens: a SIGHUP ends the run (nothing started: no more input is read), exit 0', async () => {
    // Regression: SIGHUP (start no more jobs) was listened for only once the first job was read:
    // idle before it, the run went on waiting for input (GNU parallel ends).
    const mark = newMark();
    const fifo = join(dir, 'source-SIGHUP.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await runSpmShell(['-a', fifo, 'echo'], {
      mark: mark.env,
      timeoutMs: 20_000,
      onSpawn: (child) => signalOnceOpened(child, fifo, 'SIGHUP'),
    });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: 'spm-shell: SIGHUP: starting no more jobs; waiting for 0 running\n' });
    await expectNoLeftovers(mark);
  });

  it('waits for its writer, and reads what it writes to its end', async () => {
    const mark = newMark();
    const fifo = join(dir, 'source-written.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await runSpmShell(['-k', 'echo', '::::', fifo, ':::', '1', '2'], {
      mark: mark.env,
      onSpawn: () => {
        // A writer that opens it (blocking until spm-shell reads it), writes in two parts, and closes it.
        const writer = spawn('sh', ['-c', `exec > '${fifo}'; echo x; sleep 0.2; echo y`], { stdio: 'ignore' });
        writer.on('error', () => undefined);
      },
    });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'x 1\nx 2\ny 1\ny 2\n', stderr: '' });
  });
});

describe('spm-shell writing --joblog or a --results table to a FIFO', () => {
  /**
   * Runs `echo a` with `option` writing to a new FIFO (`.ext`) no one reads, sending `signal` once
   * spm-shell says it waits for a reader; `ran` is the file the command would have made.
   */
  async function signalledWhileWaiting(option: string, signal: NodeJS.Signals, ext: string): Promise<{ mark: ReturnType<typeof newMark>; fifo: string; ran: string; r: Awaited<ReturnType<typeof runSpmShell>> }> {
    const mark = newMark();
    const fifo = join(dir, `unread-${signal}.${ext}`);
    const ran = join(dir, `unread-${signal}.ran`);
    execFileSync('mkfifo', [fifo]);
    const r = await runSpmShell([option, fifo, `touch ${ran}; echo`, ':::', 'a'], {
      mark: mark.env,
      timeoutMs: 20_000,
      onSpawn: (child) => {
        let said = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          said += chunk.toString();
          if (said.includes('waiting for a reader')) child.kill(signal);
        });
      },
    });
    return { mark, fifo, ran, r };
  }

  it.each([
    ['--joblog', 'SIGTERM', 143],
    ['--results', 'SIGINT', 130],
  ] as const)('that no one reads: says it waits for a reader (%s), a %s ends the run (exit %i), nothing ran', async (option, signal, status) => {
    // Regression: the hub opened it in its own thread, asleep in open(2) until a reader came,
    // and heard no signal: only SIGKILL ended the run (GNU parallel ends on either).
    const { mark, fifo, ran, r } = await signalledWhileWaiting(option, signal, option === '--results' ? 'csv' : 'fifo');
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: status, stdout: '', stderr: `spm-shell: waiting for a reader of the FIFO \`${fifo}\` (${option}) before starting\n` });
    expect(existsSync(ran)).toBe(false);
    await expectNoLeftovers(mark);
  });

  it('that no one reads: a SIGHUP ends the wait (nothing has started: nothing runs), exit 0', async () => {
    // Regression: only SIGINT and SIGTERM ended the wait; SIGHUP was not heard (found this session).
    const { mark, fifo, ran, r } = await signalledWhileWaiting('--joblog', 'SIGHUP', 'fifo');
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: `spm-shell: waiting for a reader of the FIFO \`${fifo}\` (--joblog) before starting\nspm-shell: SIGHUP: starting no more jobs; waiting for 0 running\n`,
    });
    expect(existsSync(ran)).toBe(false);
    await expectNoLeftovers(mark);
  });

  it('whose reader comes after the start: the run waits for it, and it reads the joblog whole', async () => {
    const mark = newMark();
    const fifo = join(dir, 'late-reader.fifo');
    execFileSync('mkfifo', [fifo]);
    let read = '';
    const r = await runSpmShell(['-k', '--joblog', fifo, 'echo', ':::', 'a', 'b'], {
      mark: mark.env,
      onSpawn: (child) => {
        // The reader comes once the run has said it waits for one.
        let said = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          said += chunk.toString();
          if (!said.includes('waiting for a reader') || read !== '') return;
          read = ' ';
          createReadStream(fifo, 'utf8').on('data', (text) => (read += String(text)));
        });
      },
    });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'a\nb\n' });
    await waitFor(() => read.trim().split('\n').length === 3, 10_000, 'the joblog to be read whole');
    // (Sorted: rows come in the order jobs end, and two spokes end theirs at about the same moment.)
    expect(
      joblogRows(read.trim())
        .map((row) => [row[0], row[6], row[8]])
        .sort((x, y) => Number(x[0]) - Number(y[0])),
    ).toEqual([
      ['1', '0', 'echo a'],
      ['2', '0', 'echo b'],
    ]);
  });
});

describe('spm-shell printing output that is not UTF-8 text', () => {
  /** Runs spm-shell with its stdout and stderr to files; resolves with the run and the files' bytes. */
  async function bytesOf(args: readonly string[], name: string, input?: string): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
    const [outFile, errFile] = [join(dir, `${name}.out`), join(dir, `${name}.err`)];
    const [out, err] = [openSync(outFile, 'w'), openSync(errFile, 'w')];
    try {
      const r = await runSpmShell(args, { mark: newMark().env, stdoutFd: out, stderrFd: err, ...(input !== undefined ? { input } : {}) });
      return { code: r.code, stdout: readFileSync(outFile), stderr: readFileSync(errFile) };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  // Every byte value, twice: Latin-1 text, a gzip stream, any binary file.
  const binary = Buffer.from(Array.from({ length: 512 }, (_, k) => k % 256));
  beforeAll(() => writeFileSync(join(dir, 'all-bytes.bin'), binary));

  it('prints it byte for byte, -k or not, stdout and stderr, on every transport (it used to become U+FFFD)', async () => {
    const source = join(dir, 'all-bytes.bin');
    for (const transport of ['inproc', 'thread', 'process']) {
      const r = await bytesOf(['-k', '--transport', transport, `cat ${source}; printf '\\351{}\\n'`, ':::', 'a', 'b'], `binary-${transport}`);
      expect({ transport, code: r.code }).toEqual({ transport, code: 0 });
      expect(r.stdout.equals(Buffer.concat([binary, Buffer.from([0xe9, 0x61, 0x0a]), binary, Buffer.from([0xe9, 0x62, 0x0a])]))).toBe(true);
    }
    const err = await bytesOf([`cat ${source} >&2; : {}`, ':::', 'x'], 'binary-stderr');
    expect(err.code).toBe(0);
    expect(err.stderr.equals(binary)).toBe(true);
  });

  it('writes it byte for byte to --results files, and a --pipe gzip round trip gives the input back', async () => {
    const results = join(dir, 'binary-results');
    const r = await runSpmShell(['--results', results, `cat ${join(dir, 'all-bytes.bin')}; cat ${join(dir, 'all-bytes.bin')} >&2; : {}`, ':::', 'a'], { mark: newMark().env });
    expect(r.code).toBe(0);
    expect(readFileSync(join(results, '1', 'a', 'stdout')).equals(binary)).toBe(true);
    expect(readFileSync(join(results, '1', 'a', 'stderr')).equals(binary)).toBe(true);
    const lines = Array.from({ length: 20_000 }, (_, k) => `line ${k}`).join('\n') + '\n';
    const zipped = await bytesOf(['--pipe', '-k', '--block', '20k', 'gzip', '-c'], 'pipe-gzip', lines);
    expect(zipped.code).toBe(0);
    // Concatenated gzip members are one gzip stream.
    expect(gunzipSync(zipped.stdout).toString()).toBe(lines);
  });

  /** `data` with `prefix` at the start of each line — after each `\\n` and `\\r` that something follows — as GNU parallel's --tag marks bytes. */
  function tagBytes(data: Buffer, prefix: string): Buffer {
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (i === start) parts.push(Buffer.from(prefix));
      if (data[i] === 0x0a || data[i] === 0x0d) {
        parts.push(data.subarray(start, i + 1));
        start = i + 1;
      }
    }
    parts.push(data.subarray(start));
    return Buffer.concat(parts);
  }

  it('marks lines on the bytes: --tag, --line-buffer and -u pass them unchanged on every transport (they were decoded: U+FFFD)', async () => {
    const source = join(dir, 'all-bytes.bin');
    const of = (arg: string): Buffer => Buffer.concat([binary, Buffer.from([0xe9, arg.charCodeAt(0), 0x0a])]);
    const command = `cat ${source}; printf '\\351{}\\n'`;
    for (const transport of ['inproc', 'thread', 'process']) {
      for (const mode of [['--tag'], ['--line-buffer', '--tag'], ['--line-buffer']]) {
        const r = await bytesOf(['-k', '-j2', '--transport', transport, ...mode, command, ':::', 'a', 'b'], `binary-marked-${transport}-${mode.length}`);
        const want = mode.includes('--tag') ? Buffer.concat([tagBytes(of('a'), 'a\t'), tagBytes(of('b'), 'b\t')]) : Buffer.concat([of('a'), of('b')]);
        expect({ transport, mode, code: r.code, same: r.stdout.equals(want) }).toEqual({ transport, mode, code: 0, same: true });
      }
      const raw = await bytesOf(['-u', '-j1', '--transport', transport, command, ':::', 'a', 'b'], `binary-u-${transport}`);
      expect({ transport, code: raw.code, same: raw.stdout.equals(Buffer.concat([of('a'), of('b')])) }).toEqual({ transport, code: 0, same: true });
    }
    const err = await bytesOf(['--line-buffer', '--tag', `cat ${source} >&2; : {}`, ':::', 'x'], 'binary-lb-stderr');
    expect({ code: err.code, same: err.stderr.equals(tagBytes(binary, 'x\t')) }).toEqual({ code: 0, same: true });
  });

  it('--line-buffer passes a line longer than it holds back (1 MiB) whole, a character cut between its pieces included', async () => {
    // `x` and 2,500,000 bytes of `é` (2 bytes each; so pieces of an even size end inside one), no newline.
    const long = join(dir, 'long-line.txt');
    writeFileSync(long, Buffer.from('x' + 'é'.repeat(1_250_000)));
    const r = await bytesOf(['--line-buffer', '--tag', `cat ${long}; : {}`, ':::', 'a'], 'long-line');
    expect({ code: r.code, same: r.stdout.equals(Buffer.concat([Buffer.from('a\t'), readFileSync(long)])) }).toEqual({ code: 0, same: true });
  });
});

describe('spm-shell writing --trace, or an appended --joblog, to a FIFO', () => {
  /** Runs spm-shell with `args`; a reader of `fifo` comes once the run says it waits for one. */
  async function withLateReader(fifo: string, args: readonly string[]): Promise<{ r: Awaited<ReturnType<typeof runSpmShell>>; read: () => Promise<string> }> {
    const mark = newMark();
    let read = '';
    let ended: Promise<void> | undefined;
    const r = await runSpmShell(args, {
      mark: mark.env,
      onSpawn: (child) => {
        let said = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          said += chunk.toString();
          if (!said.includes('waiting for a reader') || ended !== undefined) return;
          const reader = createReadStream(fifo, 'utf8');
          reader.on('data', (text) => (read += String(text)));
          ended = new Promise((resolve) => reader.on('end', () => resolve()));
        });
      },
    });
    await expectNoLeftovers(mark);
    return {
      r,
      read: async () => {
        await ended;
        return read;
      },
    };
  }

  it('--trace: waits for the reader, and writes the whole trace to it at the end', async () => {
    // Regression: the FIFO was opened to check it at the start (deaf in open(2) until a reader
    // came) and closed — the reader's end of file — then opened again at the end, where no reader
    // was left: the run never ended once its commands had.
    const fifo = join(dir, 'trace.fifo');
    execFileSync('mkfifo', [fifo]);
    const { r, read } = await withLateReader(fifo, ['-k', '--trace', fifo, 'echo', ':::', 'a', 'b']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'a\nb\n', stderr: `spm-shell: waiting for a reader of the FIFO \`${fifo}\` (--trace) before starting\n` });
    const trace = JSON.parse(await read()) as { traceEvents: { ph: string; cat?: string; name: string }[] };
    // Both tasks, whole (sorted: the trace lists spans by start time, and two spokes start theirs at about the same moment).
    expect(trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'task').map((e) => e.name).sort()).toEqual(['echo a', 'echo b']);
  });

  it('--joblog +F: waits for the reader as --joblog F does; the reader gets the header and every row', async () => {
    // Regression: appended to, the FIFO was opened for reading and writing (which never waits):
    // with no reader yet, its rows went into the pipe and were lost when it was closed.
    const fifo = join(dir, 'appended.fifo');
    execFileSync('mkfifo', [fifo]);
    const { r, read } = await withLateReader(fifo, ['-k', '--joblog', `+${fifo}`, 'echo', ':::', 'a', 'b']);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'a\nb\n' });
    // (Sorted: rows come in the order jobs end, and two spokes end theirs at about the same moment.)
    expect(
      joblogRows(await read())
        .map((row) => [row[0], row[6], row[8]])
        .sort((x, y) => Number(x[0]) - Number(y[0])),
    ).toEqual([
      ['1', '0', 'echo a'],
      ['2', '0', 'echo b'],
    ]);
  });

  it.each([
    ['--resume', 'resume from', true],
    ['--retry-failed', 'retry its failed jobs', false],
  ])('%s with a FIFO joblog: refused (it keeps no earlier rows), nothing run', async (option, what, command) => {
    // Regression: its earlier rows were read from the FIFO — deaf in open(2) until a writer came.
    const mark = newMark();
    const fifo = join(dir, `resumed${option}.fifo`);
    const ran = join(dir, `resumed${option}.ran`);
    execFileSync('mkfifo', [fifo]);
    const r = await runSpmShell([option, '--joblog', fifo, ...(command ? [`touch ${ran}; echo`, ':::', 'a'] : [])], { mark: mark.env, timeoutMs: 20_000 });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 255, stdout: '', stderr: `spm-shell: Expected \`--joblog ${fifo}\` to be a file to ${what}, got a FIFO (it keeps no rows of earlier runs)\n` });
    expect(existsSync(ran)).toBe(false);
  });
});

describe('spm-shell writing --joblog to a reader that stops reading', () => {
  it('goes on (the rows wait in memory), and two SIGTERMs end the wait for the reader (143)', async () => {
    // Regression: each row was written with writeSync; once 64 KiB waited in the pipe the hub's
    // thread slept in write(2) — no more jobs, and deaf to SIGINT and SIGTERM: only SIGKILL.
    const mark = newMark();
    const fifo = join(dir, 'stalled.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that opens the FIFO and never reads it.
    const reader = spawn('sh', ['-c', `exec 3<'${fifo}'; exec sleep ${mark.sleep}`], { stdio: 'ignore', env: { ...process.env, [MARK_VARIABLE]: mark.env } });
    try {
      const n = 2000; // ~95 KB of rows: more than a pipe holds (64 KiB)
      let lines = 0;
      const r = await runSpmShell(['--joblog', fifo, 'echo'], {
        mark: mark.env,
        input: `${Array.from({ length: n }, (_, k) => String(k + 1)).join('\n')}\n`,
        timeoutMs: 60_000,
        onSpawn: (child) => {
          let signalling: NodeJS.Timeout | undefined;
          child.on('close', () => clearInterval(signalling));
          child.stdout?.on('data', (chunk: Buffer) => {
            lines += chunk.toString().split('\n').length - 1;
            // Every job ran (its rows wait for the reader): a stop, and another to end the wait —
            // sent again until it ends (two sent at once may arrive as one: signals do not queue).
            if (lines < n || signalling !== undefined) return;
            child.kill('SIGTERM');
            signalling = setInterval(() => child.kill('SIGTERM'), 100);
          });
        },
      });
      expect({ code: r.code, lines }).toEqual({ code: 143, lines: n });
    } finally {
      reader.kill('SIGKILL');
    }
    await expectNoLeftovers(mark);
  }, 90_000);
});

describe('spm-shell removing the temporary directories of runs killed with SIGKILL', () => {
  it('removes those of this user and PID namespace whose hub is gone, and leaves the others', async () => {
    // A hub killed with SIGKILL cannot remove its spill directory — whose files may be large:
    // found, a 21 MB `seq` output left, gigabytes with `yes`. The next run removes it.
    const mark = newMark();
    const tmp = mkdtempSync(join(dir, 'reap-'));
    const ns = /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] as string;
    const dead = spawnSync('true').pid as number; // a pid that has exited
    const make = (name: string): string => {
      mkdirSync(join(tmp, name));
      writeFileSync(join(tmp, name, 'x.1.stdout'), 'y\n'.repeat(1000));
      return name;
    };
    const gone = [make(`spm-shell-${ns}-${dead}-AbC123`), make(`spm-shell-fifo-${ns}-${dead}-dEf456`)];
    const kept = [make(`spm-shell-${ns}-${process.pid}-GhI789`), make(`spm-shell-1-${dead}-JkL012`), make('spm-shell-MnO345'), make(`other-${ns}-${dead}-PqR678`)];
    const r = await runSpmShell(['--tmpdir', tmp, 'echo', ':::', 'a'], { mark: mark.env });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'a\n' });
    const left = readdirSync(tmp).sort();
    expect(left).toEqual([...kept].sort());
    expect(gone.filter((name) => left.includes(name))).toEqual([]);
  });
});

describe('spm-shell --results files that are FIFOs', () => {
  it('refuses them (said; the output printed instead; exit 255), the other jobs’ written', async () => {
    // Regression: a job's results file that was a FIFO was opened in the hub's thread, asleep
    // until a reader came and deaf to signals: the run never ended, only SIGKILL.
    const mark = newMark();
    const tree = join(dir, 'fifo-results');
    mkdirSync(tree);
    for (const name of ['a', 'a.err', 'a.seq']) execFileSync('mkfifo', [join(tree, name)]);
    const r = await runSpmShell(['-k', '--results', `${tree}/{}`, 'echo', ':::', 'a', 'b'], { mark: mark.env, timeoutMs: 20_000 });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 255,
      stdout: 'a\n',
      stderr: `spm-shell: job 1: its --results cannot write \`${tree}/a\`: it is a FIFO (results files are written whole, in one go: its open would wait for a reader); its output is printed instead\n`,
    });
    expect(readFileSync(join(tree, 'b'), 'utf8')).toBe('b\n');
  });
});

describe('spm-shell --template FIFO=NAME', () => {
  it('whose writer comes after the start: read once, every job gets its copy', async () => {
    // Regression: the options were read twice (the first time for the profiles' names), the
    // template with them: the second read of the FIFO waited for a writer that had gone.
    const mark = newMark();
    const fifo = join(dir, 'template.fifo');
    execFileSync('mkfifo', [fifo]);
    const filled = join(dir, 'filled-{}.txt');
    const r = await runSpmShell(['-k', '--template', `${fifo}=${filled}`, `cat ${filled}`, ':::', 'a', 'b'], {
      mark: mark.env,
      onSpawn: () => {
        const writer = spawn('sh', ['-c', `sleep 0.3; echo 'T {}' > '${fifo}'`], { stdio: 'ignore' });
        writer.on('error', () => undefined);
      },
    });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'T a\nT b\n', stderr: '' });
  });

  it('that no writer opens: SIGINT ends the run (its default action: nothing has started)', async () => {
    // Regression: the hub listened for SIGINT before reading its options, and asleep in the
    // FIFO's open(2) it ran no listener: deaf to SIGINT and SIGTERM, only SIGKILL ended it.
    const mark = newMark();
    const fifo = join(dir, 'unwritten-template.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await runSpmShell(['--template', `${fifo}=${join(dir, 'never-{}.txt')}`, 'echo', ':::', 'a'], {
      mark: mark.env,
      timeoutMs: 20_000,
      onSpawn: (child) => {
        // Asleep in the FIFO's open: the kernel's wait for a writer.
        const waiting = (): boolean => {
          try {
            return readFileSync(`/proc/${String(child.pid)}/wchan`, 'utf8') === 'wait_for_partner';
          } catch {
            return false;
          }
        };
        interruptWhen(child, waiting, 20_000, 'spm-shell to wait in the FIFO’s open');
      },
    });
    expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code: null, signal: 'SIGINT', stdout: '' });
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell interrupted with 200 commands running (-j 200)', () => {
  it('kills every tree (each command with a background job), exits 130 and leaves nothing behind', async () => {
    // Every killed tree used to scan /proc on its own, every 20 ms until it was gone: at -j 300
    // the stop took 6 s, at -j 1000 a minute. Now the trees share their scans.
    const mark = newMark();
    const n = 200;
    const r = await runSpmShell(['-j', String(n), `sh -c 'sleep ${mark.sleep} & sleep ${mark.sleep}; wait'; : {}`, ':::', ...Array.from({ length: n }, (_, k) => String(k + 1))], {
      mark: mark.env,
      onSpawn: (child) => {
        interruptWhen(child, () => leftovers(mark.env, mark.sleep).filter((p) => p.endsWith(`: sleep ${mark.sleep}`)).length === 2 * n, 60_000, 'every sleep to run');
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`spm-shell: SIGINT: killing ${n} running commands`);
    expect(r.stdout).toBe('');
    await expectNoLeftovers(mark);
  });
});

describe.each(['inproc', 'thread', 'process'] as const)('spm-shell interrupted among many short commands (%s spokes)', (transport) => {
  it('logs every command that ran: none a spoke held runs unlogged, none that finished is lost', async () => {
    // Short commands: each spoke holds its next ones (thread and process spokes: 2 behind the
    // running one; inproc: batches). Each command ignores SIGTERM, so one that started ends on its
    // own, exit 0, and must be logged; a held one that never started must not have run. Before
    // abortGrace, an interrupt on thread or process spokes aborted at once: the held commands
    // ran while the spokes were being relaunched and went unlogged (6 per run at -j2). One that
    // had written its line when the SIGTERM came (its shell still to exit) was dropped as killed
    // until session 42 (once in a clean-clone CI): a TERM its shell ignores does not count.
    const mark = newMark();
    const scratch = mkdtempSync(join(dir, `short-int-${transport}-`));
    const ran = join(scratch, 'ran');
    const joblog = join(scratch, 'joblog');
    const input = Array.from({ length: 5000 }, (_, k) => `trap '' TERM; echo ${k + 1} >> ${ran}`).join('\n');
    const lines = (): number => (existsSync(ran) ? readFileSync(ran, 'utf8').split('\n').length - 1 : 0);
    const r = await runSpmShell(['-j', '2', '--joblog', joblog, '--transport', transport], {
      input: `${input}\n`,
      mark: mark.env,
      onSpawn: (child) => {
        interruptWhen(child, () => lines() >= 100, 30_000, '100 commands to run');
      },
    });
    expect(r.code).toBe(130);
    const seqs = (text: string): number[] => text.split('\n').filter((line) => line !== '').map(Number).sort((a, b) => a - b);
    const logged = joblogRows(readFileSync(joblog, 'utf8')).map((row) => Number(row[0])).sort((a, b) => a - b);
    const didRun = seqs(readFileSync(ran, 'utf8'));
    expect(didRun.length).toBeLessThan(5000);
    expect(logged).toEqual(didRun);
    await expectNoLeftovers(mark);
  });
});

describe.each(['inproc', 'thread', 'process'] as const)('spm-shell stopping running commands (%s spokes)', (transport) => {
  // Every transport gives a killed command SIGTERM and its grace period (2 s) before SIGKILL, as
  // a timeout does: a `trap … TERM` cleanup runs to its end. Process spokes used to be killed
  // with their whole tree at once (no SIGTERM at all); inproc and thread spokes SIGKILLed the
  // commands right after the SIGTERM, cutting a cleanup that took any time.
  const commands = (name: string, mark: { sleep: string }): { cleaned: string; ready: [string, string]; lines: [string, string] } => {
    const cleaned = join(dir, `${name}.cleaned`);
    const ready: [string, string] = [join(dir, `${name}.ready1`), join(dir, `${name}.ready2`)];
    const lines: [string, string] = [
      `trap 'sleep 0.3; echo cleaned > ${cleaned}; exit 1' TERM; touch ${ready[0]}; sleep ${mark.sleep} & wait`,
      // Ignores SIGTERM (exec keeps an ignored signal ignored): only the SIGKILL after the grace ends it.
      `trap '' TERM; touch ${ready[1]}; exec sleep ${mark.sleep}`,
    ];
    return { cleaned, ready, lines };
  };

  it('--halt now: SIGTERM first (the cleanup runs), SIGKILL after the grace; nothing is left when the bin exits', async () => {
    const mark = newMark();
    const { cleaned, ready, lines } = commands(`stop-halt-${transport}`, mark);
    const fail = `while [ ! -e ${ready[0]} ] || [ ! -e ${ready[1]} ]; do sleep 0.02; done; exit 3`;
    const r = await runSpmShell(['-j', '3', '--halt', 'now,fail=1', '--transport', transport], { input: `${[fail, ...lines].join('\n')}\n`, mark: mark.env });
    // Checked at once: a command left to a later sweep (after the bin) would still be here. (The
    // bin's idle fork servers may still be finishing their own sweep: the eventual check below.)
    const left = leftovers(mark.env, mark.sleep).filter((p) => !p.includes('spm-fork-server-'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('killing 2 running commands');
    expect(readFileSync(cleaned, 'utf8')).toBe('cleaned\n');
    expect(left).toEqual([]);
    await expectNoLeftovers(mark);
  });

  it('SIGINT: SIGTERM first (the cleanup runs), exit 130, nothing left', async () => {
    const mark = newMark();
    const { cleaned, ready, lines } = commands(`stop-int-${transport}`, mark);
    const r = await runSpmShell(['-j', '2', '--transport', transport], {
      input: `${lines[0]}\n`,
      mark: mark.env,
      onSpawn: (child) => {
        interruptWhen(child, () => existsSync(ready[0]), 20_000, 'the command to run');
      },
    });
    expect(r.code).toBe(130);
    expect(readFileSync(cleaned, 'utf8')).toBe('cleaned\n');
    expect(leftovers(mark.env, mark.sleep).filter((p) => !p.includes('spm-fork-server-'))).toEqual([]);
    await expectNoLeftovers(mark);
  });

  it('a command that answers the kill by exiting with a code of its own (a trap) is neither printed nor logged, as a killed one: SIGINT and --halt now (one exiting 0 was logged a success, and --resume-failed skipped it)', async () => {
    const mark = newMark();
    const ready = [1, 2].map((k) => join(dir, `trapped-${transport}.ready${k}`));
    const trapped = (k: number, code: number): string => `trap 'echo trapped-${k}; exit ${code}' TERM; touch ${ready[k - 1]}; sleep ${mark.sleep} & wait`;
    for (const how of ['SIGINT', '--halt'] as const) {
      for (const file of ready) rmSync(file, { force: true });
      const joblog = join(dir, `trapped-${transport}-${how}.joblog`);
      const last = how === '--halt' ? `while [ ! -e ${ready[0]} ] || [ ! -e ${ready[1]} ]; do sleep 0.02; done; exit 9` : 'exit 9';
      const r = await runSpmShell(['-j', '3', '--joblog', joblog, '--transport', transport, ...(how === '--halt' ? ['--halt', 'now,fail=1'] : [])], {
        input: `${trapped(1, 0)}\n${trapped(2, 3)}\n${last}\n`,
        mark: mark.env,
        onSpawn: (child) => {
          if (how !== 'SIGINT') return;
          interruptWhen(child, () => ready.every((file) => existsSync(file)) && existsSync(joblog) && joblogRows(readFileSync(joblog, 'utf8')).length === 1, 20_000, 'both traps set, job 3 logged');
        },
      });
      expect(r.code).toBe(how === 'SIGINT' ? 130 : 9);
      expect(r.stdout).not.toContain('trapped');
      expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]])).toEqual([['3', '9']]);
    }
    await expectNoLeftovers(mark);
  });

  it('a command whose shell ignores the TERM (`trap \'\' TERM`) and ends within the grace ran to its end: printed and logged with its own code (it was dropped as killed)', async () => {
    const ready = join(dir, `ignoring-${transport}.ready`);
    const joblog = join(dir, `ignoring-${transport}.joblog`);
    rmSync(ready, { force: true });
    const mark = newMark();
    const r = await runSpmShell(['-j', '1', '--joblog', joblog, '--transport', transport], {
      input: `trap '' TERM; touch ${ready}; sleep 0.5; echo finished; exit 4\n`,
      mark: mark.env,
      onSpawn: (child) => {
        interruptWhen(child, () => existsSync(ready), 20_000, 'the command to run');
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('finished\n');
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6], row[7]])).toEqual([['1', '4', '0']]);
    await expectNoLeftovers(mark);
  });

  // Says which signals it got and ignores them; its `sleep`s die of each.
  const stubborn = (mark: { sleep: string }, ready?: string): string =>
    `trap 'echo INT' INT; trap 'echo HUP' HUP; trap 'echo TERM' TERM; echo up; ${ready === undefined ? '' : `touch ${ready}; `}while :; do sleep ${mark.sleep}; done`;

  it('--termseq: a timed-out command gets each signal in turn, then SIGKILL; a command that ends on one is not signalled further', async () => {
    const mark = newMark();
    const joblog = join(dir, `termseq-${transport}.joblog`);
    const ends = `trap 'echo TERM' TERM; trap 'echo INT; exit 7' INT; echo up; while :; do sleep ${mark.sleep}; done`;
    const r = await runSpmShell(['-k', '-j', '2', '--timeout', '0.5', '--termseq', 'int,300,SIGHUP,300,15,300', '--joblog', joblog, '--transport', transport], { input: `${stubborn(mark)}\n${ends}\n`, mark: mark.env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('up\nINT\nHUP\nTERM\nup\nINT\n');
    // Killed (SIGKILL after the sequence), and ended by its own trap: both timed out.
    const rows = joblogRows(readFileSync(joblog, 'utf8')).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows.map((row) => row.slice(6, 8))).toEqual([
      ['-1', '9'],
      ['-1', '0'],
    ]);
    expect(r.stderr).toContain('job 1 timed out after 0.5 s');
    await expectNoLeftovers(mark);
  });

  it('--termseq: SIGINT stops the running commands by the sequence too', async () => {
    const mark = newMark();
    const ready = join(dir, `termseq-int-${transport}.ready`);
    // Its output goes to a file: an interrupted command's output is not printed.
    const log = join(dir, `termseq-int-${transport}.log`);
    const r = await runSpmShell(['-j', '1', '--termseq', 'HUP,300,INT,300,KILL,25', '--transport', transport], {
      input: `exec >> ${log}; ${stubborn(mark, ready)}\n`,
      mark: mark.env,
      onSpawn: (child) => {
        interruptWhen(child, () => existsSync(ready), 20_000, 'the command to run');
      },
    });
    expect(r.code).toBe(130);
    expect(readFileSync(log, 'utf8')).toBe('up\nHUP\nINT\n');
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --trace, --progress and --max-output', () => {
  it('writes a Chrome trace of every command, draws the bar when asked, and keeps output past the cap in a file, printed whole', async () => {
    const mark = newMark();
    const trace = join(dir, 'trace.json');
    const joblog = join(dir, 'trace.joblog');
    const r = await runSpmShell(['-j', '2', '--trace', trace, '--progress', '--max-output', '10K', '--joblog', joblog], { input: 'echo a\nexit 2\nseq 1 100000\n', mark: mark.env });
    expect(r.code).toBe(1);
    const { traceEvents } = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { name: string; ph: string; cat?: string; pid: number; tid: number; args?: Record<string, unknown> }[] };
    const tasks = traceEvents.filter((e) => e.ph === 'X' && e.cat === 'task');
    expect(tasks.map((e) => e.name).sort()).toEqual(['echo a', 'exit 2', 'seq 1 100000']);
    expect(tasks.map((e) => e.args?.['exitCode']).sort()).toEqual([0, 0, 2]);
    expect(traceEvents.filter((e) => e.ph === 'X' && e.cat === 'work')).toHaveLength(3);
    const threads = traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.['name']);
    expect(threads.length).toBeGreaterThanOrEqual(1);
    expect(threads.every((name) => /^spoke local:[12]$/.test(String(name)))).toBe(true);
    // --max-output 10K: 10240 bytes kept in memory, the rest spilled to a file; all of it printed.
    expect(r.stdout).toContain(seqOutput(100000));
    expect(r.stdout.length).toBe(seqOutput(100000).length + 'a\n'.length);
    expect(joblogRows(readFileSync(joblog, 'utf8')).find((row) => row[8] === 'seq 1 100000')?.[5]).toBe(String(seqOutput(100000).length));
    expect(r.stderr).not.toMatch(/only the first \d+ of each were kept/);
    expect(r.stderr.replaceAll('\u001b', '<ESC>')).toMatch(/\r<ESC>\[Kspm-shell \[[#.]+\] \d\/[3?] done, [01] failed, \d running, ETA /); // the total is known once stdin ended
  });

  it('shows the progress bar by itself on a terminal', async () => {
    const mark = newMark();
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      // script(1) gives the bin a pseudo-terminal; its output is what the terminal showed.
      const child = spawn('script', ['-qec', `${process.execPath} ${BIN} -j 1 ::: 'sleep 1; echo done-on-tty'`, '/dev/null'], {
        env: { ...process.env, [MARK_VARIABLE]: mark.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('done-on-tty');
    expect(r.out).toMatch(/spm-shell \[\.+\] 0\/1 done, 0 failed, [01] running/);
  });

  it('does not draw the bar over output that has no newline yet on a terminal', async () => {
    const mark = newMark();
    const out = await new Promise<string>((resolve) => {
      const child = spawn('script', ['-qec', `${process.execPath} ${BIN} -j 2 ::: 'printf two' 'sleep 1'`, '/dev/null'], {
        env: { ...process.env, [MARK_VARIABLE]: mark.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    // What the terminal received after `two`: no carriage return or erase-line until the end.
    const after = out.slice(out.indexOf('two') + 3);
    expect(out).toContain('two');
    expect(after).not.toContain('\r');
  });
});

describe('spm-shell with a slow reader', () => {
  it('loses no output: what the reader could not take yet is written before the bin exits', async () => {
    const mark = newMark();
    const r = await runSpmShell(['-j', '2', '--joblog', '-'], {
      mark: mark.env,
      input: 'seq 1 100000\necho after\n',
      onSpawn: (child) => {
        // Read nothing for a while: the pipe fills up and the bin finishes its jobs meanwhile.
        child.stdout?.pause();
        setTimeout(() => child.stdout?.resume(), 2500);
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(seqOutput(100000));
    expect(r.stdout).toContain('after\n');
    // --joblog - goes to stdout beside the outputs: the header and one row per job.
    expect(joblogRows(r.stdout.split('\n').filter((line) => /^(Seq|\d+)\t/.test(line)).join('\n'))).toHaveLength(2);
  });
});

describe('spm-shell when its reader goes away', () => {
  it('stops everything like SIGPIPE would and exits 141', async () => {
    const mark = newMark();
    const started = join(dir, 'epipe.started');
    const input = [`touch ${started}; exec sleep ${mark.sleep}`, ...Array.from({ length: 200 }, () => 'seq 1 20000')].join('\n');
    const r = await runSpmShell(['-j', '2'], {
      input: `${input}\n`,
      mark: mark.env,
      onSpawn: (child) => {
        // Close our end of its stdout once output flows and the long command runs.
        child.stdout?.once('data', () => void waitFor(() => existsSync(started), 20_000).then(() => child.stdout?.destroy(), () => child.kill('SIGKILL')));
      },
    });
    expect(r.code).toBe(141);
    expect(r.stderr).toContain('spm-shell: SIGPIPE: killing');
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --dry-run when its reader goes away', () => {
  // Our end of its stdout closed as it starts: its first line finds no reader (EPIPE).
  const gone = (child: ChildProcess): void => void child.stdout?.destroy();

  it('exits 141 as a run does, its commands made from ::: words without waiting on any input', async () => {
    const words = Array.from({ length: 20_000 }, (_, i) => String(i + 1));
    const many = await runSpmShell(['--dry-run', 'echo {}', ':::', ...words], { mark: newMark().env, onSpawn: gone });
    expect({ code: many.code, stderr: many.stderr }).toEqual({ code: 141, stderr: '' });
    // One line: the loop ends before the failed write's news comes.
    const one = await runSpmShell(['--dry-run', '--json', 'echo {}', ':::', 'a'], { mark: newMark().env, onSpawn: gone });
    expect({ code: one.code, stderr: one.stderr }).toEqual({ code: 141, stderr: '' });
  });

  it('exits 141 reading its commands from stdin, as before', async () => {
    const r = await runSpmShell(['--dry-run', 'echo {}'], { input: seqOutput(20_000), mark: newMark().env, onSpawn: gone });
    expect(r.code).toBe(141);
  });
});

describe('spm-shell: the shell the commands run in', () => {
  /** spm-shell started from `shell -c` (which stays its parent: a command follows), without $PARALLEL_SHELL unless `env` gives it. */
  const startedFrom = (shell: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } => {
    const run = spawnSync(shell[0] as string, [...shell.slice(1), '-c', `"${process.execPath}" "${BIN}" "$@"; exit $?`, 'sh', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PARALLEL_SHELL: undefined, PARALLEL: undefined, [MARK_VARIABLE]: newMark().env, ...env },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const bashisms = ['-k', 'echo {a,b}{}; [[ {} == x ]] && echo "[[ ]] of {}"; echo $((2**3))', ':::', 'x'];

  it('is the shell spm-shell was started from (bash: its brace expansion, [[ ]], **), on every transport and with --nice', () => {
    for (const transport of ['inproc', 'thread', 'process']) {
      expect({ transport, ...startedFrom(['bash'], ['--transport', transport, ...bashisms]) }).toEqual({ transport, status: 0, stdout: 'ax bx\n[[ ]] of x\n8\n', stderr: '' });
    }
    expect(startedFrom(['bash'], ['--nice', '5', ...bashisms]).stdout).toBe('ax bx\n[[ ]] of x\n8\n');
    // --verbose says which, and why.
    expect(startedFrom(['bash'], ['--verbose', 'true', ':::', 'x']).stderr).toMatch(/^#: spm-shell: commands run in \/\S*bash \(the shell spm-shell was started from, pid \d+; \$PARALLEL_SHELL chooses another\)$/m);
    // From dash: no brace expansion, no [[.
    const dash = startedFrom(['dash'], bashisms);
    expect({ status: dash.status, stdout: dash.stdout }).toEqual({ status: 1, stdout: '{a,b}x\n' });
  });

  it('is $PARALLEL_SHELL when given (not found: exit 255 naming it); a tcsh that started spm-shell gives /bin/sh', () => {
    expect(startedFrom(['dash'], bashisms, { PARALLEL_SHELL: 'bash' })).toEqual({ status: 0, stdout: 'ax bx\n[[ ]] of x\n8\n', stderr: '' });
    expect(startedFrom(['bash'], bashisms, { PARALLEL_SHELL: 'no-such-shell' })).toEqual({
      status: 255,
      stdout: '',
      stderr: 'spm-shell: Expected $PARALLEL_SHELL to name a shell (an executable file, or a program on $PATH), got `no-such-shell`: not found\n',
    });
    // A process called tcsh (bash, named so) started spm-shell: its syntax is not Bourne shell's.
    const tcsh = startedFrom(['bash', '-c', 'exec -a tcsh bash "$@"', 'bash'], ['--verbose', ...bashisms]);
    expect(tcsh.stdout).toBe('{a,b}x\n');
    expect(tcsh.stderr).toMatch(/^#: spm-shell: commands run in \/bin\/sh \(spm-shell was started from tcsh, whose syntax is not Bourne shell's; \$PARALLEL_SHELL chooses another\)$/m);
  });
});

describe('spm-shell {= perl expressions =}', () => {
  it('takes values longer than a pipe’s read, whole and in order, next to short ones', async () => {
    // Replies of 100,000 bytes come from perl in several reads; each was joined to all before it
    // at every read until session 44 (quadratic: a 64 MB value took 20 s to be refused).
    const r = await runSpmShell(['-k', '--dry-run', 'echo', '{= $_ = ($_ eq "long" ? "ab" x 50000 : $_) =}', ':::', 'a', 'long', 'b', 'long'], { mark: newMark().env });
    expect(r.code).toBe(0);
    const long = `echo ${'ab'.repeat(50_000)}`;
    expect(r.stdout).toBe(`echo a\n${long}\necho b\n${long}\n`);
  });

  it('runs the others when one job’s expression dies (exit too) or makes a NUL: that job is not run, failed, its reason said; skip() passes one over; no perl is left', async () => {
    const mark = newMark();
    const joblog = join(dir, 'perl-die.joblog');
    const args = ['-k', '--joblog', joblog, 'echo', '{= die "no $_\\n" if /bad/; exit 1 if /quit/; $_ = "x\\0y" if /nul/; skip() if /skip/; $_ = uc =}', ':::', 'a', 'bad', 'quit', 'nul', 'skip', 'b'];
    const r = await runSpmShell(args, { mark: mark.env });
    expect(r.stdout).toBe('A\nB\n');
    expect(r.code).toBe(3);
    const notices = r.stderr.split('\n').filter((line) => line.startsWith('spm-shell: job'));
    expect(notices).toEqual([
      expect.stringMatching(/^spm-shell: job 2 not run: its perl expression `\{= die .*=\}` \(in the command\) died: no bad: echo $/),
      expect.stringMatching(/^spm-shell: job 3 not run: .* died: exit\(\) ends no job here: the expression died: echo $/),
      expect.stringMatching(/^spm-shell: job 4 not run: .* \(in the command\) made a value holding NUL \(a command cannot hold one\): echo $/),
    ]);
    // The passed-over job 5 is not logged, as {choose_k}'s.
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([['1', '0'], ['2', '-1'], ['3', '-1'], ['4', '-1'], ['6', '0']]);
    await expectNoLeftovers(mark);
  });

  it('fails a job whose expression makes bytes that are not UTF-8 (Perl’s chr(233)), naming the byte; a wide character is UTF-8 and the jobs after it run', async () => {
    const r = await runSpmShell(['-k', 'echo', '{= $_ = /latin/ ? chr(233) : /wide/ ? chr(0x263a) : $_ =}', ':::', 'latin', 'wide', 'after'], { mark: newMark().env, timeoutMs: 30_000 });
    // Until 2026-11-24: job 1 echoed U+FFFD, and the wide character's reply overran its frame: job 3 waited for ever.
    expect(r).toEqual({
      code: 1,
      signal: null,
      stdout: '☺\nafter\n',
      stderr: 'spm-shell: job 1 not run: its perl expression `{= $_ = /latin/ ? chr(233) : /wide/ ? chr(0x263a) : $_ =}` (in the command) made a value that is not valid UTF-8 (byte 0xe9 at byte 1); spm-shell passes commands to the shell as UTF-8 text: echo \n',
    });
  });

  it('gives slot() the job slot that runs each job, on every transport: in the command, --tagstring and a --template file; retried, its new slot', async () => {
    const where = join(dir, 'perl-slot');
    mkdirSync(where, { recursive: true });
    writeFileSync(join(where, 'gpu.tmpl'), 'device={= $_=slot()-1 =}\n');
    for (const transport of ['inproc', 'thread', 'process']) {
      const mark = newMark();
      const args = ['--transport', transport, '-j', '3', '--tagstring', '{%}:{= $_ = "s".slot() =}', '--tmpl', 'gpu.tmpl={#}.conf', 'sleep 0.0{#}; echo {= $_=slot()-1 =} $((PARALLEL_JOBSLOT - 1)) $(cat {#}.conf)', ':::', ...'abcdefgh'];
      const r = await runSpmShell(args, { cwd: where, mark: mark.env });
      expect({ transport, code: r.code, stderr: r.stderr }).toEqual({ transport, code: 0, stderr: '' });
      const lines = r.stdout.trim().split('\n');
      // `1:s1<TAB>0 0 device=0`: every field of a line is of one slot.
      const wrong = lines.filter((line) => !/^([123]):s\1\t(\d) \2 device=\2$/.test(line) || Number(line[0]) - 1 !== Number(/\t(\d)/.exec(line)?.[1]));
      expect({ transport, lines: lines.length, wrong }).toEqual({ transport, lines: 8, wrong: [] });
      await expectNoLeftovers(mark);
    }
    // A job that fails and is run again (--retries): each run's slot() is the slot that run is in.
    const retried = await runSpmShell(['-j', '2', '--retries', '3', '--joblog', join(where, 'retry.joblog'), 'echo {= $_=slot() =} $PARALLEL_JOBSLOT >> runs; false', ':::', 'a'], { cwd: where, mark: newMark().env });
    expect(retried.code).toBe(1);
    const runs = readFileSync(join(where, 'runs'), 'utf8').trim().split('\n');
    expect({ runs: runs.length, unequal: runs.filter((run) => run.split(' ')[0] !== run.split(' ')[1]) }).toEqual({ runs: 3, unequal: [] });
  });

  it('says on stderr, once, which job’s Perl code the run has waited on past the notice time, and goes on', async () => {
    const mark = newMark();
    const r = await runSpmShell(['-k', 'echo', '{= select(undef, undef, undef, 2) if /b/; $_ = uc =}', ':::', 'a', 'b', 'c'], { mark: mark.env, env: { SPM_SHELL_PERL_NOTICE_MS: '200' } });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'A\nB\nC\n' });
    expect(r.stderr).toBe("spm-shell: job 2's Perl code ({= =}, --rpl, --filter) has run for 0.2 s and goes on: the run waits for it (Ctrl-C or SIGTERM stops it)\n");
    await expectNoLeftovers(mark);
  });

  it('exits 130 on a Ctrl-C while an expression never returns (its perl killed by the same SIGINT, the run could not hear it), leaving nothing', async () => {
    const mark = newMark();
    // A process group of its own, as a shell's foreground job: the terminal's SIGINT reaches all of it.
    const started = join(dir, `perl-endless-${mark.env}`);
    const child = spawn(process.execPath, [BIN, 'echo', `{= open(my $f, ">", "${started}"); close($f); sleep 100 =}`, ':::', 'a'], { env: { ...process.env, PARALLEL: undefined, [MARK_VARIABLE]: mark.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => existsSync(started), 20_000, 'the expression to be evaluated');
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await exited;
    expect({ code, stderr }).toEqual({ code: 130, stderr: expect.any(String) });
    expect(stderr).toContain('spm-shell: job 1 not run: Expected perl to evaluate the run’s Perl code ({= =}, --filter), but perl was killed by SIGINT');
    await expectNoLeftovers(mark);
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('ends on a %s sent to spm-shell alone while an expression never returns, and its perl with it (nothing is left)', async (signal) => {
    const mark = newMark();
    let stop: NodeJS.Timeout | undefined;
    const r = await runSpmShell(['echo', '{= 1 while 1 =}', ':::', 'a'], {
      mark: mark.env,
      env: { SPM_SHELL_PERL_NOTICE_MS: '200' },
      timeoutMs: 30_000,
      onSpawn: (child) => {
        // Past the notice time the hub's SIGTERM has its default action; sent again until it
        // ends (the hub sets its listeners aside a moment after the worker's notice). Before this,
        // the hub heard none of them (asleep on perl), and perl outlived a SIGKILL.
        let said = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          said += chunk.toString();
          if (stop !== undefined || !said.includes('goes on')) return;
          child.kill(signal);
          stop = setInterval(() => child.kill(signal), 300);
        });
      },
    }).finally(() => clearInterval(stop));
    expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code: null, signal, stdout: '' });
    expect(r.stderr).toBe("spm-shell: job 1's Perl code ({= =}, --rpl, --filter) has run for 0.2 s and goes on: the run waits for it (Ctrl-C or SIGTERM stops it)\n");
    await expectNoLeftovers(mark);
  });

  it('hears a SIGTERM sent while a slow expression runs once it returns: the run stops cleanly (143), its command not run', async () => {
    // Its listeners are set aside only past the notice time (10 s here): a SIGTERM before is
    // held, not dropped with them (it was, when they were set aside after 100 ms).
    const mark = newMark();
    const started = join(dir, `perl-slow-${mark.env}`);
    const ran = join(dir, `perl-slow-ran-${mark.env}`);
    const r = await runSpmShell([`touch ${ran}; echo`, `{= open(my $f, ">", "${started}"); close($f); select(undef, undef, undef, 1) =}`, ':::', 'a'], {
      mark: mark.env,
      onSpawn: (child) => {
        void waitFor(() => existsSync(started), 20_000, 'the expression to be evaluated').then(
          () => child.kill('SIGTERM'),
          () => child.kill('SIGKILL'),
        );
      },
    });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 143, stdout: '' });
    expect(existsSync(ran)).toBe(false);
    await expectNoLeftovers(mark);
  });

  it('refuses code that does not compile before anything runs (exit 255), and total_jobs() with --pipe without --total-jobs', async () => {
    const mark = newMark();
    const flag = join(dir, 'perl-compile.ran');
    const bad = await runSpmShell([`touch ${flag}; echo`, '{= s/a/b =}', ':::', 'a'], { mark: mark.env });
    expect(bad.code).toBe(255);
    expect(bad.stderr).toMatch(/^spm-shell: Expected `\{= s\/a\/b =\}` \(in the command\) to be Perl code, got: Substitution replacement not terminated at \(eval \d+\) line 1\.\n$/);
    expect(existsSync(flag)).toBe(false);
    const piped = await runSpmShell(['--pipe', 'echo', '{= $_ = total_jobs() =}'], { mark: mark.env, input: 'a\n' });
    expect(piped.code).toBe(255);
    expect(piped.stderr).toMatch(/^spm-shell: Expected no `total_jobs\(\)` with `--pipe` \(.*`--total-jobs N` gives it\), got it in `\{= \$_ = total_jobs\(\) =\}` \(in the command\)\n/);
    const badRpl = await runSpmShell(['--rpl', '{(a[)} s/a/b/', 'echo', ':::', 'a'], { mark: mark.env });
    expect(badRpl.code).toBe(255);
    expect(badRpl.stderr).toMatch(/^spm-shell: Expected the group `\(a\[\)` of `--rpl`'s string `\{\(a\[\)\}` to be a regular expression/);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --filter', () => {
  it('runs only the jobs whose filters are all true; one that dies refuses its job, saying why; those passed over are neither logged nor failed; no perl is left', async () => {
    const mark = newMark();
    const joblog = join(dir, 'filter.joblog');
    const args = ['-k', '--joblog', joblog, '--filter', '"{}" !~ /skip/', '--filter', '"{}" ne "die" or die "no {}\\n"', 'echo', '{= $_ = uc =}', ':::', 'a', 'skip', 'die', 'b'];
    const r = await runSpmShell(args, { mark: mark.env });
    expect(r.stdout).toBe('A\nB\n');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((line) => line.startsWith('spm-shell: job'))).toEqual(['spm-shell: job 3 not run: its `--filter "{}" ne "die" or die "no {}\\n"` died: no die: echo DIE']);
    expect(joblogRows(readFileSync(joblog, 'utf8')).map((row) => [row[0], row[6]]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([['1', '0'], ['3', '-1'], ['4', '0']]);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --semaphore (spm-sem: GNU parallel’s sem)', () => {
  /** Runs spm-shell (or `bin`) to its own exit — a --bg run's command runs on, holding its stdout — and resolves with its exit status. */
  const exitOf = (args: readonly string[], env: Record<string, string>, bin = BIN): Promise<number | null> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PARALLEL: undefined, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    });

  it('runs at most -j commands at once in the background, starting each as a place frees, and --wait waits for them all', async () => {
    const mark = newMark();
    const where = join(dir, `sem-${mark.env}`);
    mkdirSync(where);
    const env = { [MARK_VARIABLE]: mark.env, SPM_SEMAPHORE_DIR: join(where, 'semaphores') };
    // Each command says it is in, counts those in, and stays until `go` exists.
    const command = (n: number): string => `cd ${where}; touch in-${n}; ls in-* | wc -l > seen-${n}; while [ ! -e go ]; do sleep 0.05; done; rm in-${n}`;
    expect(await exitOf(['--semaphore', '-j', '2', '--id', 'loop', command(1)], env)).toBe(0);
    expect(await exitOf(['--semaphore', '-j', '2', '--id', 'loop', command(2)], env)).toBe(0);
    await waitFor(() => existsSync(join(where, 'seen-1')) && existsSync(join(where, 'seen-2')), 20_000, 'the first two commands to run in the background');
    // The third waits for a place: neither it nor its spm-shell is done while both are held.
    const third = exitOf(['--semaphore', '-j', '2', '--id', 'loop', command(3)], env);
    let thirdDone = false;
    void third.then(() => (thirdDone = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect({ thirdDone, seen3: existsSync(join(where, 'seen-3')) }).toEqual({ thirdDone: false, seen3: false });
    writeFileSync(join(where, 'go'), '');
    expect(await third).toBe(0);
    // As a script calls it: once the calls have come back (the third's command may still run).
    expect(await exitOf(['--wait', '--id', 'loop'], env)).toBe(0);
    // --wait came back once all three were over: the third had run, and none was still in.
    expect([1, 2, 3].map((n) => Number(readFileSync(join(where, `seen-${n}`), 'utf8').trim()) <= 2)).toEqual([true, true, true]);
    expect(readdirSync(where).filter((entry) => entry.startsWith('in-'))).toEqual([]);
    expect(readdirSync(join(where, 'semaphores', 'id-loop'))).toEqual([]);
    await expectNoLeftovers(mark);
  });

  it('a --fg or --wait waiting for a place gives up on SIGHUP (exit 129, as GNU’s sem): nothing run', async () => {
    // Regression: SIGHUP was not heard while waiting, and a queued --fg command ran after it.
    const mark = newMark();
    const env = { SPM_SEMAPHORE_DIR: join(dir, `sem-hup-${mark.env}`) };
    const go = join(dir, `sem-hup-go-${mark.env}`);
    const holder = runSpmShell(['--fg', '--id', 'h', `while [ ! -e ${go} ]; do sleep 0.05; done`], { mark: mark.env, env });
    await waitFor(() => existsSync(join(env.SPM_SEMAPHORE_DIR, 'id-h', 'place-1')), 20_000, 'the first command to hold the place');
    /** Whether process `pid` has a handler for SIGHUP (bit 0 of SigCgt in /proc/PID/status): spm-shell listens for it once its options are read. */
    const catchesHup = (pid: number | undefined): boolean => {
      try {
        const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1] ?? '0';
        return (BigInt(`0x${mask}`) & 1n) === 1n;
      } catch {
        return false;
      }
    };
    const ran = join(dir, `sem-hup-ran-${mark.env}`);
    for (const args of [['--fg', '--id', 'h', `touch ${ran}`], ['--wait', '--id', 'h']]) {
      const r = await runSpmShell(args, {
        mark: mark.env,
        env,
        timeoutMs: 20_000,
        onSpawn: (child) => {
          void waitFor(() => catchesHup(child.pid), 20_000, 'spm-shell to listen for SIGHUP').then(
            () => child.kill('SIGHUP'),
            () => child.kill('SIGKILL'),
          );
        },
      });
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 129, stdout: '' });
    }
    expect(existsSync(ran)).toBe(false);
    writeFileSync(go, '');
    expect((await holder).code).toBe(0);
    await expectNoLeftovers(mark);
  });

  it('--fg runs the command here with its exit status; --st gives up (exit 1) or goes on; a dead holder’s place is free; spm-sem is the same', async () => {
    const mark = newMark();
    const env = { SPM_SEMAPHORE_DIR: join(dir, `sem-fg-${mark.env}`) };
    const fg = await runSpmShell(['--fg', '--id', 'x', 'echo out; exit 7'], { mark: mark.env, env });
    expect({ code: fg.code, stdout: fg.stdout }).toEqual({ code: 7, stdout: 'out\n' });
    expect((await runSpmShell(['--fg', '--id', 'x', 'kill -TERM $$'], { mark: mark.env, env })).code).toBe(143);
    // A place held by a command that stays: a second one waits, and gives up or goes on.
    const go = join(dir, `sem-fg-go-${mark.env}`);
    const holder = runSpmShell(['--fg', '--id', 'x', `while [ ! -e ${go} ]; do sleep 0.05; done`], { mark: mark.env, env });
    await waitFor(() => existsSync(join(env.SPM_SEMAPHORE_DIR, 'id-x', 'place-1')), 20_000, 'the first command to hold the place');
    const givingUp = await runSpmShell(['--fg', '--id', 'x', '--st', '-0.2', 'echo never'], { mark: mark.env, env });
    expect(givingUp).toMatchObject({ code: 1, stdout: '', stderr: 'spm-shell: --semaphore-timeout: no place of the semaphore `x` came free in 0.2 s: giving up (nothing run)\n' });
    const goingOn = await runSpmShell(['--fg', '--id', 'x', '--semaphore-timeout', '0.2', 'echo anyway'], { mark: mark.env, env });
    expect(goingOn).toMatchObject({ code: 0, stdout: 'anyway\n', stderr: 'spm-shell: --semaphore-timeout: no place of the semaphore `x` came free in 0.2 s: going on anyway\n' });
    const notWaiting = await runSpmShell(['--wait', '--id', 'x', '--st', '-0.2'], { mark: mark.env, env });
    expect(notWaiting).toMatchObject({ code: 1, stdout: '', stderr: 'spm-shell: --semaphore-timeout: places of the semaphore `x` were still held after 0.2 s: giving up\n' });
    writeFileSync(go, '');
    expect((await holder).code).toBe(0);
    // A holder killed before it gave its place back: the place is free for the next.
    const killed = spawn(process.execPath, [BIN, '--fg', '--id', 'x', 'sleep 30'], { env: { ...process.env, ...env, [MARK_VARIABLE]: mark.env }, stdio: 'ignore' });
    await waitFor(() => existsSync(join(env.SPM_SEMAPHORE_DIR, 'id-x', 'place-1')), 20_000, 'the command to hold the place');
    const gone = new Promise((resolve) => killed.on('exit', resolve));
    killed.kill('SIGKILL');
    await gone;
    const bin = fileURLToPath(new URL('../bin/spm-sem.cjs', import.meta.url));
    const after = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, '--fg', '--id', 'x', 'echo after'], { env: { ...process.env, ...env, [MARK_VARIABLE]: mark.env }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(after).toEqual({ code: 0, out: 'after\n' });
    // The killed holder's command (its tree) was killed by its spm-shell's fork server as it lost its owner.
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell usage', () => {
  it('refuses bad options with exit status 255 and says why; --help and --version exit 0', async () => {
    const mark = newMark();
    const bad = await runSpmShell(['--retries', '0', 'echo'], { mark: mark.env });
    expect(bad.code).toBe(255);
    expect(bad.stderr).toBe('spm-shell: Expected `--retries` to be an integer from 1 to 9007199254740991, got `0`\nTry `spm-shell --help`.\n');
    const help = await runSpmShell(['--help'], { mark: mark.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: spm-shell \[options\]/);
    const version = await runSpmShell(['--version'], { mark: mark.env });
    expect(version.stdout).toMatch(/^spm-shell \d+\.\d+\.\d+\n$/);
    const none = await runSpmShell([], { mark: mark.env }); // empty stdin: nothing to do
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const missing = await runSpmShell(['-a', join(dir, 'no-such-file'), 'echo'], { mark: mark.env });
    expect(missing.code).toBe(255);
    // Said as a person reads it (it was Node's `ENOENT: no such file or directory, open '…'`).
    expect(missing.stderr).toMatch(/^spm-shell: cannot read the input `.*no-such-file`: no such file or directory\n$/);
    const joblog = await runSpmShell(['--joblog', join(dir, 'no-such-dir', 'jl'), ':::', 'true'], { mark: mark.env });
    expect(joblog.code).toBe(255);
    expect(joblog.stderr).toMatch(/^spm-shell: cannot write the joblog `.*no-such-dir\/jl`: ENOENT/);
  });

  it('refuses an SPM_COPROCESS_LAUNCHER that would fail every command, once, before running any', async () => {
    const mark = newMark();
    const flag = join(dir, 'launcher-bogus.ran');
    const r = await runSpmShell([`touch ${flag}`, ':::', 'a', 'b', 'c'], { mark: mark.env, env: { SPM_COPROCESS_LAUNCHER: 'bogus' } });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('spm-shell: Expected SPM_COPROCESS_LAUNCHER to be `auto`, `fork-server` or `node`, got `bogus`\n');
    expect(existsSync(flag)).toBe(false);
  });
});
