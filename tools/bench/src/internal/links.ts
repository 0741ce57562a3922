import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createInprocPair, encodeFrame, listenTcp, spawnProcess, spawnThread, type Channel, type Message } from '@spm/transport';
import { fillerFrame, FrameCounter } from './frame-counter.js';
import type { Link } from './round-trips.js';

const BARE_WORKER = new URL('../entries/bare-worker.js', import.meta.url);
const BARE_CHILD = fileURLToPath(new URL('../entries/bare-child.js', import.meta.url));
const CHANNEL_ECHO = fileURLToPath(new URL('../entries/channel-echo.js', import.meta.url));

const beat = (seq: number): Message => ({ type: 'heartbeat', v: 3, seq });
/** The bare floors carry as many bytes per message as our codec does for a heartbeat. */
const HEARTBEAT_BYTES = encodeFrame(beat(123_456)).length - 4;

function onceExited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function killChild(child: ChildProcess): Promise<void> {
  const exited = onceExited(child);
  child.kill('SIGKILL');
  await exited;
}

/** A link over one of our channels: `send` is a heartbeat, every echoed heartbeat counts. */
function channelLink(channel: Channel, close: () => Promise<void>): Link {
  let handler: (count: number) => void = () => undefined;
  channel.on('message', () => handler(1));
  return {
    send: (seq) => channel.send(beat(seq)),
    onReplies: (h) => (handler = h),
    close,
  };
}

/** A link over a byte stream carrying fixed-size length-prefixed frames, echoed as bytes. */
function bytesLink(socket: Socket, close: () => Promise<void>): Link {
  const frame = fillerFrame(HEARTBEAT_BYTES);
  const counter = new FrameCounter();
  let handler: (count: number) => void = () => undefined;
  socket.on('data', (chunk: Buffer) => {
    const frames = counter.push(chunk);
    if (frames > 0) handler(frames);
  });
  return { send: () => socket.write(frame), onReplies: (h) => (handler = h), close };
}

/** Floor for `inproc`: a structured clone each way, delivered by microtask. */
export async function inprocFloor(): Promise<Link> {
  let handler: (count: number) => void = () => undefined;
  const receive = (message: Message): void => {
    if (message.type === 'heartbeat') handler(1);
  };
  const echo = (message: Message): void => {
    const back = structuredClone(message);
    queueMicrotask(() => receive(back));
  };
  return {
    send: (seq) => {
      const copy = structuredClone(beat(seq));
      queueMicrotask(() => echo(copy));
    },
    onReplies: (h) => (handler = h),
    close: async () => undefined,
  };
}

/** Our `inproc` pair, the peer echoing in the same thread. */
export async function inprocChannel(): Promise<Link> {
  const [hub, spoke] = createInprocPair('bench');
  spoke.on('message', (message) => spoke.send(message));
  return channelLink(hub, async () => hub.close());
}

/** Floor for `thread`: a bare worker echoing posted objects. */
export async function threadFloor(): Promise<Link> {
  const worker = new Worker(BARE_WORKER);
  let handler: (count: number) => void = () => undefined;
  worker.on('message', () => handler(1));
  return {
    send: (seq) => worker.postMessage(beat(seq)),
    onReplies: (h) => (handler = h),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** Our `thread` channel to a worker running the echo spoke. */
export async function threadChannel(batch: boolean): Promise<Link> {
  const spawned = spawnThread({ entry: new URL(`file://${CHANNEL_ECHO}`), batch });
  return channelLink(spawned.channel, () => spawned.terminate());
}

/** Floor for `process`: a bare child echoing IPC messages. */
export async function ipcFloor(serialization: 'json' | 'advanced'): Promise<Link> {
  const child = spawn(process.execPath, [BARE_CHILD, 'ipc'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization });
  let handler: (count: number) => void = () => undefined;
  child.on('message', () => handler(1));
  return {
    send: (seq) => child.send(beat(seq)),
    onReplies: (h) => (handler = h),
    close: () => killChild(child),
  };
}

/** Floor for `process`: fixed-size length-prefixed frames over a socketpair, echoed as bytes. */
export async function pipeFloor(): Promise<Link> {
  const child = spawn(process.execPath, [BARE_CHILD, 'pipe'], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
  const pipe = child.stdio[3] as Socket;
  pipe.on('error', () => undefined);
  return bytesLink(pipe, () => killChild(child));
}

/** Our `process` channel to a child running the echo spoke. */
export async function processChannel(batch: boolean): Promise<Link> {
  const spawned = spawnProcess({ entry: CHANNEL_ECHO, batch });
  return channelLink(spawned.channel, async () => {
    const exited = onceExited(spawned.child);
    spawned.killGroup('SIGKILL');
    await exited;
  });
}

/** Floor for `tcp`: fixed-size length-prefixed frames over loopback TCP, echoed by a child. */
export async function tcpFloor(): Promise<Link> {
  const server = createServer({ noDelay: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp floor: no port');
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const child = spawn(process.execPath, [BARE_CHILD, 'tcp', String(address.port)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const socket = await accepted;
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  return bytesLink(socket, async () => {
    socket.destroy();
    await killChild(child);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/** Our authenticated `tcp` channel to a child that connected with the secret from its environment. */
export async function tcpChannel(batch: boolean): Promise<Link> {
  const secret = randomBytes(32).toString('base64');
  const hub = await listenTcp({ secret, batch, log: () => undefined });
  const accepted = new Promise<Channel>((resolve) => hub.once('channel', (channel) => resolve(channel)));
  const child = spawn(process.execPath, [CHANNEL_ECHO], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENCH_TCP_URL: hub.url, SPM_SECRET: secret, BENCH_BATCH: String(batch) },
  });
  const channel = await accepted;
  return channelLink(channel, async () => {
    await killChild(child);
    await hub.close();
  });
}
