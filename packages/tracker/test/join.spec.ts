import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect, createServer, type AddressInfo } from 'node:net';
import { liveDescendants, waitFor } from '@spm/testing';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';
import { encodeFrame, PROTOCOL_VERSION, type Message } from '@spm/transport';
import { closeOf, rawInsider } from './support/raw-insider.js';

// The spm-spoke bin, as a user starts it on another host (here: loopback).
const bin = createRequire(import.meta.url).resolve('@spm/spoke/package.json').replace(/package\.json$/, 'dist/bin/spm-spoke.js');
const secret = randomBytes(24).toString('hex');
let children: ChildProcess[] = [];
let cloud: VirtualCloud | undefined;

/** Each spoke's exit code, once it has exited and its stderr is read to the end. */
const closed = new WeakMap<ChildProcess, Promise<number | null>>();

function spmSpoke(url: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [bin, '--hub', url, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  closed.set(child, new Promise((resolve) => child.once('close', (code) => resolve(code))));
  return child;
}

/** What `child` writes to its stderr, as it comes. */
function stderrOf(child: ChildProcess): { text: string } {
  const said = { text: '' };
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (said.text += chunk));
  return said;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return closed.get(child) as Promise<number | null>;
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

  it('hears SIGUSR1, SIGUSR2 and SIGALRM and serves on (no inspector opened on its host, no spoke ended unsaid)', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub' });
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    const child = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const spoke = await ready;
    for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const) child.kill(signal);
    // Leased after the signals (each heard before the hub's next message is handled).
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter(), timeoutWaitForSpokesMs: 1000 });
    expect(lease.spokeIds).toEqual([spoke.id]);
    await lease.release();
    await cloud.close();
    cloud = undefined;
    expect(await exitOf(child)).toBe(0);
    expect(stderr).not.toContain('Debugger listening');
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
    const bSaid = stderrOf(b);
    await next;
    loss = lost();
    process.kill(b.pid as number, 'SIGSTOP');
    expect(await loss).toMatch(/missed heartbeats/);
    process.kill(b.pid as number, 'SIGCONT');
    // The hub closed its channel: the spoke notices and exits — told why (the channel used to
    // close before the reason was sent: it exited 0 with nothing said).
    expect(await exitOf(b)).not.toBeNull();
    expect(bSaid.text).toMatch(/spm-spoke: the hub let this spoke go: the hub declared it lost: missed heartbeats \(silent for \d+ ms/);
    expect(cloud.spokes().map((s) => [s.id, s.state])).toEqual([
      ['a', 'lost'],
      ['b', 'lost'],
    ]);
    // Whoever started `a` starts it again: it rejoins under its id, as its next incarnation.
    next = ready();
    spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'a' });
    expect(await next).toMatchObject({ id: 'a', state: 'idle', incarnation: 2 });
  });

  it('names what a spm-spoke said as it went in its loss: sent SIGTERM (the loss read only "its channel closed")', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub' });
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    const spoke = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret, SPM_SPOKE_ID: 'termed' });
    await ready;
    const loss = new Promise<string>((resolve) => cloud?.tracker.once('spoke-lost', (_s, r) => resolve(r.reason)));
    spoke.kill('SIGTERM');
    expect(await loss).toBe('its channel closed (the spoke said: spm-spoke was sent SIGTERM)');
    expect(await exitOf(spoke)).toBe(0);
  });

  it('tells a spoke refused for a taken id why: it exits 1 saying so (it said nothing)', async () => {
    cloud = await VirtualCloud.start({ join: { secret, log: () => undefined }, hubHost: 'hub' });
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    spmSpoke(cloud.joinUrl, { SPM_SECRET: secret, SPM_SPOKE_ID: 'dup' });
    await ready;
    const twin = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret, SPM_SPOKE_ID: 'dup' });
    const said = stderrOf(twin);
    expect(await exitOf(twin)).toBe(1);
    expect(said.text).toMatch(/A spoke with id `dup` is already registered \(from join\); refusing a second one/);
  });

  it('marks a joined spoke killed to be relaunched lost, not failed: whoever started it restarts it under its id', async () => {
    // It used to be failed for good: its restart was turned away without a word, and every
    // later lease waited out its timeout ("remote-a failed: … relaunched by whoever started it").
    cloud = await VirtualCloud.start({ join: { secret, log: () => undefined }, hubHost: 'hub' });
    const url = cloud.joinUrl;
    const ready = (): Promise<SpokeInfo> => new Promise((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    let next = ready();
    const first = spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'remote-a' });
    const firstSaid = stderrOf(first);
    await next;
    const lease = await cloud.tracker.lease({ pool: cloud.pool.inter(), timeoutWaitForSpokesMs: 5000 });
    const lost = new Promise<string>((resolve) => lease.once('lost', (spoke, reason) => resolve(`${spoke.id}: ${reason.reason}`)));
    const failed: string[] = [];
    lease.on('failed', (spoke) => failed.push(spoke.id));
    cloud.tracker.on('spoke-failed', (spoke) => failed.push(spoke.id));
    await lease.relaunch('remote-a'); // what a task timeout does
    expect(await lost).toMatch(/^remote-a: it was killed to be relaunched, and spokes of `join` are relaunched by whoever started them, not by the hub: it may rejoin under its id$/);
    expect(cloud.tracker.snapshot('remote-a')?.state).toBe('lost');
    expect(await exitOf(first)).toBe(0);
    expect(firstSaid.text).toMatch(/the hub let this spoke go: killed by the hub to be relaunched; spokes of `join` are relaunched by whoever started them/);
    // Its supervisor starts it again: it rejoins, and comes back to the lease that holds it.
    const back = new Promise<SpokeInfo>((resolve) => lease.once('ready', resolve));
    spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'remote-a' });
    expect(await back).toMatchObject({ id: 'remote-a', state: 'leased', incarnation: 2 });
    // The same for Tracker.relaunch and a release that relaunches.
    next = ready();
    await lease.release({ relaunch: true });
    expect(cloud.tracker.snapshot('remote-a')?.state).toBe('lost');
    spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'remote-a' });
    expect(await next).toMatchObject({ id: 'remote-a', state: 'idle', incarnation: 3 });
    next = ready();
    await cloud.tracker.relaunch('remote-a');
    expect(cloud.tracker.snapshot('remote-a')?.state).toBe('lost');
    spmSpoke(url, { SPM_SECRET: secret, SPM_SPOKE_ID: 'remote-a' });
    expect(await next).toMatchObject({ id: 'remote-a', state: 'idle', incarnation: 4 });
    expect(failed).toEqual([]);
  });

  it('tells a joined spoke stopped on purpose why it may not rejoin (it was closed without a word)', async () => {
    cloud = await VirtualCloud.start({ join: { secret, log: () => undefined }, hubHost: 'hub' });
    const ready = new Promise<SpokeInfo>((resolve) => cloud?.tracker.once('spoke-ready', resolve));
    const first = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret, SPM_SPOKE_ID: 'gone' });
    const firstSaid = stderrOf(first);
    await ready;
    await cloud.tracker.kill('gone');
    expect(await exitOf(first)).toBe(0);
    expect(firstSaid.text).toMatch(/the hub let this spoke go: stopped by the hub \(Tracker\.kill or Lease\.kill\): it may not rejoin/);
    const again = spmSpoke(cloud.joinUrl, { SPM_SECRET: secret, SPM_SPOKE_ID: 'gone' });
    const said = stderrOf(again);
    expect(await exitOf(again)).toBe(1);
    expect(said.text).toMatch(/Spoke `gone` is stopped and may not rejoin: it was stopped on purpose \(Tracker\.kill or Lease\.kill\)/);
    expect(cloud.tracker.snapshot('gone')).toMatchObject({ state: 'stopped', incarnation: 1 });
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

describe('join: what the hub says of a peer it turns away', () => {
  const hello = (spokeId: string): Message => ({ type: 'hello', v: PROTOCOL_VERSION, spokeId, host: 'h', pid: 1, tags: [] });

  /** A cloud whose join log is kept, `warn ` lines first-class. */
  async function loggedCloud(): Promise<{ lines: string[]; warns: () => string[] }> {
    const lines: string[] = [];
    cloud = await VirtualCloud.start({ join: { secret, log: (level, message) => lines.push(`${level} ${message}`) }, hubHost: 'hub', heartbeatIntervalMs: 0 });
    return { lines, warns: () => lines.filter((line) => line.startsWith('warn ')) };
  }

  it('logs a refused id claim once, naming the peer and the reason (the line said neither)', async () => {
    const { warns } = await loggedCloud();
    const url = cloud?.joinUrl ?? '';
    const first = await rawInsider(url, secret);
    first.write(encodeFrame(hello('dup')));
    await waitFor(() => cloud?.tracker.snapshot('dup')?.state === 'idle', 5000, 'the first spoke to join');
    const twin = await rawInsider(url, secret);
    const where = `127.0.0.1:${twin.localPort}`;
    twin.write(encodeFrame(hello('dup')));
    await closeOf(twin);
    await waitFor(() => warns().length > 0, 5000, 'a warn line');
    expect(warns()).toEqual([`warn a TCP spoke could not join: A spoke with id \`dup\` is already registered (from join); refusing a second one from tcp://${where} {"peer":"${where}","reason":"id-taken"}`]);
    first.destroy();
  });

  it('logs a message a spoke never sends (a second hello, a welcome) once per channel, naming the spoke (it was dropped unsaid)', async () => {
    const lines: string[] = [];
    cloud = await VirtualCloud.start({ join: { secret }, log: (level, message) => lines.push(`${level} ${message}`), hubHost: 'hub', heartbeatIntervalMs: 0 });
    const insider = await rawInsider(cloud.joinUrl, secret);
    insider.write(encodeFrame(hello('odd')));
    await waitFor(() => cloud?.tracker.snapshot('odd')?.state === 'idle', 5000, 'the spoke to join');
    insider.write(encodeFrame(hello('odd')));
    insider.write(encodeFrame({ type: 'welcome', v: PROTOCOL_VERSION, spokeId: 'odd', heartbeatMs: 0 }));
    const offProtocol = (): string[] => lines.filter((line) => line.includes('which a spoke never sends'));
    await waitFor(() => offProtocol().length > 0, 5000, 'a warn line');
    // A message a spoke does send after them, dropped with a debug line (no manager holds the
    // spoke): once it is said, everything before it has been heard.
    insider.write(encodeFrame({ type: 'notify', v: PROTOCOL_VERSION, taskId: 0, attempt: 1, body: null }));
    await waitFor(() => lines.some((line) => line.startsWith('debug dropped a `notify` from spoke odd')), 5000, 'the notify to be heard');
    expect(offProtocol()).toEqual([expect.stringMatching(/^warn spoke odd \(tcp:\/\/127\.0\.0\.1:\d+\) sent a `hello` message, which a spoke never sends: ignored \(said once for this channel\)$/)]);
    expect(cloud.tracker.snapshot('odd')?.state).toBe('idle');
    insider.destroy();
  });

  it('logs each bad frame once, with the peer and `channel-error` (a second line said it again)', async () => {
    const { warns } = await loggedCloud();
    const url = cloud?.joinUrl ?? '';
    const reserved = await rawInsider(url, secret);
    const where = `127.0.0.1:${reserved.localPort}`;
    let told = '';
    reserved.on('data', (chunk: Buffer) => (told += chunk.toString('latin1')));
    reserved.write(Buffer.from([0, 0, 0, 1, 0xc1]));
    await closeOf(reserved);
    // Told why before the hub ended the connection (it saw only the close).
    expect(told).toContain(`the hub refused a frame of this peer's: Refused a frame on tcp://${where}: reserved type byte 0xc1 at byte 0`);
    await waitFor(() => warns().length > 0, 5000, 'a warn line');
    expect(warns()).toEqual([
      `warn closed channel tcp://${where}: Refused a frame on tcp://${where}: reserved type byte 0xc1 at byte 0 {"peer":"${where}","reason":"channel-error"}`,
    ]);
    const notHello = await rawInsider(url, secret);
    notHello.write(encodeFrame({ type: 'heartbeat', v: PROTOCOL_VERSION, seq: 1 }));
    await closeOf(notHello);
    await waitFor(() => warns().length > 1, 5000, 'a second warn line');
    expect(warns().slice(1)).toEqual([expect.stringMatching(/^warn closed channel tcp:\/\/127\.0\.0\.1:\d+: Expected a `hello` as the first message on tcp:\/\/127\.0\.0\.1:\d+, got `heartbeat` \{"peer":"127\.0\.0\.1:\d+","reason":"channel-error"\}$/u)]);
  });

  it('drops an insider whose first frame announces more than a hello needs, as its length prefix arrives (it held 4 MiB per connection until the hello timed out)', async () => {
    const { warns } = await loggedCloud();
    const insider = await rawInsider(cloud?.joinUrl ?? '', secret);
    const where = `127.0.0.1:${insider.localPort}`;
    insider.write(Buffer.from([0x00, 0x40, 0x00, 0x00])); // 4 MiB announced, none of it sent
    await closeOf(insider);
    await waitFor(() => warns().length > 0, 5000, 'a warn line');
    expect(warns()).toEqual([
      `warn closed channel tcp://${where}: Refused a frame on tcp://${where}: its length prefix announces 4194304 bytes, expected at most 65536 for the first frame (\`maxFirstFrameBytes\`) {"peer":"${where}","reason":"channel-error"}`,
    ]);
    expect(cloud?.spokes()).toEqual([]);
  });

  it('refuses a hello whose id would forge a line, telling the peer why, in one stderr line with the field, peer and reason (no log given)', async () => {
    cloud = await VirtualCloud.start({ join: { secret }, hubHost: 'hub', heartbeatIntervalMs: 0 });
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
    let where = '';
    let told = '';
    try {
      const peer = await rawInsider(cloud.joinUrl, secret);
      where = `127.0.0.1:${peer.localPort}`;
      peer.on('data', (chunk: Buffer) => (told += chunk.toString('latin1')));
      peer.write(encodeFrame(hello('evil\nspm-transport [warn] refused connection from 10.9.9.9:22: FORGED')));
      await closeOf(peer);
      await waitFor(() => said.join('').includes('could not join'), 5000, 'the warn line');
    } finally {
      process.stderr.write = write;
    }
    const lines = said.join('').split('\n').filter((line) => line !== '');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^spm-transport \\[warn\\] a TCP spoke could not join: Refused the hello of the spoke on tcp://${where}: Expected \`hello\\.spokeId\` .* with U\\+000A at index 4 \\{"peer":"${where}","reason":"bad-hello"\\}$`, 'u'))]);
    expect(told).toContain('Refused the hello of the spoke on');
    expect(cloud.spokes()).toEqual([]);
  });
});
