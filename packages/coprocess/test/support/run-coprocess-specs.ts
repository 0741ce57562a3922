import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { CoprocessLane, CoprocessOutputHold, CoprocessPause, DEFAULT_MAX_OUTPUT_BYTES, batchStarts, coprocessLauncher, killAllCoprocesses, liveCoprocessCount, runCoprocess, shell, withdrawWaiting, type CoprocessResult } from '@spm/coprocess';
import { eventually, killMarked, marker, processesMarked, stateOf } from './processes.js';

/**
 * The whole behaviour of `runCoprocess`, defined once and run once per launcher (a spec file
 * each: `run-coprocess.fork-server.spec.ts`, `run-coprocess.node.spec.ts`): every guarantee
 * holds whether the fork server or Node's `spawn` starts the program.
 */
export function runCoprocessSpecs(launcher: 'fork-server' | 'node'): void {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env['SPM_COPROCESS_LAUNCHER'];
    process.env['SPM_COPROCESS_LAUNCHER'] = launcher;
  });
  afterAll(() => {
    if (before === undefined) delete process.env['SPM_COPROCESS_LAUNCHER'];
    else process.env['SPM_COPROCESS_LAUNCHER'] = before;
    killMarked(marks);
  });
  it(`starts programs with the ${launcher === 'node' ? "owner's spawn" : 'fork server'}`, async () => {
    const r = await runCoprocess({ command: 'echo $PPID' });
    const parent = Number(r.stdout.trim());
    expect(coprocessLauncher().launcher).toBe(launcher);
    if (launcher === 'node') expect(parent).toBe(process.pid);
    else expect(readFileSync(`/proc/${parent}/cmdline`, 'latin1')).toContain('spm-fork-server');
  });
  it('leaves nothing behind that keeps its owner alive once the result is in', async () => {
    // Jest's own handles would hide a leftover timer here, so the owner is a plain Node process.
    // It used to keep a 200 ms timer per run (the pipes' end-of-file bound, never cleared): every
    // script that ran a command exited 200 ms late.
    // What it reports goes to a file: a stdout pipe would be a handle of its own in the list.
    const dir = mkdtempSync(join(tmpdir(), 'spm-owner-'));
    const out = join(dir, 'out.json');
    const script = `import { writeFileSync } from 'node:fs'; import { runCoprocess } from '@spm/coprocess'; const r = await runCoprocess({ command: 'echo hi' }); writeFileSync(process.argv[1], JSON.stringify({ stdout: r.stdout, active: process.getActiveResourcesInfo() }));`;
    const owner = spawnSync(process.execPath, ['--input-type=module', '-e', script, out], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    expect(owner.stderr).toBe('');
    expect(owner.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ stdout: 'hi\n', active: [] });
    rmSync(dir, { recursive: true, force: true });
  });
  defineSpecs(launcher);
}

// Every test marks its processes with a unique `sleep` duration and checks /proc for them.
// runCoprocess settles only once the tree is gone, so "no leftover" is checked right away.
const marks: string[] = [];
const mark = (): string => {
  const m = marker();
  marks.push(m);
  return m;
};

/** Live processes (zombies aside) whose command line holds `text` (the shell of a command naming it too). */
const carrying = (text: string): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(text) && stateOf(Number(name)) !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);

function statOf(pid: number): { ppid: number; pgrp: number; session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const [, ppid, pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session) };
}

function defineSpecs(launcher: 'fork-server' | 'node'): void {
  describe('a program that runs to its end', () => {
    it('reports exit code and both streams', async () => {
      const r = await runCoprocess({ command: 'printf out; printf err >&2; exit 3' });
      expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, aborted: false, stdout: 'out', stderr: 'err', spawnError: null });
      expect(r.outputBytes).toEqual({ stdout: 3, stderr: 3 });
      expect(r.truncated).toEqual({ stdout: false, stderr: false, stdOutErr: false });
      expect(typeof r.pid).toBe('number');
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('interleaves stdout and stderr in arrival order', async () => {
      const r = await runCoprocess({ command: 'echo a; sleep 0.2; echo b >&2; sleep 0.2; echo c' });
      expect(r.stdOutErr).toBe('a\nb\nc\n');
      expect(r.stdout).toBe('a\nc\n');
      expect(r.stderr).toBe('b\n');
    });

    it('reports the signal that ended it', async () => {
      const r = await runCoprocess({ command: 'kill -s USR1 $$; sleep 5' });
      expect(r).toMatchObject({ exitCode: null, signal: 'SIGUSR1', timedOut: false });
    });

    it('runs argv without a shell: no word splitting, no expansion', async () => {
      const r = await runCoprocess({ argv: ['printf', '%s|', 'a b', '$HOME;x', '*'] });
      expect(r.stdout).toBe('a b|$HOME;x|*|');
      expect(r.exitCode).toBe(0);
    });

    it('feeds input to stdin, as a string or bytes', async () => {
      expect((await runCoprocess({ argv: ['cat'], input: 'line 1\nline 2\n' })).stdout).toBe('line 1\nline 2\n');
      expect((await runCoprocess({ command: 'wc -c', input: new Uint8Array([1, 2, 3, 4, 5]) })).stdout.trim()).toBe('5');
    });

    // Who started the program: the fork server (its parent) or this process's spawn.
    const parentOf = (r: CoprocessResult): string => {
      const parent = Number(r.stdout.slice(r.stdout.lastIndexOf('\n', r.stdout.length - 2) + 1).trim());
      return parent === process.pid ? 'node' : readFileSync(`/proc/${parent}/cmdline`, 'latin1').includes('spm-fork-server') ? 'fork-server' : `pid ${String(parent)}`;
    };

    it(`feeds input of any bytes (NUL, all 256 values), and ${launcher === 'node' ? 'spawns it itself' : 'the fork server starts the program'}`, async () => {
      const bytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));
      const r = await runCoprocess({ command: 'od -An -v -tx1 | tr -d " \\n"; echo; echo $PPID', input: bytes });
      expect(r.stdout.split('\n')[0]).toBe(bytes.toString('hex'));
      expect(parentOf(r)).toBe(launcher);
    });

    it('feeds input larger than a pipe holds (written as the program reads it), and an empty one', async () => {
      // 3 MiB: many times a pipe's 64 KiB, so the rest is written as the reader makes room.
      const big = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32BE(i, i);
      const r = await runCoprocess({ command: 'sleep 0.1; sha256sum | cut -c1-64; echo $PPID', input: big, timeoutMs: 30_000 });
      const { createHash } = await import('node:crypto');
      expect(r.stdout.split('\n')[0]).toBe(createHash('sha256').update(big).digest('hex'));
      expect(parentOf(r)).toBe(launcher);
      const empty = await runCoprocess({ command: 'wc -c; echo $PPID', input: '', timeoutMs: 5000 });
      expect(empty).toMatchObject({ exitCode: 0, timedOut: false });
      expect(Number(empty.stdout.split('\n')[0])).toBe(0);
      expect(parentOf(empty)).toBe(launcher);
    });

    it('starts a run with more than 4 MiB of input with spawn, which streams it', async () => {
      const big = Buffer.alloc(4 * 1024 * 1024 + 1, 'x');
      const r = await runCoprocess({ command: 'wc -c; echo $PPID', input: big, timeoutMs: 30_000 });
      expect(Number(r.stdout.split('\n')[0])).toBe(big.length);
      expect(parentOf(r)).toBe('node');
    });

    it('ends a run that never reads its input (a program that exits, one killed at its timeout), and the next run is fed', async () => {
      const big = Buffer.alloc(1024 * 1024, 'y');
      const ignored = await runCoprocess({ command: 'echo done', input: big, timeoutMs: 10_000 });
      expect(ignored).toMatchObject({ exitCode: 0, stdout: 'done\n', timedOut: false });
      const stuck = await runCoprocess({ command: 'sleep 30', input: big, timeoutMs: 300 });
      expect(stuck).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
      const next = await runCoprocess({ argv: ['cat'], input: 'next\n', timeoutMs: 10_000 });
      expect(next).toMatchObject({ exitCode: 0, stdout: 'next\n' });
    });

    it('feeds each of a lane’s runs its own input, also those started after the run before them', async () => {
      const lane = new CoprocessLane();
      const runs = ['one', 'two', 'three'].map((word, i) => runCoprocess({ command: `sleep 0.${String(i)}; cat; echo $PPID`, input: `${word}\n`, lane, timeoutMs: 10_000 }));
      const results = await Promise.all(runs);
      expect(results.map((r) => r.stdout.split('\n')[0])).toEqual(['one', 'two', 'three']);
      expect(results.map(parentOf)).toEqual([launcher, launcher, launcher]);
      // Withdrawn before their turn, with their input: they never start, and the lane goes on.
      const first = runCoprocess({ command: 'sleep 0.3', lane });
      const waiting = [1, 2].map(() => runCoprocess({ argv: ['cat'], input: 'never\n', lane }));
      expect(withdrawWaiting(lane)).toBe(2);
      const after = runCoprocess({ argv: ['cat'], input: 'after\n', lane, timeoutMs: 10_000 });
      expect((await Promise.all(waiting)).map((r) => r.pid)).toEqual([null, null]);
      expect((await after).stdout).toBe('after\n');
      expect((await first).exitCode).toBe(0);
    });

    describe('with a file range as stdin (inputFile)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-input-file-'));
      const file = join(dir, 'data');
      // 6 MiB: more than a pipe holds, and more than a server's `input` may be.
      const data = Buffer.alloc(6 * 1024 * 1024);
      for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(i, i);
      beforeAll(() => writeFileSync(file, data));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));
      const sha = async (bytes: Buffer): Promise<string> => (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');

      it(`feeds bytes offset to offset + length of the file after \`input\`, read as the program reads them (${launcher === 'node' ? 'streamed by Node' : 'by the fork server, whatever the size'})`, async () => {
        const r = await runCoprocess({ command: 'sleep 0.1; sha256sum | cut -c1-64; echo $PPID', input: 'HEAD\n', inputFile: { path: file, offset: 1001, length: 5 * 1024 * 1024 + 3 }, timeoutMs: 30_000 });
        expect(r.stdout.split('\n')[0]).toBe(await sha(Buffer.concat([Buffer.from('HEAD\n'), data.subarray(1001, 1001 + 5 * 1024 * 1024 + 3)])));
        expect(parentOf(r)).toBe(launcher);
      });

      it('feeds to the end without a length; nothing for an empty range; a range past the end is cut where the file ends; a relative path is the bin’s, not the program’s cwd', async () => {
        const whole = await runCoprocess({ command: 'sha256sum | cut -c1-64', inputFile: { path: file }, timeoutMs: 30_000 });
        expect(whole.stdout.trim()).toBe(await sha(data));
        const empty = await runCoprocess({ command: 'wc -c', input: 'x', inputFile: { path: file, offset: 5, length: 0 }, timeoutMs: 5000 });
        expect(empty.stdout.trim()).toBe('1');
        const past = await runCoprocess({ command: 'wc -c', inputFile: { path: file, offset: data.length - 10, length: 1000 }, timeoutMs: 5000 });
        expect(past.stdout.trim()).toBe('10');
        const beyond = await runCoprocess({ command: 'wc -c', inputFile: { path: file, offset: data.length + 10 }, timeoutMs: 5000 });
        expect(beyond).toMatchObject({ exitCode: 0, stdout: '0\n' });
        const relativePath = relative(process.cwd(), file);
        expect(relativePath.startsWith('/')).toBe(false);
        const relativeRun = await runCoprocess({ command: 'wc -c', cwd: '/', inputFile: { path: relativePath, offset: 0, length: 7 }, timeoutMs: 5000 });
        expect(relativeRun.stdout.trim()).toBe('7');
      });

      it('ends a run that stops reading (exits early, killed at its timeout), and the next is fed; a lane’s held run gets its own range', async () => {
        const early = await runCoprocess({ command: 'head -c 10 | wc -c', inputFile: { path: file }, timeoutMs: 10_000 });
        expect(early).toMatchObject({ exitCode: 0, stdout: '10\n' });
        const stuck = await runCoprocess({ command: 'sleep 30', inputFile: { path: file }, timeoutMs: 300 });
        expect(stuck).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
        const lane = new CoprocessLane();
        const runs = [0, 1, 2].map((i) => runCoprocess({ command: `sleep 0.${String(i)}; od -An -tu1 | tr -s ' ' | head -c 40`, inputFile: { path: file, offset: i * 4 + 3, length: 1 }, lane, timeoutMs: 10_000 }));
        // Bytes 3, 7, 11 of the file: the low bytes of 0, 4 and 8.
        expect((await Promise.all(runs)).map((r) => r.stdout.trim())).toEqual(['0', '4', '8']);
      });

      it('fails a run whose file cannot be opened before it starts: exit 126, the file and the reason on its stderr', async () => {
        const gone = join(dir, 'gone');
        const r = await runCoprocess({ command: 'echo started', inputFile: { path: gone }, timeoutMs: 5000 });
        expect(r).toMatchObject({ exitCode: 126, stdout: '', pid: null });
        expect(r.stderr).toContain(`its input file \`${gone}\` cannot be opened: ENOENT`);
        const next = await runCoprocess({ command: 'wc -c', inputFile: { path: file, length: 3 }, timeoutMs: 5000 });
        expect(next.stdout.trim()).toBe('3');
      });

      it('refuses a bad range with the field named', async () => {
        await expect(runCoprocess({ command: 'true', inputFile: { path: '' } })).rejects.toThrow('Expected `inputFile.path` to be a file');
        await expect(runCoprocess({ command: 'true', inputFile: { path: file, offset: -1 } })).rejects.toThrow('Expected `inputFile.offset` to be an integer ≥ 0, got `-1`');
        await expect(runCoprocess({ command: 'true', inputFile: { path: file, length: 1.5 } })).rejects.toThrow('Expected `inputFile.length` to be an integer ≥ 0, got `1.5`');
      });
    });

    it('gives /dev/null as stdin when there is no input, so a reader does not hang', async () => {
      const r = await runCoprocess({ argv: ['cat'], timeoutMs: 5000 });
      expect(r).toMatchObject({ exitCode: 0, stdout: '', timedOut: false });
    });

    it('takes cwd and env, and marks the environment with its cookie', async () => {
      const r = await runCoprocess({ command: 'pwd; echo "$FOO"; echo "$SPM_COPROCESS"', cwd: '/tmp', env: { FOO: 'bar', PATH: process.env['PATH'] } });
      const [pwd, foo, cookie] = r.stdout.split('\n');
      expect([pwd, foo]).toEqual(['/tmp', 'bar']);
      expect(cookie).toMatch(/^[0-9a-f]{32}\.\d+$/);
    });

    it('gives each run its own environment when frozen ones (checked and sent once) alternate with others', async () => {
      const a = Object.freeze({ WHO: 'a', PATH: process.env['PATH'] });
      const b = Object.freeze({ WHO: 'b', PATH: process.env['PATH'] });
      const order = [a, a, b, a, { WHO: 'plain', PATH: process.env['PATH'] }, b, b, a];
      const seen: string[] = [];
      for (const env of order) seen.push((await runCoprocess({ command: 'echo "$WHO"', env })).stdout.trim());
      expect(seen).toEqual(['a', 'a', 'b', 'a', 'plain', 'b', 'b', 'a']);
      // Runs at once on one server: the same frozen environment for all.
      const together = await Promise.all([a, a, a].map((env) => runCoprocess({ command: 'echo "$WHO"', env })));
      expect(together.map((r) => r.stdout.trim())).toEqual(['a', 'a', 'a']);
    });

    it('gives a lane’s run its own environment after a run waiting before it was withdrawn or aborted', async () => {
      // The fork server's "-" (the environment sent last) meant the last one *started*: a
      // withdrawn run's environment was never set there, and the run after it got the one before.
      for (const how of ['withdraw', 'abort'] as const) {
        const lane = new CoprocessLane();
        const env = (who: string): NodeJS.ProcessEnv => ({ WHO: who, PATH: process.env['PATH'] });
        const controller = new AbortController();
        const first = runCoprocess({ command: 'sleep 0.3; echo "$WHO"', env: env('one'), lane });
        const second = runCoprocess({ command: 'echo "$WHO"', env: env('two'), lane, signal: controller.signal });
        if (how === 'withdraw') withdrawWaiting(lane);
        else controller.abort();
        const third = runCoprocess({ command: 'echo "$WHO"', env: env('two'), lane });
        const results = await Promise.all([first, second, third]);
        expect({ how, out: results.map((r) => r.stdout.trim()) }).toEqual({ how, out: ['one', '', 'two'] });
      }
    });

    it('runs in this thread’s working directory as it is now (after a process.chdir), and resolves a relative cwd against it', async () => {
      // A fork server started earlier kept its own directory: `pwd` printed the old one.
      const dir = mkdtempSync(join(tmpdir(), 'spm-cwd-'));
      const was = process.cwd();
      try {
        writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\necho script ran\n', { mode: 0o755 });
        spawnSync('mkdir', [join(dir, 'sub')]);
        await runCoprocess({ argv: ['true'] }); // a server, started in `was`
        process.chdir(dir);
        expect((await runCoprocess({ argv: ['pwd'] })).stdout.trim()).toBe(dir);
        expect((await runCoprocess({ argv: ['pwd'], cwd: 'sub' })).stdout.trim()).toBe(join(dir, 'sub'));
        expect((await runCoprocess({ argv: ['./script.sh'] })).stdout).toBe('script ran\n');
      } finally {
        process.chdir(was);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps a character whole in stdOutErr when the other stream’s output came between its bytes', async () => {
      // € is 3 bytes; stdout's are split across writes with a stderr byte between them.
      const r = await runCoprocess({ command: "printf '\\342'; printf E >&2; sleep 0.05; printf '\\202\\254\\n'" });
      expect(r.stdout).toBe('€\n');
      expect(r.stdOutErr).toBe('E€\n');
    });
  });

  describe('a program that cannot start', () => {
    it('is reported like a shell: 127 and a message when not found', async () => {
      const r = await runCoprocess({ argv: ['/nonexistent/spm-prog'] });
      expect(r).toMatchObject({ exitCode: 127, signal: null, pid: null, spawnError: 'ENOENT', timedOut: false });
      expect(r.stderr).toContain('spm-coprocess: cannot run `/nonexistent/spm-prog`: ENOENT');
      expect(r.stdOutErr).toBe(r.stderr);
    });

    it('is 126 when the file cannot be executed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-coprocess-'));
      const file = join(dir, 'not-executable');
      writeFileSync(file, 'echo never\n', { mode: 0o644 });
      try {
        const r = await runCoprocess({ argv: [file] });
        expect(r).toMatchObject({ exitCode: 126, spawnError: 'EACCES', stdout: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('names the working directory when that is what is missing', async () => {
      const r = await runCoprocess({ argv: ['ls'], cwd: '/nonexistent/spm-dir' });
      expect(r).toMatchObject({ exitCode: 127, spawnError: 'ENOENT' });
      expect(r.stderr).toContain('in `/nonexistent/spm-dir`: the working directory does not exist (ENOENT)');
    });

    it('names the program when it is missing from an existing working directory', async () => {
      const r = await runCoprocess({ argv: ['/nonexistent/spm-prog'], cwd: tmpdir() });
      expect(r).toMatchObject({ exitCode: 127, spawnError: 'ENOENT' });
      expect(r.stderr).toContain(`cannot run \`/nonexistent/spm-prog\` in \`${tmpdir()}\`: ENOENT (`);
      expect(r.stderr).not.toContain('working directory');
    });

    it('runs a script without #! with /bin/sh, as execvp does (the fork server said ENOEXEC)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-coprocess-'));
      try {
        writeFileSync(join(dir, 'plain'), 'echo "plain ran with $1"\n', { mode: 0o755 });
        const r = await runCoprocess({ argv: [join(dir, 'plain'), 'arg'] });
        expect(r).toMatchObject({ exitCode: 0, stdout: 'plain ran with arg\n', spawnError: null });
        const byPath = await runCoprocess({ argv: ['plain', 'x'], env: { PATH: `${dir}:/usr/bin:/bin` } });
        expect(byPath).toMatchObject({ exitCode: 0, stdout: 'plain ran with x\n' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('is a result (126), not a rejection, when the working directory is a file; nothing stays registered', async () => {
      // Node's spawn threw ENOTDIR at once: the run rejected and stayed in the registry, and every
      // killAllCoprocesses after it rejected too.
      const r = await runCoprocess({ argv: ['true'], cwd: '/etc/passwd' });
      expect(r).toMatchObject({ exitCode: 126, spawnError: 'ENOTDIR', pid: null });
      expect(liveCoprocessCount()).toBe(0);
      await expect(killAllCoprocesses()).resolves.toBe(0);
    });

    it('fails a run whose input file is a directory, as one that cannot be opened (it ran with an empty stdin)', async () => {
      const r = await runCoprocess({ argv: ['cat'], inputFile: { path: tmpdir() } });
      expect(r).toMatchObject({ exitCode: 126, spawnError: 'EISDIR', stdout: '' });
      expect(r.stderr).toContain('cannot be opened: EISDIR');
    });

    it('leaves a shell command to the shell: its own 127, no spawn error', async () => {
      const r = await runCoprocess({ command: 'no-such-command-spm-xyz' });
      expect(r).toMatchObject({ exitCode: 127, spawnError: null });
      expect(r.stderr).toContain('not found');
    });

    it('rejects invalid options with SPMError', async () => {
      await expect(runCoprocess({ command: 'true', argv: ['true'] })).rejects.toBeInstanceOf(SPMError);
      await expect(runCoprocess({ command: 'true', timeoutMs: -5 })).rejects.toThrow('Expected `timeoutMs` to be a number > 0 and ≤ 2147483647, got `-5` (number)');
      // Each of these used to be silently ignored, dropped by one launcher, or a TypeError.
      await expect(runCoprocess({ argv: ['true'], timeout: 5 } as never)).rejects.toThrow(/^Unknown option `timeout` of runCoprocess\(\) \(did you mean `timeoutMs`\?\)/);
      // eslint-disable-next-line no-sparse-arrays
      await expect(runCoprocess({ argv: ['echo', , 'x'] as never })).rejects.toThrow('Expected `argv[1]` to be a string, got nothing (undefined)');
      await expect(runCoprocess({ argv: ['echo', 'a\0b'] })).rejects.toThrow(/^Expected `argv\[1\]` to be a string without NUL bytes/);
      await expect(runCoprocess({ command: 'echo a\0b' })).rejects.toThrow(/^Expected `command` to be a string without NUL bytes/);
      await expect(runCoprocess({ argv: ['true'], env: { X: 'a\0b' } })).rejects.toThrow('Expected `env.X` to be a string without NUL bytes');
      await expect(runCoprocess({ argv: ['true'], env: { SPM_COPROCESS: 'x\0y' } })).rejects.toThrow('Expected `env.SPM_COPROCESS` to be a string without NUL bytes');
      await expect(runCoprocess({ argv: ['true'], env: { 'B=C': 'v' } })).rejects.toThrow(/^Expected the names of `env` to be non-empty, without `=` or NUL, got `"B=C"`/);
      expect(liveCoprocessCount()).toBe(0);
    });
  });

  describe('output caps', () => {
    it('keep the first maxOutputBytes, count the rest, and drain the program to its end', async () => {
      const r = await runCoprocess({ command: 'yes | head -c 5000000', maxOutputBytes: 1000 });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('y\n'.repeat(500));
      expect(r.outputBytes.stdout).toBe(5_000_000);
      expect(r.truncated).toEqual({ stdout: true, stderr: false, stdOutErr: true });
      expect(r.stdOutErr).toHaveLength(1000);
    });

    it('default to 1 MiB per capture', async () => {
      const r = await runCoprocess({ command: 'head -c 1500000 /dev/zero | tr "\\0" a' });
      expect(r.stdout).toHaveLength(DEFAULT_MAX_OUTPUT_BYTES);
      expect(r.outputBytes.stdout).toBe(1_500_000);
      expect(r.truncated.stdout).toBe(true);
    });

    it('with spillDir, write what passes the cap to a file per stream: the whole output, byte for byte', async () => {
      const spill = mkdtempSync(join(tmpdir(), 'coprocess-spill-'));
      try {
        const r = await runCoprocess({ command: 'seq 1 300000; seq 1 1000 >&2; printf "%s" "é€" >&2', maxOutputBytes: 1000, spillDir: spill });
        expect(r.exitCode).toBe(0);
        expect(r.truncated).toEqual({ stdout: false, stderr: false, stdOutErr: true });
        const expected = spawnSync('seq', ['1', '300000'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
        expect(r.stdout).toHaveLength(1000);
        expect(r.spilled.stdout).toMatch(new RegExp(`^${spill}/[0-9a-f.]+\\.stdout$`));
        expect(r.stdout + readFileSync(r.spilled.stdout as string, 'utf8')).toBe(expected);
        expect(r.outputBytes.stdout).toBe(expected.length);
        const stderr = r.stderr + readFileSync(r.spilled.stderr as string, 'utf8');
        expect(stderr).toBe(`${spawnSync('seq', ['1', '1000'], { encoding: 'utf8' }).stdout}é€`);
        expect(readdirSync(spill).sort()).toEqual([`${r.spilled.stdout?.split('/').pop() ?? ''}`, `${r.spilled.stderr?.split('/').pop() ?? ''}`].sort());
        // Under the cap: no file.
        const small = await runCoprocess({ command: 'echo hi', spillDir: spill });
        expect(small.spilled).toEqual({ stdout: undefined, stderr: undefined });
        await expect(runCoprocess({ command: 'true', spillDir: '' })).rejects.toThrow("Expected `spillDir` to be a directory's path (a non-empty string), got `\"\"` (string)");
      } finally {
        rmSync(spill, { recursive: true, force: true });
      }
    });

    it('hold an endless writer to the cap until its timeout kills it', async () => {
      const r = await runCoprocess({ argv: ['yes', 'spm'], timeoutMs: 200, killGraceMs: 200, maxOutputBytes: 4096 });
      expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' });
      expect(r.stdout).toHaveLength(4096);
      expect(r.outputBytes.stdout).toBeGreaterThan(4096);
    });
  });

  describe('onOutput', () => {
    it('is shown each piece as it is read: a line while the program still runs', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'coprocess-live-'));
      const go = join(dir, 'go');
      try {
        // The program goes on only once the test has seen its first line: were pieces shown only
        // at its end, it would wait for \`go\` until its timeout.
        const seen: string[] = [];
        const r = await runCoprocess({
          command: `echo first; while [ ! -e ${go} ]; do sleep 0.02; done; echo second`,
          timeoutMs: 20_000,
          onOutput: (stream, chunk) => {
            seen.push(`${stream}:${chunk.toString()}`);
            if (chunk.toString().includes('first')) writeFileSync(go, '');
          },
        });
        expect(r).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'first\nsecond\n' });
        expect(seen.join('')).toBe('stdout:first\nstdout:second\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('gets every byte of both streams in order, and keeps none of them with maxOutputBytes 0', async () => {
      const pieces: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
      const r = await runCoprocess({ command: 'seq 1 200000; seq 1 5000 >&2; printf "%s" "é€" >&2', maxOutputBytes: 0, onOutput: (stream, chunk) => pieces[stream].push(Buffer.from(chunk)) });
      const expected = spawnSync('seq', ['1', '200000'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
      expect(Buffer.concat(pieces.stdout).toString()).toBe(expected);
      expect(Buffer.concat(pieces.stderr).toString()).toBe(`${spawnSync('seq', ['1', '5000'], { encoding: 'utf8' }).stdout}é€`);
      expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: '', stdOutErr: '', truncated: { stdout: true, stderr: true, stdOutErr: true } });
      expect(r.outputBytes.stdout).toBe(expected.length);
    });

    it('shows this package’s own message about a program that cannot start', async () => {
      const seen: string[] = [];
      const r = await runCoprocess({ argv: ['/no/such/program-spm'], onOutput: (stream, chunk) => seen.push(`${stream}:${chunk.toString()}`) });
      expect(r.exitCode).toBe(127);
      expect(seen.join('')).toBe(`stderr:${r.stderr}`);
    });

    it('loses a run nothing when it throws: the output is kept, one warning says so', () => {
      // In a process of its own: the warning is the process's (Jest's sandbox has its own \`process\`).
      const index = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
      const script = `
        const { runCoprocess } = await import(${JSON.stringify(index)});
        const r = await runCoprocess({ command: 'echo a; echo b >&2; echo c', onOutput: () => { throw new Error('a broken callback'); } });
        console.log(JSON.stringify({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }));`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SPM_COPROCESS_LAUNCHER: coprocessLauncher().launcher } });
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stdout)).toEqual({ exitCode: 0, stdout: 'a\nc\n', stderr: 'b\n' });
      const warnings = child.stderr.split('\n').filter((line) => line.includes('Warning'));
      expect(warnings).toEqual([expect.stringContaining('[SPM_COPROCESS_ON_OUTPUT] Warning: onOutput of `echo a; echo b >&2; echo c` threw (a broken callback); the run goes on')]);
    });

    it('must be a function', async () => {
      await expect(runCoprocess({ command: 'true', onOutput: 5 as unknown as () => void })).rejects.toThrow('Expected `onOutput` to be a function, got `5` (number)');
    });
  });

  describe('onStart', () => {
    it('is called once, when a lane’s program starts (its turn), with the result’s startTime', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-on-start-'));
      const log = join(dir, 'log');
      const lane = new CoprocessLane();
      const calls: { startTime: number; logAtStart: string }[] = [];
      const first = runCoprocess({ command: `sleep 0.2; echo end 1 >> ${log}`, lane });
      // Asked for now, started once the first has ended: by then the log has its line.
      const second = runCoprocess({ command: 'echo ran', lane, onStart: (startTime) => calls.push({ startTime, logAtStart: existsSync(log) ? readFileSync(log, 'utf8') : '' }) });
      const [, r] = await Promise.all([first, second]);
      expect(r).toMatchObject({ exitCode: 0, stdout: 'ran\n' });
      expect(calls).toEqual([{ startTime: r.startTime, logAtStart: 'end 1\n' }]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('is not called for a program that never started: not found, aborted before its turn, withdrawn', async () => {
      const calls: string[] = [];
      const onStart = (name: string) => () => void calls.push(name);
      const missing = await runCoprocess({ argv: ['/no/such/program-spm'], onStart: onStart('missing') });
      expect(missing.exitCode).toBe(127);
      const lane = new CoprocessLane();
      const controller = new AbortController();
      const running = runCoprocess({ command: 'sleep 0.3', lane, onStart: onStart('running') });
      const aborted = runCoprocess({ command: 'true', lane, signal: controller.signal, onStart: onStart('aborted') });
      const withdrawn = runCoprocess({ command: 'true', lane, onStart: onStart('withdrawn') });
      controller.abort();
      expect(withdrawWaiting(lane)).toBeGreaterThanOrEqual(1);
      const [ran, gone, back] = await Promise.all([running, aborted, withdrawn]);
      expect([ran.exitCode, gone.aborted, back.withdrawn]).toEqual([0, true, true]);
      expect(calls).toEqual(['running']);
    });

    it('loses a run nothing when it throws: one warning says so', () => {
      const index = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
      const script = `
        const { runCoprocess } = await import(${JSON.stringify(index)});
        const r = await runCoprocess({ command: 'echo a', onStart: () => { throw new Error('a broken callback'); } });
        console.log(JSON.stringify({ exitCode: r.exitCode, stdout: r.stdout }));`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SPM_COPROCESS_LAUNCHER: coprocessLauncher().launcher } });
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stdout)).toEqual({ exitCode: 0, stdout: 'a\n' });
      const warnings = child.stderr.split('\n').filter((line) => line.includes('Warning'));
      expect(warnings).toEqual([expect.stringContaining('[SPM_COPROCESS_ON_START] Warning: onStart of `echo a` threw (a broken callback); the run goes on')]);
    });

    it('must be a function', async () => {
      await expect(runCoprocess({ command: 'true', onStart: 'now' as unknown as () => void })).rejects.toThrow('Expected `onStart` to be a function, got `"now"` (string)');
    });
  });

  describe('timeouts kill the whole process tree', () => {
    it('kills the shell and its background and foreground children', async () => {
      const m1 = mark();
      const m2 = mark();
      const r = await runCoprocess({ command: `sleep ${m1} & sleep ${m2}; wait`, timeoutMs: 300, killGraceMs: 500 });
      expect(r).toMatchObject({ timedOut: true, aborted: false, exitCode: null, signal: 'SIGTERM' });
      expect(processesMarked(m1)).toEqual([]);
      expect(processesMarked(m2)).toEqual([]);
    });

    it('escalates to SIGKILL when SIGTERM is ignored', async () => {
      const m = mark();
      const r = await runCoprocess({ command: `trap '' TERM; sleep ${m} & sleep ${m}; wait`, timeoutMs: 200, killGraceMs: 200 });
      expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
      expect(processesMarked(m)).toEqual([]);
    });

    // A shell that says which signals it got and ignores them; its `sleep`s die of them.
    const stubborn = (m: string): string => `trap 'echo INT' INT; trap 'echo TERM' TERM; trap 'echo HUP' HUP; echo up; while :; do sleep ${m}; done`;

    it('kills by a kill sequence, each step’s signal in turn (the first from the fork server at its limit), then SIGKILL', async () => {
      const m = mark();
      const killSequence = [
        { signal: 'SIGINT', waitMs: 300 },
        { signal: 'SIGHUP', waitMs: 300 },
        { signal: 'SIGTERM', waitMs: 300 },
      ] as const;
      const r = await runCoprocess({ command: stubborn(m), timeoutMs: 400, killSequence });
      expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL', stdout: 'up\nINT\nHUP\nTERM\n' });
      expect(processesMarked(m)).toEqual([]);
    });

    it('stops a kill sequence once the tree is gone, and a KILL step ends it at once', async () => {
      const exits = await runCoprocess({ command: `trap 'echo TERM' TERM; trap 'echo INT; exit 7' INT; echo up; while :; do sleep ${mark()}; done`, timeoutMs: 400, killSequence: [{ signal: 'SIGTERM', waitMs: 300 }, { signal: 'SIGINT', waitMs: 60_000 }, { signal: 'SIGHUP', waitMs: 300 }] });
      // Ended by its INT trap: no HUP, and no 60 s wait (the spec's own timeout would say).
      expect(exits).toMatchObject({ timedOut: true, exitCode: 7, signal: null, stdout: 'up\nTERM\nINT\n' });
      const m = mark();
      const killed = await runCoprocess({ command: stubborn(m), timeoutMs: 400, killSequence: [{ signal: 'SIGHUP', waitMs: 200 }, { signal: 'SIGKILL', waitMs: 60_000 }, { signal: 'SIGTERM', waitMs: 60_000 }] });
      expect(killed).toMatchObject({ timedOut: true, signal: 'SIGKILL', stdout: 'up\nHUP\n' });
      expect(processesMarked(m)).toEqual([]);
    });

    it('kills an aborted run by its kill sequence too', async () => {
      const m = mark();
      const controller = new AbortController();
      const running = runCoprocess({ command: stubborn(m), signal: controller.signal, killSequence: [{ signal: 'SIGHUP', waitMs: 300 }, { signal: 'SIGINT', waitMs: 300 }] });
      expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
      controller.abort();
      expect(await running).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGKILL', stdout: 'up\nHUP\nINT\n' });
      expect(processesMarked(m)).toEqual([]);
    });

    it('gives the signal to an escapee that left the group after the group got it, not only SIGKILL at the grace’s end', async () => {
      // The TERM trap starts a `setsid sleep` once the group was signalled: it missed that signal,
      // and takes its default action. (One that left between the owner's look at /proc and its
      // signal to the group missed it the same way: 1 run of 4 of `setsid sleep & echo` sat out
      // the grace.)
      const m = mark();
      const r = await runCoprocess({ command: `trap 'setsid sleep ${m} & wait $!; echo "child $?"; exit 0' TERM; echo up; while :; do sleep 0.05; done`, timeoutMs: 300, killGraceMs: 20_000 });
      expect(r).toMatchObject({ timedOut: true, exitCode: 0, signal: null, stdout: 'up\nchild 143\n' });
      expect(processesMarked(m)).toEqual([]);
    });

    it('kills a grandchild that left the group with setsid', async () => {
      const escapee = mark();
      const stay = mark();
      const running = runCoprocess({ command: `setsid sleep ${escapee} & sleep ${stay}; wait`, timeoutMs: 1500, killGraceMs: 300 });
      expect(await eventually(() => processesMarked(escapee).length === 1 && processesMarked(stay).length === 1, 1200)).toBe(true);
      const [escaped] = processesMarked(escapee);
      const [stayed] = processesMarked(stay);
      // It really left: its own session and group.
      expect(statOf(escaped ?? 0).pgrp).not.toBe(statOf(stayed ?? 0).pgrp);
      expect(statOf(escaped ?? 0).session).toBe(escaped);
      const r = await running;
      expect(r.timedOut).toBe(true);
      expect(processesMarked(escapee)).toEqual([]);
      expect(processesMarked(stay)).toEqual([]);
    });

    it('kills an orphaned setsid grandchild found only by its environment cookie', async () => {
      const orphan = mark();
      const stay = mark();
      const running = runCoprocess({ command: `(setsid sleep ${orphan} &); sleep ${stay}`, timeoutMs: 1500, killGraceMs: 300 });
      expect(await eventually(() => processesMarked(orphan).length === 1 && processesMarked(stay).length === 1, 1200)).toBe(true);
      // Its parent (the subshell) is gone: neither group nor parent chain leads back to the leader.
      const [pid] = processesMarked(orphan);
      const [stayed] = processesMarked(stay);
      const { ppid, session } = statOf(pid ?? 0);
      expect(session).toBe(pid);
      expect(statOf(ppid).pgrp).not.toBe(statOf(stayed ?? 0).pgrp);
      const r = await running;
      expect(r.timedOut).toBe(true);
      expect(processesMarked(orphan)).toEqual([]);
    });
  });

  describe('when the leader exits by itself', () => {
    it('resolves without waiting for children that hold its stdout, and kills them', async () => {
      const background = mark();
      const escapee = mark();
      const r = await runCoprocess({ command: `echo done; sleep ${background} & (setsid sleep ${escapee} &)`, timeoutMs: 20_000, killGraceMs: 500 });
      expect(r).toMatchObject({ exitCode: 0, signal: null, timedOut: false, stdout: 'done\n' });
      expect(processesMarked(background)).toEqual([]);
      expect(processesMarked(escapee)).toEqual([]);
    });
  });

  describe('pause', () => {
    const allStopped = (pids: readonly number[], stopped: boolean): boolean => pids.length > 0 && pids.every((pid) => (stateOf(pid) === 'T') === stopped);

    it('stops the whole tree (the shell, its children, a setsid grandchild) and continues it, as often as asked', async () => {
      const m = mark();
      const pause = new CoprocessPause();
      const running = runCoprocess({ command: `sleep ${m} & setsid sleep ${m} & sleep ${m}; wait`, pause, timeoutMs: 20_000 });
      expect(await eventually(() => processesMarked(m).length === 3, 5000)).toBe(true);
      const sleeps = processesMarked(m);
      for (let round = 0; round < 2; round += 1) {
        pause.suspend();
        expect(pause.suspended).toBe(true);
        expect(await eventually(() => allStopped(sleeps, true), 5000)).toBe(true);
        pause.resume();
        expect(await eventually(() => allStopped(sleeps, false), 5000)).toBe(true);
      }
      for (const pid of sleeps) process.kill(pid, 'SIGKILL');
      const r = await running;
      expect(r).toMatchObject({ timedOut: false, aborted: false });
      expect(processesMarked(m)).toEqual([]);
    });

    it('stops a program that starts while suspended, and continues one killed while stopped, so that its TERM trap runs', async () => {
      const m = mark();
      const dir = mkdtempSync(join(tmpdir(), 'spm-pause-'));
      const termed = join(dir, 'termed');
      const pause = new CoprocessPause();
      pause.suspend();
      const controller = new AbortController();
      const running = runCoprocess({ command: `trap 'echo termed > ${termed}; exit 7' TERM; sleep ${m} & wait`, pause, signal: controller.signal, killGraceMs: 5000 });
      // Stopped as it starts: the shell (its command line holds the mark), perhaps before its sleep.
      expect(await eventually(() => allStopped(carrying(m), true), 5000)).toBe(true);
      pause.resume();
      expect(await eventually(() => processesMarked(m).length === 1 && allStopped(carrying(m), false), 5000)).toBe(true);
      // The trap is set once the sleep runs: stopped again, then killed.
      pause.suspend();
      expect(await eventually(() => carrying(m).length === 2 && allStopped(carrying(m), true), 5000)).toBe(true);
      controller.abort();
      const r = await running;
      expect(r).toMatchObject({ aborted: true, killed: true, exitCode: 7 });
      expect(readFileSync(termed, 'utf8')).toBe('termed\n');
      expect(processesMarked(m)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('must be a CoprocessPause', async () => {
      await expect(runCoprocess({ command: 'true', pause: {} as CoprocessPause })).rejects.toThrow('Expected `pause` to be a CoprocessPause, got');
    });
  });

  describe('outputHold', () => {
    /**
     * Whether process `pid` sleeps in a write to its full stdout: a pipe's (the fork server's:
     * wchan `pipe_write`, `anon_pipe_write`) or a socket's (Node's spawn: `sock_alloc_send_pskb`).
     */
    const blockedWriting = (pid: number): boolean => {
      try {
        return /pipe_write|sock_alloc_send/.test(readFileSync(`/proc/${pid}/wchan`, 'latin1'));
      } catch {
        return false;
      }
    };
    /** A byte count no other test's program writes: the writer's command line names it (and its shell's). */
    const size = (): number => 1_000_000 + Math.floor(Math.random() * 900_000);

    it('leaves the output unread while held: the program blocks writing until released, then all of it arrives', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-hold-'));
      const done = join(dir, 'done');
      const bytes = 200 * size();
      const hold = new CoprocessOutputHold();
      hold.hold();
      expect(hold.held).toBe(true);
      let seen = 0;
      // Held from its start on — once its start is known: on the fork server what it writes before
      // that may be read, so it writes more than a few pipes' worth (none of it kept).
      const running = runCoprocess({ command: `head -c ${bytes} /dev/zero; echo > ${done}`, outputHold: hold, maxOutputBytes: 0, onOutput: (_stream, chunk) => (seen += chunk.length), timeoutMs: 20_000 });
      // Blocked in a write to its full pipe: nobody reads it.
      expect(await eventually(() => carrying(String(bytes)).some(blockedWriting), 5000)).toBe(true);
      expect(existsSync(done)).toBe(false);
      expect(seen).toBeLessThan(bytes);
      hold.release();
      expect(hold.held).toBe(false);
      const r = await running;
      expect(r).toMatchObject({ exitCode: 0, timedOut: false });
      expect(r.outputBytes).toEqual({ stdout: bytes, stderr: 0 });
      expect(seen).toBe(bytes);
      expect(existsSync(done)).toBe(true);
      rmSync(dir, { recursive: true, force: true });
    });

    it('holds a program that starts while held, and reads again once its leader has exited (the run concludes, nothing left)', async () => {
      const m = mark();
      const bytes = size();
      const hold = new CoprocessOutputHold();
      hold.hold();
      // The leader exits at once; what it left writes to the held pipe until it is read again.
      const r = await runCoprocess({ command: `(head -c ${bytes} /dev/zero; sleep ${m}) & echo started >&2`, outputHold: hold, timeoutMs: 20_000, killGraceMs: 500 });
      expect(r).toMatchObject({ exitCode: 0, timedOut: false, stderr: 'started\n' });
      expect(processesMarked(m)).toEqual([]);
      expect(carrying(String(bytes))).toEqual([]);
      expect(hold.held).toBe(true);
    });

    it('kills a held program at its timeout, its output read again', async () => {
      const m = mark();
      const bytes = size();
      const hold = new CoprocessOutputHold();
      hold.hold();
      const r = await runCoprocess({ command: `head -c ${bytes} /dev/zero; sleep ${m}`, outputHold: hold, timeoutMs: 1000, killGraceMs: 500 });
      expect(r).toMatchObject({ timedOut: true });
      expect(processesMarked(m)).toEqual([]);
      expect(carrying(String(bytes))).toEqual([]);
    });

    it('must be a CoprocessOutputHold, and not with inheritOutput', async () => {
      await expect(runCoprocess({ command: 'true', outputHold: {} as CoprocessOutputHold })).rejects.toThrow('Expected `outputHold` to be a CoprocessOutputHold, got');
      await expect(runCoprocess({ command: 'true', outputHold: new CoprocessOutputHold(), inheritOutput: true })).rejects.toThrow('Expected at most one of `inheritOutput` and `outputHold`');
    });
  });

  describe('abort', () => {
    it('does not start a program whose signal is already aborted', async () => {
      const m = mark();
      const r = await runCoprocess({ command: `sleep ${m}`, signal: AbortSignal.abort() });
      expect(r).toMatchObject({ aborted: true, timedOut: false, pid: null, exitCode: null, signal: null });
      expect(processesMarked(m)).toEqual([]);
    });

    it('kills the tree when aborted while running', async () => {
      const m = mark();
      const controller = new AbortController();
      const running = runCoprocess({ command: `sleep ${m} & sleep ${m}; wait`, signal: controller.signal, killGraceMs: 300 });
      expect(await eventually(() => processesMarked(m).length === 2, 1000)).toBe(true);
      controller.abort();
      const r = await running;
      expect(r).toMatchObject({ aborted: true, killed: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
      expect(processesMarked(m)).toEqual([]);
    });

    it('says a run killed: its exit with a code of its own after a TERM it trapped answered the kill (an abort, a timeout); an exit on its own, not', async () => {
      const controller = new AbortController();
      const [m1, m2] = [mark(), mark()];
      const trapping = runCoprocess({ command: `trap 'exit 0' TERM; sleep ${m1} & wait`, signal: controller.signal, killGraceMs: 2000 });
      const timed = runCoprocess({ command: `trap 'exit 0' TERM; sleep ${m2} & wait`, timeoutMs: 1000, killGraceMs: 2000 });
      // The trap is set before the sleep starts.
      expect(await eventually(() => processesMarked(m1).length === 1, 5000)).toBe(true);
      controller.abort();
      expect(await trapping).toMatchObject({ aborted: true, killed: true, exitCode: 0 });
      expect(await timed).toMatchObject({ timedOut: true, killed: true, exitCode: 0 });
      expect(await runCoprocess({ command: 'exit 4' })).toMatchObject({ aborted: false, killed: false, exitCode: 4 });
    });

    it('a TERM the leader ignores did not reach it: ending within the grace with a code of its own, it finished (not killed); the SIGKILL after the grace does reach it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-ignored-'));
      const ready = join(dir, 'ready');
      const m = mark();
      const controller = new AbortController();
      // `trap '' TERM`: the sleeps inherit the ignored TERM, so the group's SIGTERM changes nothing.
      const finishing = runCoprocess({ command: `trap '' TERM; touch ${ready}; sleep 0.5; exit 3`, signal: controller.signal, killGraceMs: 10_000 });
      const ignoring = runCoprocess({ command: `trap '' TERM; sleep ${m}`, signal: controller.signal, killGraceMs: 300 });
      expect(await eventually(() => existsSync(ready) && processesMarked(m).length === 1, 5000)).toBe(true);
      controller.abort();
      expect(await finishing).toMatchObject({ aborted: true, killed: false, exitCode: 3, signal: null });
      expect(await ignoring).toMatchObject({ aborted: true, killed: true, exitCode: null, signal: 'SIGKILL' });
      expect(processesMarked(m)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('an exit still on its way when the abort comes: aborted, not killed (on the fork server, whose clock tells)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spm-killed-'));
      const done = join(dir, 'done');
      const controller = new AbortController();
      let started = false;
      const running = runCoprocess({ command: `sleep 0.5; touch ${done}; exit 5`, signal: controller.signal, onStart: () => void (started = true) });
      expect(await eventually(() => started, 5000)).toBe(true);
      // This thread busy while the command exits: its exit is unread when the abort comes.
      const until = Date.now() + 10_000;
      while (!existsSync(done) && Date.now() < until);
      const spin = Date.now() + 200;
      while (Date.now() < spin);
      controller.abort();
      const r = await running;
      expect(r).toMatchObject({ aborted: true, exitCode: 5 });
      if (launcher === 'fork-server') expect(r.killed).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets many runs share one signal: one listener on it (no leak warning past 10), every run aborted', async () => {
      const m = mark();
      const controller = new AbortController();
      // Settled before the abort: it is not called back.
      expect(await runCoprocess({ command: 'true', signal: controller.signal })).toMatchObject({ exitCode: 0, aborted: false });
      const runs = Array.from({ length: 40 }, () => runCoprocess({ command: `exec sleep ${m}`, signal: controller.signal, killGraceMs: 300 }));
      expect(await eventually(() => processesMarked(m).length === 40, 10_000)).toBe(true);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort();
      for (const r of await Promise.all(runs)) expect(r).toMatchObject({ aborted: true, signal: 'SIGTERM' });
      expect(processesMarked(m)).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });
  });

  describe('killAllCoprocesses', () => {
    it('kills every live coprocess of this thread and waits for them', async () => {
      const m1 = mark();
      const m2 = mark();
      const runs = [runCoprocess({ command: `sleep ${m1}` }), runCoprocess({ command: `trap '' TERM; sleep ${m2}`, killGraceMs: 200 })];
      expect(await eventually(() => processesMarked(m1).length === 1 && processesMarked(m2).length === 1, 1000)).toBe(true);
      expect(liveCoprocessCount()).toBe(2);
      expect(await killAllCoprocesses()).toBe(2);
      const [a, b] = await Promise.all(runs);
      expect(a).toMatchObject({ aborted: true, signal: 'SIGTERM' });
      expect(b).toMatchObject({ aborted: true, signal: 'SIGKILL' });
      expect(liveCoprocessCount()).toBe(0);
      expect(processesMarked(m1)).toEqual([]);
      expect(processesMarked(m2)).toEqual([]);
    });

    it('returns 0 when nothing runs, and refuses an unknown signal', async () => {
      expect(await killAllCoprocesses('SIGKILL')).toBe(0);
      await expect(killAllCoprocesses('SIGNOPE' as NodeJS.Signals)).rejects.toThrow('Expected `signal` to be a signal name such as `SIGTERM`, got `"SIGNOPE"` (string)');
    });
  });

  describe('lanes', () => {
    const scratch = (): string => mkdtempSync(join(tmpdir(), 'spm-lane-'));

    it('starts a program while this thread blocks right after asking for it; inside batchStarts, once that returns', async () => {
      // Regression: start requests written at the end of the thread's turn never left a thread
      // that blocked after runCoprocess (a task stuck in synchronous code) on the fork server.
      const dir = scratch();
      const spinUntil = (file: string, ms: number): boolean => {
        const until = Date.now() + ms;
        while (Date.now() < until) if (existsSync(file)) return true;
        return false;
      };
      try {
        const alone = join(dir, 'alone');
        const first = runCoprocess({ command: `touch ${alone}` });
        expect(spinUntil(alone, 10_000)).toBe(true);
        const lane = new CoprocessLane();
        const files = ['b1', 'b2', 'b3'].map((name) => join(dir, name));
        const batch = batchStarts(() => {
          const runs = files.map((file) => runCoprocess({ command: `touch ${file}`, lane }));
          // On a fork server nothing is written before batchStarts returns: none of them can have
          // started. (The owner's spawn starts a lane's first program at once.)
          expect(spinUntil(files[0] as string, 300)).toBe(coprocessLauncher().launcher === 'node');
          return runs;
        });
        const results = await Promise.all([first, ...batch]);
        expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
        expect(files.every((file) => existsSync(file))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('runs a lane’s programs one at a time, in the order asked', async () => {
      const dir = scratch();
      const log = join(dir, 'log');
      const lane = new CoprocessLane();
      // Asked for at once: without the lane they would overlap (start 2 before end 1).
      const results = await Promise.all([1, 2, 3].map((n) => runCoprocess({ command: `echo start ${n} >> ${log}; sleep 0.1; echo end ${n} >> ${log}`, lane })));
      expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
      expect(readFileSync(log, 'utf8')).toBe('start 1\nend 1\nstart 2\nend 2\nstart 3\nend 3\n');
      expect(results[1]?.startTime).toBeGreaterThanOrEqual(results[0]?.startTime ?? Infinity);
      rmSync(dir, { recursive: true, force: true });
    });

    it('counts a run’s timeout from its own start, not from when it was asked for', async () => {
      const lane = new CoprocessLane();
      const first = runCoprocess({ command: 'sleep 0.6', lane });
      // Waits ~600 ms for its turn, then takes a moment: a timeout counted from the ask would kill it.
      const second = runCoprocess({ command: 'echo ran', timeoutMs: 300, lane });
      expect(await first).toMatchObject({ exitCode: 0, timedOut: false });
      expect(await second).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'ran\n' });
    });

    it('never starts a run aborted before its turn, and goes on with the next', async () => {
      const dir = scratch();
      const flag = join(dir, 'ran');
      const m = mark();
      const lane = new CoprocessLane();
      const stopFirst = new AbortController();
      const stopSecond = new AbortController();
      const first = runCoprocess({ command: `sleep ${m}`, signal: stopFirst.signal, lane });
      const second = runCoprocess({ command: `touch ${flag}`, signal: stopSecond.signal, lane });
      const third = runCoprocess({ command: 'echo third', lane });
      expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
      stopSecond.abort();
      expect(await second).toMatchObject({ aborted: true, timedOut: false, exitCode: null, signal: null, pid: null, durationMs: 0 });
      stopFirst.abort();
      expect(await first).toMatchObject({ aborted: true, signal: 'SIGTERM' });
      expect(await third).toMatchObject({ exitCode: 0, stdout: 'third\n' });
      expect(existsSync(flag)).toBe(false);
      expect(processesMarked(m)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });

    it.each([
      ['asked for before the abort', false],
      ['asked for right after the abort', true],
    ])('never lets a run behind an aborted waiting one start before the running one exits (%s)', async (_, askAfterAbort) => {
      const dir = scratch();
      const log = join(dir, 'log');
      const lane = new CoprocessLane();
      const stop = new AbortController();
      const first = runCoprocess({ command: `echo start 1 >> ${log}; sleep 0.5; echo end 1 >> ${log}`, lane });
      const second = runCoprocess({ command: `echo start 2 >> ${log}`, signal: stop.signal, lane });
      let third: Promise<CoprocessResult> | undefined;
      if (!askAfterAbort) third = runCoprocess({ command: `echo start 3 >> ${log}`, lane });
      stop.abort();
      third ??= runCoprocess({ command: `echo start 3 >> ${log}`, lane });
      const results = await Promise.all([first, second, third]);
      expect(results.map((r) => r.exitCode)).toEqual([0, null, 0]);
      expect(results[1]).toMatchObject({ aborted: true, pid: null });
      expect(readFileSync(log, 'utf8')).toBe('start 1\nend 1\nstart 3\n');
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts none of the waiting runs when all are killed together (killAllCoprocesses, a shared abort signal)', async () => {
      // The running one's exit must not start a waiting one before that one's kill is seen.
      const dir = scratch();
      const m = mark();
      const stop = new AbortController();
      const runs = Array.from({ length: 12 }, (_, n) => {
        const lane = new CoprocessLane();
        const signal = n % 2 === 0 ? stop.signal : undefined;
        return [runCoprocess({ command: `sleep ${m}`, signal, lane }), ...[1, 2, 3].map((k) => runCoprocess({ command: `touch ${dir}/ran-${n}-${k}`, signal, lane }))];
      });
      expect(await eventually(() => processesMarked(m).length === 12, 10_000)).toBe(true);
      stop.abort(); // the even lanes
      await killAllCoprocesses('SIGTERM'); // the odd ones
      const results = await Promise.all(runs.flat());
      expect(results.filter((r) => r.pid === null)).toHaveLength(36);
      expect(readdirSync(dir)).toEqual([]);
      expect(processesMarked(m)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('times a waiting run that cannot start from its turn, not from when it was asked for', async () => {
      const lane = new CoprocessLane();
      const [first, missing] = await Promise.all([runCoprocess({ command: 'sleep 0.3', lane }), runCoprocess({ argv: ['/nonexistent/spm-lane'], lane })]);
      expect(missing).toMatchObject({ exitCode: 127, pid: null });
      expect(missing.startTime).toBeGreaterThanOrEqual(first.startTime + first.durationMs - 5);
    });

    it('goes on after a program that cannot start', async () => {
      const lane = new CoprocessLane();
      const [missing, next] = await Promise.all([runCoprocess({ argv: ['/nonexistent/spm-lane'], lane }), runCoprocess({ command: 'echo next', lane })]);
      expect(missing).toMatchObject({ exitCode: 127, spawnError: 'ENOENT' });
      expect(next).toMatchObject({ exitCode: 0, stdout: 'next\n' });
    });

    it('lets killAllCoprocesses end the running program and the waiting ones', async () => {
      const m = mark();
      const lane = new CoprocessLane();
      const runs = [runCoprocess({ command: `sleep ${m}`, lane }), runCoprocess({ command: `sleep ${m}`, lane }), runCoprocess({ command: `sleep ${m}`, lane })];
      expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
      expect(await killAllCoprocesses('SIGTERM')).toBe(3);
      const results = await Promise.all(runs);
      expect(results[0]).toMatchObject({ aborted: true, signal: 'SIGTERM' });
      // The next one may have begun as the first one's exit came (then it was killed at once).
      for (const r of results.slice(1)) {
        expect(r).toMatchObject({ aborted: true, exitCode: null });
        if (r.pid !== null) expect(r.signal).not.toBeNull();
      }
      expect(processesMarked(m)).toEqual([]);
      expect(liveCoprocessCount()).toBe(0);
    });

    it('withdraws the waiting runs of a lane: none starts, nothing is killed, the running one goes on and later runs wait for it', async () => {
      const dir = scratch();
      const m = mark();
      const lane = new CoprocessLane();
      const running = runCoprocess({ command: `sleep ${m} & wait; echo done`, timeoutMs: 20_000, lane });
      const waiting = [1, 2, 3].map((k) => runCoprocess({ command: `touch ${dir}/ran-${k}`, lane }));
      expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
      expect(withdrawWaiting(lane)).toBe(3);
      for (const r of await Promise.all(waiting)) {
        expect(r).toMatchObject({ withdrawn: true, aborted: false, timedOut: false, exitCode: null, signal: null, pid: null, durationMs: 0, stdout: '', stderr: '' });
      }
      // Nothing left to withdraw: the running one is not.
      expect(withdrawWaiting(lane)).toBe(0);
      const later = runCoprocess({ command: `echo later; test -e ${dir}/ran-1 || echo none`, lane });
      expect(processesMarked(m)).toHaveLength(1);
      for (const pid of processesMarked(m)) process.kill(pid, 'SIGTERM');
      expect(await running).toMatchObject({ withdrawn: false, exitCode: 0, stdout: 'done\n' });
      expect(await later).toMatchObject({ withdrawn: false, exitCode: 0, stdout: 'later\nnone\n' });
      expect(readdirSync(dir)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('withdraws nothing from an idle lane, and leaves other lanes alone', async () => {
      const dir = scratch();
      const m = mark();
      const idle = new CoprocessLane();
      expect(withdrawWaiting(idle)).toBe(0);
      const other = new CoprocessLane();
      const runs = [runCoprocess({ command: `exec sleep ${m}`, timeoutMs: 20_000, lane: other }), runCoprocess({ command: `touch ${dir}/ran`, lane: other })];
      expect(await eventually(() => processesMarked(m).length === 1, 5000)).toBe(true);
      expect(withdrawWaiting(new CoprocessLane())).toBe(0);
      for (const pid of processesMarked(m)) process.kill(pid, 'SIGTERM');
      const [first, second] = await Promise.all(runs);
      expect(first).toMatchObject({ withdrawn: false, signal: 'SIGTERM' });
      expect(second).toMatchObject({ withdrawn: false, exitCode: 0 });
      expect(readdirSync(dir)).toEqual(['ran']);
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs a waiting program that was starting as it was withdrawn as if it never was: started programs are never withdrawn', async () => {
      // Withdrawn the moment the run ahead exits: each waiting run either never starts (withdrawn)
      // or runs to its end — never killed, never both. 30 lanes race their first exit with the withdraw.
      const dir = scratch();
      const lanes = Array.from({ length: 30 }, () => new CoprocessLane());
      const runs = lanes.map((lane, n) => [runCoprocess({ command: 'sleep 0.2', lane }), runCoprocess({ command: `touch ${dir}/ran-${n}`, lane })]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const lane of lanes) withdrawWaiting(lane);
      const results = await Promise.all(runs.map((pair) => Promise.all(pair)));
      results.forEach(([first, second], n) => {
        expect(first).toMatchObject({ withdrawn: false, exitCode: 0 });
        if (second?.withdrawn === true) {
          expect(second).toMatchObject({ pid: null, exitCode: null, aborted: false });
          expect(existsSync(join(dir, `ran-${n}`))).toBe(false);
        } else {
          expect(second).toMatchObject({ exitCode: 0, signal: null, aborted: false });
          expect(existsSync(join(dir, `ran-${n}`))).toBe(true);
        }
      });
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses a lane that is not a CoprocessLane', async () => {
      await expect(runCoprocess({ command: 'true', lane: {} as CoprocessLane })).rejects.toThrow('Expected `lane` to be a CoprocessLane, got');
      expect(() => withdrawWaiting({} as CoprocessLane)).toThrow("Expected withdrawWaiting's argument to be a CoprocessLane, got an empty object");
      expect(() => batchStarts(42 as never)).toThrow("Expected batchStarts' argument to be a function, got `42` (number)");
    });
  });

  describe('shell.policyA', () => {
    it('names its own option, `cmd`, when it is missing or empty', async () => {
      await expect(shell.policyA({ cmd: '', timeout: 10 })).rejects.toThrow('Expected `cmd` to be a non-empty string (a shell command), got `""` (string)');
    });

    it('returns the seed’s plain record, fit to be a task’s return value', async () => {
      const r = await shell.policyA({ cmd: 'echo lusaka; echo warn >&2', timeout: { ms: 5000 } });
      expect(r).toEqual({
        stdOut: 'lusaka\n',
        stdErr: 'warn\n',
        stdOutErr: 'lusaka\nwarn\n',
        exitCode: 0,
        signal: null,
        timedOut: false,
        durationMs: r.durationMs,
        truncated: false,
      });
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    });

    it('kills the command at its timeout, given in ms', async () => {
      const m = mark();
      const r = await shell.policyA({ cmd: `sleep ${m}`, timeout: 150 });
      expect(r).toMatchObject({ timedOut: true, exitCode: null });
      expect(processesMarked(m)).toEqual([]);
    });

    it.each([[0], [{ ms: -1 }], [{ seconds: 3 }], ['10'], [3_000_000_000]])('refuses the timeout %j, in its own words', async (timeout) => {
      await expect(shell.policyA({ cmd: 'true', timeout: timeout as number })).rejects.toThrow('Expected `timeout` to be a number of ms > 0 and ≤ 2147483647 (the longest a timer waits), or { ms } with such ms, got');
    });
  });
}
