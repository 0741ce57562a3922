import { describe, it, expect } from '@jest/globals';
import { GangHub, POLL_REPLY_BYTES } from './gang-hub.js';

describe('GangHub', () => {
  it('answers joins with `wait` until every rank joined, then with the table; a repeated join changes nothing', () => {
    const hub = new GangHub(3);
    expect(hub.join(0, 'a:100', 1)).toEqual({ wait: true });
    expect(hub.join(0, 'a:100', 1)).toEqual({ wait: true });
    expect(hub.join(2, 'b:100', 0)).toEqual({ wait: true });
    expect(hub.join(1, 'a:100', 2)).toEqual({ table: [['a:100', 1], ['a:100', 2], ['b:100', 0]] });
    expect(hub.complete).toBe(true);
    expect(hub.links('auto')).toEqual({ direct: 1, hub: 2 }); // ranks 0 and 1 share process 100 on host a; pid 100 on b is another
    expect(hub.links('hub')).toEqual({ direct: 0, hub: 3 });
  });

  it('files messages in the receivers’ mailboxes and hands them over in order, with who returned', () => {
    const hub = new GangHub(2);
    hub.deliver(0, [
      { t: 1, k: 'p', x: 'a', b: 1 },
      { t: 1, k: 'c', x: 1, o: 'barrier', b: null },
    ]);
    hub.deliver(1, [{ t: 0, k: 'p', x: 0, b: { hi: true } }]);
    hub.finished(1);
    expect(hub.poll(1)).toEqual({ m: [{ f: 0, k: 'p', x: 'a', b: 1 }, { f: 0, k: 'c', x: 1, o: 'barrier', b: null }], fin: [1] });
    expect(hub.poll(1)).toEqual({ m: [], fin: [1] });
    expect(hub.poll(0)).toEqual({ m: [{ f: 1, k: 'p', x: 0, b: { hi: true } }], fin: [1] });
  });

  it('splits a large mailbox over several polls, and says who returned only once it is empty', () => {
    const hub = new GangHub(2);
    const big = new Uint8Array(POLL_REPLY_BYTES / 2);
    hub.deliver(0, [0, 1, 2].map((i) => ({ t: 1, k: 'p', x: i, b: big })));
    hub.finished(0);
    const first = hub.poll(1);
    expect(first.m.map((e) => e.x)).toEqual([0]);
    expect(first.fin).toEqual([]); // rank 0 returned, but its messages are not all handed over
    expect(hub.poll(1).m.map((e) => e.x)).toEqual([1]);
    expect(hub.poll(1)).toEqual({ m: [{ f: 0, k: 'p', x: 2, b: big }], fin: [0] });
  });

  it('tells every later reply that the gang failed, keeping the first failure', () => {
    const hub = new GangHub(2);
    hub.join(0, 'a:1', 1);
    hub.fail({ rank: 1, message: 'boom' });
    hub.fail({ rank: 0, message: 'later' });
    expect(hub.join(0, 'a:1', 1)).toEqual({ wait: true, fail: { rank: 1, message: 'boom' } });
    expect(hub.poll(0)).toEqual({ m: [], fin: [], fail: { rank: 1, message: 'boom' } });
  });

  it('refuses ranks out of range and malformed messages', () => {
    const hub = new GangHub(2);
    expect(() => hub.join(2, 'a:1', 1)).toThrow('Expected a rank 0 … 1 in join, got 2');
    expect(() => hub.deliver(0, [{ t: 5, k: 'p', x: 0, b: 1 }])).toThrow('Expected a rank 0 … 1 in a message from rank 0, got 5');
    expect(() => hub.deliver(0, [{ t: 1, k: 'z', x: 0, b: 1 }])).toThrow(/Expected a peer message from rank 0/);
    expect(() => hub.deliver(0, 'nope')).toThrow("Expected rank 0's outgoing messages to be an array, got string");
    expect(() => hub.join(0, 7, 1)).toThrow("Expected rank 0's join to carry its process and thread ids, got number/number");
  });
});
