// Tracker.attach with channels a spoke drives by hand: what a joined (TCP) spoke may do at its hello.
import { describe, it, expect, afterEach } from '@jest/globals';
import { createInprocPair, PROTOCOL_VERSION, type Channel, type HelloMessage, type Message } from '@spm/transport';
import { Tracker, where, type Provisioner } from '@spm/tracker';

const joinLike: Provisioner = {
  name: 'join',
  relaunchable: false,
  start: () => Promise.resolve(),
  relaunch: () => Promise.reject(new Error('not relaunchable')),
  kill: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A pair whose spoke end says hello (with `spokeId`, if given, and `hello`'s fields); the spoke end's received messages are collected. */
function greeting(spokeId?: string, hello: Partial<HelloMessage> = {}): { hub: Channel; spoke: Channel; got: Message[] } {
  const [hub, spoke] = createInprocPair();
  const got: Message[] = [];
  spoke.on('message', (m) => got.push(m));
  spoke.send({ type: 'hello', v: PROTOCOL_VERSION, ...(spokeId !== undefined ? { spokeId } : {}), host: 'h', pid: 1, tags: [], ...hello });
  return { hub, spoke, got };
}

/** Lets queued inproc deliveries (a shutdown, a close) happen. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
    // Said with where the claim came from (it was logged without the peer).
    await expect(tracker.attach(twin.hub, { provisioner: joinLike, kind: 'tcp' })).rejects.toThrow(`A spoke with id \`join:1\` is already registered (from join); refusing a second one from ${twin.hub.label}`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(twin.got).toContainEqual(expect.objectContaining({ type: 'shutdown', reason: expect.stringMatching(/already registered/) }));
  });
});

describe('Tracker.attach checks what a spoke says of itself', () => {
  const mib = 1024 * 1024;
  it.each<[string, Partial<HelloMessage>, RegExp]>([
    ['an empty id (its log lines read `spoke  lost`)', { spokeId: '' }, /^Expected `hello\.spokeId` to be absent or a string of 1 to 256 characters, none of them a control or invisible format character, got `""` \(string\)$/u],
    ['a 1 MiB id (printed whole in log lines)', { spokeId: 'y'.repeat(mib) }, /hello\.spokeId.*got `"y{38}…` \(a string of 1048576 characters\)$/u],
    ['an id of 257 characters', { spokeId: 'i'.repeat(257) }, /hello\.spokeId.* \(a string of 257 characters\)$/u],
    ['an id with a newline (it forged log lines)', { spokeId: 'evil\nspm-transport [warn] FORGED' }, /hello\.spokeId.*got `"evil\\nspm-transport.*, with U\+000A at index 4$/u],
    ['an id with a bidi override', { spokeId: 'abc\u202Egpj.exe' }, /hello\.spokeId.*got `"abc\\u202egpj\.exe"` \(string\), with U\+202E at index 3$/u],
    ['a 3 MiB host', { host: 'h'.repeat(3 * mib) }, /^Expected `hello\.host` to be a string of 1 to 255 characters, .* \(a string of 3145728 characters\)$/u],
    ['an empty host', { host: '' }, /hello\.host/u],
    ['a pid of 2^64 − 1', { pid: 2 ** 64 - 1 }, /^Expected `hello\.pid` to be an integer from 1 to 9007199254740991, got `18446744073709552000` \(number\)$/u],
    ['a negative pid', { pid: -1 }, /hello\.pid.*got `-1` \(number\)$/u],
    ['a fractional pid', { pid: 1.5 }, /hello\.pid.*got `1\.5` \(number\)$/u],
    ['33 tags', { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, /^Expected `hello\.tags` to hold at most 32 tags, got 33$/u],
    ['a tag of 65 characters', { tags: ['ok', 't'.repeat(65)] }, /^Expected `hello\.tags\[1\]` to be a string of 1 to 64 characters/u],
    ['a tag with a tab', { tags: ['a\tb'] }, /hello\.tags\[0\].*, with U\+0009 at index 1$/u],
  ])('refuses %s: tells the spoke, logs one short warn line naming the field, keeps nothing', async (_what, fields, expected) => {
    const lines: string[] = [];
    const tracker = new Tracker({ hubHost: 'hub', log: (level, message) => void (level === 'warn' && lines.push(message)) });
    trackers.push(tracker);
    const peer = greeting(undefined, fields);
    const error = await tracker.attach(peer.hub, { provisioner: joinLike, kind: 'tcp' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message.startsWith(`Refused the hello of the spoke on ${peer.hub.label}: `)).toBe(true);
    const problem = error?.message.slice(`Refused the hello of the spoke on ${peer.hub.label}: `.length) ?? '';
    expect(problem).toMatch(expected);
    expect(error?.message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(error?.message.length).toBeLessThan(400);
    await settle();
    expect(peer.got).toEqual([expect.objectContaining({ type: 'shutdown', reason: error?.message })]);
    expect(lines).toEqual([error?.message]);
    expect(tracker.spokes()).toEqual([]);
  });

  it('takes the largest values within the limits, and does not check what the provisioner gives (a local spoke\'s id, host and tags)', async () => {
    const tracker = new Tracker({ hubHost: 'hub', log: () => undefined });
    trackers.push(tracker);
    const tags = Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, 'x'));
    const joined = await tracker.attach(greeting('💣'.repeat(128), { host: 'h'.repeat(255), pid: Number.MAX_SAFE_INTEGER, tags }).hub, { provisioner: joinLike, kind: 'tcp' });
    expect(joined).toMatchObject({ id: '💣'.repeat(128), pid: Number.MAX_SAFE_INTEGER, tags });
    const given = ['g'.repeat(100)];
    const local = await tracker.attach(greeting('', { host: '', pid: -1, tags: given }).hub, { provisioner: { ...joinLike, name: 'local' }, kind: 'thread', id: 'local:1', host: 'hub', pid: 7, tags: given });
    expect(local).toMatchObject({ id: 'local:1', host: 'hub', pid: 7, tags: given });
  });
});

describe('Tracker forgets lost joined spokes it need not keep', () => {
  /** Attaches a joined spoke (named `spokeId`, if given) and returns its channel ends and id. */
  async function joined(tracker: Tracker, spokeId?: string): Promise<{ id: string; spoke: Channel }> {
    const peer = greeting(spokeId);
    const info = await tracker.attach(peer.hub, { provisioner: joinLike, kind: 'tcp' });
    return { id: info.id, spoke: peer.spoke };
  }

  it('forgets an unnamed one once lost (2,000 that joined and left stayed listed), keeps a named one to rejoin', async () => {
    const tracker = new Tracker({ hubHost: 'hub', log: () => undefined });
    trackers.push(tracker);
    for (let i = 0; i < 200; i += 1) {
      const { spoke } = await joined(tracker);
      spoke.close();
      await settle();
    }
    const named = await joined(tracker, 'remote-a');
    named.spoke.close();
    await settle();
    expect(tracker.spokes().map((s) => [s.id, s.state])).toEqual([['remote-a', 'lost']]);
    const again = await joined(tracker, 'remote-a');
    expect(tracker.snapshot(again.id)).toMatchObject({ state: 'idle', incarnation: 2 });
    // A new unnamed spoke is not given an id an old one had.
    expect((await joined(tracker)).id).toBe('join:201');
  });

  it('keeps a lost one the active lease holds until the lease is released', async () => {
    const tracker = new Tracker({ hubHost: 'hub', log: () => undefined });
    trackers.push(tracker);
    const { id, spoke } = await joined(tracker);
    const pool = where(() => true, 'all');
    const lease = await tracker.lease({ pool, timeoutWaitForSpokesMs: 1000 });
    const lost = new Promise<string>((resolve) => lease.once('lost', (s) => resolve(s.id)));
    spoke.close();
    expect(await lost).toBe(id);
    expect(lease.spokes()).toEqual([expect.objectContaining({ id, state: 'lost' })]);
    expect(tracker.snapshot(id)?.state).toBe('lost');
    await lease.release();
    expect(tracker.snapshot(id)).toBeUndefined();
    expect(tracker.spokes()).toEqual([]);
  });

  it('keeps at most 1,000 lost named ones, forgetting the one lost longest ago first', async () => {
    const tracker = new Tracker({ hubHost: 'hub', log: () => undefined });
    trackers.push(tracker);
    for (let i = 1; i <= 1002; i += 1) {
      const { spoke } = await joined(tracker, `n${i}`);
      spoke.close();
      await settle();
    }
    const ids = tracker.spokes().map((s) => s.id);
    expect(ids).toHaveLength(1000);
    expect(ids.slice(0, 2)).toEqual(['n3', 'n4']);
    expect(ids.at(-1)).toBe('n1002');
  });
});
