import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPMTransportError } from '@spm/exceptions';
import { VirtualCloud, type LostReason } from '@spm/tracker';

// A task that ends the thread evaluating it — an uncaught throw from a timer, `process.exit(3)`,
// an unhandled rejection — loses its spoke, and a manager reports the loss with the reason the
// lease's `lost` event gives. On thread spokes it said why ("the worker threw: thrown from a
// timer", "the worker exited with code 3"); until session 44 a process spoke said only "the
// process exited with code 1", whatever the task did.

let clouds: VirtualCloud[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clouds.map((c) => c.close()));
  clouds = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

const CRASHES = {
  timer: "setTimeout(() => { throw new TypeError('thrown from a timer') }, 5)",
  exit: 'process.exit(3)',
  rejection: "void Promise.reject(new RangeError('rejected and unhandled'))",
} as const;

/**
 * A preload (it runs in the thread that evaluates tasks, as a task's code would) that, once
 * `trigger` exists, removes it (the relaunched spoke stays up) and crashes its thread as `how`
 * says. A data: URL: no `?` or `#` in the code.
 */
function crasher(trigger: string, how: keyof typeof CRASHES): string {
  const source = [
    "import { existsSync, unlinkSync } from 'node:fs';",
    `const trigger = ${JSON.stringify(trigger)};`,
    `const timer = setInterval(() => { if (existsSync(trigger)) { clearInterval(timer); unlinkSync(trigger); ${CRASHES[how]}; } }, 10);`,
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

async function lostReason(kind: 'thread' | 'process', how: keyof typeof CRASHES): Promise<LostReason> {
  const dir = mkdtempSync(join(tmpdir(), 'spm-lost-'));
  dirs.push(dir);
  const trigger = join(dir, 'crash');
  const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind, spokes: 1, preload: [crasher(trigger, how)] } });
  clouds.push(cloud);
  const lease = await cloud.tracker.lease({ pool: cloud.pool.intraAll(), nSpokesMin: 1, timeoutWaitForSpokesMs: 10_000 });
  const lost = new Promise<LostReason>((resolve) => lease.once('lost', (_spoke, reason) => resolve(reason)));
  writeFileSync(trigger, '');
  const reason = await lost;
  await lease.release();
  return reason;
}

describe('the reason a lease is given for a spoke whose evaluating thread died', () => {
  it.each([
    ['timer', 'the worker threw: thrown from a timer'],
    ['exit', 'the worker exited with code 3'],
    ['rejection', 'the worker threw: rejected and unhandled'],
  ] as const)('says why on a thread spoke (%s)', async (how, why) => {
    const { reason } = await lostReason('thread', how);
    expect(reason).toMatch(new RegExp(`^its channel closed: Channel thread:\\d+ lost: ${why}$`, 'u'));
  }, 20_000);

  it.each([
    ['timer', 'the evaluator thread threw: thrown from a timer; the process exited with code 1'],
    ['exit', 'the evaluator thread exited with code 3; the process exited with code 3'],
    ['rejection', 'the evaluator thread threw: rejected and unhandled; the process exited with code 1'],
  ] as const)('says why on a process spoke (%s), as a thread spoke does', async (how, why) => {
    const { reason, error } = await lostReason('process', how);
    expect(reason).toMatch(new RegExp(`^its channel closed: Channel process:\\d+ lost: ${why}$`, 'u'));
    expect(error).toBeInstanceOf(SPMTransportError);
  }, 20_000);
});
