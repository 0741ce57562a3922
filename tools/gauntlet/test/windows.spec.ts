// Faults in each window of a task's life on a process spoke — before it is received, while it
// evaluates, after its evaluation and before its report, during the spoke's relaunch — and the
// stopped spoke (SIGSTOP past, and within, the heartbeat tolerance), the poison task and the
// spoke that dies at start-up. Each is journal-checked: one report per task, executions
// counted, the fault detected and recovered from, nothing left running.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePolicy, type ManageSummary, type Policy, type StatusReport } from '@spm/closure-core';
import { SPMManagerError, SPMTaskDropped } from '@spm/exceptions';
import { countPrimes } from '@spm/prime-count';
import { spokeEntry } from '@spm/spoke';
import {
  checkJournal,
  commandLine,
  isAlive,
  liveDescendants,
  percentiles,
  RunJournal,
  hubWatchdogs, testProcesses,
  waitFor,
  type JournalEntry,
  type JournalVerdict,
} from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';
import { after } from '@spm/typedef';
import { saveFigures, type ScenarioFigures } from '@spm/gauntlet';
import { windows, type WindowTask } from './fixtures/gauntlet-closures.mjs';

const HEARTBEAT_MS = 100;
const TOLERANCE = 5; // a spoke silent for 500 ms is lost
/** One task at a time per spoke, so a fault is charged to the task it hit and nothing else. */
const exact = definePolicy({ name: 'exact', prefetch: 0 });

/** Six buckets of primes; task `i` counts [i·10⁵, (i+1)·10⁵). */
function buckets(n = 6, extra: (i: number) => Partial<WindowTask> = () => ({})): WindowTask[] {
  return Array.from({ length: n }, (_, i) => ({ nMin: i * 100_000, nMax: (i + 1) * 100_000, ...extra(i) }));
}

interface WindowRun {
  readonly verdict: JournalVerdict;
  readonly summary: ManageSummary | undefined;
  readonly error: unknown;
  readonly reports: ReadonlyMap<number, StatusReport>;
  readonly journal: readonly JournalEntry[];
  readonly leftovers: number[];
}

describe('faults in each window of a task on process spokes', () => {
  let cloud: VirtualCloud;
  let baseline: number[];
  const figures: ScenarioFigures[] = [];

  beforeAll(async () => {
    baseline = testProcesses();
    cloud = await VirtualCloud.start({ hubHost: 'hub', heartbeatIntervalMs: HEARTBEAT_MS, heartbeatTolerance: TOLERANCE, local: { kind: 'process', spokes: 2 } });
  }, 60_000);

  afterAll(async () => {
    await cloud?.close();
    if (figures.length > 0) saveFigures('windows', 'windows.spec.ts', figures);
  }, 60_000);

  /**
   * Runs `tasks` with the journal attached; `inject` installs the fault (it receives the journal
   * to record and attach listeners to, and returns a cleanup). Waits for every spoke to be back
   * and counts what is left besides the spokes.
   */
  async function runWindow(
    scenario: string,
    tasks: WindowTask[],
    inject: (journal: RunJournal) => () => void,
    options: { policy?: Policy; note?: string; cloud?: VirtualCloud } = {},
  ): Promise<WindowRun> {
    const on = options.cloud ?? cloud;
    const journal = new RunJournal().watchClosure(windows).watchTracker(on.tracker);
    const cleanup = inject(journal);
    const reports = new Map<number, StatusReport>();
    let summary: ManageSummary | undefined;
    let error: unknown;
    try {
      summary = await windows.manage({
        pool: on.pool.intraAll(),
        tasks,
        policy: options.policy ?? exact,
        timeoutWaitForSpokes: after({ seconds: 30 }),
        timeoutExecution: after({ seconds: 60 }),
        onStatus: (report) => void reports.set(Number(report.taskId), report),
      });
    } catch (caught) {
      error = caught;
    } finally {
      cleanup();
    }
    await waitFor(() => on.spokes().every((s) => s.state === 'idle' || s.state === 'failed'), 30_000, 'every spoke back (or failed for good)');
    journal.detach();
    const verdict = checkJournal(journal.entries, tasks.keys());
    const spokePids = [...cloud.spokes(), ...on.spokes()].map((s) => s.pid);
    // The hub's untracked-programs watchdog is part of the hub while it has spokes.
    const hub = hubWatchdogs();
    const leftovers = testProcesses().filter((pid) => !baseline.includes(pid) && !spokePids.includes(pid) && !hub.includes(pid));
    figures.push({
      scenario,
      runs: 1,
      faults: verdict.kills,
      tasks: verdict.tasks,
      lost: verdict.lost.length,
      duplicateReports: verdict.duplicateReports.length,
      duplicateExecutions: verdict.duplicateExecutions,
      detection: percentiles(verdict.detectionMs),
      recovery: percentiles(verdict.recoveryMs),
      leftovers: leftovers.length,
      ...(options.note !== undefined ? { note: options.note } : {}),
    });
    process.stdout.write(`${scenario}: detection ${verdict.detectionMs.join('/')} ms, recovery ${verdict.recoveryMs.join('/')} ms, executions ${verdict.executions}\n`);
    return { verdict, summary, error, reports, journal: journal.entries, leftovers };
  }

  /** Attempts of `taskId` that went online, from the journal. */
  const startedAttempts = (journal: readonly JournalEntry[], taskId: number): number[] =>
    journal.flatMap((e) => (e.kind === 'started' && e.taskId === taskId ? [e.attempt] : []));

  /** Every task reported once, with the right count. */
  function expectAllCounted(run: WindowRun, tasks: WindowTask[]): void {
    expect(run.verdict.lost).toEqual([]);
    expect(run.verdict.duplicateReports).toEqual([]);
    expect(run.verdict.reportsPerTask).toEqual({ 1: tasks.length });
    tasks.forEach((task, i) => expect(run.reports.get(i)?.returnValue()).toBe(countPrimes(task.nMin, task.nMax)));
    expect(run.leftovers).toEqual([]);
  }

  function spokeOf(id: string): SpokeInfo {
    const spoke = cloud.tracker.snapshot(id);
    if (spoke === undefined) throw new Error(`no spoke ${id}`);
    return spoke;
  }

  it('SIGKILL before the task is received: dispatched again, never started on the killed spoke', async () => {
    const tasks = buckets(6, () => ({ ms: 50 }));
    const run = await runWindow('SIGKILL a spoke the moment a task is sent to it (before it is received)', tasks, (journal) => {
      const onDispatch = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
        if (e.taskId === 2 && e.attempt === 1) journal.kill(spokeOf(e.spokeId), 'before-receive');
      };
      windows.on('dispatch', onDispatch);
      return () => windows.off('dispatch', onDispatch);
    });
    expectAllCounted(run, tasks);
    expect(startedAttempts(run.journal, 2)).toEqual([2]);
    expect(run.reports.get(2)?.attempt).toBe(2);
    expect(run.verdict).toMatchObject({ kills: 1, detected: 1, recovered: 1, duplicateExecutions: 0 });
  });

  it('SIGKILL while evaluating: dispatched again; the execution is counted twice', async () => {
    const tasks = buckets(6, (i) => ({ ms: i === 2 ? 400 : 50 }));
    const run = await runWindow('SIGKILL a spoke while it evaluates a task', tasks, (journal) => {
      const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
        if (e.taskId === 2 && e.attempt === 1) journal.kill(spokeOf(e.spokeId), 'evaluating');
      };
      windows.on('started', onStarted);
      return () => windows.off('started', onStarted);
    });
    expectAllCounted(run, tasks);
    expect(startedAttempts(run.journal, 2)).toEqual([1, 2]);
    expect(run.verdict).toMatchObject({ kills: 1, detected: 1, recovered: 1, duplicateExecutions: 1, reexecutedTasks: [2] });
  });

  it('SIGKILL after the evaluation, before its report: the finished work is done again and counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gauntlet-window-'));
    try {
      const tasks = buckets(6, (i) => (i === 2 ? { mode: 'hold-after-eval', dir } : { ms: 50 }));
      const run = await runWindow('SIGKILL a spoke after its evaluation finished, before the report is sent', tasks, (journal) => {
        // The task writes its count when its evaluation is over, then holds its report back.
        let holder: string | undefined;
        const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
          if (e.taskId === 2 && e.attempt === 1) holder = e.spokeId;
        };
        windows.on('started', onStarted);
        const poll = setInterval(() => {
          if (holder !== undefined && existsSync(join(dir, '2.done'))) {
            clearInterval(poll);
            journal.kill(spokeOf(holder), 'after-eval');
          }
        }, 5);
        return () => {
          clearInterval(poll);
          windows.off('started', onStarted);
        };
      });
      expectAllCounted(run, tasks);
      // The first evaluation did finish — its count is on disk — and yet it was never reported.
      expect(Number(readFileSync(join(dir, '2.done'), 'utf8'))).toBe(countPrimes(200_000, 300_000));
      expect(startedAttempts(run.journal, 2)).toEqual([1, 2]);
      expect(run.reports.get(2)?.attempt).toBe(2);
      expect(run.verdict).toMatchObject({ kills: 1, detected: 1, recovered: 1, duplicateExecutions: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGKILL during the relaunch (the new incarnation before it greets the hub): started again within the budget', async () => {
    const tasks = buckets(6, (i) => ({ ms: i === 2 ? 400 : 50 }));
    const entry = spokeEntry('process');
    let relaunchKilled = 0;
    const run = await runWindow(
      'SIGKILL a spoke while it evaluates, then its replacement while it starts',
      tasks,
      (journal) => {
        let poll: ReturnType<typeof setInterval> | undefined;
        const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
          if (e.taskId !== 2 || e.attempt !== 1) return;
          const victim = spokeOf(e.spokeId);
          const known = new Set(cloud.spokes().map((s) => s.pid));
          journal.kill(victim, 'evaluating');
          // The replacement is a new child process running the spoke entry; kill it before it says hello.
          poll = setInterval(() => {
            const starting = liveDescendants().find((pid) => !known.has(pid) && commandLine(pid).includes(entry));
            if (starting === undefined || cloud.tracker.snapshot(victim.id)?.state !== 'starting') return;
            clearInterval(poll);
            if (journal.kill({ id: victim.id, incarnation: victim.incarnation, pid: starting }, 'during-relaunch')) relaunchKilled += 1;
          }, 2);
        };
        windows.on('started', onStarted);
        return () => {
          clearInterval(poll);
          windows.off('started', onStarted);
        };
      },
      { note: 'a kill during relaunch hits a process that never joined: nothing to detect; its recovery is to the incarnation that finally greets the hub' },
    );
    expectAllCounted(run, tasks);
    expect(relaunchKilled).toBe(1);
    expect(run.verdict.kills).toBe(2);
    expect(run.verdict.detected).toBe(1); // the replacement never joined, so it is never "lost"
    expect(run.verdict.recovered).toBe(2);
    const victim = run.journal.find((e) => e.kind === 'kill') as Extract<JournalEntry, { kind: 'kill' }>;
    // Exactly one incarnation came after the one killed: the killed replacement never counted.
    expect(cloud.tracker.snapshot(victim.spokeId)?.incarnation).toBe(victim.incarnation + 1);
  });

  it('SIGSTOP past the heartbeat tolerance, then SIGCONT: declared lost and killed, its task run again, no late report', async () => {
    const tasks = buckets(4, (i) => ({ ms: i === 1 ? 1500 : 50 }));
    let stopped: SpokeInfo | undefined;
    let lostReason = '';
    let aliveAtCont: boolean | undefined;
    const run = await runWindow(
      `SIGSTOP a spoke while it evaluates, longer than the heartbeat tolerance (${HEARTBEAT_MS * TOLERANCE} ms), then SIGCONT`,
      tasks,
      (journal) => {
        const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
          if (e.taskId !== 1 || e.attempt !== 1) return;
          stopped = spokeOf(e.spokeId);
          journal.kill(stopped, 'evaluating', 'SIGSTOP');
        };
        const onLost = (spoke: SpokeInfo, reason: { reason: string }): void => {
          if (spoke.id !== stopped?.id || spoke.incarnation !== stopped.incarnation) return;
          lostReason = reason.reason;
          // Give it the time its evaluation needed, then wake it as an operator would.
          const pid = stopped.pid as number;
          setTimeout(() => {
            aliveAtCont = isAlive(pid);
            try {
              process.kill(pid, 'SIGCONT');
            } catch {
              // already gone: the tracker killed it when it declared it lost
            }
          }, 1600);
        };
        windows.on('started', onStarted);
        cloud.tracker.on('spoke-lost', onLost);
        return () => {
          windows.off('started', onStarted);
          cloud.tracker.off('spoke-lost', onLost);
        };
      },
      { note: 'the tracker SIGKILLs a spoke it declares lost, so the stopped process is dead before SIGCONT and never sends its late report' },
    );
    await waitFor(() => aliveAtCont !== undefined, 10_000, 'the SIGCONT');
    expectAllCounted(run, tasks);
    expect(lostReason).toMatch(/missed heartbeats/);
    expect(aliveAtCont).toBe(false);
    expect(startedAttempts(run.journal, 1)).toEqual([1, 2]);
    expect(run.verdict).toMatchObject({ kills: 1, detected: 1, recovered: 1, duplicateExecutions: 1, lateReports: 0 });
    expect(run.summary?.duplicates).toBe(0);
    expect(run.verdict.detectionMs[0]).toBeGreaterThan(HEARTBEAT_MS * TOLERANCE);
  });

  it('SIGSTOP within the heartbeat tolerance, then SIGCONT: not a loss; the task finishes on its first attempt', async () => {
    const tasks = buckets(4, (i) => ({ ms: i === 1 ? 300 : 50 }));
    const run = await runWindow(`SIGSTOP a spoke for 100 ms (within the ${HEARTBEAT_MS * TOLERANCE} ms tolerance), then SIGCONT`, tasks, (journal) => {
      const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
        if (e.taskId !== 1 || e.attempt !== 1) return;
        const spoke = spokeOf(e.spokeId);
        journal.kill(spoke, 'evaluating', 'SIGSTOP');
        setTimeout(() => process.kill(spoke.pid as number, 'SIGCONT'), 100);
      };
      windows.on('started', onStarted);
      return () => windows.off('started', onStarted);
    });
    expectAllCounted(run, tasks);
    expect(run.reports.get(1)?.attempt).toBe(1);
    expect(run.verdict).toMatchObject({ kills: 1, detected: 0, retries: 0, duplicateExecutions: 0 });
  });

  it('a poison task that kills its spoke every time is reported SPMTaskDropped after the retry budget; the others succeed', async () => {
    const tasks = buckets(5, (i) => (i === 3 ? { mode: 'die-always', ms: 100 } : { ms: 50 }));
    const run = await runWindow('a poison task that SIGKILLs its spoke on every attempt (policy: 2 retries)', tasks, () => () => undefined, {
      note: 'the poison task kills its own spoke: no fault is injected from outside, so no detection or recovery is timed',
    });
    expect(run.verdict.lost).toEqual([]);
    expect(run.verdict.duplicateReports).toEqual([]);
    const poison = run.reports.get(3);
    expect(poison?.error).toBeInstanceOf(SPMTaskDropped);
    expect(poison?.error?.message).toMatch(/after 2 retries \(policy exact\)/);
    expect(startedAttempts(run.journal, 3)).toEqual([1, 2, 3]);
    expect(run.verdict.duplicateExecutions).toBe(2);
    for (const i of [0, 1, 2, 4]) expect(run.reports.get(i)?.returnValue()).toBe(countPrimes(i * 100_000, (i + 1) * 100_000));
    expect(run.leftovers).toEqual([]);
  });

  it('a spoke that dies at start-up after a loss: the relaunch budget stops the loop with a clear error, every task still reported once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gauntlet-crashloop-'));
    const flag = join(dir, 'die');
    // Every incarnation started once the flag exists exits before greeting the hub.
    const dieAtStart = `data:text/javascript,import { existsSync } from 'node:fs'; if (existsSync(${JSON.stringify(flag)})) process.exit(3);`;
    const loopCloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'process', spokes: 1, relaunchBudget: 2, execArgv: ['--import', dieAtStart] } });
    const failures: string[] = [];
    loopCloud.tracker.on('spoke-failed', (_spoke, error) => failures.push(error.message));
    try {
      const tasks = buckets(4, () => ({ ms: 200 }));
      const run = await runWindow(
        'SIGKILL the only spoke, whose relaunches then die at start-up (relaunch budget 2)',
        tasks,
        (journal) => {
          const onStarted = (e: { taskId: unknown; attempt: number; spokeId: string }): void => {
            if (e.taskId !== 0 || e.attempt !== 1) return;
            writeFileSync(flag, '');
            journal.kill(loopCloud.tracker.snapshot(e.spokeId) as SpokeInfo, 'evaluating');
          };
          windows.on('started', onStarted);
          return () => windows.off('started', onStarted);
        },
        { cloud: loopCloud, note: 'no recovery: the budget gives the spoke up (failed), by design' },
      );
      expect(run.error).toBeInstanceOf(SPMManagerError);
      expect((run.error as Error).message).toMatch(/Every spoke of the lease \(local:1\) was lost or failed and none is coming back/);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(/Spoke `local:1` was relaunched 2 times within 60000 ms and keeps dying: giving up \(relaunchBudget 2\); last start failed: /);
      expect(loopCloud.tracker.snapshot('local:1')?.state).toBe('failed');
      expect(run.verdict.lost).toEqual([]);
      expect(run.verdict.duplicateReports).toEqual([]);
      expect([...run.reports.values()].every((r) => r.error instanceof SPMTaskDropped)).toBe(true);
      expect(run.verdict.detected).toBe(1);
      expect(run.verdict.recovered).toBe(0);
      expect(run.leftovers).toEqual([]);
    } finally {
      await loopCloud.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

