import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { eventually, killMarked, marker, processesMarked } from './support/processes.js';

// `terminal` and `inheritOutput`, on a real terminal: the owner (a Node process importing
// @spm/coprocess) runs under util-linux's `script`, whose pseudo-terminal is its controlling
// terminal; what the spec writes to `script`'s stdin is typed on that terminal. Under `setsid`
// the owner has no terminal at all.
const fixture = fileURLToPath(new URL('./fixtures/terminal-owner.mjs', import.meta.url));
const marks: string[] = [];
afterAll(() => killMarked(marks));

interface OwnerRun {
  /** Everything the terminal showed (carriage returns dropped). */
  readonly screen: string;
  /** The owner's `RESULT` lines, parsed. */
  readonly results: Record<string, unknown>[];
}

/** Runs the owner in `mode` on a terminal of its own (`script`), typing `typed`; or with none (`setsid`). */
function runOwner(mode: string, mark: string, how: { readonly typed?: string; readonly terminal?: boolean; readonly onReady?: (ownerPid: number) => void } = {}): Promise<OwnerRun> {
  const line = `'${process.execPath}' '${fixture}' ${mode} ${mark}`;
  const child = how.terminal === false ? spawn('setsid', ['-w', process.execPath, fixture, mode, mark], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn('script', ['-qec', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk.replaceAll('\r', '');
    const ready = /ready (\d+)\n/.exec(screen);
    if (ready !== null && how.onReady !== undefined) {
      const onReady = how.onReady;
      how = { ...how, onReady: undefined };
      onReady(Number(ready[1]));
    }
  });
  child.stdin?.end(how.typed ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      const results = screen
        .split('\n')
        .filter((text) => text.startsWith('RESULT '))
        .map((text) => JSON.parse(text.slice('RESULT '.length)) as Record<string, unknown>);
      resolve({ screen, results });
    });
  });
}

describe('a coprocess given the terminal', () => {
  it('reads what is typed on it, in the owner’s own process group and session', async () => {
    const { results } = await runOwner('read', marker(), { typed: 'hello there\n' });
    expect(results).toHaveLength(1);
    const [r] = results as [{ owner: string; exitCode: number; stdout: string; stderr: string }];
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`stdin-is-a-terminal\n${r.owner}\nread hello there\n`);
  });

  it('writes to the owner’s own stdout and stderr with inheritOutput: a terminal, nothing captured', async () => {
    const { screen, results } = await runOwner('inherit', marker());
    expect(results).toEqual([{ exitCode: 0, stdout: '', stderr: '', bytes: { stdout: 0, stderr: 0 } }]);
    expect(screen).toContain('stdout-is-a-terminal\nto-stderr\n');
  });

  it('has its whole tree killed at its timeout — not the owner, which is in its group', async () => {
    const mark = marker();
    marks.push(mark);
    const { results } = await runOwner('timeout', mark);
    expect(results).toEqual([{ timedOut: true, left: 0 }]);
  });

  it('has its tree swept by the watchdog when the owner is SIGKILLed', async () => {
    const mark = marker();
    marks.push(mark);
    let killed = false;
    await runOwner('wait', mark, {
      onReady: (pid) => {
        expect(processesMarked(mark)).toHaveLength(2);
        process.kill(pid, 'SIGKILL');
        killed = true;
      },
    });
    expect(killed).toBe(true);
    expect(await eventually(() => processesMarked(mark).length === 0, 5000)).toBe(true);
  });

  it('fails unstarted, exit 126 and why, when the owner has no terminal', async () => {
    const { results } = await runOwner('none', marker(), { terminal: false });
    expect(results).toEqual([{ exitCode: 126, stdout: '', stderr: 'spm-coprocess: cannot run `echo never`: the terminal `/dev/tty` cannot be opened for its stdin: ENXIO (no such device or address: no controlling terminal)\n' }]);
  });
});
