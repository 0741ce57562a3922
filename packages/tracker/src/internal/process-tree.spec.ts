import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { descendantsOf, isRunning, READS_PER_SLICE, waitGone } from './process-tree.js';

/** Idle processes of ours (`sleep`s under one shell, in a group of their own). */
const CROWD = 500;

let shell: ChildProcess;

beforeAll(async () => {
  shell = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${CROWD} ]; do sleep 600 & i=$((i+1)); done; echo ready; wait`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    shell.stdout?.on('data', (data: Buffer) => (data.toString().includes('ready') ? resolve() : undefined));
    shell.once('exit', () => reject(new Error('the shell starting the idle processes exited')));
  });
}, 60_000);

afterAll(async () => {
  const pgid = shell.pid as number;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  // Reaped by the time this resolves: none of them outlives the spec file.
  await waitGone([pgid], 10_000);
});

/** Counts turns of the event loop while `work` runs (an immediate that schedules itself again). */
async function turnsDuring<T>(work: () => Promise<T>): Promise<[T, number]> {
  let turns = 0;
  let done = false;
  const turn = (): void => {
    if (done) return;
    turns += 1;
    setImmediate(turn);
  };
  setImmediate(turn);
  const result = await work();
  done = true;
  return [result, turns];
}

// /proc is read synchronously, a slice at a time: between slices the event loop turns (a whole
// scan of a busy machine held the hub's thread for 0.6 s).
describe('the /proc reads of a spoke kill', () => {
  it('list the descendants of a process, letting the event loop turn between slices', async () => {
    const [found, turns] = await turnsDuring(() => descendantsOf(shell.pid as number));
    expect(found).toHaveLength(CROWD);
    expect(found.every(isRunning)).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(Math.floor(CROWD / READS_PER_SLICE));
  });

  it('wait for processes to be gone, letting the event loop turn between slices', async () => {
    const sleeps = await descendantsOf(shell.pid as number);
    // None goes: the whole list is read at the bound, and comes back.
    const [running, turns] = await turnsDuring(() => waitGone(sleeps, 0));
    expect(running).toEqual(sleeps);
    expect(turns).toBeGreaterThanOrEqual(Math.floor(CROWD / READS_PER_SLICE));
  });

  it('find nothing of a process that is gone', async () => {
    expect(await descendantsOf(2 ** 22 + 1)).toEqual([]);
    expect(await waitGone([2 ** 22 + 1], 1000)).toEqual([]);
  });
});
