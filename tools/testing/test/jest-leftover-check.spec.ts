import { describe, it, expect, beforeAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '@spm/testing';

interface JestJson {
  readonly numFailedTestSuites: number;
  readonly testResults: readonly { readonly name: string; readonly status: string; readonly message: string }[];
}

const config = fileURLToPath(new URL('./fixtures/leftover/leftover.jest.cjs', import.meta.url));
const jestBin = fileURLToPath(new URL('../../../node_modules/jest/bin/jest.js', import.meta.url));

// Runs the fixture files in a Jest of their own, with the workspace preset (and so the
// real check), and reads its JSON result. Bounded: the child is killed after 60 s.
async function runFixtures(): Promise<{ json: JestJson; pids: Map<string, number>; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'leftover-check-'));
  const pidFile = join(dir, 'pids');
  const outFile = join(dir, 'result.json');
  writeFileSync(pidFile, '');
  try {
    const child = spawn(process.execPath, [jestBin, '--config', config, '--runInBand', '--json', '--outputFile', outFile], {
      env: { ...process.env, LEFTOVER_PIDS: pidFile, NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await new Promise((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    const pids = new Map(
      readFileSync(pidFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([name, pid]) => [name as string, Number(pid)]),
    );
    return { json: JSON.parse(readFileSync(outFile, 'utf8')) as JestJson, pids, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the leftover-process check registered for every Jest file', () => {
  let run: Awaited<ReturnType<typeof runFixtures>>;

  beforeAll(async () => {
    run = await runFixtures();
  }, 90_000);

  it('fails a file that leaves a process running, naming its pid and command line, and kills it', () => {
    const leaky = run.json.testResults.find((r) => r.name.endsWith('leaky.check.mjs'));
    const pid = run.pids.get('leaky') as number;
    expect(pid).toBeGreaterThan(0);
    expect(leaky?.status).toBe('failed');
    expect(leaky?.message).toContain('left 1 process(es) running 5000 ms after its last hook (now SIGKILLed)');
    expect(leaky?.message).toContain(`pid ${pid}: sleep 1000.4711`);
    expect(isAlive(pid)).toBe(false);
  });

  it('finds a process re-parented out of the test’s tree by the run’s tag in its environment', () => {
    const orphan = run.json.testResults.find((r) => r.name.endsWith('orphan.check.mjs'));
    const pid = run.pids.get('orphan') as number;
    expect(orphan?.status).toBe('failed');
    expect(orphan?.message).toContain(`pid ${pid}: sleep 1000.4713`);
    expect(isAlive(pid)).toBe(false);
  });

  it('runs after a top-level afterAll of the file, so a file that stops its processes there passes', () => {
    const tidy = run.json.testResults.find((r) => r.name.endsWith('tidy.check.mjs'));
    expect(tidy?.status).toBe('passed');
    expect(isAlive(run.pids.get('tidy') as number)).toBe(false);
    expect(run.json.numFailedTestSuites).toBe(2);
  });
});
