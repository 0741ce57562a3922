import { createHmac, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * An authenticated TCP connection to a `join` hub that then writes whatever bytes it is given: a
 * peer that knows the secret but is no `spm-spoke` (the handshake of docs/packages/transport.md,
 * done by hand). Resolves once the hub has proved itself.
 */
export async function rawInsider(url: string, secret: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname.replace(/^\[|\]$/gu, ''), port: Number(port) });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let got = Buffer.alloc(0);
    let answered = false;
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (!answered && got.length >= 40) {
        answered = true;
        const spokeNonce = randomBytes(32);
        const proof = createHmac('sha256', secret).update(Buffer.from('spm-ts tcp v1 client proof', 'latin1')).update(got.subarray(8, 40)).update(spokeNonce).digest();
        socket.write(Buffer.concat([got.subarray(0, 8), spokeNonce, proof]));
        got = got.subarray(40);
      }
      if (answered && got.length >= 32) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('the hub closed the connection during the handshake')));
  });
  return socket;
}

/** Resolves when `socket` is closed. */
export function closeOf(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}
