// A loopback proxy in front of a hub, for attacks that need an honest handshake first: it
// records what each client sent towards the hub (to replay it) and writes raw bytes towards the
// hub on a connection once its client has authenticated (a peer that knows the secret and
// misbehaves).
import { connect, createServer, type Socket } from 'node:net';

export interface TcpTap {
  readonly url: string;
  /** Per connection, the bytes its client sent towards the hub so far. */
  readonly recorded: Buffer[][];
  /** Writes `bytes` to the hub on the latest connection. */
  inject(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export async function tapTcp(hubPort: number): Promise<TcpTap> {
  const sockets: Socket[] = [];
  const upstreams: Socket[] = [];
  const recorded: Buffer[][] = [];
  const server = createServer((client) => {
    const record: Buffer[] = [];
    recorded.push(record);
    const hub = connect({ host: '127.0.0.1', port: hubPort });
    sockets.push(client, hub);
    upstreams.push(hub);
    client.on('data', (chunk: Buffer) => {
      record.push(Buffer.from(chunk));
      hub.write(chunk);
    });
    hub.on('data', (chunk: Buffer) => client.write(chunk));
    const cut = (): void => {
      client.destroy();
      hub.destroy();
    };
    for (const s of [client, hub]) {
      s.on('error', cut);
      s.on('close', cut);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the tap has no port');
  return {
    url: `tcp://127.0.0.1:${address.port}`,
    recorded,
    inject: (bytes) => {
      const hub = upstreams[upstreams.length - 1];
      if (hub === undefined) throw new Error('no connection through the tap yet');
      hub.write(bytes);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw socket to `port`, collecting what it receives; resolves once connected. */
export function rawSocket(port: number): Promise<Socket & { received: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = Object.assign(connect({ host: '127.0.0.1', port }, () => resolve(socket)), { received });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` is closed, rejects after `ms`. */
export function closedWithin(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    const timer = setTimeout(() => reject(new Error(`the socket was still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
