import { describe, it, expect, afterAll, afterEach, beforeAll, jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, processState, waitFor } from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';
import { READS_PER_SLICE } from '../src/internal/process-tree.js';

// The local provisioner lists a process spoke's descendants in /proc before it kills it. That scan
// was synchronous: on a machine with thousands of processes it held the hub's thread (0.6 s at
// 27,000), and no message of any other spoke was read meanwhile.

/** How many idle processes the machine gets for these specs (ours: `sleep`s in one group; few, as other suites may scan /proc meanwhile). */
const CROWD = 500;

let crowd: ChildProcess | undefined;
let clouds: VirtualCloud[] = [];

beforeAll(async () => {
  // One shell in a group of its own starts them all: one signal to the group ends them all.
  crowd = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${CROWD} ]; do sleep 600 & i=$((i+1)); done; echo ready; wait`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    crowd?.stdout?.on('data', (data: Buffer) => (data.toString().includes('ready') ? resolve() : undefined));
    crowd?.once('exit', () => reject(new Error('the shell starting the idle processes exited')));
  });
}, 60_000);

afterAll(async () => {
  const pgid = crowd?.pid;
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor(() => !isAlive(pgid), 10_000, 'the idle processes gone');
});

afterEach(async () => {
  await Promise.all(clouds.map((c) => c.close()));
  clouds = [];
});

async function start(options: Parameters<typeof VirtualCloud.start>[0]): Promise<VirtualCloud> {
  const cloud = await VirtualCloud.start({ hubHost: 'hub', ...options });
  clouds.push(cloud);
  return cloud;
}

describe('the kill of a process spoke on a machine with thousands of processes', () => {
  it('lets the hub’s event loop turn while it lists the spoke’s descendants, the spoke stopped meanwhile', async () => {
    const cloud = await start({ local: { kind: 'process', spokes: 1 } });
    const spoke = cloud.spokes()[0] as SpokeInfo;
    const pid = spoke.pid as number;
    // Turns of the event loop, counted by an immediate that schedules itself again, until the
    // spoke gets its SIGKILL (after the scan): the old scan ran between two turns. Meanwhile the
    // spoke is stopped (`T`): it can neither exit nor fork while its descendants are listed.
    let turns = 0;
    const states = new Set<string | undefined>();
    let turnsAtKill: number | undefined;
    const kill = process.kill.bind(process);
    const spy = jest.spyOn(process, 'kill').mockImplementation((target: number, signal?: string | number) => {
      if (Math.abs(target) === pid && signal === 'SIGKILL') turnsAtKill ??= turns;
      return kill(target, signal);
    });
    const turn = (): void => {
      turns += 1;
      if (turnsAtKill !== undefined) return;
      states.add(processState(pid));
      setImmediate(turn);
    };
    try {
      setImmediate(turn);
      await cloud.tracker.kill(spoke.id);
    } finally {
      spy.mockRestore();
    }
    // The scan reads CROWD and more stat files, and lets the loop turn every READS_PER_SLICE (100).
    expect(turnsAtKill).toBeGreaterThanOrEqual(Math.floor(CROWD / READS_PER_SLICE));
    expect(states).toContain('T');
    expect(isAlive(pid)).toBe(false);
  }, 60_000);

  it('leaves nothing of the spoke when it resolves, not even a child in a session of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-tracker-kill-'));
    const file = join(dir, 'pids');
    // Each thread of the spoke that loads it starts a `sleep` in a session of its own (out of
    // reach of the group kill) and writes its pid down.
    const source = [
      "import { spawn } from 'node:child_process';",
      "import { appendFileSync } from 'node:fs';",
      "const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });",
      'child.unref();',
      "appendFileSync(process.env.SPM_TEST_PIDS, child.pid + '\\n');",
    ].join('\n');
    let sleeps: number[] = [];
    try {
      const cloud = await start({ local: { kind: 'process', spokes: 1, env: { SPM_TEST_PIDS: file }, execArgv: ['--import', `data:text/javascript,${encodeURIComponent(source)}`] } });
      const spoke = cloud.spokes()[0] as SpokeInfo;
      await waitFor(() => readPids(file).length > 0, 10_000, 'the spoke’s sleep started');
      sleeps = readPids(file);
      expect(sleeps.every(isAlive)).toBe(true);
      await cloud.tracker.kill(spoke.id);
      expect(isAlive(spoke.pid as number)).toBe(false);
      expect(sleeps.filter(isAlive)).toEqual([]);
    } finally {
      // Ours, if the kill left them: seen alive just now.
      for (const pid of sleeps.filter(isAlive)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
