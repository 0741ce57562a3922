import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pack } from 'msgpackr';
import { SPMTransportError } from '@spm/exceptions';
import { connectTcp, listenTcp, PROTOCOL_VERSION, type Channel, type Message, type TcpHub, type TcpLogFields, type TcpLogLevel } from '@spm/transport';
import { closed, rawSocket, receive, startProxy, type TcpProxy } from './support/tcp-proxy.js';
import { closeOf, killQuietly, nextMessage, roundTrip, waitFor } from './support/wait.js';

const SECRET = 'tcp-spec shared secret, 41 bytes long....';
const MAGIC = Buffer.from('SPM-TCP1', 'latin1');
const HANDSHAKE_TIMEOUT_MS = 300;
const MAX_UNAUTHENTICATED = 8;
const MAX_FRAME_BYTES = 64 * 1024;

interface LogLine {
  readonly level: TcpLogLevel;
  readonly message: string;
  readonly fields: TcpLogFields;
}

function frameOf(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

/** A hub that echoes heartbeats, and records its log. */
async function echoHub(log: LogLine[], options: { handshakeTimeoutMs?: number } = {}): Promise<TcpHub> {
  const hub = await listenTcp({
    secret: SECRET,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    maxUnauthenticated: MAX_UNAUTHENTICATED,
    maxFrameBytes: MAX_FRAME_BYTES,
    log: (level, message, fields) => log.push({ level, message, fields }),
  });
  hub.on('channel', (channel) => {
    channel.on('message', (message) => {
      if (message.type === 'heartbeat') channel.send(message);
    });
  });
  return hub;
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe: Server = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe('a TCP hub under attack keeps serving an honest spoke', () => {
  const log: LogLine[] = [];
  let hub: TcpHub;
  let honest: Channel;
  let proxy: TcpProxy;
  let pings = 0;
  let pingError: unknown;
  let stop = false;
  let pinger: Promise<void>;

  beforeAll(async () => {
    hub = await echoHub(log);
    proxy = await startProxy(hub.port);
    honest = await connectTcp({ url: hub.url, secret: SECRET });
    // The honest spoke round-trips continuously while every attack below runs.
    pinger = (async () => {
      let seq = 1_000_000;
      while (!stop) {
        try {
          await roundTrip(honest, seq++);
          pings++;
        } catch (error) {
          pingError = error;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
  });

  afterAll(async () => {
    stop = true;
    await pinger;
    honest.close();
    await proxy.close();
    await hub.close();
  });

  /** Waits for the first log line after `mark` with this reason. */
  async function logged(reason: string, mark: number): Promise<LogLine> {
    await waitFor(() => log.slice(mark).some((line) => line.fields['reason'] === reason), `a log line with reason ${reason}`);
    const line = log.slice(mark).find((l) => l.fields['reason'] === reason);
    if (!line) throw new Error('unreachable');
    expect(line.level).toBe('warn');
    return line;
  }

  async function stillServing(): Promise<void> {
    const before = pings;
    await waitFor(() => pings >= before + 2, 'the honest spoke to complete two more round trips');
    expect(pingError).toBeUndefined();
    expect(honest.closed).toBe(false);
  }

  it('refuses a wrong secret', async () => {
    const mark = log.length;
    const attempt = connectTcp({ url: hub.url, secret: 'not the secret, but long enough' });
    await expect(attempt).rejects.toThrow(SPMTransportError);
    await expect(attempt).rejects.toThrow('the hub closed the connection during the handshake (wrong secret?)');
    const line = await logged('auth-failed', mark);
    expect(line.message).toMatch(/^refused connection from 127\.0\.0\.1:\d+: authentication failed \(wrong secret, or a replayed handshake\)$/u);
    await stillServing();
  });

  it('refuses a replayed handshake (an honest spoke’s recorded answer)', async () => {
    const spy = await connectTcp({ url: proxy.url, secret: SECRET });
    await roundTrip(spy, 1);
    const answer = Buffer.concat(proxy.recorded[proxy.recorded.length - 1] ?? []).subarray(0, 72);
    expect(answer.subarray(0, 8).equals(MAGIC)).toBe(true);
    spy.close();
    const mark = log.length;
    const replay = await rawSocket(hub.port);
    await receive(replay, 40); // a fresh challenge, which the recorded answer does not match
    replay.write(answer);
    await logged('auth-failed', mark);
    await closed(replay);
    await stillServing();
  });

  it.each([
    ['garbage bytes', Buffer.from('GET / HTTP/1.1\r\nHost: hub\r\n\r\n')],
    ['a 4 GiB length prefix before authenticating', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['a frame before authenticating', frameOf(pack({ type: 'heartbeat', v: 3, seq: 1 }))],
  ])('refuses %s at once', async (_what, bytes) => {
    const mark = log.length;
    const socket = await rawSocket(hub.port);
    socket.write(bytes);
    const line = await logged('bad-magic', mark);
    expect(line.message).toContain('not an spm-ts handshake (wrong magic bytes)');
    await closed(socket);
    await stillServing();
  });

  it('refuses data sent beyond the handshake answer before the hub confirmed', async () => {
    const mark = log.length;
    const socket = await rawSocket(hub.port);
    socket.write(Buffer.concat([MAGIC, Buffer.alloc(100, 7)]));
    await logged('early-data', mark);
    await closed(socket);
    await stillServing();
  });

  it('cuts off a slow drip when the handshake times out', async () => {
    const mark = log.length;
    const socket = await rawSocket(hub.port);
    let sent = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(MAGIC.subarray(sent % MAGIC.length, (sent % MAGIC.length) + 1));
      sent++;
    }, 40);
    try {
      const line = await logged('handshake-timeout', mark);
      expect(line.message).toContain(`handshake timed out after ${HANDSHAKE_TIMEOUT_MS} ms`);
      await closed(socket);
      expect(sent).toBeGreaterThan(0);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    await stillServing();
  });

  it('drops connections beyond the unauthenticated limit at once, and the rest at the handshake timeout', async () => {
    const mark = log.length;
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < MAX_UNAUTHENTICATED + 4; i++) sockets.push(await rawSocket(hub.port));
      await waitFor(() => log.slice(mark).filter((l) => l.fields['reason'] === 'unauthenticated-limit').length === 4, 'four limit refusals');
      expect(hub.unauthenticated).toBeLessThanOrEqual(MAX_UNAUTHENTICATED);
      const limitLine = log.slice(mark).find((l) => l.fields['reason'] === 'unauthenticated-limit');
      expect(limitLine?.message).toContain(`too many unauthenticated connections (limit ${MAX_UNAUTHENTICATED})`);
      await stillServing();
      await Promise.all(sockets.map((s) => closed(s)));
      expect(log.slice(mark).filter((l) => l.fields['reason'] === 'handshake-timeout')).toHaveLength(MAX_UNAUTHENTICATED);
      expect(hub.unauthenticated).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // Once the flood is gone, a new spoke gets in.
    const late = await connectTcp({ url: hub.url, secret: SECRET });
    await roundTrip(late, 7);
    late.close();
    await stillServing();
  });

  const valid = { type: 'notify', v: 3, taskId: 1, attempt: 1 };
  let deep: unknown = 0;
  for (let i = 0; i < 80; i++) deep = [deep];
  it.each([
    ['a 4 GiB length prefix', Buffer.from([0xff, 0xff, 0xff, 0xff]), 'its length prefix announces 4294967295 bytes, expected at most 65536'],
    ['an oversize frame', Buffer.concat([Buffer.from([0x00, 0x01, 0x86, 0xa0]) /* 100000 */, Buffer.alloc(1000)]), 'announces 100000 bytes, expected at most 65536'],
    ['a `__proto__` key', frameOf(pack(JSON.parse('{"type":"notify","v":1,"taskId":1,"attempt":1,"body":{"__proto__":{"admin":true}}}'))), 'forbidden map key `__proto__`'],
    ['a `constructor` key', frameOf(pack(JSON.parse('{"type":"notify","v":1,"taskId":1,"attempt":1,"body":{"constructor":{"prototype":1}}}'))), 'forbidden map key `constructor`'],
    ['deep nesting', frameOf(pack({ ...valid, body: deep })), 'nesting deeper than 64'],
    ['an extension type', frameOf(pack({ ...valid, body: new Date(0) })), 'is not data'],
    ['a garbage frame', frameOf(Buffer.from([0xc1, 0xc1, 0xc1])), 'reserved type byte 0xc1'],
    ['a message of an unknown type', frameOf(pack({ type: 'exec', v: 3, cmd: 'rm -rf /' })), 'Expected `type` to be a known message type, got `"exec"` (string)'],
    ['a message of another protocol version', frameOf(pack({ type: 'heartbeat', v: 99, seq: 1 })), 'Expected protocol version `v` to be 3, got `99` (number)'],
  ])('closes an authenticated channel that sends %s, with a log line', async (_what, bytes, expected) => {
    const attacker = await connectTcp({ url: proxy.url, secret: SECRET });
    await roundTrip(attacker, 1);
    const attackerClosed = closeOf(attacker);
    const told: Message[] = [];
    attacker.on('message', (m) => told.push(m));
    const mark = log.length;
    proxy.inject(bytes);
    const line = await logged('channel-error', mark);
    expect(line.message).toContain('Refused a frame on tcp://127.0.0.1:');
    expect(line.message).toContain(expected);
    const error = await attackerClosed;
    expect(error).toBeInstanceOf(SPMTransportError); // the hub cut it: no goodbye
    // Told why first (it saw only its connection closed).
    expect(told).toEqual([{ type: 'shutdown', v: PROTOCOL_VERSION, reason: expect.stringContaining(`the hub refused a frame of this peer's: Refused a frame on tcp://127.0.0.1:`) as unknown }]);
    expect((told[0] as { reason: string }).reason).toContain(expected);
    await stillServing();
  });

  it('never writes the secret to its log', () => {
    expect(log.length).toBeGreaterThan(20);
    expect(JSON.stringify(log)).not.toContain(SECRET);
  });
});

describe('listenTcp and connectTcp', () => {
  it('bind loopback by default and refuse another address without allowRemote', async () => {
    const hub = await listenTcp({ secret: SECRET, log: () => undefined });
    try {
      expect(hub.host).toBe('127.0.0.1');
      expect(hub.url).toBe(`tcp://127.0.0.1:${hub.port}`);
    } finally {
      await hub.close();
    }
    await expect(listenTcp({ secret: SECRET, host: '0.0.0.0' })).rejects.toThrow('Expected a loopback `host` (127.0.0.1, ::1) unless `allowRemote: true`, got `0.0.0.0`');
  });

  it('refuse a URL whose port is out of range, saying the range (a port past 65535 said nothing of it)', async () => {
    for (const port of ['99999', '0', '65536']) {
      await expect(connectTcp({ url: `tcp://127.0.0.1:${port}`, secret: SECRET })).rejects.toThrow(`Expected a URL of the form \`tcp://host:port\` (port 1–65535), got \`tcp://127.0.0.1:${port}\``);
    }
  });

  it('refuse a missing or short secret without quoting it', async () => {
    await expect(listenTcp({ secret: 'short' })).rejects.toThrow('Expected `secret` to be at least 16 bytes, got 5 bytes');
    await expect(connectTcp({ url: 'tcp://127.0.0.1:1', secret: '' })).rejects.toThrow(SPMTransportError);
    await expect(listenTcp({} as unknown as Parameters<typeof listenTcp>[0])).rejects.toThrow('Expected `secret` to be a string or bytes');
  });

  it('refuse a bad handshakeTimeoutMs, maxUnauthenticated or log before binding: the port stays free', async () => {
    const port = await freePort();
    const bad = [{ maxUnauthenticated: 0 }, { handshakeTimeoutMs: Number.NaN }, { handshakeTimeoutMs: 2 ** 31 }, { log: 'yes' as unknown as () => void }];
    for (const options of bad) await expect(listenTcp({ secret: SECRET, port, ...options })).rejects.toThrow(SPMTransportError);
    await expect(listenTcp({ secret: SECRET, port, maxUnauthenticated: 0 })).rejects.toThrow('Expected `maxUnauthenticated` to be an integer ≥ 1, got `0` (number)');
    // Bound and left listening, the port used to be taken: this listen failed (EADDRINUSE).
    const hub = await listenTcp({ secret: SECRET, port, log: () => undefined });
    await hub.close();
  });

  it('close the port again when its log throws as the hub starts', async () => {
    const port = await freePort();
    await expect(
      listenTcp({
        secret: SECRET,
        port,
        log: () => {
          throw new Error('log broke');
        },
      }),
    ).rejects.toThrow('log broke');
    const hub = await listenTcp({ secret: SECRET, port, log: () => undefined });
    await hub.close();
  });

  it('close the hub’s end cleanly when the spoke closes, and with an error when it vanishes', async () => {
    const log: LogLine[] = [];
    const hub = await echoHub(log);
    const proxy = await startProxy(hub.port);
    try {
      const accepted: Channel[] = [];
      hub.on('channel', (channel) => accepted.push(channel));
      const polite = await connectTcp({ url: hub.url, secret: SECRET });
      await roundTrip(polite, 1);
      const politeEnd = accepted[0];
      if (!politeEnd) throw new Error('no channel accepted');
      expect(politeEnd.label).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/u);
      const cleanly = closeOf(politeEnd);
      polite.close();
      expect(await cleanly).toBeUndefined();

      const crashing = await connectTcp({ url: proxy.url, secret: SECRET });
      await roundTrip(crashing, 2);
      const crashingEnd = accepted[1];
      if (!crashingEnd) throw new Error('no channel accepted');
      const lost = closeOf(crashingEnd);
      const spokeSide = closeOf(crashing);
      proxy.cut();
      expect((await lost)?.message).toMatch(/lost: the peer closed the connection without saying goodbye|socket error/u);
      expect(await spokeSide).toBeInstanceOf(SPMTransportError);
    } finally {
      await proxy.close();
      await hub.close();
    }
  });

  it('serve a spoke in another process that read its secret from the environment, and notice when it is killed', async () => {
    const hub = await echoHub([]);
    const entry = fileURLToPath(new URL('./fixtures/tcp-spoke.mjs', import.meta.url));
    const child = spawn(process.execPath, [entry, hub.url], { stdio: 'inherit', env: { ...process.env, SPM_SECRET: SECRET } });
    try {
      const [channel] = await new Promise<[Channel]>((resolve) => hub.once('channel', (c) => resolve([c])));
      const hello = await nextMessage(channel, (m) => m.type === 'hello');
      expect(hello).toMatchObject({ type: 'hello', pid: child.pid, tags: ['tcp'] });
      for (let seq = 0; seq < 10; seq++) await roundTrip(channel, seq);
      const lost = closeOf(channel);
      child.kill('SIGKILL');
      expect(await lost).toBeInstanceOf(SPMTransportError);
    } finally {
      killQuietly(child.pid, false);
      await hub.close();
    }
  });

  it('deliver what the hub sends the moment it accepts, even in the chunk of its handshake proof', async () => {
    const hub = await listenTcp({ secret: SECRET, log: () => undefined });
    hub.on('channel', (channel) => {
      channel.send({ type: 'welcome', v: 3, spokeId: 's-1', heartbeatMs: 0 });
      channel.send({ type: 'heartbeat', v: 3, seq: 1 });
    });
    try {
      for (let i = 0; i < 5; i++) {
        const spoke = await connectTcp({ url: hub.url, secret: SECRET });
        const got: string[] = [];
        spoke.on('message', (m) => got.push(m.type));
        await waitFor(() => got.length === 2, 'the welcome and the heartbeat');
        expect(got).toEqual(['welcome', 'heartbeat']);
        spoke.close();
      }
    } finally {
      await hub.close();
    }
  });

  it('hub.close() closes accepted channels cleanly', async () => {
    const hub = await echoHub([]);
    const spoke = await connectTcp({ url: hub.url, secret: SECRET });
    await roundTrip(spoke, 1);
    const spokeClosed = closeOf(spoke);
    await hub.close();
    expect(await spokeClosed).toBeUndefined();
  });
});

describe('connectTcp refuses a peer that is not an honest hub', () => {
  async function fakeHub(onConnection: (socket: Socket) => void): Promise<{ url: string; server: Server }> {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return { url: `tcp://127.0.0.1:${address.port}`, server };
  }

  async function refusal(onConnection: (socket: Socket) => void, expected: string, secret = SECRET): Promise<void> {
    const sockets: Socket[] = [];
    const { url, server } = await fakeHub((socket) => {
      sockets.push(socket);
      onConnection(socket);
    });
    try {
      await expect(connectTcp({ url, secret, handshakeTimeoutMs: 200 })).rejects.toThrow(expected);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('a server speaking another protocol', async () => {
    await refusal((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n'), 'the peer is not an spm-ts hub (wrong magic bytes)');
  });

  it('an impostor that cannot prove it knows the secret', async () => {
    await refusal((socket) => {
      socket.write(Buffer.concat([MAGIC, Buffer.alloc(32, 1)]));
      socket.once('data', () => socket.write(Buffer.alloc(32, 2)));
    }, 'the hub failed to prove it knows the secret');
  });

  it('a silent server, within the handshake timeout', async () => {
    await refusal(() => undefined, 'the handshake did not complete within 200 ms');
  });

  it('a hub with another secret', async () => {
    const hub = await listenTcp({ secret: 'the other hub’s secret, long enough', log: () => undefined });
    try {
      await expect(connectTcp({ url: hub.url, secret: SECRET })).rejects.toThrow('wrong secret?');
    } finally {
      await hub.close();
    }
  });
});

describe('connectTcp says which failures are worth trying again as they are (`transient`)', () => {
  async function failureOf(attempt: Promise<Channel>): Promise<SPMTransportError> {
    const error = await attempt.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof SPMTransportError)) throw new Error(`expected an SPMTransportError, got ${String(error)}`);
    return error;
  }

  it('nothing listening at the address: transient', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await failureOf(connectTcp({ url: `tcp://127.0.0.1:${address.port}`, secret: SECRET }));
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.transient).toBe(true);
  });

  it('a peer that closes before its challenge (a hub full of handshakes): transient', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const error = await failureOf(connectTcp({ url: `tcp://127.0.0.1:${address.port}`, secret: SECRET }));
      expect(error.message).toContain('the connection closed before the hub sent its challenge');
      expect(error.transient).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a wrong secret: not transient', async () => {
    const hub = await listenTcp({ secret: 'the other hub’s secret, long enough', log: () => undefined });
    try {
      const error = await failureOf(connectTcp({ url: hub.url, secret: SECRET }));
      expect(error.message).toContain('wrong secret?');
      expect(error.transient).toBeUndefined();
    } finally {
      await hub.close();
    }
  });
});

describe('the hub names its peers as its URL does, and a peer cannot forge its log lines', () => {
  it('names an IPv6 peer `[::1]:PORT` in channel labels and log lines (it read `::1:PORT`)', async () => {
    const log: LogLine[] = [];
    const hub = await listenTcp({ secret: SECRET, host: '::1', log: (level, message, fields) => log.push({ level, message, fields }) });
    try {
      expect(hub.url).toBe(`tcp://[::1]:${hub.port}`);
      const accepted = new Promise<Channel>((resolve) => hub.once('channel', resolve));
      const spoke = await connectTcp({ url: hub.url, secret: SECRET });
      const end = await accepted;
      expect(end.label).toMatch(/^tcp:\/\/\[::1\]:\d+$/u);
      const peer = end.label.slice('tcp://'.length);
      expect(log).toContainEqual({ level: 'info', message: `authenticated ${peer}`, fields: { peer } });
      const closing = closeOf(end);
      spoke.close();
      await closing;
    } finally {
      await hub.close();
    }
  });

  it('writes each record of its default log as one stderr line, escaping what the peer sent (a bidi override and a line separator went out as they were)', async () => {
    const hub = await listenTcp({ secret: SECRET });
    const proxy = await startProxy(hub.port);
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const accepted = new Promise<Channel>((resolve) => hub.once('channel', resolve));
      const spoke = await connectTcp({ url: proxy.url, secret: SECRET });
      const end = await accepted;
      const closing = closeOf(end);
      proxy.inject(frameOf(pack({ type: 'pwn\u202e\u2028spm-transport [warn] FORGED', v: 3 })));
      expect(await closing).toBeInstanceOf(SPMTransportError);
      await waitFor(() => said.some((line) => line.includes('closed channel')), 'the warn line');
      spoke.close();
    } finally {
      process.stderr.write = write;
      await proxy.close();
      await hub.close();
    }
    const line = said.find((l) => l.includes('closed channel')) ?? '';
    expect(line).toMatch(/^spm-transport \[warn\] closed channel tcp:\/\/127\.0\.0\.1:\d+: .*got `"pwn\\u202e\\u2028spm-transport \[warn\] FORGED"` \(string\) \{"peer":"127\.0\.0\.1:\d+","reason":"channel-error"\}\n$/u);
    expect(line).not.toMatch(/[\u202e\u2028]/u);
  });
});

describe('maxFirstFrameBytes: a lower limit for a peer\'s first frame (its greeting)', () => {
  it('closes a channel whose first frame announces more, as its length prefix arrives; later frames may be as large as maxFrameBytes', async () => {
    const log: LogLine[] = [];
    const hub = await listenTcp({ secret: SECRET, maxFirstFrameBytes: 1024, log: (level, message, fields) => log.push({ level, message, fields }) });
    const proxy = await startProxy(hub.port);
    try {
      // A first frame of 2,000 bytes, its length prefix only: refused before anything is buffered.
      const accepted = new Promise<Channel>((resolve) => hub.once('channel', resolve));
      const greedy = await connectTcp({ url: proxy.url, secret: SECRET });
      const end = await accepted;
      const closing = closeOf(end);
      proxy.inject(Buffer.from([0x00, 0x00, 0x07, 0xd0]));
      const error = await closing;
      expect(error).toBeInstanceOf(SPMTransportError);
      expect(error?.message).toMatch(/^Refused a frame on tcp:\/\/127\.0\.0\.1:\d+: its length prefix announces 2000 bytes, expected at most 1024 for the first frame \(`maxFirstFrameBytes`\)$/u);
      greedy.close();
      // A small first frame, then one of 50,000 bytes: both taken.
      const second = new Promise<Channel>((resolve) => hub.once('channel', resolve));
      const spoke = await connectTcp({ url: hub.url, secret: SECRET });
      const far = await second;
      const got: Message[] = [];
      far.on('message', (m) => got.push(m));
      spoke.send({ type: 'heartbeat', v: PROTOCOL_VERSION, seq: 1 });
      spoke.send({ type: 'notify', v: PROTOCOL_VERSION, taskId: 1, attempt: 1, body: 'x'.repeat(50_000) });
      await waitFor(() => got.length === 2, 'both frames');
      expect(far.closed).toBe(false);
      spoke.close();
    } finally {
      await proxy.close();
      await hub.close();
    }
  });

  it('is refused unless an integer from 1 to maxFrameBytes, before the port is bound', async () => {
    await expect(listenTcp({ secret: SECRET, maxFirstFrameBytes: 0 })).rejects.toThrow('Expected `maxFirstFrameBytes` to be an integer from 1 to 4194304, got `0` (number)');
    await expect(listenTcp({ secret: SECRET, maxFrameBytes: 4096, maxFirstFrameBytes: 8192 })).rejects.toThrow('Expected `maxFirstFrameBytes` to be an integer from 1 to 4096, got `8192` (number)');
  });
});

describe('a TCP peer that says why it goes', () => {
  it('has its loss said with that reason first, escaped (a stranger’s text) and bounded', async () => {
    // Until session 44 only a process channel gave the reason its child said (and unescaped); a
    // TCP spoke's was dropped: "the peer closed the connection without saying goodbye".
    const hub = await echoHub([]);
    try {
      const accepted = new Promise<Channel>((resolve) => hub.once('channel', resolve));
      const spoke = await connectTcp({ url: hub.url, secret: SECRET });
      const channel = await accepted;
      const told = nextMessage(channel, (message) => message.type === 'shutdown');
      spoke.send({ type: 'shutdown', v: PROTOCOL_VERSION, reason: `the evaluator thread threw: boom\nspm-transport [warn] forged ${'x'.repeat(2000)}` });
      spoke.flush?.();
      await told;
      const closing = closeOf(channel);
      spoke.close(new SPMTransportError('the spoke is going'));
      const error = await closing;
      expect(error?.message).toMatch(/ lost: the evaluator thread threw: boom\\u000aspm-transport \[warn\] forged x{900,1000}; the peer closed the connection without saying goodbye$/);
      expect(error?.message).not.toContain('\n');
    } finally {
      await hub.close();
    }
  });
});
