// Tracker.attach with channels a spoke drives by hand: what a joined (TCP) spoke may do at its hello.
import { describe, it, expect, afterEach } from '@jest/globals';
import { createInprocPair, PROTOCOL_VERSION, type Channel, type Message } from '@spm/transport';
import { Tracker, type Provisioner } from '@spm/tracker';

const joinLike: Provisioner = {
  name: 'join',
  relaunchable: false,
  start: () => Promise.resolve(),
  relaunch: () => Promise.reject(new Error('not relaunchable')),
  kill: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A pair whose spoke end says hello (with `spokeId`, if given); the spoke end's received messages are collected. */
function greeting(spokeId?: string): { hub: Channel; spoke: Channel; got: Message[] } {
  const [hub, spoke] = createInprocPair();
  const got: Message[] = [];
  spoke.on('message', (m) => got.push(m));
  spoke.send({ type: 'hello', v: PROTOCOL_VERSION, ...(spokeId !== undefined ? { spokeId } : {}), host: 'h', pid: 1, tags: [] });
  return { hub, spoke, got };
}

const trackers: Tracker[] = [];
afterEach(async () => {
  for (const t of trackers.splice(0)) await t.close();
});

describe('Tracker.attach', () => {
  it('registers no spoke whose channel closed with its hello (it stayed `starting` for good)', async () => {
    const tracker = new Tracker({ hubHost: 'hub', log: () => undefined });
    trackers.push(tracker);
    const { hub, spoke } = greeting('ghost');
    spoke.close();
    await expect(tracker.attach(hub, { provisioner: joinLike, kind: 'tcp' })).rejects.toThrow('Spoke `ghost` closed its channel as it greeted the hub: not registered');
    expect(tracker.spokes()).toEqual([]);
  });

  it('tells a spoke refused for a taken id why, and gives an unnamed spoke an id no named one took', async () => {
    const tracker = new Tracker({ hubHost: 'hub', log: () => undefined });
    trackers.push(tracker);
    const named = greeting('join:1');
    await tracker.attach(named.hub, { provisioner: joinLike, kind: 'tcp' });
    const unnamed = greeting();
    const info = await tracker.attach(unnamed.hub, { provisioner: joinLike, kind: 'tcp' });
    expect(info.id).toBe('join:2'); // `join:1` is taken by name: it used to be given again, and refused
    const twin = greeting('join:1');
    await expect(tracker.attach(twin.hub, { provisioner: joinLike, kind: 'tcp' })).rejects.toThrow(/A spoke with id `join:1` is already registered/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(twin.got).toContainEqual(expect.objectContaining({ type: 'shutdown', reason: expect.stringMatching(/already registered/) }));
  });
});
