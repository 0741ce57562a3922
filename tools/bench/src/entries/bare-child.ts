// Floors in a child process, by argv[2]:
//   ipc        — echo every IPC message (the parent picks `json` or `advanced` serialization)
//   pipe       — echo every byte read on fd 3 (a socketpair), as it arrives
//   tcp <port> — connect to 127.0.0.1:<port> and echo every byte
import { connect, Socket } from 'node:net';

const mode = process.argv[2];
if (mode === 'ipc') {
  process.on('message', (message) => process.send?.(message));
  process.on('disconnect', () => process.exit(0));
} else if (mode === 'pipe') {
  const pipe = new Socket({ fd: 3, readable: true, writable: true });
  pipe.on('data', (chunk) => pipe.write(chunk));
  pipe.on('close', () => process.exit(0));
} else if (mode === 'tcp') {
  const socket = connect({ host: '127.0.0.1', port: Number(process.argv[3]), noDelay: true });
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('close', () => process.exit(0));
} else {
  process.stderr.write(`bare-child: unknown mode ${String(mode)}\n`);
  process.exit(2);
}
