import { describe, it, expect, afterEach } from '@jest/globals';
import { SPMManagerBusy, SPMWaitForSpokesTimeout, type SPMError } from '@spm/exceptions';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveDescendants, waitFor } from '@spm/testing';
import { PROTOCOL_VERSION, type Message } from '@spm/transport';
import { prestartThreadSpokes } from '@spm/tracker/prestart';
import { join as joinTcp, local, Tracker, VirtualCloud, type LostReason, type SpokeInfo } from '@spm/tracker';

let clouds: VirtualCloud[] = [];

async function start(options: Parameters<typeof VirtualCloud.start>[0]): Promise<VirtualCloud> {
  const cloud = await VirtualCloud.start({ hubHost: 'hub', ...options });
  clouds.push(cloud);
  return cloud;
}

afterEach(async () => {
  await Promise.all(clouds.map((c) => c.close()));
  clouds = [];
});

describe('spokes join and are listed', () => {
  it.each(['inproc', 'thread', 'process'] as const)('%s spokes on three virtual servers', async (kind) => {
    const cloud = await start({ local: { kind, servers: 3, spokesPerServer: 2 } });
    const spokes = cloud.spokes();
    expect(spokes).toHaveLength(6);
    expect(spokes.every((s) => s.state === 'idle' && s.kind === kind && s.incarnation === 1)).toBe(true);
    expect([...new Set(spokes.map((s) => s.host))]).toEqual(['hub', 'hub~v2', 'hub~v3']);
    expect(spokes.map((s) => s.coreIndex)).toEqual([0, 1, 0, 1, 0, 1]);
    if (kind === 'process') expect(new Set(spokes.map((s) => s.pid)).size).toBe(6);
  });
});

describe('pools on a real cloud', () => {
  it('select the spokes they should', async () => {
    const cloud = await start({ local: { kind: 'inproc', servers: 3, spokesPerServer: 2 } });
    const hostsOf = async (pool: ReturnType<typeof cloud.pool.inter>): Promise<string[]> => {
      const lease = await cloud.tracker.lease({ pool, timeoutWaitForSpokesMs: 1000 });
      const hosts = lease.spokes().map((s) => s.host);
      await lease.release();
      return hosts;
    };
    expect(await hostsOf(cloud.pool.intraAll())).toEqual(['hub', 'hub']);
    expect(await hostsOf(cloud.pool.intraOnePerServer())).toEqual(['hub']);
    expect(await hostsOf(cloud.pool.inter())).toHaveLength(6);
    expect(await hostsOf(cloud.pool.interOnePerServer())).toEqual(['hub', 'hub~v2', 'hub~v3']);
  });
});

describe('leases', () => {
  it('give between min and max spokes', async () => {
    const cloud = await start({ local: { kind: 'inproc', spokes: 4 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMin: 1, nSpokesMax: 3 });
    expect(lease.spokes()).toHaveLength(3);
    expect(lease.spokes().every((s) => s.state === 'leased' && s.leasedBy === lease.id)).toBe(true);
    await lease.release();
    expect(cloud.spokes().every((s) => s.state === 'idle')).toBe(true);
  });

  it('allow one manager at a time: a second gets SPMManagerBusy', async () => {
    const cloud = await start({ local: { kind: 'inproc', spokes: 2 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMax: 1, owner: 'first' });
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), owner: 'second' })).rejects.toBeInstanceOf(SPMManagerBusy);
    await lease.release();
    const again = await cloud.tracker.lease({ pool: cloud.pool.inter(), owner: 'second' });
    expect(again.spokes()).toHaveLength(2);
    await again.release();
  });

  it('let a released lease reach no spoke: its kill, relaunch and send are refused, the next manager’s spoke untouched', async () => {
    // A stale lease could kill or relaunch a spoke another manager held, which never heard of it:
    // that manager's manage() never settled.
    const cloud = await start({ local: { kind: 'inproc', spokes: 1 } });
    const stale = await cloud.tracker.lease({ pool: cloud.pool.inter(), owner: 'stale' });
    const id = stale.spokeIds[0] as string;
    await stale.release();
    const current = await cloud.tracker.lease({ pool: cloud.pool.inter(), owner: 'current' });
    const before = current.spokes()[0];
    await expect(stale.kill(id)).rejects.toThrow(`Lease ${stale.id} (stale) was released: it cannot kill spoke \`${id}\` any more`);
    await expect(stale.relaunch(id)).rejects.toThrow(/was released: it cannot relaunch spoke/);
    expect(() => stale.send(id, { type: 'shutdown', v: PROTOCOL_VERSION, reason: 'stale' } as Message)).toThrow(/was released: it cannot send to spoke/);
    await expect(current.kill('local:99')).rejects.toThrow(`Lease ${current.id} (current) does not hold spoke \`local:99\`: it cannot kill it (its spokes: ${id})`);
    expect(current.spokes()[0]).toMatchObject({ state: before?.state, incarnation: before?.incarnation });
    await current.release();
  });

  it('time out with SPMWaitForSpokesTimeout when the minimum is not there, naming what was found', async () => {
    const cloud = await start({ local: { kind: 'inproc', spokes: 2 } });
    const error = await cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMin: 3, timeoutWaitForSpokesMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMWaitForSpokesTimeout);
    // Only 2 spokes exist and none can be added: refused without waiting out the 50 ms.
    expect((error as Error).message).toMatch(/^Only 2 spoke\(s\) can come, so stopped waiting for 3 spoke\(s\) from pool inter for manager, got 2 \(2 spokes are known: 2 leased\)/);
    // the failed wait left no lease behind
    expect(cloud.tracker.activeLease).toBeUndefined();
    expect(cloud.spokes().every((s) => s.state === 'idle')).toBe(true);
  });

  it('end the wait for the minimum when their signal aborts: the lease as it stands, to release', async () => {
    const cloud = await start({ local: { kind: 'inproc', spokes: 1 } });
    const controller = new AbortController();
    // A pool no spoke is in, a wait of 10 minutes: only the abort ends it.
    const waiting = cloud.tracker.lease({ pool: cloud.pool.intraAll().withTags('none'), timeoutWaitForSpokesMs: 600_000, signal: controller.signal });
    setImmediate(() => controller.abort());
    const lease = await waiting;
    expect(lease.spokeIds).toEqual([]);
    expect(cloud.tracker.activeLease).toBe(lease);
    await lease.release();
    expect(cloud.tracker.activeLease).toBeUndefined();
    // Already aborted: at once.
    const at = await cloud.tracker.lease({ pool: cloud.pool.intraAll().withTags('none'), timeoutWaitForSpokesMs: 600_000, signal: AbortSignal.abort() });
    expect(at.spokeIds).toEqual([]);
    await at.release();
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), signal: 'no' as unknown as AbortSignal })).rejects.toThrow('Expected `signal` to be an AbortSignal, got `"no"` (string)');
  });

  it('refuse bad requests with a clear error', async () => {
    const cloud = await start({ local: { kind: 'inproc', spokes: 1 } });
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMin: 0 })).rejects.toThrow('Expected `nSpokesMin` to be an integer ≥ 1, got `0` (number)');
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMin: 3, nSpokesMax: 2 })).rejects.toThrow('Expected `nSpokesMin` (3) ≤ `nSpokesMax` (2)');
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), timeoutWaitForSpokesMs: -1 })).rejects.toThrow(/timeoutWaitForSpokesMs/);
    // null is a value, not the default (it was taken as one); a misspelt key is not ignored (it leased every spoke).
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMin: null as unknown as number })).rejects.toThrow('Expected `nSpokesMin` to be an integer ≥ 1, got `null`');
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMax: null as unknown as number })).rejects.toThrow('Expected `nSpokesMax` to be an integer ≥ 1 or Infinity, got `null`');
    await expect(cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMaxx: 1 } as Parameters<typeof cloud.tracker.lease>[0])).rejects.toThrow(
      /^Unknown option `nSpokesMaxx` of Tracker\.lease\(\) \(did you mean `nSpokesMax`\?\); expected one of `pool`, /,
    );
    expect(cloud.tracker.activeLease).toBeUndefined();
  });

  it('take an idle spoke in the place of a member failed or stopped for good, up to the maximum', async () => {
    // A member that could never come back still counted against nSpokesMax: the idle spoke was never added.
    const cloud = await start({ local: { kind: 'process', spokes: 4, relaunchBudget: 0 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMax: 2 });
    expect(lease.spokeIds).toEqual(['local:1', 'local:2']);
    const joined: string[] = [];
    lease.on('ready', (spoke) => joined.push(spoke.id));
    const failed = new Promise<string>((resolve) => lease.once('failed', (spoke) => resolve(spoke.id)));
    process.kill(cloud.tracker.snapshot('local:1')?.pid as number, 'SIGKILL'); // no relaunch left: failed
    expect(await failed).toBe('local:1');
    expect(joined).toEqual(['local:3']);
    await lease.kill('local:2'); // stopped for good
    expect(joined).toEqual(['local:3', 'local:4']);
    expect(cloud.spokes().map((s) => [s.id, s.state])).toEqual([
      ['local:1', 'failed'],
      ['local:2', 'stopped'],
      ['local:3', 'leased'],
      ['local:4', 'leased'],
    ]);
    await lease.release();
  });

  it('wait for spokes that are still starting, and grow up to the maximum as they come', async () => {
    const cloud = await start({ local: { kind: 'inproc', spokes: 1 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter(), nSpokesMax: 2 });
    const id = lease.spokeIds[0] as string;
    const ready = new Promise<SpokeInfo>((resolve) => lease.once('ready', resolve));
    await lease.relaunch(id); // the member goes away and comes back
    expect((await ready).id).toBe(id);
    expect(lease.spokes()[0]?.incarnation).toBe(2);
    await lease.release();
  });

  it('grow when a provisioner added to the running tracker brings more spokes, numbered from numberFrom', async () => {
    const cloud = await start({ local: { kind: 'process', spokes: 1 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.intraAll() });
    expect(lease.spokeIds).toEqual(['local:1']);
    const joined: string[] = [];
    lease.on('ready', (spoke) => joined.push(spoke.id));
    await cloud.tracker.addProvisioner(local({ name: 'more', kind: 'process', spokes: 2, numberFrom: 2 }));
    expect(joined.sort()).toEqual(['more:2', 'more:3']); // in the order they came up
    expect([...lease.spokeIds].sort()).toEqual(['local:1', 'more:2', 'more:3']);
    expect(() => local({ numberFrom: 0 })).toThrow('Expected `numberFrom` to be an integer ≥ 1, got `0` (number)');
    await lease.release();
  });

  it('release with relaunch returns fresh incarnations', async () => {
    const cloud = await start({ local: { kind: 'thread', spokes: 2 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter() });
    await lease.release({ relaunch: true });
    await waitFor(() => cloud.spokes().every((s) => s.state === 'idle' && s.incarnation === 2), 10_000, 'both relaunched');
  });
});

describe('thread spokes prestarted on the program’s first lines', () => {
  it('are adopted by the cloud’s provisioner: they greet with its identities, and close with the cloud', async () => {
    const workers = prestartThreadSpokes(2);
    let closing = false;
    const exited = workers.map((worker) => new Promise<[number, boolean]>((resolve) => worker.once('exit', (code) => resolve([code, closing]))));
    const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'thread', spokes: 2 } });
    expect(cloud.spokes().map((s) => [s.id, s.state, s.kind])).toEqual([
      ['local:1', 'idle', 'thread'],
      ['local:2', 'idle', 'thread'],
    ]);
    // Had the provisioner started threads of its own, these two would wait for adoption until
    // the test's end (or have crashed before it: exit code 1).
    closing = true;
    await cloud.close();
    expect(await Promise.all(exited)).toEqual([
      [0, true],
      [0, true],
    ]);
  });
});

describe('a cloud that does not wait for its spokes', () => {
  it.each(['thread', 'process'] as const)('returns while %s spokes boot; a lease takes the first ready one and the others as they greet', async (kind) => {
    const cloud = await start({ local: { kind, spokes: 2 }, waitForSpokes: 'none' });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.intraAll(), nSpokesMin: 1, timeoutWaitForSpokesMs: 30_000 });
    expect(lease.spokeIds.length).toBeGreaterThanOrEqual(1);
    const joined = new Set(lease.spokeIds);
    lease.on('ready', (spoke) => joined.add(spoke.id));
    await cloud.ready;
    expect([...joined].sort()).toEqual(['local:1', 'local:2']);
    expect(cloud.spokes().every((s) => s.state === 'leased' && s.leasedBy === lease.id)).toBe(true);
    await lease.release();
  });

  it('closes cleanly while its spokes are still booting, leaving no process behind', async () => {
    const before = liveDescendants();
    const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'process', spokes: 2 }, waitForSpokes: 'none' });
    await cloud.close();
    await cloud.ready;
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });

  it('refuses a bad value, and two provisioners of one name, before starting anything', async () => {
    await expect(VirtualCloud.start({ local: { kind: 'inproc', spokes: 1 }, waitForSpokes: 'some' as 'all' })).rejects.toThrow('Expected `waitForSpokes` to be one of all, none, got `"some"` (string)');
    await expect(VirtualCloud.start({ local: [{ kind: 'inproc', spokes: 1, name: 'a' }, { kind: 'inproc', spokes: 1, name: 'a' }], waitForSpokes: 'none' })).rejects.toThrow(
      'A provisioner named `a` is already registered: give each a unique name',
    );
  });
});

describe('start options', () => {
  // Each used to start (or fail later, or do the wrong thing: a tag string split into characters).
  it.each([
    [{ local: { kind: 'inproc', spokes: 1, tags: 'gpu' } }, 'Expected `local.tags` to be an array of non-empty strings, got `"gpu"` (string)'],
    [{ local: { kind: 'inproc', spokes: 1 }, hubHost: 42 }, 'Expected `hubHost` to be a non-empty string, got `42` (number)'],
    [{ local: { kind: 'process', spokes: 1, execArgv: '--foo' } }, 'Expected `local.execArgv` to be an array of non-empty strings, got `"--foo"` (string)'],
    [{ local: { kind: 'inproc', spokes: 1 }, log: 'yes' }, 'Expected `log` to be a function, got `"yes"` (string)'],
    [{ local: null }, 'Expected `local` to be local spoke options (an object) or an array of them, got `null`'],
    [{ local: 'inproc' }, 'Expected `local` to be local spoke options (an object) or an array of them, got `"inproc"` (string)'],
    [{ local: { kind: 'inproc', spokes: 1 }, autoRelaunch: 'no' }, 'Expected `autoRelaunch` to be a boolean (true or false), got `"no"` (string)'],
    [{ local: { kind: 'process', spokes: 1, env: { A: 1 } } }, 'Expected `local.env` to be an object of string values, got `1` (number) for `A`'],
    [{ local: { kind: 'inproc', spokes: 1, name: '' } }, 'Expected `local.name` to be a non-empty string, got `""` (string)'],
    [{ local: [{ kind: 'inproc', spokes: 1 }, { kind: 'inproc', spokes: 0 }] }, 'Expected `local[1].spokes` to be an integer ≥ 1, got `0` (number)'],
    [{ local: { kind: 'inproc', spokes: 1 }, locl: {} }, 'Unknown option `locl` of VirtualCloud.start() (did you mean `local`?); expected one of `hubHost`'],
    [{ local: { kind: 'inproc', spoke: 1 } }, 'Unknown option `spoke` of `local` (did you mean `spokes`?)'],
    [{ join: { secret: 'abcdefghijklmnopqrstuvwxyz012345', prot: 1 } }, 'Unknown option `prot` of `join` (did you mean `port`?)'],
    [{ join: { secret: 'abcdefghijklmnopqrstuvwxyz012345', maxUnauthenticated: 0 } }, 'Expected `join.maxUnauthenticated` to be an integer ≥ 1, got `0` (number)'],
    // (Named `secret` alone, by the TCP hub as it started, until session 47.)
    [{ join: { secret: 'short' } }, 'Expected `join.secret` to be at least 16 bytes, got 5 bytes'],
  ])('refuses %j before starting anything, naming the option', async (options, message) => {
    const before = liveDescendants();
    await expect(start(options as Parameters<typeof VirtualCloud.start>[0])).rejects.toThrow(message);
    expect(liveDescendants().filter((p) => !before.includes(p))).toEqual([]);
  });

  it('refuses unknown options of local(), join() and a Tracker too', () => {
    expect(() => local({ spoke: 2 } as Parameters<typeof local>[0])).toThrow('Unknown option `spoke` of local() (did you mean `spokes`?)');
    expect(() => joinTcp({ secret: 'abcdefghijklmnopqrstuvwxyz012345', prot: 1 } as unknown as Parameters<typeof joinTcp>[0])).toThrow('Unknown option `prot` of join() (did you mean `port`?)');
    expect(() => new Tracker({ autoRelaunh: false } as unknown as ConstructorParameters<typeof Tracker>[0])).toThrow('Unknown option `autoRelaunh` of the tracker options (did you mean `autoRelaunch`?)');
  });
});

describe('a boot preload', () => {
  // A module that notes, on import, which process and thread imported it, and whether it sees
  // the preload variable (a data: URL: no `?` or `#` in the code).
  const marker = (file: string): string =>
    `data:text/javascript,import { appendFileSync } from 'node:fs'; import { threadId } from 'node:worker_threads'; appendFileSync(${JSON.stringify(file)}, process.pid + ':' + threadId + ':' + String('SPM_SPOKE_PRELOAD' in process.env) + '\\n');`;

  it.each(['thread', 'process'] as const)('is imported once by each %s spoke, in the thread that evaluates, before any task', async (kind) => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-preload-'));
    try {
      const file = join(dir, 'loaded');
      const cloud = await start({ local: { kind, spokes: 2, preload: [marker(file)] } });
      await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').trim().split('\n').length >= 2, 10_000, 'both spokes imported the module');
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2);
      const pids = lines.map((l) => Number(l.split(':')[0]));
      const threads = lines.map((l) => Number(l.split(':')[1]));
      // Not the hub's main thread; for process spokes, each spoke's own process and its evaluator thread (not the agent's).
      if (kind === 'process') expect(pids.sort()).toEqual(cloud.spokes().map((s) => s.pid).sort());
      else expect(pids).toEqual([process.pid, process.pid]);
      expect(threads.every((t) => t > 0)).toBe(true);
      // Read once and dropped: the programs the spoke's tasks start do not inherit it.
      expect(lines.map((l) => l.split(':')[2])).toEqual(['false', 'false']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('that fails to load leaves the spoke ready (the task naming it would fail as before)', async () => {
    const cloud = await start({ local: { kind: 'thread', spokes: 1, preload: ['file:///nonexistent/spm-preload.js'] } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.intraAll(), timeoutWaitForSpokesMs: 10_000 });
    expect(lease.spokes().map((s) => s.state)).toEqual(['leased']);
    await lease.release();
  });

  it('refuses a preload that is not a list of modules', () => {
    expect(() => local({ preload: 'file:///x.js' as unknown as string[] })).toThrow('Expected `preload` to be an array of module URLs or paths, got `"file:///x.js"` (string)');
    expect(() => local({ preload: [''] })).toThrow('Expected `preload` to be an array of module URLs or paths');
  });

  it('refuses a maxFrameBytes that is not a frame size, naming it', () => {
    expect(() => local({ maxFrameBytes: 10 })).toThrow('Expected `maxFrameBytes` to be an integer ≥ 64, got `10` (number)');
    expect(() => local({ maxFrameBytes: 1.5e6 + 0.5 })).toThrow('Expected `maxFrameBytes` to be an integer ≥ 64');
    expect(() => local({ maxFrameBytes: 2 ** 32 })).toThrow('Expected `maxFrameBytes` to be at most 4294967295, got 4294967296');
  });
});

describe('liveness', () => {
  function nextLoss(cloud: VirtualCloud): Promise<[SpokeInfo, LostReason, number]> {
    const t0 = Date.now();
    return new Promise((resolve) => cloud.tracker.once('spoke-lost', (spoke, reason) => resolve([spoke, reason, Date.now() - t0])));
  }

  it('notices a process spoke killed with SIGKILL at once, and relaunches it', async () => {
    const cloud = await start({ local: { kind: 'process', spokes: 2 } });
    const victim = cloud.spokes()[0] as SpokeInfo;
    const lost = nextLoss(cloud);
    process.kill(victim.pid as number, 'SIGKILL');
    const [spoke, reason, ms] = await lost;
    process.stdout.write(`SIGKILL detected after ${ms} ms (${reason.reason})\n`);
    expect(spoke.id).toBe(victim.id);
    expect(reason.reason).toMatch(/channel closed/);
    await waitFor(() => cloud.tracker.snapshot(victim.id)?.state === 'idle', 10_000, 'relaunch');
    expect(cloud.tracker.snapshot(victim.id)?.incarnation).toBe(2);
    expect(cloud.tracker.snapshot(victim.id)?.pid).not.toBe(victim.pid);
  });

  it('notices a stopped (SIGSTOP) process spoke by its missed heartbeats', async () => {
    const cloud = await start({ local: { kind: 'process', spokes: 1 }, heartbeatIntervalMs: 50, heartbeatTolerance: 4 });
    const victim = cloud.spokes()[0] as SpokeInfo;
    const lost = nextLoss(cloud);
    process.kill(victim.pid as number, 'SIGSTOP');
    const [spoke, reason, ms] = await lost;
    process.stdout.write(`SIGSTOP detected after ${ms} ms (${reason.reason})\n`);
    expect(spoke.id).toBe(victim.id);
    expect(reason.reason).toMatch(/missed heartbeats/);
    expect(reason.silentForMs).toBeGreaterThan(200);
    await waitFor(() => cloud.tracker.snapshot(victim.id)?.state === 'idle', 10_000, 'relaunch');
  });

  it('does not take a hub that did not run (Ctrl-Z, a long callback) for silent spokes', async () => {
    // A hub stopped for longer than the tolerance used to mark every process spoke lost when it
    // resumed (its check ran before it read the heartbeats waiting in the channels): spm-shell
    // killed and re-ran commands after Ctrl-Z and fg. Here the hub's thread is held instead.
    const cloud = await start({ local: { kind: 'process', spokes: 1 }, heartbeatIntervalMs: 50, heartbeatTolerance: 4 });
    const spoke = cloud.spokes()[0] as SpokeInfo;
    const losses: string[] = [];
    cloud.tracker.on('spoke-lost', (info, why) => losses.push(`${info.id}: ${why.reason}`));
    const until = Date.now() + 1000; // 5× the tolerance, without the event loop
    while (Date.now() < until) {
      // hold the hub's thread
    }
    // Let the checks run again, with the heartbeats that waited read in between.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(losses).toEqual([]);
    expect(cloud.tracker.snapshot(spoke.id)).toMatchObject({ state: 'idle', incarnation: 1 });
    // A spoke that really stops is still found out.
    const lost = nextLoss(cloud);
    process.kill(spoke.pid as number, 'SIGSTOP');
    expect((await lost)[1].reason).toMatch(/missed heartbeats/);
  });

  it('refuses a lease at once, saying why, when every spoke failed to start for good', async () => {
    // A worker thread cannot start in a deleted directory (ENOENT: uv_cwd), a spoke may keep
    // dying: once every spoke has spent its relaunch budget nothing more can come, yet a lease
    // used to wait out its whole timeout (30 s in spm-primes, 60 s in spm-shell) and then said
    // only "1 failed". Here a process spoke cannot start (a flag Node refuses); the lease would
    // wait 60 s — past this test's own timeout — if it were not refused.
    const cloud = await start({ local: { kind: 'process', spokes: 1, execArgv: ['--no-such-node-flag'] }, waitForSpokes: 'none' });
    const leasing = cloud.tracker.lease({ pool: cloud.pool.inter(), timeoutWaitForSpokesMs: 60_000 });
    await expect(leasing).rejects.toThrow(SPMWaitForSpokesTimeout);
    await expect(leasing).rejects.toThrow(/^Only 0 spoke\(s\) can come \(1 failed to start for good\), so stopped waiting .* \(1 spokes are known: 1 failed\); local:1 failed: .*relaunched 5 times/);
  });

  it('refuses a lease still waiting for spokes when the tracker closes, rather than leave it pending', async () => {
    const cloud = await start({ local: { kind: 'process', spokes: 1 }, waitForSpokes: 'none' });
    const refused = expect(cloud.tracker.lease({ pool: cloud.pool.inter(), timeoutWaitForSpokesMs: 60_000 })).rejects.toThrow('The tracker was closed while a lease waited for spokes');
    await cloud.close();
    await refused;
  });

  it('notices a thread spoke that ends', async () => {
    const cloud = await start({ local: { kind: 'thread', spokes: 1 }, autoRelaunch: false });
    const lost = nextLoss(cloud);
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter() });
    const id = lease.spokeIds[0] as string;
    const leaseLost = new Promise<string>((resolve) => lease.once('lost', (s) => resolve(s.id)));
    lease.send(id, { type: 'shutdown', v: 3, reason: 'test' });
    expect((await lost)[0].id).toBe(id);
    expect(await leaseLost).toBe(id);
    expect(cloud.tracker.snapshot(id)?.state).toBe('lost');
    await lease.release();
  });

  it('stops a crash loop with its relaunch budget and says so', async () => {
    // Every incarnation of this spoke dies while starting.
    const cloud = await start({ local: { kind: 'process', spokes: 1, relaunchBudget: 2, execArgv: ['--import', 'data:text/javascript,process.exit(3)'] } });
    const spoke = cloud.spokes()[0] as SpokeInfo;
    expect(spoke.state).toBe('failed');
    const error = await cloud.tracker.lease({ pool: cloud.pool.inter(), timeoutWaitForSpokesMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SPMWaitForSpokesTimeout);
    expect((error as Error).message).toMatch(/1 failed/);
  });

  it('reports the budget error on the tracker, naming the spoke, the budget and the last failure', async () => {
    const tracker = new Tracker({ hubHost: 'hub' });
    const failures: [SpokeInfo, SPMError][] = [];
    tracker.on('spoke-failed', (s, e) => failures.push([s, e]));
    try {
      await tracker.addProvisioner(local({ kind: 'process', spokes: 1, relaunchBudget: 1, execArgv: ['--import', 'data:text/javascript,process.exit(3)'] }));
      expect(failures).toHaveLength(1);
      const [spoke, error] = failures[0] as [SpokeInfo, SPMError];
      expect(spoke).toMatchObject({ id: 'local:1', state: 'failed' });
      expect(error.message).toMatch(/Spoke `local:1` was relaunched 1 times within 60000 ms and keeps dying: giving up \(relaunchBudget 1\); last start failed: .*exit/);
      await expect(tracker.relaunch('local:1')).rejects.toThrow(/is failed and cannot be relaunched/);
    } finally {
      await tracker.close();
    }
  });
});

describe('close', () => {
  it('tells a manager once of a member that failed before: not again as the tracker closes', async () => {
    const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind: 'process', spokes: 2, relaunchBudget: 0 } });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter() });
    const failures: string[] = [];
    lease.on('failed', (spoke, error) => failures.push(`${spoke.id}: ${error.message}`));
    const failed = new Promise<void>((resolve) => lease.once('failed', () => resolve()));
    process.kill(cloud.tracker.snapshot('local:1')?.pid as number, 'SIGKILL');
    await failed;
    await cloud.close();
    expect(failures).toEqual([expect.stringMatching(/^local:1: Spoke `local:1` was relaunched 0 times/), 'local:2: Spoke local:2 stopped: the tracker was closed']);
  });

  it('leaves no spoke process behind', async () => {
    const before = liveDescendants();
    const cloud = await VirtualCloud.start({ local: { kind: 'process', spokes: 3 } });
    const pids = cloud.spokes().map((s) => s.pid as number);
    expect(liveDescendants()).toEqual(expect.arrayContaining(pids));
    await cloud.close();
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no descendants');
    expect(liveDescendants().filter((p) => !before.includes(p))).toEqual([]);
    expect(cloud.spokes().every((s) => s.state === 'stopped')).toBe(true);
  });
});
