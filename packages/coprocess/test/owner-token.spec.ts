import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, afterAll } from '@jest/globals';
import { COPROCESS_OWNER_VARIABLE, newCoprocessOwnerToken, processesOfOwner } from '@spm/coprocess';
import { eventually, killMarked, marker, processesMarked } from './support/processes.js';

// An owner token given from outside (what the local provisioner does for a thread spoke it may
// have to terminate): the owner's coprocesses and servers are found by it, and are gone once
// the owner is and its servers have swept.
const marks: string[] = [];
afterAll(() => killMarked(marks));

describe.each(['fork-server', 'node'] as const)('an owner token given in %s mode', (launcher) => {
  it('marks the owner’s coprocesses and servers, is not inherited by its programs, and finds nothing once the owner is gone', async () => {
    const m = marker();
    marks.push(m);
    const token = newCoprocessOwnerToken();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(processesOfOwner(token)).toEqual([]);
    // The owner: runs a program that prints whether it sees the variable, then one that ignores
    // SIGTERM and waits; the owner is then SIGKILLed.
    const script =
      `import { runCoprocess } from '@spm/coprocess'; ` +
      `const seen = await runCoprocess({ command: 'echo "[$${COPROCESS_OWNER_VARIABLE}]"' }); process.stdout.write(seen.stdout); ` +
      `void runCoprocess({ command: "trap '' TERM; exec sleep ${m}", killGraceMs: 300 }); setInterval(() => undefined, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, SPM_COPROCESS_LAUNCHER: launcher, [COPROCESS_OWNER_VARIABLE]: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    owner.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = new Promise<void>((resolve) => owner.on('close', () => resolve()));
    try {
      // The owner printed its line before starting the sleeper, but this process may see the
      // sleeper (a timer, read from /proc) before it reads the pipe (the poll phase comes after
      // the timers in a turn): wait for both.
      expect(await eventually(() => processesMarked(m).length === 1 && stdout.endsWith('\n'), 10_000)).toBe(true);
      expect(stdout).toBe('[]\n');
      const [sleeper] = processesMarked(m);
      const found = processesOfOwner(token);
      expect(found).toContain(sleeper);
      // Its helper (fork server or watchdog) carries the token too.
      expect(found.length).toBeGreaterThanOrEqual(2);
      expect(processesOfOwner(newCoprocessOwnerToken())).toEqual([]);
      owner.kill('SIGKILL');
      await closed;
      // The helpers end the owner's programs as on an owner's death (SIGTERM, SIGKILL after
      // the grace), then exit: nothing carries the token any more.
      expect(await eventually(() => processesOfOwner(token).length === 0, 10_000)).toBe(true);
      expect(processesMarked(m)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
    }
  }, 30_000);
});
