import { describe, it, expect } from '@jest/globals';
import { SPMTransportError } from '@spm/exceptions';
import { openChannel, transportFor } from './open-channel.js';
import type { Message } from './protocol.js';

describe('transportFor', () => {
  it('names the transport of each name or URI', () => {
    expect(transportFor('inproc')).toBe('inproc');
    expect(transportFor('thread')).toBe('thread');
    expect(transportFor('process')).toBe('process');
    expect(transportFor('tcp://127.0.0.1:4100')).toBe('tcp');
  });

  it.each(['ws://host:1', 'tcp', 'inproc://x', 'threads', ''])('refuses `%s`', (uri) => {
    expect(() => transportFor(uri)).toThrow(SPMTransportError);
  });
});

describe('openChannel', () => {
  it('opens an inproc pair whose peer answers', async () => {
    const opened = await openChannel('inproc', { label: 'reg' });
    expect(opened.scheme).toBe('inproc');
    const peer = opened.peer;
    if (!peer) throw new Error('inproc must hand over the peer');
    peer.on('message', (m) => peer.send(m));
    const echoed = new Promise<Message>((resolve) => opened.channel.once('message', resolve));
    opened.channel.send({ type: 'heartbeat', v: 3, seq: 9 });
    expect(await echoed).toEqual({ type: 'heartbeat', v: 3, seq: 9 });
    await opened.terminate();
    expect([opened.channel.closed, peer.closed]).toEqual([true, true]);
  });

  it('refuses a spawning transport without an entry, and tcp without a secret', async () => {
    await expect(openChannel('thread')).rejects.toThrow('Expected `entry` (the built spoke entry file) to open a `thread` channel, got none');
    await expect(openChannel('process')).rejects.toThrow(SPMTransportError);
    await expect(openChannel('tcp://127.0.0.1:9')).rejects.toThrow('Expected `secret` to open a `tcp` channel');
    await expect(openChannel('smoke-signals')).rejects.toThrow(SPMTransportError);
  });
});
