import { describe, it, expect, afterEach } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPMError } from '@spm/exceptions';
import { discardPrestartedThreads, prestartThreads, spawnThread, type Channel, type SpawnedThread } from '@spm/transport';
import { nextMessage } from './support/wait.js';

const entry = new URL('./fixtures/adoptable-spoke.mjs', import.meta.url);
const spawned: SpawnedThread[] = [];

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((t) => t.terminate()));
  await discardPrestartedThreads();
});

function start(options: Parameters<typeof spawnThread>[0]): SpawnedThread {
  const thread = spawnThread(options);
  spawned.push(thread);
  return thread;
}

async function who(channel: Channel): Promise<{ data: unknown; threadId: number; bootEnv: string | null; env: Record<string, string | null> }> {
  const answer = nextMessage(channel, (m) => m.type === 'notify');
  channel.send({ type: 'notify', v: 3, taskId: 1, attempt: 1, body: 'who' });
  const message = await answer;
  if (message.type !== 'notify') throw new Error(`expected a notify, got ${message.type}`);
  return message.body as never;
}

describe('prestarted threads', () => {
  it('are adopted by the next spawnThread of their entry, with its workerData and environment', async () => {
    const [first, second] = prestartThreads(entry, 2, { env: { PRESTART_FIXTURE_BOOT: 'at-boot' } }).map((w) => w.threadId);
    const a = start({ entry, workerData: { spokeId: 'a' }, env: { PRESTART_FIXTURE_GIVEN: 'a' } });
    // The same entry named by its path (relative to the working directory, as Worker takes it).
    const b = start({ entry: relative(process.cwd(), fileURLToPath(entry)), workerData: { spokeId: 'b' }, env: { PRESTART_FIXTURE_GIVEN: 'b' } });
    expect([a.threadId, b.threadId]).toEqual([first, second]);
    const seenA = await who(a.channel);
    // It booted with the prestart's variables; adopted, it has exactly what spawnThread gives.
    expect(seenA).toMatchObject({ data: { spokeId: 'a' }, threadId: first, bootEnv: 'at-boot', env: { boot: null, given: 'a' } });
    // connectToParent() consumed the transport's variable, as in any spawned thread.
    expect(seenA.env['transport']).toBeNull();
    expect(await who(b.channel)).toMatchObject({ data: { spokeId: 'b' }, threadId: second });
  });

  it('are not adopted when the spawn asks for its own execArgv or heap limits, nor once used up', async () => {
    const [prestarted] = prestartThreads(entry, 1).map((w) => w.threadId);
    const own = start({ entry, workerData: 1, execArgv: ['--no-warnings'] });
    expect(own.threadId).not.toBe(prestarted);
    const adopted = start({ entry, workerData: 2 });
    expect(adopted.threadId).toBe(prestarted);
    const fresh = start({ entry, workerData: 3 });
    expect(fresh.threadId).not.toBe(prestarted);
    expect((await who(fresh.channel)).data).toBe(3);
  });

  it('are never handed out once dead: a thread that crashed at boot is skipped, and the program lives on', async () => {
    const [crashed] = prestartThreads(entry, 1, { env: { PRESTART_FIXTURE_CRASH: '1' } });
    const id = crashed?.threadId;
    await new Promise((resolve) => crashed?.once('exit', resolve));
    const thread = start({ entry, workerData: 'fresh' });
    expect(thread.threadId).not.toBe(id);
    expect((await who(thread.channel)).data).toBe('fresh');
  });

  it('do not keep a program alive when nothing adopts them', () => {
    const script = `import { prestartThreads } from '@spm/transport'; prestartThreads(${JSON.stringify(entry.href)}, 2); process.stdout.write('started');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.error).toBeUndefined();
    expect({ status: child.status, stdout: child.stdout }).toEqual({ status: 0, stdout: 'started' });
  });

  it('reject a bad count', () => {
    expect(() => prestartThreads(entry, -1)).toThrow('Expected `count` to be an integer ≥ 0, got -1');
    expect(() => prestartThreads(entry, 1.5)).toThrow(SPMError);
  });
});
