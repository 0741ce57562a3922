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

describe('the spm-shell benchmark’s reference launchers', () => {
  it('the Node floor runs every command on the fork servers and exits with the number failed', async () => {
    await runCoprocess({ argv: ['true'] });
    for (let waited = 0; coprocessLauncher().reason.startsWith('the fork server is being built') && waited < 60_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    const launcher = coprocessLauncher();
    if (launcher.launcher !== 'fork-server') return; // No C compiler here: the benchmark leaves it out too.
    const run = await raceOnce({ name: 'Node floor', file: process.execPath, args: [NODE_FLOOR, '2', launcher.reason] }, 'true\nfalse\ntrue\nexit 3\ntrue\n', 20_000);
    expect(run.code).toBe(2);
  });

  it('@spm/coprocess alone runs every command and exits with the number failed', async () => {
    const run = await raceOnce({ name: 'coprocess alone', file: process.execPath, args: [COPROCESS_ALONE, '2'] }, 'true\nfalse\ntrue\n', 20_000);
    expect(run.code).toBe(1);
  });
});
