import { describe, it, expect, afterEach, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';

// A thread spoke asleep in a system call — `readFileSync` of a FIFO nobody writes to — cannot be
// stopped: V8's termination (`worker.terminate()`) takes effect only when the call returns. The
// provisioner awaited that terminate with no bound: a task's timeout reported the spoke killed,
// and then its relaunch, a kill, cloud.close() — and the manage() behind them — waited until
// someone wrote to the FIFO (an exploratory tester, 3 of 3 runs; process and TCP spokes were
// fine). Now the thread is let go 3.5 s after its termination, said once in a warning.

/** The code of the warning that says a thread spoke was let go. */
const STUCK = 'SPM_THREAD_SPOKE_STUCK';

let clouds: VirtualCloud[] = [];
let fifos: string[] = [];
let dirs: string[] = [];
let warn: ReturnType<typeof spyOnWarnings> | undefined;
afterEach(async () => {
  // A stuck thread reads on until a writer comes (the old code's case too, once the test timed
  // out): open each FIFO for writing until no reader is left, then its thread has ended.
  for (const fifo of fifos) await waitFor(() => !unblock(fifo), 10_000, `no reader left on ${fifo}`);
  fifos = [];
  await Promise.all(clouds.map((c) => c.close()));
  clouds = [];
  warn?.mockRestore();
  warn = undefined;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function spyOnWarnings() {
  return jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
}

/** The warnings with code {@link STUCK} emitted since the spy was set, as their messages. */
function stuckWarnings(): string[] {
  return (warn?.mock.calls ?? []).filter((call) => (call[1] as { code?: string } | undefined)?.code === STUCK).map((call) => String(call[0]));
}

/**
 * Opens `fifo` for writing without blocking, and closes it: a reader asleep in its `open()` goes
 * on, and reads end-of-file. Whether there was a reader.
 */
function unblock(fifo: string): boolean {
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') return false;
    throw error;
  }
  closeSync(fd);
  return true;
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/**
 * A preload (it runs where tasks run, as a task's code would): once `trigger` exists, removes it
 * (a relaunched spoke does not block again), writes `reading` to `file` and reads `fifo` — asleep
 * in the system call until a writer comes — then writes `returned` (a terminated thread does not).
 * A data: URL: no `?` or `#` in the code.
 */
function reader(file: string, trigger: string, fifo: string): string {
  const source = [
    "import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';",
    `const file = ${JSON.stringify(file)};`,
    `const trigger = ${JSON.stringify(trigger)};`,
    `const timer = setInterval(() => { if (!existsSync(trigger)) return; clearInterval(timer); rmSync(trigger); appendFileSync(file, 'reading\\n'); readFileSync(${JSON.stringify(fifo)}, 'utf8'); appendFileSync(file, 'returned\\n'); }, 20);`,
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/** A cloud of one thread spoke whose thread is asleep reading a FIFO; `file` is where it notes what it does. */
async function stuckSpoke(): Promise<{ cloud: VirtualCloud; spoke: SpokeInfo; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'spm-thread-stuck-'));
  dirs.push(dir);
  const file = join(dir, 'said');
  const trigger = join(dir, 'read');
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  fifos.push(fifo);
  const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'thread', spokes: 1, preload: [reader(file, trigger, fifo)] } });
  clouds.push(cloud);
  writeFileSync(trigger, '');
  await waitFor(() => lines(file).includes('reading'), 10_000, 'the thread reading the FIFO');
  warn = spyOnWarnings();
  return { cloud, spoke: cloud.spokes()[0] as SpokeInfo, file };
}

describe('a thread spoke asleep in a system call (a read of a FIFO nobody writes to)', () => {
  it('is let go when a task’s timeout relaunches it: the relaunch resolves, a new incarnation is ready, the thread ends once the call returns', async () => {
    const { cloud, spoke, file } = await stuckSpoke();
    // What a task's timeout does (Lease.relaunch): the manager settles once the old incarnation is gone.
    await cloud.tracker.relaunch(spoke.id);
    const warnings = stuckWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Thread spoke \`${spoke.id}\``);
    expect(warnings[0]).toContain('system call');
    await waitFor(() => cloud.tracker.snapshot(spoke.id)?.state === 'idle', 10_000, 'the relaunched spoke ready');
    expect(cloud.tracker.snapshot(spoke.id)?.incarnation).toBe(spoke.incarnation + 1);
    // Its termination was pending: once the read returns, the thread ends without running on.
    await waitFor(() => !unblock(fifos[0] as string), 10_000, 'no reader left on the FIFO');
    expect(lines(file)).toEqual(['reading']);
  }, 30_000);

  it('is let go by cloud.close() (an aborted manage(), a program’s end): close resolves, said once', async () => {
    const { cloud, spoke } = await stuckSpoke();
    await cloud.close();
    const warnings = stuckWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Thread spoke \`${spoke.id}\``);
  }, 30_000);
});
