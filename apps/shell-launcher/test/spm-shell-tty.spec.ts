import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { waitFor } from '@spm/testing';
import { BIN, leftovers, MARK_VARIABLE, runSpmShell } from './run-spm-shell.js';

// `--tty` and `-o` on a real terminal: the bin runs under util-linux's `script`, whose
// pseudo-terminal is its controlling terminal (and its stdin, stdout, stderr); what the spec
// writes to `script`'s stdin is typed on that terminal, Ctrl-C included.

const PID = String(process.pid).padStart(7, '0');
let runs = 0;
/** Marks unique to this spec run: an environment value every process of a run inherits, and a sleep's argument. */
const newMark = (): { env: string; sleep: string } => {
  runs += 1;
  return { env: `spm-shell-tty-${PID}-${runs}`, sleep: `102.${PID}${String(runs).padStart(2, '0')}` };
};

async function expectNoLeftovers(mark: { env: string; sleep: string }): Promise<void> {
  await waitFor(() => leftovers(mark.env, mark.sleep).length === 0, 10_000, 'every process of the run to be gone').catch(() => undefined);
  expect(leftovers(mark.env, mark.sleep)).toEqual([]);
}

const quoted = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

interface TerminalRun {
  /** The exit status `script -e` passes on: the bin's. */
  readonly code: number | null;
  /** What the terminal showed, carriage returns dropped, the lines typed (echoed) taken out. */
  readonly screen: string;
}

/**
 * Runs the bin with `args` on a terminal of its own. `typed` is typed at once; `onScreen`, given
 * what the terminal has shown so far, may return more to type (once it has, it is not asked again).
 */
function onTerminal(args: readonly string[], mark: string, how: { readonly typed?: string; readonly onScreen?: (screen: string) => string | undefined; readonly program?: readonly string[] } = {}): Promise<TerminalRun> {
  const program = how.program ?? [process.execPath, BIN];
  const child = spawn('script', ['-qec', [...program, ...args].map(quoted).join(' '), '/dev/null'], { env: { ...process.env, [MARK_VARIABLE]: mark }, stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  let asking = how.onScreen;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk.replaceAll('\r', '');
    const more = asking?.(screen);
    if (more !== undefined) {
      asking = undefined;
      child.stdin.write(more);
    }
  });
  if (how.typed !== undefined) child.stdin.write(how.typed);
  // `script` ends the terminal when its stdin ends: open until the run is over, when asked to type later.
  if (how.onScreen === undefined) child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const typedLines = new Set((how.typed ?? '').split('\n').filter((line) => line !== ''));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen: screen.split('\n').filter((line) => !typedLines.has(line)).join('\n') });
    });
  });
}

describe.each(['inproc', 'thread'] as const)('spm-shell --tty and -o on a terminal (%s spokes)', (transport) => {
  it('--tty: each command reads the terminal and writes to it, one at a time', async () => {
    const mark = newMark();
    const r = await onTerminal(['--transport', transport, '--tty', 'echo {}:; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-terminal; read x; echo "{} read $x"', ':::', 'a', 'b'], mark.env, { typed: 'one\ntwo\n' });
    expect(r.code).toBe(0);
    expect(r.screen).toBe('a:\nall-terminal\na read one\nb:\nall-terminal\nb read two\n');
    await expectNoLeftovers(mark);
  });

  it('-o: the terminal is stdin only; the output is printed as ever (-k, --tag)', async () => {
    const mark = newMark();
    const r = await onTerminal(['--transport', transport, '-o', '-j', '1', '-k', '--tag', '[ -t 0 ] && echo stdin-terminal; [ -t 1 ] || echo stdout-not; read x; echo "read $x" {}', ':::', 'a', 'b'], mark.env, { typed: 'one\ntwo\n' });
    expect(r.code).toBe(0);
    expect(r.screen).toBe('a\tstdin-terminal\na\tstdout-not\na\tread one a\nb\tstdin-terminal\nb\tstdout-not\nb\tread two b\n');
    await expectNoLeftovers(mark);
  });

  it('Ctrl-C on the terminal stops the run: exit 130, nothing left', async () => {
    const mark = newMark();
    const r = await onTerminal(['--transport', transport, '--tty', `echo started; sleep ${mark.sleep} & sleep ${mark.sleep}; wait`, ':::', 'a', 'b'], mark.env, { onScreen: (screen) => (screen.includes('started\n') ? '\x03' : undefined) });
    expect(r.code).toBe(130);
    expect(r.screen).not.toContain('started\nstarted');
    await expectNoLeftovers(mark);
  });

  it('kills a command’s whole tree at its --timeout and goes on to the next', async () => {
    const mark = newMark();
    const r = await onTerminal(['--transport', transport, '--tty', '--timeout', '0.5', `if [ {} = a ]; then sleep ${mark.sleep} & sleep ${mark.sleep}; wait; fi; echo {} done`, ':::', 'a', 'b'], mark.env);
    expect(r.code).toBe(1);
    expect(r.screen).toMatch(/^spm-shell: job 1 timed out after 0\.5 s; its process tree was killed: .*\nb done\n$/);
    await expectNoLeftovers(mark);
  });
});

describe('spm-shell --tty and -o as GNU parallel’s', () => {
  it('read and write the terminal alike (GNU parallel 20221122, installed by .ci/run)', async () => {
    const cases: readonly (readonly string[])[] = [
      ['--tty', 'echo {}:; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-terminal; read x; echo "{} read $x"', ':::', 'a', 'b'],
      ['-o', '-j', '1', '-k', '--tag', '[ -t 0 ] && echo stdin-terminal; [ -t 1 ] || echo stdout-not; read x; echo "read $x" {}', ':::', 'a', 'b'],
      ['--open-tty', '-j', '1', 'read x; read y; echo "$y $x {}"; exit 3', ':::', 'a'],
    ];
    for (const args of cases) {
      const mark = newMark();
      const gnu = await onTerminal(['--will-cite', ...args], mark.env, { typed: 'one\ntwo\n', program: ['parallel'] });
      const spm = await onTerminal(args, mark.env, { typed: 'one\ntwo\n' });
      expect({ args, gnu: gnu.code }).toEqual({ args, gnu: args[0] === '--open-tty' ? 1 : 0 });
      expect({ args, spm }).toEqual({ args, spm: gnu });
    }
  });
});

/** Runs the bin in a session of its own with no controlling terminal (`setsid`: as under cron or CI), `input` on its stdin. */
async function withoutTerminal(args: readonly string[], mark: string, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('setsid', ['-w', process.execPath, BIN, ...args], { env: { ...process.env, [MARK_VARIABLE]: mark }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

describe('spm-shell --tty with no terminal', () => {
  it('runs the commands as without it (stdin /dev/null), saying so once', async () => {
    const { code, stdout, stderr } = await withoutTerminal(['--tty', 'echo {}; [ -t 0 ] || cat', ':::', 'a', 'b'], newMark().env, 'not for the commands\n');
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'a\nb\n' });
    expect(stderr).toBe("spm-shell: there is no terminal to give the commands (--tty, -o): /dev/tty cannot be opened (ENXIO: no controlling terminal); their stdin is /dev/null, as GNU parallel's\n");
  });

  it('refuses -o with --pipe and with process spokes, before anything runs', async () => {
    const piped = await runSpmShell(['--tty', '--pipe', 'wc -l'], { input: 'a\n', mark: newMark().env });
    expect(piped.code).toBe(255);
    expect(piped.stderr).toContain("Expected no `--tty` with `--pipe` (each job's stdin is its input, not the terminal), got both");
    const processes = await runSpmShell(['-o', '--transport', 'process', 'true'], { mark: newMark().env });
    expect(processes.code).toBe(255);
    expect(processes.stderr).toContain('Expected `--transport inproc` or `thread` with `-o` (process spokes run in sessions of their own, where commands have no terminal), got `process`');
  });
});

describe('spm-shell -p (--interactive)', () => {
  /** The commands that ran: `ran-X` outputs, not the prompts' `echo ran-X ?...`. */
  const ranIn = (screen: string): string[] => [...screen.matchAll(/(?<!echo )ran-([a-z])/g)].map((match) => match[1] as string).sort();

  it.each(['inproc', 'thread'] as const)('asks on the terminal before each command: a y runs it, anything else passes it over (%s spokes), as GNU parallel runs them', async (transport) => {
    const args = ['-p', '-k', '--joblog', '/dev/stdout', 'echo ran-{}', ':::', 'a', 'b', 'c', 'd'];
    const typed = 'y\nno\n  Y\n\n';
    const mark = newMark();
    const spm = await onTerminal(['--transport', transport, ...args], mark.env, { typed });
    // Passed over: not failed, not logged.
    expect(spm.code).toBe(0);
    for (const x of ['a', 'b', 'c', 'd']) expect(spm.screen.split('echo ran-' + x + ' ?...').length).toBe(2);
    expect(ranIn(spm.screen)).toEqual(['a', 'c']);
    // (A row may follow a prompt on its line; rows come as jobs end.)
    expect([...spm.screen.matchAll(/(?:^|\?\.\.\.)(\d+)\t:\t/gm)].map((match) => match[1]).sort()).toEqual(['1', '3']);
    const gnu = await onTerminal(['--will-cite', ...args], mark.env, { typed, program: ['parallel'] });
    expect(ranIn(gnu.screen)).toEqual(ranIn(spm.screen));
    await expectNoLeftovers(mark);
  });

  it('stops on Ctrl-C while a question waits: exit 130, the question not answered, nothing run', async () => {
    const mark = newMark();
    const r = await onTerminal(['-p', 'echo ran-{}', ':::', 'a', 'b'], mark.env, { onScreen: (screen) => (screen.includes('?...') ? '\x03' : undefined) });
    expect(r.code).toBe(130);
    expect(ranIn(r.screen)).toEqual([]);
    await expectNoLeftovers(mark);
  });

  it('refuses to run with no terminal to ask on, before anything runs', async () => {
    expect(await withoutTerminal(['-p', 'echo', ':::', 'a'], newMark().env, 'y\n')).toEqual({ code: 255, stdout: '', stderr: 'spm-shell: -p (--interactive) asks on the terminal before each command, but /dev/tty cannot be opened (ENXIO: no controlling terminal)\n' });
  });
});
