import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { SPMTransportError } from '@spm/exceptions';
import { listenTcp, openChannel } from '@spm/transport';
import { closeOf, isAlive, roundTrip, waitFor } from './support/wait.js';

const entry = new URL('./fixtures/echo-spoke.mjs', import.meta.url);
const SECRET = 'open-channel spec secret, 36 bytes..';

describe('openChannel over real transports', () => {
  it('starts a thread spoke from an entry URL, round-trips, and terminates it', async () => {
    const opened = await openChannel('thread', { entry });
    expect(opened.scheme).toBe('thread');
    expect(opened.threadId).toBeGreaterThan(0);
    await roundTrip(opened.channel, 1);
    const closed = closeOf(opened.channel);
    await opened.terminate();
    expect(await closed).toBeInstanceOf(SPMTransportError);
  });

  it('starts a process spoke, round-trips, and terminate() leaves no process behind', async () => {
    const opened = await openChannel('process', { entry: fileURLToPath(entry) });
    const pid = opened.pid;
    if (pid === undefined) throw new Error('a process channel has a pid');
    await roundTrip(opened.channel, 1);
    await opened.terminate();
    expect(opened.channel.closed).toBe(true);
    await waitFor(() => !isAlive(pid), `process ${pid} to be gone`);
  });

  it('connects to a TCP hub by URL with a secret', async () => {
    const hub = await listenTcp({ secret: SECRET, log: () => undefined });
    hub.on('channel', (channel) => channel.on('message', (m) => channel.send(m)));
    try {
      const opened = await openChannel(hub.url, { secret: SECRET });
      expect(opened.scheme).toBe('tcp');
      await roundTrip(opened.channel, 5);
      await opened.terminate();
      expect(opened.channel.closed).toBe(true);
    } finally {
      await hub.close();
    }
  });
});
