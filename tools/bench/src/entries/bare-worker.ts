// Floor: the bare worker_threads loop. Echoes every posted value as is.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (value: unknown) => parentPort?.postMessage(value));
