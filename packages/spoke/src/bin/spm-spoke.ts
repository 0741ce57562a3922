#!/usr/bin/env node
// spm-spoke --hub tcp://HOST:PORT [--secret-file F] [--tags a,b] [--host NAME]
// Joins a hub over authenticated TCP and serves tasks until the hub lets it go. The secret
// comes from the SPM_SECRET environment variable or a 0600 file, never from the command line.
import { parseArgs } from 'node:util';
import { SPMTransportError } from '@spm/exceptions';
import { connectTcp, parseTcpUrl, readSecret } from '@spm/transport';
import { identityFromEnv } from '../internal/identity-from-env.js';
import { runSpokeProcess } from '../internal/run-spoke-process.js';

// SIGUSR1 would start Node's inspector (127.0.0.1:9229, open to any local user of this host),
// SIGUSR2 and SIGALRM end the spoke unsaid: heard and ignored (since session 44), as spm-shell
// and spm-primes do; a listener keeps Node's own action away.
for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const) process.on(signal, () => undefined);

const usage = 'usage: spm-spoke --hub tcp://HOST:PORT [--secret-file FILE] [--tags a,b] [--host NAME]\n(the secret is read from $SPM_SECRET or --secret-file, a file of mode 0600)';
let values: { hub?: string; 'secret-file'?: string; tags?: string; host?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { hub: { type: 'string' }, 'secret-file': { type: 'string' }, tags: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (error) {
  process.stderr.write(`spm-spoke: ${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (!values.hub || !values.hub.startsWith('tcp://')) {
  process.stderr.write(`spm-spoke: expected --hub tcp://HOST:PORT, got ${values.hub === undefined ? 'nothing' : `\`${values.hub}\``}\n${usage}\n`);
  process.exit(2);
}
try {
  // A port out of range, or none, is a usage error too (it exited 1 from the connect until session 47).
  parseTcpUrl(values.hub);
} catch (error) {
  process.stderr.write(`spm-spoke: ${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
/** How long spm-spoke keeps trying to reach a hub that refuses it for now (not up yet, or full of handshakes). */
const CONNECT_RETRY_MS = 30_000;

/**
 * Connects, trying again (100 ms, doubling to 2 s, with jitter) while the hub is not there yet
 * (`ECONNREFUSED`) or closes the connection before its challenge — what it does when it holds
 * as many unauthenticated connections as it takes (`maxUnauthenticated`): a burst of spokes, or
 * a stranger's flood. The spoke used to give up at once. A wrong secret is not tried again.
 */
async function connectWithRetries(url: string, secret: string): Promise<Awaited<ReturnType<typeof connectTcp>>> {
  const deadline = Date.now() + CONNECT_RETRY_MS;
  let pause = 100;
  let said = false;
  for (;;) {
    try {
      return await connectTcp({ url, secret });
    } catch (error) {
      const transient = error instanceof SPMTransportError && error.transient === true;
      if (!transient || Date.now() + pause > deadline) throw error;
      const message = error.message;
      if (!said) {
        said = true;
        process.stderr.write(`spm-spoke: ${message}; trying again for up to ${CONNECT_RETRY_MS / 1000} s (a hub not up yet, or holding as many handshakes as it takes)\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
      pause = Math.min(pause * 2, 2000);
    }
  }
}

const env = identityFromEnv();
const identity = {
  ...env,
  ...(values.host ? { host: values.host } : {}),
  ...(values.tags ? { tags: values.tags.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
};
const hub = values.hub;
const secretFile = values['secret-file'];
await runSpokeProcess(
  async () => {
    const secret = await readSecret(secretFile ? { file: secretFile } : {});
    return connectWithRetries(hub, secret);
  },
  identity,
  { sayShutdown: true },
);
