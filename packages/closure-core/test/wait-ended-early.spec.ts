// While manage() waits for its spokes (none of the pool is there yet), an abort, the
// timeoutExecution deadline and a failed callback end the wait — the invocation ends as it would
// once running: every task dropped, the usual error. Until session 47 each waited out the whole
// timeoutWaitForSpokes (30 s by default: a Ctrl-C did nothing for 30 s), found by an exploratory
// tester. Here that wait is 10 minutes: the old code runs into each test's timeout.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SPMExecutionTimeout, SPMHubCallbackError, SPMManagerError, SPMTaskDropped } from '@spm/exceptions';
import { type StatusReport } from '@spm/closure-core';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { work } from './fixtures/closures.mjs';

let cloud: VirtualCloud;
beforeAll(async () => {
  cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'inproc', spokes: 1 } });
});
afterAll(async () => {
  await cloud.close();
});

/** A pool no spoke of the cloud is in: the wait for spokes lasts until something ends it. */
const nobody = () => cloud.pool.intraAll().withTags('no-such-tag');
const WAIT = after({ minutes: 10 });

describe('manage() waiting for spokes that are not there', () => {
  it('ends the wait on an abort: the tasks dropped, SPMManagerError, the tracker free again', async () => {
    const controller = new AbortController();
    const reports: StatusReport[] = [];
    const phases: string[] = [];
    const running = work.manage({
      pool: nobody(),
      tasks: [{ n: 1 }, { n: 2 }],
      timeoutWaitForSpokes: WAIT,
      signal: controller.signal,
      onStatus: (r) => void reports.push(r),
      onMetaStatus: (m) => {
        phases.push(m.phase);
        if (m.phase === 'waiting-for-spokes') setImmediate(() => controller.abort(new Error('Ctrl-C')));
      },
    });
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toMatch(/^`[^`]+` was aborted \(Ctrl-C\): /);
    expect(reports.map((r) => [r.taskId, r.error instanceof SPMTaskDropped])).toEqual([
      [0, true],
      [1, true],
    ]);
    // It never evaluated: no `eval` phase said.
    expect(phases).not.toContain('eval');
    expect(cloud.tracker.activeLease).toBeUndefined();
  });

  it('ends it at once for a signal already aborted', async () => {
    const error = await work.manage({ pool: nobody(), tasks: [{ n: 1 }], timeoutWaitForSpokes: WAIT, signal: AbortSignal.abort(new Error('before')) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMManagerError);
    expect((error as Error).message).toMatch(/was aborted \(before\)/);
  });

  it('ends it at timeoutExecution: SPMExecutionTimeout, as once running', async () => {
    const reports: StatusReport[] = [];
    const error = await work.manage({ pool: nobody(), tasks: [{ n: 1 }], timeoutWaitForSpokes: WAIT, timeoutExecution: 200, onStatus: (r) => void reports.push(r) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMExecutionTimeout);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.error).toBeInstanceOf(SPMTaskDropped);
  });

  it('ends it when a callback fails meanwhile (an onMetaStatus that throws): SPMHubCallbackError', async () => {
    const error = await work
      .manage({
        pool: nobody(),
        tasks: [{ n: 1 }],
        timeoutWaitForSpokes: WAIT,
        onMetaStatus: (m) => {
          if (m.phase === 'waiting-for-spokes') throw new Error('meta boom');
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMHubCallbackError);
    expect((error as Error).message).toMatch(/meta boom/);
    expect(cloud.tracker.activeLease).toBeUndefined();
  });
});
