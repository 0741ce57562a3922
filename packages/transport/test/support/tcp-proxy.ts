import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback proxy in front of a hub, for attacks that need an honest handshake first: it
 * records what each client sent towards the hub (to replay it), and can inject raw bytes
 * towards the hub on a connection after the handshake (an authenticated but hostile peer).
 */
export interface TcpProxy {
  readonly url: string;
  /** Per connection, in order, the bytes the client sent to the hub so far. */
  readonly recorded: Buffer[][];
  /** Writes raw bytes to the hub on connection `index` (default: the latest). */
  inject(bytes: Uint8Array, index?: number): void;
  /** Cuts connection `index` abruptly on both sides (a crashed peer). */
  cut(index?: number): void;
  close(): Promise<void>;
}

export async function startProxy(hubPort: number): Promise<TcpProxy> {
  const upstreams: Socket[] = [];
  const downstreams: Socket[] = [];
  const recorded: Buffer[][] = [];
  const server: Server = createServer((client) => {
    const record: Buffer[] = [];
    recorded.push(record);
    const hub = connect({ host: '127.0.0.1', port: hubPort });
    upstreams.push(hub);
    downstreams.push(client);
    client.on('data', (chunk: Buffer) => {
      record.push(Buffer.from(chunk));
      hub.write(chunk);
    });
    hub.on('data', (chunk: Buffer) => client.write(chunk));
    const cutBoth = (): void => {
      client.destroy();
      hub.destroy();
    };
    client.on('error', cutBoth);
    hub.on('error', cutBoth);
    client.on('close', cutBoth);
    hub.on('close', cutBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const pick = <T>(list: T[], index?: number): T => {
    const item = list[index ?? list.length - 1];
    if (item === undefined) throw new Error(`no proxied connection ${index ?? 'latest'}`);
    return item;
  };
  return {
    url: `tcp://127.0.0.1:${address.port}`,
    recorded,
    inject: (bytes, index) => pick(upstreams, index).write(bytes),
    cut: (index) => {
      pick(downstreams, index).destroy();
      pick(upstreams, index).destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...upstreams, ...downstreams]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const inbox = new WeakMap<Socket, Buffer[]>();

/**
 * Opens a raw socket to `port` and resolves once connected. What it receives is collected (a
 * socket must be read for its end — the hub cutting it — to be seen at all).
 */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    const received: Buffer[] = [];
    inbox.set(socket, received);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
  });
}

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once a raw socket has received at least `n` bytes (the hub's challenge), with them. */
export function receive(socket: Socket, n: number, ms = 5000): Promise<Buffer> {
  const received = inbox.get(socket) ?? [];
  return within(
    ms,
    `${n} bytes`,
    new Promise((resolve) => {
      const check = (): void => {
        const all = Buffer.concat(received);
        if (all.length >= n) {
          socket.off('data', check);
          resolve(all);
        }
      };
      socket.on('data', check);
      check();
    }),
  );
}

/** Resolves when `socket` is closed (by the hub). */
export function closed(socket: Socket, ms = 5000): Promise<void> {
  return within(
    ms,
    'the socket to close',
    new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    }),
  );
}
