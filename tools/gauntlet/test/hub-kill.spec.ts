// Nothing outlives its manager: a hub killed with SIGKILL takes its local spokes and their
// coprocesses with it (the spokes read end-of-file on their channel; the coprocesses' fork server
// (or watchdog) reads it on its lifeline), and a spoke killed mid-task takes its coprocess tree with it. The
// coprocess trees here ignore SIGTERM, so only the SIGKILL after the grace period ends them.
import { describe, it, expect, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StatusReport } from '@spm/closure-core';
import { commandLine, isAlive, liveDescendants, percentiles, RunJournal, checkJournal, testProcesses, waitFor, isCoprocessHelper, hubWatchdogs } from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';
import { after } from '@spm/typedef';
import { saveFigures, type ScenarioFigures } from '@spm/gauntlet';
import { windows } from './fixtures/gauntlet-closures.mjs';

const hubScript = fileURLToPath(new URL('./fixtures/hub-process.mjs', import.meta.url));
const figures: ScenarioFigures[] = [];

/** Live processes anywhere whose command line is `sleep 1000.<tag>` or runs it (the coprocess trees). */
function treeOf(tag: string): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && commandLine(pid).includes(`sleep 1000.${tag}`) && isAlive(pid));
}

/** Resolves with the ms from `t0` until every pid is dead (zombies count as dead), polled every 5 ms. */
async function goneAfter(pids: readonly number[], t0: number, boundMs: number, what: string): Promise<number> {
  await waitFor(() => pids.every((pid) => !isAlive(pid)), boundMs, what);
  return Date.now() - t0;
}

afterAll(() => {
  if (figures.length > 0) saveFigures('hub-kill', 'hub-kill.spec.ts', figures);
});

describe('a hub killed with SIGKILL', () => {
  it('takes its process spokes and their SIGTERM-ignoring coprocess trees with it, within a bound', async () => {
    const tag = String(randomInt(100_000, 1_000_000));
    const hub = spawn(process.execPath, [hubScript], { env: { ...process.env, GAUNTLET_TAG: tag }, stdio: ['ignore', 'pipe', 'inherit'] });
    const guard = setTimeout(() => hub.kill('SIGKILL'), 60_000);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        hub.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
        });
        hub.once('exit', (code, signal) => reject(new Error(`the hub exited early (${code ?? signal})`)));
      });
      const { spokes } = JSON.parse(line) as { spokes: number[] };
      expect(spokes).toHaveLength(2);
      // Each task's tree: its shell and two sleeps.
      await waitFor(() => treeOf(tag).length === 6, 10_000, 'both coprocess trees running');
      const tree = treeOf(tag);
      const t0 = Date.now();
      hub.kill('SIGKILL');
      const spokesMs = await goneAfter(spokes, t0, 10_000, 'the spokes to exit');
      const treesMs = await goneAfter(tree, t0, 10_000, 'the coprocess trees to be killed');
      process.stdout.write(`hub SIGKILL: spokes gone after ${spokesMs} ms, coprocess trees after ${treesMs} ms\n`);
      expect(treeOf(tag)).toEqual([]);
      figures.push({
        scenario: 'SIGKILL the hub while 2 process spokes run SIGTERM-ignoring coprocess trees',
        runs: 1,
        faults: 1,
        tasks: 2,
        lost: 0,
        duplicateReports: 0,
        duplicateExecutions: 0,
        recovery: percentiles([treesMs]),
        leftovers: [...spokes, ...tree].filter(isAlive).length,
        note: `recovery = hub killed → the last coprocess gone (the spokes exited after ${spokesMs} ms; the lifeline's SIGTERM — the coprocesses' fork server or watchdog sees its owner gone — is ignored, its SIGKILL follows the grace period); the hub's tasks die with it, so no report is expected`,
      });
    } finally {
      clearTimeout(guard);
      hub.kill('SIGKILL');
    }
  }, 60_000);
});

describe('a process spoke killed while its task runs a coprocess tree', () => {
  let cloud: VirtualCloud | undefined;

  afterAll(async () => {
    await cloud?.close();
  });

  it('takes the tree with it; the task runs again and reports once', async () => {
    const baseline = testProcesses();
    cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'process', spokes: 2 } });
    const tag = String(randomInt(100_000, 1_000_000));
    const journal = new RunJournal().watchClosure(windows).watchTracker(cloud.tracker);
    let firstTree: number[] = [];
    let killedAt = 0;
    const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
      if (e.attempt !== 1) return;
      const spoke = cloud?.tracker.snapshot(e.spokeId) as SpokeInfo;
      // Kill once its tree runs (a shell and two sleeps).
      void waitFor(() => treeOf(tag).length === 3, 10_000, 'the tree running').then(() => {
        firstTree = treeOf(tag);
        killedAt = Date.now();
        journal.kill(spoke, 'evaluating');
      }, () => undefined); // no tree, no kill: the assertions below say so
    };
    windows.on('started', onStarted);
    const reports: StatusReport[] = [];
    try {
      await windows.manage({
        pool: cloud.pool.intraAll(),
        // The retry's tree is cut by its own timeout, so the invocation ends.
        tasks: [{ nMin: 0, nMax: 0, mode: 'coprocess', tag, ms: 1500 }],
        onStatus: (r) => void reports.push(r),
        timeoutExecution: after({ seconds: 30 }),
      });
    } finally {
      windows.off('started', onStarted);
      journal.detach();
    }
    const treeMs = await goneAfter(firstTree, killedAt, 10_000, 'the killed attempt’s tree to be gone');
    const verdict = checkJournal(journal.entries, [0]);
    expect(firstTree).toHaveLength(3);
    expect(verdict).toMatchObject({ lost: [], duplicateReports: [], kills: 1, detected: 1, duplicateExecutions: 1 });
    expect(reports).toHaveLength(1);
    expect(reports[0]?.attempt).toBe(2);
    expect(reports[0]?.returnValue()).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    await waitFor(() => cloud?.spokes().every((s) => s.state === 'idle') === true, 20_000, 'spokes back');
    const spokePids = cloud.spokes().map((s) => s.pid as number);
    // A spoke that ran a coprocess keeps that thread's fork server (or watchdog) for a while:
    // part of the spoke, not of the task (docs/RELIABILITY.md, known behaviour).
    // And the hub keeps its untracked-programs watchdog while it has spokes.
    const watchdogs = [...spokePids.flatMap((pid) => liveDescendants(pid)).filter((pid) => isCoprocessHelper(pid)), ...hubWatchdogs()];
    const left = testProcesses().filter((pid) => !baseline.includes(pid) && !spokePids.includes(pid) && !watchdogs.includes(pid));
    expect(treeOf(tag)).toEqual([]);
    expect(left.map((pid) => `${pid}: ${commandLine(pid)}`)).toEqual([]);
    figures.push({
      scenario: 'SIGKILL a process spoke while its task runs a SIGTERM-ignoring coprocess tree',
      runs: 1,
      faults: 1,
      tasks: 1,
      lost: verdict.lost.length,
      duplicateReports: verdict.duplicateReports.length,
      duplicateExecutions: verdict.duplicateExecutions,
      detection: percentiles(verdict.detectionMs),
      recovery: percentiles([treeMs]),
      leftovers: left.length,
      note: 'recovery = spoke killed → the last process of its coprocess tree gone (the tree outlives its spoke by the lifeline’s grace period: the fork server, or the watchdog, sweeps when its owner is gone)',
    });
  }, 60_000);
});
