// The TCP hub under attack, as deployed: a VirtualCloud whose `join` provisioner admits
// `spm-spoke` processes, one honest spoke (secret in a 0600 file) evaluating prime counts the
// whole time. Each attack is refused or its connection closed with a log line, and the honest
// spoke keeps working through all of them. The transport's own suite
// (packages/transport/test/tcp.spec.ts) covers the same refusals at the socket level; this one
// adds what it lacks: 60,000- and 100,000-deep nesting, bit-flipped frames, 1,000 connections at once, a
// one-byte-a-second drip against the real default timeout, a hijacked spoke id, and the `ps` check.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { pack, Packr } from 'msgpackr';
import { SPMTransportError } from '@spm/exceptions';
import { countPrimes } from '@spm/prime-count';
import { join, VirtualCloud, type SpokeInfo } from '@spm/tracker';
import { connectTcp, encodeFrame, type Channel, type Message } from '@spm/transport';
import { after } from '@spm/typedef';
import { seededRandom, saveFigures } from '@spm/gauntlet';
import { waitFor } from '@spm/testing';
import { closedWithin, rawSocket, tapTcp, type TcpTap } from './support/tcp-tap.js';
import { windows } from './fixtures/gauntlet-closures.mjs';

const SECRET = randomBytes(24).toString('hex');
const MAGIC = Buffer.from('SPM-TCP1', 'latin1');
const spmSpoke = createRequire(import.meta.url).resolve('@spm/spoke/package.json').replace(/package\.json$/, 'dist/bin/spm-spoke.js');

function frameOf(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

/** A `hello` whose `tags` is an array nested `depth` deep, built byte by byte (no encoder recurses that far). */
function deeplyNested(depth: number): Buffer {
  return frameOf(
    Buffer.concat([
      Buffer.from([0x85]), // a map of 5 entries
      pack('type'),
      pack('hello'),
      pack('v'),
      pack(1),
      pack('host'),
      pack('deep'),
      pack('pid'),
      pack(1),
      pack('tags'),
      Buffer.alloc(depth, 0x91), // fixarray of 1, `depth` times
      pack(0),
    ]),
  );
}

const hello = (spokeId: string): Message => ({ type: 'hello', v: 3, spokeId, host: 'attacker', pid: 1, tags: [] });

describe('a TCP hub under attack keeps an honest spoke working', () => {
  const log: string[] = [];
  let dir: string;
  let cloud: VirtualCloud;
  let honest: ChildProcess;
  let honestStderr = '';
  let tap: TcpTap;
  let port: number;
  let stop = false;
  let completed = 0;
  let workError: unknown;
  let work: Promise<void>;
  let attacks = 0;

  beforeAll(async () => {
    dir = mkdtempSync(joinPath(tmpdir(), 'gauntlet-tcp-'));
    const secretFile = joinPath(dir, 'secret');
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
    cloud = await VirtualCloud.start({
      hubHost: 'hub',
      helloTimeoutMs: 2000,
      log: (level, message) => log.push(`${level} ${message}`),
      join: { secret: SECRET, log: (level, message) => log.push(`${level} ${message}`) },
    });
    port = Number(new URL(cloud.joinUrl.replace('tcp:', 'http:')).port);
    const ready = new Promise<SpokeInfo>((resolve) => cloud.tracker.on('spoke-ready', (s) => s.id === 'honest' && resolve(s)));
    honest = spawn(process.execPath, [spmSpoke, '--hub', cloud.joinUrl, '--secret-file', secretFile, '--tags', 'honest', '--host', 'hub'], {
      env: { ...process.env, SPM_SPOKE_ID: 'honest' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    honest.stderr?.on('data', (chunk: Buffer) => (honestStderr += chunk.toString()));
    // A spoke that cannot start (a package rebuilt under it, say) fails the suite at once, saying why.
    const exited = new Promise<never>((_, reject) =>
      honest.once('exit', (code, signal) => reject(new Error(`the honest spm-spoke exited (${code ?? signal}) before joining: ${honestStderr.trim()}`))),
    );
    await Promise.race([ready, exited]);
    tap = await tapTcp(port);
    // The honest spoke counts primes, invocation after invocation, while the attacks run.
    work = (async () => {
      while (!stop) {
        try {
          const summary = await windows.manage({
            pool: cloud.pool.inter().withTags('honest'),
            tasks: [0, 1, 2].map((i) => ({ nMin: i * 20_000, nMax: (i + 1) * 20_000 })),
            timeoutWaitForSpokes: after({ seconds: 10 }),
            timeoutExecution: after({ seconds: 20 }),
            onStatus: (report) => {
              const i = Number(report.taskId);
              if (report.returnValue() !== countPrimes(i * 20_000, (i + 1) * 20_000)) throw new Error(`task ${i} counted wrong`);
            },
          });
          if (summary.ok !== 3) throw new Error(`expected 3 tasks done, got ${summary.ok}`);
          completed += summary.ok;
        } catch (error) {
          workError = error;
          return;
        }
      }
    })();
  }, 60_000);

  afterAll(async () => {
    stop = true;
    await work;
    await tap?.close();
    await cloud?.close();
    honest?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    saveFigures('tcp-attacks', 'tcp-attacks.spec.ts', [
      {
        scenario: 'attacks on the TCP hub while an honest spm-spoke works (wrong secret, replay, bad and bit-flipped frames, 1,000 connections, drip, hijacked id)',
        runs: 1,
        faults: attacks,
        tasks: completed,
        lost: 0,
        duplicateReports: 0,
        duplicateExecutions: 0,
        leftovers: 0,
        note: 'faults = hostile connections opened; tasks = honest tasks completed meanwhile, every one reported once with its count',
      },
    ]);
  }, 60_000);

  async function stillServing(): Promise<void> {
    const before = completed;
    await waitFor(() => completed >= before + 3 || workError !== undefined, 20_000, 'the honest spoke to complete more tasks');
    expect(workError).toBeUndefined();
    expect(cloud.tracker.snapshot('honest')?.state).toMatch(/^(leased|idle)$/);
  }

  /** Resolves with the first log line after `mark` that contains `text`. */
  async function logged(text: string, mark: number, ms = 10_000): Promise<string> {
    await waitFor(() => log.slice(mark).some((l) => l.includes(text)), ms, `a log line with "${text}"`);
    return log.slice(mark).find((l) => l.includes(text)) as string;
  }

  /** An authenticated connection through the tap: a peer that knows the secret. */
  async function insider(): Promise<{ channel: Channel; closed: Promise<SPMTransportError | undefined> }> {
    attacks += 1;
    const channel = await connectTcp({ url: tap.url, secret: SECRET });
    const closed = new Promise<SPMTransportError | undefined>((resolve) => channel.once('close', resolve));
    return { channel, closed };
  }

  it('binds loopback by default, refuses another address without allowRemote, and never runs without a secret', async () => {
    expect(cloud.joinUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    await expect(VirtualCloud.start({ join: { secret: SECRET, host: '0.0.0.0' } })).rejects.toThrow(/allowRemote/);
    expect(() => join({ secret: '' })).toThrow('Expected `secret` to be a non-empty string: a TCP hub never runs without one');
  });

  it('refuses a wrong secret', async () => {
    const mark = log.length;
    attacks += 1;
    await expect(connectTcp({ url: cloud.joinUrl, secret: 'not the secret, but long enough' })).rejects.toThrow(SPMTransportError);
    expect(await logged('authentication failed', mark)).toMatch(/^warn refused connection from 127\.0\.0\.1:\d+: authentication failed/);
    await stillServing();
  });

  it('refuses a replayed handshake (an authenticated peer’s recorded answer)', async () => {
    const spy = await insider();
    const answer = Buffer.concat(tap.recorded[tap.recorded.length - 1] ?? []).subarray(0, 72);
    expect(answer.subarray(0, 8).equals(MAGIC)).toBe(true);
    spy.channel.close();
    const mark = log.length;
    attacks += 1;
    const replay = await rawSocket(port);
    await waitFor(() => Buffer.concat(replay.received).length >= 40, 5000, 'the hub’s challenge');
    replay.write(answer);
    await logged('authentication failed', mark);
    await closedWithin(replay, 5000);
    await stillServing();
  });

  it.each([
    ['garbage (an HTTP request)', Buffer.from('GET / HTTP/1.1\r\nHost: hub\r\n\r\n')],
    ['a 4 GiB length prefix', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['100,000-deep nesting', deeplyNested(100_000)],
  ])('refuses %s before authentication at its first bytes', async (_what, bytes) => {
    const mark = log.length;
    attacks += 1;
    const socket = await rawSocket(port);
    socket.write(bytes);
    expect(await logged('wrong magic bytes', mark)).toMatch(/^warn refused connection from 127\.0\.0\.1:\d+: not an spm-ts handshake/);
    await closedWithin(socket, 5000);
    await stillServing();
  });

  it.each([
    ['a 4 GiB length prefix', Buffer.from([0xff, 0xff, 0xff, 0xff]), 'announces 4294967295 bytes'],
    // 60,000 levels: a joining spoke's first frame may take 64 KiB (`maxFirstFrameBytes`).
    ['60,000-deep nesting', deeplyNested(60_000), 'nesting deeper than 64'],
    ['100,000-deep nesting (past the 64 KiB a first frame may take)', deeplyNested(100_000), 'expected at most 65536 for the first frame'],
    ['a `__proto__` key', frameOf(pack(JSON.parse('{"type":"hello","v":1,"host":"x","pid":1,"tags":[],"__proto__":{"polluted":true}}'))), 'forbidden map key `__proto__`'],
    ['a `constructor` key', frameOf(pack(JSON.parse('{"type":"hello","v":1,"host":"x","pid":1,"tags":[],"constructor":{"prototype":{"polluted":true}}}'))), 'forbidden map key `constructor`'],
    ['a msgpack extension type (a timestamp)', frameOf(pack({ type: 'hello', v: 3, host: 'x', pid: 1, tags: [], at: new Date(0) })), 'is not data'],
    ['msgpackr’s record extension', frameOf(new Packr({ useRecords: true }).pack({ type: 'hello', v: 3, host: 'x', pid: 1, tags: [] })), 'Refused a frame'],
    ['the reserved byte 0xc1', frameOf(Buffer.from([0xc1, 0xc1])), 'reserved type byte 0xc1'],
    ['a message that is not a hello', encodeFrame({ type: 'heartbeat', v: 3, seq: 1 }), 'Expected a `hello` as the first message'],
  ])('closes an authenticated connection that sends %s, with a log line', async (_what, bytes, expected) => {
    const { closed } = await insider();
    const mark = log.length;
    tap.inject(bytes);
    expect(await closed).toBeInstanceOf(SPMTransportError);
    expect(await logged(expected, mark)).toMatch(/^warn /);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await stillServing();
  });

  it('turns each bit-flipped hello into a refusal with a log line or a valid hello, never a crash', async () => {
    const random = seededRandom(0x5eed);
    let refused = 0;
    let accepted = 0;
    for (let i = 0; i < 32; i += 1) {
      const frame = Buffer.from(encodeFrame(hello(`flip-${i}`)));
      const bit = Math.floor(random() * frame.length * 8);
      frame[bit >> 3] = (frame[bit >> 3] as number) ^ (1 << (bit & 7));
      const { channel, closed } = await insider();
      const welcomed = new Promise<'accepted'>((resolve) => channel.on('message', (m) => m.type === 'welcome' && resolve('accepted')));
      const mark = log.length;
      tap.inject(frame);
      // A flip that makes the frame claim more bytes than come leaves the hub waiting: the tracker's
      // hello timeout (2 s here) cuts it.
      const outcome = await Promise.race([welcomed, closed.then(() => 'refused' as const)]);
      if (outcome === 'refused') {
        refused += 1;
        await logged('warn ', mark);
      } else {
        accepted += 1;
        channel.close();
      }
    }
    process.stdout.write(`bit-flipped hellos: ${refused} refused with a log line, ${accepted} accepted as valid hellos\n`);
    expect(refused + accepted).toBe(32);
    expect(refused).toBeGreaterThan(0);
    await stillServing();
  }, 120_000);

  it('refuses an authenticated peer that claims the id of a live spoke; the spoke keeps its place', async () => {
    const { channel, closed } = await insider();
    const mark = log.length;
    const received: Message[] = [];
    channel.on('message', (message) => received.push(message));
    channel.send(hello('honest'));
    // Told why, then let go (its channel used to be closed with the error, the reason unsent).
    await closed;
    expect(received).toEqual([expect.objectContaining({ type: 'shutdown', reason: expect.stringContaining('A spoke with id `honest` is already registered') })]);
    await logged('A spoke with id `honest` is already registered', mark);
    expect(cloud.tracker.snapshot('honest')?.pid).toBe(honest.pid);
    await stillServing();
  });

  it('cuts a one-byte-a-second drip at the handshake timeout and refuses 1,000 connections at once beyond the limit, while serving', async () => {
    const mark = log.length;
    attacks += 1001;
    const drip = await rawSocket(port);
    let dripped = 0;
    const dripper = setInterval(() => {
      if (!drip.destroyed) drip.write(MAGIC.subarray(dripped % MAGIC.length, (dripped % MAGIC.length) + 1));
      dripped += 1;
    }, 1000);
    const flood = await Promise.all(Array.from({ length: 1000 }, () => rawSocket(port).catch(() => undefined)));
    try {
      await waitFor(() => log.slice(mark).filter((l) => l.includes('too many unauthenticated connections')).length >= 936, 10_000, '936 refusals at the limit');
      // While 64 handshakes hang, the honest spoke works.
      await stillServing();
      await waitFor(() => flood.every((s) => s === undefined || s.destroyed) && drip.destroyed, 15_000, 'every hostile connection closed');
      const lines = log.slice(mark);
      const limited = lines.filter((l) => l.includes('too many unauthenticated connections (limit 64)')).length;
      const timedOut = lines.filter((l) => l.includes('handshake timed out after 5000 ms')).length;
      process.stdout.write(`1,000 connections and a drip: ${limited} refused at the limit, ${timedOut} cut at the handshake timeout, drip cut after ${dripped} byte(s)\n`);
      expect(limited + timedOut).toBe(1001);
      expect(limited).toBeGreaterThanOrEqual(936);
      expect(dripped).toBeLessThanOrEqual(7);
    } finally {
      clearInterval(dripper);
      drip.destroy();
      for (const socket of flood) socket?.destroy();
    }
    // Once the flood is over, a new spoke gets in.
    const late = await connectTcp({ url: cloud.joinUrl, secret: SECRET });
    late.close();
    await stillServing();
  }, 60_000);

  it('never shows the secret in `ps` (arguments or environment), in a log line or on the spoke’s stderr', () => {
    const ps = execFileSync('ps', ['axeww', '-o', 'args'], { maxBuffer: 64 * 1024 * 1024 }).toString();
    expect(ps).toContain(spmSpoke); // the honest spoke is listed…
    expect(ps).not.toContain(SECRET); // …without its secret
    expect(log.length).toBeGreaterThan(1000);
    expect(log.join('\n')).not.toContain(SECRET);
    expect(honestStderr).not.toContain(SECRET);
  });
});
