// A newcomer's program in one module: the closure, and at its top level the cloud and manage().
// A spoke imports the closure's module to evaluate tasks, so on thread and process spokes that
// top level ran again in each spoke and started spokes of its own, without end (process spokes
// 11 → 45 in 4 s; thread spokes to an out-of-memory crash); on inproc spokes the spoke's import
// of the program's own, still evaluating, module waited for itself and Node exited 13 silently.
import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isCoprocessHelper, taggedProcesses, waitFor } from '@spm/testing';

const PROGRAM = fileURLToPath(new URL('./fixtures/one-file-program.mjs', import.meta.url));
const TAG = 'SPM_ONE_FILE_TEST';

interface Outcome {
  readonly code: number | null;
  readonly result: { total: number; errors: string[] } | undefined;
  readonly stderr: string;
  /** The most processes of the run seen alive at once (the program included, the runtime's helpers not). */
  readonly peak: number;
}

function runProgram(transport: string, mark: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROGRAM, transport], { env: { ...process.env, [TAG]: mark }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // (Not the runtime's helpers: the hub's untracked-programs watchdog, a thread's fork server.)
    const watch = setInterval(() => (peak = Math.max(peak, taggedProcesses(TAG, mark).filter((pid) => !isCoprocessHelper(pid)).length)), 100);
    const timer = setTimeout(() => {
      clearInterval(watch);
      for (const pid of taggedProcesses(TAG, mark)) process.kill(pid, 'SIGKILL');
      reject(new Error(`the one-file program on ${transport} spokes ran past 40 s (at most ${peak} of its processes alive at once); stderr:\n${stderr.slice(0, 2000)}`));
    }, 40_000);
    child.on('close', (code) => {
      clearInterval(watch);
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve({ code, result: line.startsWith('{') ? (JSON.parse(line) as Outcome['result']) : undefined, stderr, peak });
    });
  });
}

describe('a program whose closure module also starts the cloud', () => {
  it('runs on inproc spokes: the closure is already declared in the hub’s thread', async () => {
    const r = await runProgram('inproc', `inproc-${process.pid}`);
    expect(r).toMatchObject({ code: 0, result: { total: 1 + 4 + 9, errors: [] } });
  });

  it.each(['thread', 'process'])('fails each task on %s spokes with an error that says what to do, and starts no spokes of spokes', async (transport) => {
    const mark = `${transport}-${process.pid}`;
    const r = await runProgram(transport, mark);
    expect(r.code).toBe(0);
    expect(r.result?.total).toBe(0);
    expect(r.result?.errors).toHaveLength(3);
    for (const error of r.result?.errors ?? []) {
      expect(error).toContain('SPMInvariantError: VirtualCloud.start() was called in a spoke');
      expect(error).toContain('Declare closures in a module of their own');
    }
    // The program and its 2 spokes at most: none of them started spokes.
    expect(r.peak).toBeLessThanOrEqual(3);
    await waitFor(() => taggedProcesses(TAG, mark).length === 0, 10_000, 'every process of the run to be gone').catch(() => undefined);
    expect(taggedProcesses(TAG, mark)).toEqual([]);
  });
});
