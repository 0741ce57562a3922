import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect, createServer, type AddressInfo } from 'node:net';
import { liveDescendants, waitFor } from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';

// The spm-spoke bin, as a user starts it on another host (here: loopback).
const bin = createRequire(import.meta.url).resolve('@spm/spoke/package.json').replace(/package\.json$/, 'dist/bin/spm-spoke.js');
const secret = randomBytes(24).toString('hex');
let children: ChildProcess[] = [];
let cloud: VirtualCloud | undefined;

function spmSpoke(url: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [bin, '--hub', url, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return child;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
  for (const child of children) child.kill('SIGKILL');
  children = [];
});

describe('join: TCP spokes started by anyone', () => {
  it('admits an authenticated spm-spoke, lists it with its host and tags, and leases it', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub' });
    expect(cloud.joinUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    const child = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret }, ['--host', 'remote-a', '--tags', 'gpu']);
    const spoke = await ready;
    expect(spoke).toMatchObject({ kind: 'tcp', host: 'remote-a', tags: ['gpu'], pid: child.pid, state: 'idle' });
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter().withTags('gpu'), timeoutWaitForSpokesMs: 1000 });
    expect(lease.spokeIds).toEqual([spoke.id]);
    await lease.release();
  });

  it('keeps trying to reach a hub that is not up yet (it exited at once), and says why the hub let it go', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const child = spmSpoke(`tcp://127.0.0.1:${port}`, { SPM_SECRET: secret });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await waitFor(() => stderr.includes('trying again'), 10_000, 'the spoke to say it tries again');
    cloud = await VirtualCloud.start({ join: { secret, port }, hubHost: 'hub', waitForSpokes: 'none' });
    await waitFor(() => cloud?.spokes().some((s) => s.state === 'idle') === true, 10_000, 'the spoke to join once the hub is up');
    await cloud.close();
    cloud = undefined;
    expect(await exitOf(child)).toBe(0);
    expect(stderr).toMatch(/spm-spoke: the hub let this spoke go: \S/);
  });

  it('says a refused connection on stderr when no log is given (it was silent through VirtualCloud.start({ join }))', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub' });
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const { port } = new URL(cloud.joinUrl);
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET / HTTP/1.0\r\n\r\n'));
      socket.on('error', () => undefined);
      await waitFor(() => said.some((line) => line.startsWith('spm-transport [warn] refused connection')), 5000, 'a warning on stderr');
    } finally {
      process.stderr.write = write;
    }
  });

  it('refuses a spoke with the wrong secret (it exits non-zero) while an honest one joins', async () => {
    const lines: string[] = [];
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub', log: (_level, message) => lines.push(message) });
    const impostor = spmSpoke(cloud.joinUrl, { SPM_SECRET: randomBytes(24).toString('hex') });
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    spmSpoke(cloud.joinUrl, { SPM_SECRET: secret });
    expect(await exitOf(impostor)).toBe(1);
    expect((await ready).kind).toBe('tcp');
    expect(cloud.spokes()).toHaveLength(1);
    await waitFor(() => lines.some((l) => /auth|secret|handshake/i.test(l)), 5000, 'a log line about the refused handshake');
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('marks a joined spoke lost when it dies, and a SIGSTOPped one by missed heartbeats; never relaunches them itself', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub', heartbeatIntervalMs: 50, heartbeatTolerance: 4 });
    const url = cloud.joinUrl;
    const ready = (): Promise<SpokeInfo> => new Promise((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    const lost = (): Promise<string> => new Promise((resolve) => cloud?.tracker.once('spoke-lost', (_s, r) => resolve(r.reason)));

    let next = ready();
    const a = spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'a' });
    await next;
    let loss = lost();
    a.kill('SIGKILL');
    expect(await loss).toMatch(/channel closed/);

    next = ready();
    const b = spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'b' });
    await next;
    loss = lost();
    process.kill(b.pid as number, 'SIGSTOP');
    expect(await loss).toMatch(/missed heartbeats/);
    process.kill(b.pid as number, 'SIGCONT');
    // The hub closed its channel: the spoke notices and exits.
    expect(await exitOf(b)).not.toBeNull();
    expect(cloud.spokes().map((s) => [s.id, s.state])).toEqual([
      ['a', 'lost'],
      ['b', 'lost'],
    ]);
    // Whoever started `a` starts it again: it rejoins under its id, as its next incarnation.
    next = ready();
    spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'a' });
    expect(await next).toMatchObject({ id: 'a', state: 'idle', incarnation: 2 });
  });

  it('close() lets joined spokes go: they exit', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub' });
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    const child = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret });
    await ready;
    await cloud.close();
    cloud = undefined;
    expect(await exitOf(child)).toBe(0);
    await waitFor(() => !liveDescendants().includes(child.pid as number), 5000, 'the spoke gone');
  });
});
