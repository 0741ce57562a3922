import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomInt } from 'node:crypto';
import {
  SPMError,
  SPMTaskDropped,
  SPMTaskEval,
  SPMTaskTimeout,
  SPMTypedefError,
} from '@spm/exceptions';
import { formatMetaStatus, type StatusReport } from '@spm/closure-core';
import { expectSequencePoint, liveDescendants, processesWithArg, waitFor } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { list } from '@spm/closure-coarse';
import { after, tie, type TaskSchema } from '@spm/typedef';
import { applyAny, primeCount, shellList } from './fixtures/lists.mjs';
import { ctRange } from './fixtures/serial.mjs';

/** Odd primes below `n` by a sieve: what the seed's ctRange buckets must add up to. */
function oddPrimesBelow(n: number): number {
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i += 1) {
    if (composite[i]) continue;
    if (i % 2 === 1) count += 1;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

/** A `sleep` argument no other process on the machine has: `30.<6 digits>` seconds. */
const sleepMark = (): string =>
  `30.${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;

type ShellResult = {
  stdOut: string;
  stdErr: string;
  stdOutErr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
};

// One suite, two transports: the serial mode (spokes in this thread) and real processes.
describe.each(['inproc', 'process'] as const)(
  'list closures on %s spokes',
  (kind) => {
    let cloud: VirtualCloud;
    let baseline: number[];

    beforeAll(async () => {
      baseline = liveDescendants();
      cloud = await VirtualCloud.start({
        hubHost: 'hub',
        local: { kind, spokes: 2 },
      });
    });

    afterAll(async () => {
      await cloud.close();
    });

    describe('pinterp (seed Figs. 14–16)', () => {
      it('counts primes in buckets on spokes; the buckets add up to a sieve’s count', async () => {
        const nMax = 30_011;
        const nBuckets = 7;
        const tasks = Array.from({ length: nBuckets }, (_, ct) => {
          const lo = 2 + Math.floor((ct * (nMax - 2)) / nBuckets);
          const hi =
            ct === nBuckets - 1
              ? nMax
              : 2 + Math.floor(((ct + 1) * (nMax - 2)) / nBuckets);
          return {
            nMin: lo,
            nMax: hi,
            spm: { meta: { timeout: after({ seconds: 20 }) } },
          };
        });
        const reports: StatusReport<number>[] = [];
        const lines: string[] = [];
        let nprimes = 0;
        const summary = await primeCount.manage({
          pool: cloud.pool.intraAll(),
          tasks,
          onStatus: (report) => {
            reports.push(report);
            nprimes += report.returnValue();
          },
          onMetaStatus: (status) => lines.push(formatMetaStatus(status)),
          timeoutWaitForSpokes: after({ seconds: 10 }),
          timeoutExecution: after({ seconds: 60 }),
        });
        expect(primeCount.family).toBe('list');
        expect(summary).toMatchObject({
          reports: nBuckets,
          ok: nBuckets,
          failed: 0,
        });
        expect(nprimes).toBe(oddPrimesBelow(nMax));
        // Each bucket is the serial function's answer (serial parity), whichever spoke ran it.
        for (const report of reports) {
          const task = tasks[report.taskId as number] as {
            nMin: number;
            nMax: number;
          };
          expect(report).toMatchObject({
            ok: true,
            attempt: 1,
            host: 'hub',
            value: ctRange(task.nMin, task.nMax),
          });
        }
        expect(lines).toEqual([
          '#: MetaStatus (hub): Waiting - ForSpokes [ for up to 10 secs ]',
          '#: MetaStatus (hub): Tasks - Eval',
          '#: MetaStatus (hub): Tasks - EvalDone',
        ]);
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });
    });

    describe('papply (seed Figs. 11–13)', () => {
      it('runs coprocess.shell.policyA per task; the status callback reads stdOut through tie() as in the seed', async () => {
        const seen: {
          taskId: unknown;
          stdOut?: string;
          stdErr?: string;
          hasStdOut: boolean;
        }[] = [];
        await shellList.manage({
          pool: cloud.pool.intraAll(),
          tasks: ['alpha', 'beta', 'gamma'].map((word) => ({
            spm: {
              meta: {
                label: '***',
                api: 'coprocess.shell.policyA',
                apiArgs: { cmd: `echo out-${word}; echo err-${word} >&2` },
                timeout: after({ seconds: 20 }),
              },
            },
          })),
          onStatus: (report) => {
            // Seed Fig. 13, `__taskStat`: hdl = pc.stage1.payload.tie(); returnValue.Has('stdOut') …
            const hdl = tie(
              shellList.schema as TaskSchema,
              report.record as Record<string, unknown>,
            ) as unknown as {
              spm: {
                stat: {
                  returnValue: {
                    Has(attr: string): boolean;
                    stdOut: string;
                    stdErr: string;
                  };
                };
              };
            };
            const returnValue = hdl.spm.stat.returnValue;
            seen.push({
              taskId: report.taskId,
              hasStdOut: returnValue.Has('stdOut'),
              ...(returnValue.Has('stdOut')
                ? { stdOut: returnValue.stdOut }
                : {}),
              ...(returnValue.Has('stdErr')
                ? { stdErr: returnValue.stdErr }
                : {}),
            });
          },
        });
        expect(
          seen.sort((a, b) => Number(a.taskId) - Number(b.taskId)),
        ).toEqual([
          {
            taskId: 0,
            hasStdOut: true,
            stdOut: 'out-alpha\n',
            stdErr: 'err-alpha\n',
          },
          {
            taskId: 1,
            hasStdOut: true,
            stdOut: 'out-beta\n',
            stdErr: 'err-beta\n',
          },
          {
            taskId: 2,
            hasStdOut: true,
            stdOut: 'out-gamma\n',
            stdErr: 'err-gamma\n',
          },
        ]);
        await expectSequencePoint(cloud, baseline, () => seen.length);
      });

      it('returns a failing exit code as data, not as an exception', async () => {
        const reports: StatusReport[] = [];
        await shellList.manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            {
              spm: {
                meta: {
                  label: 'fails',
                  api: 'coprocess.shell.policyA',
                  apiArgs: { cmd: 'echo nope >&2; exit 3' },
                  timeout: after({ seconds: 20 }),
                },
              },
            },
          ],
          onStatus: (r) => void reports.push(r),
        });
        expect(reports).toHaveLength(1);
        expect(reports[0]).toMatchObject({ ok: true, taskId: 0, attempt: 1 });
        expect(reports[0]?.returnValue()).toMatchObject({
          exitCode: 3,
          signal: null,
          timedOut: false,
          stdOut: '',
          stdErr: 'nope\n',
          stdOutErr: 'nope\n',
        });
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });

      it('kills a command past its own apiArgs.timeout (timedOut is data) and leaves no sleep behind', async () => {
        const mark = sleepMark();
        const reports: StatusReport[] = [];
        await shellList.manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            {
              spm: {
                meta: {
                  label: 'slow',
                  api: 'coprocess.shell.policyA',
                  apiArgs: {
                    cmd: `sleep ${mark}`,
                    timeout: after({ ms: 300 }),
                  },
                  timeout: after({ seconds: 20 }),
                },
              },
            },
          ],
          onStatus: (r) => void reports.push(r),
        });
        const result = reports[0]?.returnValue() as ShellResult;
        expect(reports[0]).toMatchObject({ ok: true, attempt: 1 });
        expect(result).toMatchObject({ timedOut: true, exitCode: null });
        expect(['SIGTERM', 'SIGKILL']).toContain(result.signal);
        expect(processesWithArg(mark)).toEqual([]);
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });

      it('under the task’s spm.meta.timeout alone: SPMTaskTimeout, the spoke relaunched, no sleep left', async () => {
        const mark = sleepMark();
        const reports: StatusReport[] = [];
        const before = new Map(
          cloud.spokes().map((s) => [s.id, s.incarnation]),
        );
        await shellList.manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            {
              spm: {
                meta: {
                  label: 'stuck',
                  api: 'coprocess.shell.policyA',
                  apiArgs: { cmd: `sleep ${mark}` },
                  timeout: after({ ms: 400 }),
                },
              },
            },
            {
              spm: {
                meta: {
                  label: 'fine',
                  api: 'coprocess.shell.policyA',
                  apiArgs: { cmd: 'echo fine' },
                  timeout: after({ seconds: 20 }),
                },
              },
            },
          ],
          onStatus: (r) => void reports.push(r),
        });
        const stuck = reports.find((r) => r.taskId === 0) as StatusReport;
        expect(stuck.error).toBeInstanceOf(SPMTaskTimeout);
        expect(stuck.error).toMatchObject({
          code: 'SPM_TASK_TIMEOUT',
          taskId: 0,
          attempt: 1,
          spokeId: stuck.spokeId,
        });
        expect(() => stuck.returnValue()).toThrow(SPMTaskDropped);
        expect(
          reports.find((r) => r.taskId === 1)?.returnValue(),
        ).toMatchObject({ stdOut: 'fine\n', exitCode: 0 });
        const victim = stuck.spokeId as string;
        // The sleep was killed with its task (else it would live 30 s), but the spoke's kill
        // (process spokes: SIGKILL of its tree; inproc: the aborted signal) does not wait for
        // the coprocess to finish exiting: manage() can settle a few ms before it is gone
        // (measured 1–13 ms). A tracker/spoke gap, reported; bounded here, not hidden.
        await waitFor(() => processesWithArg(mark).length === 0, 2_000, 'the killed sleep to exit');
        await waitFor(
          () =>
            (cloud.tracker.snapshot(victim)?.incarnation ?? 0) >
            (before.get(victim) as number),
          10_000,
          'the killed spoke relaunched',
        );
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });

      it('fails a task naming an unknown API method with SPMTaskEval; the other tasks run', async () => {
        const reports: StatusReport[] = [];
        const summary = await shellList.manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            {
              spm: {
                meta: {
                  label: 'typo',
                  api: 'coprocess.shell.policyZ',
                  apiArgs: { cmd: 'true' },
                  timeout: after({ seconds: 20 }),
                },
              },
            },
            {
              spm: {
                meta: {
                  label: 'ok',
                  api: 'coprocess.shell.policyA',
                  apiArgs: { cmd: 'echo ok' },
                  timeout: after({ seconds: 20 }),
                },
              },
            },
          ],
          onStatus: (r) => void reports.push(r),
        });
        expect(summary).toMatchObject({ reports: 2, ok: 1, failed: 1 });
        const typo = reports.find((r) => r.taskId === 0) as StatusReport;
        expect(typo.error).toBeInstanceOf(SPMTaskEval);
        expect(typo.error).toMatchObject({
          code: 'SPM_TASK_EVAL',
          taskId: 0,
          attempt: 1,
          spokeId: typo.spokeId,
          host: 'hub',
        });
        expect(typo.error?.remote?.name).toBe('SPMError');
        expect(typo.error?.message).toMatch(
          /^Task 0 threw on spoke local:\d: SPMError: Unknown API method `coprocess\.shell\.policyZ`: none is registered under that name on spoke local:\d \(known: coprocess\.shell\.policyA, test\.describe\)/,
        );
        expect(
          (typo.record as { spm: { stat: { exception: string } } }).spm.stat
            .exception,
        ).toBe(typo.error?.message);
        expect(
          reports.find((r) => r.taskId === 1)?.returnValue(),
        ).toMatchObject({ stdOut: 'ok\n' });
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });

      it('applies a user-registered API method with its apiArgs, the task timeout and the spoke context', async () => {
        const reports: StatusReport[] = [];
        await applyAny.manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            {
              spm: {
                meta: {
                  api: 'test.describe',
                  apiArgs: { x: 1, words: ['a', 'b'] },
                  timeout: after({ seconds: 7 }),
                  label: 'mine',
                },
              },
            },
            {
              spm: {
                meta: { api: 'test.describe', apiArgs: { fail: 'no good' } },
              },
            },
          ],
          onStatus: (r) => void reports.push(r),
        });
        const ok = reports.find((r) => r.taskId === 0) as StatusReport;
        expect(ok.returnValue()).toEqual({
          apiArgs: { x: 1, words: ['a', 'b'] },
          api: 'test.describe',
          taskTimeoutMs: 7000,
          taskId: 0,
          spokeId: ok.spokeId,
          label: 'mine',
          aborted: false,
        });
        const failed = reports.find((r) => r.taskId === 1) as StatusReport;
        expect(failed.error).toBeInstanceOf(SPMTaskEval);
        expect(failed.error).toMatchObject({
          code: 'SPM_TASK_EVAL',
          taskId: 1,
          attempt: 1,
        });
        expect(failed.error?.remote).toMatchObject({
          name: 'TypeError',
          message: 'no good',
        });
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });

      it('fails a policyA task with no timeout anywhere (SPMTaskEval), and one with arguments it does not take', async () => {
        const reports: StatusReport[] = [];
        await applyAny.manage({
          pool: cloud.pool.intraAll(),
          tasks: [
            {
              spm: {
                meta: {
                  api: 'coprocess.shell.policyA',
                  apiArgs: { cmd: 'echo never' },
                },
              },
            },
            {
              spm: {
                meta: {
                  api: 'coprocess.shell.policyA',
                  apiArgs: { cmd: 'echo never', timeout: 1000, shell: 'bash' },
                },
              },
            },
          ],
          onStatus: (r) => void reports.push(r),
        });
        const byId = new Map(reports.map((r) => [r.taskId, r]));
        expect(byId.get(0)?.error).toMatchObject({
          code: 'SPM_TASK_EVAL',
          taskId: 0,
          attempt: 1,
        });
        expect(byId.get(0)?.error?.message).toMatch(
          /Expected a timeout for `coprocess\.shell\.policyA`: set `apiArgs\.timeout` or the task's `spm\.meta\.timeout`, got neither/,
        );
        expect(byId.get(1)?.error?.message).toMatch(
          /Expected the apiArgs of `coprocess\.shell\.policyA` to have only `cmd` and `timeout`, got `shell`/,
        );
        await expectSequencePoint(cloud, baseline, () => reports.length);
      });

      it('with its default typedef, refuses a task without api or apiArgs before anything runs', async () => {
        const dispatched: unknown[] = [];
        applyAny.on('dispatch', (e) => dispatched.push(e));
        try {
          const error = await applyAny
            .manage({
              pool: cloud.pool.intraAll(),
              tasks: [{ spm: { meta: { apiArgs: {} } } } as never],
            })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(SPMTypedefError);
          expect(error).toMatchObject({
            code: 'SPM_TYPEDEF',
            path: 'spm.meta.api',
          });
          expect((error as Error).message).toMatch(/^Task 0: /);
        } finally {
          applyAny.removeAllListeners('dispatch');
        }
        expect(dispatched).toEqual([]);
        await expectSequencePoint(cloud, baseline, () => 0);
      });
    });
  },
);

describe('list.define and list.papply.define', () => {
  it('refuse keys they do not take, naming the likely one (a misspelt typedef was ignored, and the schema with it)', () => {
    expect(() => list.define({ signature: 'unit:typdef', module: import.meta.url, evaluate: () => 1, typdef: 'task<list> :: struct {};' } as never)).toThrow(
      /^Unknown option `typdef` of list.define\(\) \(did you mean `typedef`\?\)/,
    );
    // papply's evaluate and pipelined are its own: given, they were silently dropped.
    expect(() => list.papply.define({ signature: 'unit:papply-eval', module: import.meta.url, evaluate: () => 1 } as never)).toThrow(
      /^Unknown option `evaluate` of list.papply.define\(\); expected one of `signature`, `module`, `typedef`, `preload`$/,
    );
    expect(() => list.define({ signature: 'unit:ok', module: import.meta.url, evaluate: () => 1, pipelined: true })).not.toThrow(SPMError);
  });
});
