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

  describe('waits', () => {
    /** A hub of `processes.length` ranks, all joined (`processes[r]`: rank r's process). */
    const joined = (...processes: string[]): GangHub => {
      const hub = new GangHub(processes.length);
      processes.forEach((p, rank) => hub.join(rank, p, 1));
      return hub;
    };
    /** Rank `from` enters collective #seq: its contribution to every other rank. */
    const enter = (hub: GangHub, from: number, seq: number, op: string): void =>
      hub.deliver(
        from,
        Array.from({ length: hub.size }, (_, t) => t)
          .filter((t) => t !== from)
          .map((t) => ({ t, k: 'c', x: seq, o: op, b: from })),
      );

    it('names the ranks that entered a collective, and the ranks on the hub path that did not', () => {
      const hub = joined('a:1', 'b:1', 'c:1');
      expect(hub.waits('auto')).toEqual([]);
      enter(hub, 0, 1, 'allreduce');
      enter(hub, 2, 1, 'allreduce');
      expect(hub.waits('auto')).toEqual([{ ranks: [0, 2], op: 'allreduce', seq: 1, for: [1] }]);
      // Rank 1 enters: #1 completes for all; rank 0 enters #2 and waits for both.
      enter(hub, 1, 1, 'allreduce');
      enter(hub, 0, 2, 'barrier');
      expect(hub.waits('auto')).toEqual([{ ranks: [0], op: 'barrier', seq: 2, for: [1, 2] }]);
    });

    it('claims no wait it cannot see: a broadcast root, a pair on a direct channel, a rank that returned', () => {
      const root = joined('a:1', 'b:1');
      enter(root, 0, 1, 'broadcast'); // the root goes on; the other waits, but sends nothing
      expect(root.waits('auto')).toEqual([]);
      const direct = joined('a:1', 'a:1', 'c:1'); // ranks 0 and 1 share a process
      enter(direct, 0, 1, 'allgather');
      expect(direct.waits('auto')).toEqual([{ ranks: [0], op: 'allgather', seq: 1, for: [2] }]);
      expect(direct.waits('hub')).toEqual([{ ranks: [0], op: 'allgather', seq: 1, for: [1, 2] }]);
      direct.finished(2); // it returned: rank 0 is told so, and fails rather than waits
      expect(direct.waits('auto')).toEqual([]);
    });
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
