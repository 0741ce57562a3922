import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { SPMManagerError, SPMTaskDropped, SPMTaskTimeout } from '@spm/exceptions';
import { definePolicy, type MetaStatus, type StatusReport } from '@spm/closure-core';
import { waitFor } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { work } from './fixtures/closures.mjs';

// The spm-spoke bin, started as a user (or systemd) would start it on another host.
const SPM_SPOKE = createRequire(import.meta.url).resolve('@spm/spoke/package.json').replace(/package\.json$/, 'dist/bin/spm-spoke.js');

/** One `spm-spoke`, restarted 300 ms after each exit while `restart` holds (as systemd's `Restart=always` would). */
class SupervisedSpoke {
  restart: boolean;
  #child: ChildProcess | undefined;
  readonly #start: () => ChildProcess;

  constructor(url: string, secret: string, id: string | undefined, restart: boolean) {
    this.restart = restart;
    const env = { ...process.env, SPM_SECRET: secret, ...(id !== undefined ? { SPM_SPOKE_ID: id } : {}) };
    if (id === undefined) delete env['SPM_SPOKE_ID'];
    this.#start = () => spawn(process.execPath, [SPM_SPOKE, '--hub', url], { env, stdio: ['ignore', 'ignore', 'ignore'] });
    this.#run();
  }

  #run(): void {
    const child = this.#start();
    this.#child = child;
    child.once('exit', () => {
      if (this.restart) setTimeout(() => this.restart && this.#child === child && this.#run(), 300);
    });
  }

  /** Stops restarting it and kills the one running; resolves when it has exited. */
  async stop(): Promise<void> {
    this.restart = false;
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

const byTask = (reports: readonly StatusReport[]): Map<unknown, StatusReport> => new Map(reports.map((r) => [r.taskId, r]));

// Every TCP spoke of a lease down at the same moment is not starvation: a joined spoke is
// restarted by whoever started it and rejoins, a new one may join. The manager used to drop the
// remaining tasks ~1 ms after the last one went down ("no spoke is left to run it", 3 of 3 runs).
describe('a lease whose every joined spoke is down at once', () => {
  let cloud: VirtualCloud | undefined;
  const spokes: SupervisedSpoke[] = [];

  async function start(id: string | undefined, restart: boolean): Promise<VirtualCloud> {
    const secret = randomBytes(24).toString('hex');
    cloud = await VirtualCloud.start({ hubHost: 'hub', join: { secret, log: () => undefined } });
    spokes.push(new SupervisedSpoke(cloud.joinUrl, secret, id, restart));
    const started = cloud;
    await waitFor(() => started.spokes().some((s) => s.state === 'idle'), 20_000, 'the tcp spoke joined');
    return started;
  }

  afterEach(async () => {
    await cloud?.close();
    cloud = undefined;
    await Promise.all(spokes.splice(0).map((s) => s.stop()));
  });

  it('waits for the spoke killed after a task timeout to rejoin, and runs the queued tasks there', async () => {
    const c = await start('worker-a', true);
    const reports: StatusReport[] = [];
    const phases: MetaStatus['phase'][] = [];
    const summary = await work.manage({
      pool: c.pool.inter(),
      tasks: [{ n: 0, ms: 20_000, spm: { meta: { timeout: after({ ms: 500 }) } } }, { n: 1 }, { n: 2 }, { n: 3 }],
      onStatus: (r) => void reports.push(r),
      onMetaStatus: (status) => void phases.push(status.phase),
      timeoutWaitForSpokes: after({ seconds: 20 }),
    });
    const reported = byTask(reports);
    expect(reported.get(0)?.error).toBeInstanceOf(SPMTaskTimeout);
    for (const n of [1, 2, 3]) expect(reported.get(n)).toMatchObject({ ok: true, value: n * n, spokeId: 'worker-a' });
    expect(summary).toMatchObject({ reports: 4, ok: 3, failed: 1 });
    // It said it waited for spokes, then went on.
    expect(phases).toEqual(['waiting-for-spokes', 'eval', 'waiting-for-spokes', 'eval', 'eval-done']);
    expect(c.tracker.snapshot('worker-a')?.incarnation).toBe(2);
  });

  it('runs a relaunchPre task on the joined spoke’s next incarnation, killing it once', async () => {
    // The hub cannot relaunch a joined spoke: killed for the task, it is lost until its restart
    // rejoins. The task waits for it, and is not taken for one still to relaunch (a kill each time).
    const c = await start('worker-c', true);
    const reports: StatusReport[] = [];
    await work.manage({
      pool: c.pool.inter(),
      tasks: [{ n: 1, spm: { core: { relaunchPre: true } } }, { n: 2 }],
      onStatus: (r) => void reports.push(r),
      timeoutWaitForSpokes: after({ seconds: 20 }),
    });
    const reported = byTask(reports);
    expect(reported.get(0)).toMatchObject({ ok: true, value: 1, attempt: 1, spokeId: 'worker-c' });
    expect(reported.get(1)).toMatchObject({ ok: true, value: 4 });
    expect(c.tracker.snapshot('worker-c')?.incarnation).toBe(2);
  });

  it('retries the task of an unnamed spoke SIGKILLed mid-task on the spoke that joins next', async () => {
    const c = await start(undefined, true);
    const reports: StatusReport[] = [];
    const summary = await work.manage({
      pool: c.pool.inter(),
      tasks: [{ n: 4, mode: 'kill-first' }, { n: 5 }],
      onStatus: (r) => void reports.push(r),
      policy: definePolicy({ name: 'exact', prefetch: 0 }),
      timeoutWaitForSpokes: after({ seconds: 20 }),
    });
    const reported = byTask(reports);
    // `join:1` never comes back under its id: its restart joins as `join:2`.
    expect(reported.get(0)).toMatchObject({ ok: true, value: 16, attempt: 2, spokeId: 'join:2' });
    expect(reported.get(1)).toMatchObject({ ok: true, value: 25 });
    expect(summary).toMatchObject({ reports: 2, ok: 2, retries: 1 });
  });

  it('drops the tasks when no spoke comes back within timeoutWaitForSpokes, saying the evaluating one was lost', async () => {
    const c = await start('worker-b', false);
    const reports: StatusReport[] = [];
    const error = await work
      .manage({
        pool: c.pool.inter(),
        tasks: [{ n: 6, mode: 'kill-first' }, { n: 7 }],
        onStatus: (r) => void reports.push(r),
        policy: definePolicy({ name: 'exact', prefetch: 0 }),
        timeoutWaitForSpokes: after({ ms: 1500 }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toBe(
      'Every spoke of the lease (worker-b) was lost and none came back within 1500 ms (timeoutWaitForSpokes), though joined spokes may rejoin and new ones join: unfinished tasks are dropped',
    );
    const reported = byTask(reports);
    const lost = reported.get(0);
    // Its real cause first, with the spoke it was lost on (it read "no spoke is left to run it", spokeId undefined).
    expect(lost?.error).toBeInstanceOf(SPMTaskDropped);
    expect(lost?.error).toMatchObject({ taskId: 0, attempt: 1, spokeId: 'worker-b' });
    expect(lost?.spokeId).toBe('worker-b');
    expect(lost?.error?.message).toMatch(/^Task 0 was dropped: spoke worker-b was lost while evaluating it \(.+\), and no spoke came back within 1500 ms \(timeoutWaitForSpokes\) to run it again$/);
    expect(reported.get(1)?.error?.message).toBe('Task 1 was dropped: no spoke came back within 1500 ms (timeoutWaitForSpokes) to run it');
    expect(reported.get(1)?.spokeId).toBeUndefined();
  });
});

// Local spokes come back only through the tracker's relaunch: lost for good, the run ends at once.
describe('a lease whose every local spoke is lost for good', () => {
  it('drops the tasks at once, the evaluating one saying its spoke was lost', async () => {
    const cloud = await VirtualCloud.start({ hubHost: 'hub', autoRelaunch: false, local: { kind: 'process', spokes: 1 } });
    try {
      const reports: StatusReport[] = [];
      const error = await work
        .manage({
          pool: cloud.pool.inter(),
          tasks: [{ n: 8, mode: 'kill-first' }, { n: 9 }],
          onStatus: (r) => void reports.push(r),
          policy: definePolicy({ name: 'exact', prefetch: 0 }),
          // Not waited for: nothing can come (a wait would take this whole minute).
          timeoutWaitForSpokes: after({ seconds: 60 }),
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SPMManagerError);
      expect((error as Error).message).toBe('Every spoke of the lease (local:1) was lost or failed and none is coming back: unfinished tasks are dropped');
      const reported = byTask(reports);
      expect(reported.get(0)?.error).toMatchObject({ taskId: 0, spokeId: 'local:1' });
      expect(reported.get(0)?.spokeId).toBe('local:1');
      expect(reported.get(0)?.error?.message).toMatch(/^Task 0 was dropped: spoke local:1 was lost while evaluating it \(.+\), and no spoke is left to run it again$/);
      expect(reported.get(1)?.error?.message).toBe('Task 1 was dropped: no spoke is left to run it');
    } finally {
      await cloud.close();
    }
  });
});
