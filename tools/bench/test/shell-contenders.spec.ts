import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { coprocessLauncher, runCoprocess } from '@spm/coprocess';
import { raceOnce } from '../src/shell/shell-race.js';

// The spm-shell benchmark's reference launchers, built, run as the benchmark runs them on a few
// commands: each must run them all and exit with the number that failed. (The Node floor speaks
// the fork server's protocol itself: when that protocol grew a field, it hung for the benchmark's
// whole 300 s bound until session 36 — this catches that.)
const NODE_FLOOR = fileURLToPath(new URL('../dist/shell/node-floor.js', import.meta.url));
const COPROCESS_ALONE = fileURLToPath(new URL('../dist/shell/coprocess-alone.js', import.meta.url));

/** The fork server binary this machine has built (a first run builds it); `undefined` without a C compiler (the benchmark leaves the Node floor out too). */
async function forkServer(): Promise<string | undefined> {
  await runCoprocess({ argv: ['true'] });
  for (let waited = 0; coprocessLauncher().reason.startsWith('the fork server is being built') && waited < 60_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const launcher = coprocessLauncher();
  return launcher.launcher === 'fork-server' ? launcher.reason : undefined;
}

describe('the spm-shell benchmark’s reference launchers', () => {
  it('the Node floor runs every command on the fork servers and exits with the number failed', async () => {
    const launcher = await forkServer();
    if (launcher === undefined) return;
    const run = await raceOnce({ name: 'Node floor', file: process.execPath, args: [NODE_FLOOR, '2', launcher] }, 'true\nfalse\ntrue\nexit 3\ntrue\n', 20_000);
    expect(run.code).toBe(2);
  });

  it('the Node floor fails, saying so, when its fork servers die before every exit is reported', async () => {
    const launcher = await forkServer();
    if (launcher === undefined) return;
    // Each slot's first command kills its fork server ($PPID of `sh -c`): none of the others run.
    const run = await raceOnce({ name: 'Node floor', file: process.execPath, args: [NODE_FLOOR, '2', launcher] }, `${'kill -9 $PPID\n'.repeat(2)}${'true\n'.repeat(8)}`, 20_000);
    expect(run.code).toBe(102);
    expect(run.stderr).toMatch(/node-floor: the fork server of slot \d ended \(SIGKILL\)/);
    expect(run.stderr).toMatch(/node-floor: [0-9] of 10 commands reported their exit/);
  });

  it('@spm/coprocess alone runs every command and exits with the number failed', async () => {
    const run = await raceOnce({ name: 'coprocess alone', file: process.execPath, args: [COPROCESS_ALONE, '2'] }, 'true\nfalse\ntrue\n', 20_000);
    expect(run.code).toBe(1);
  });
});
