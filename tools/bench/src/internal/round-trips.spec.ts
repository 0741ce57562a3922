import { describe, it, expect } from '@jest/globals';
import { median, runRoundTrips, type Link } from './round-trips.js';

/** An in-thread echo that records how many messages were in flight at most. */
function echoLink(): Link & { readonly sent: number[]; maxInFlight: number } {
  let handler: (count: number) => void = () => undefined;
  let inFlight = 0;
  const link = {
    sent: [] as number[],
    maxInFlight: 0,
    send(seq: number): void {
      link.sent.push(seq);
      inFlight++;
      link.maxInFlight = Math.max(link.maxInFlight, inFlight);
      queueMicrotask(() => {
        inFlight--;
        handler(1);
      });
    },
    onReplies(h: (count: number) => void): void {
      handler = h;
    },
    close: async (): Promise<void> => undefined,
  };
  return link;
}

describe('runRoundTrips', () => {
  it.each([1, 7, 128])('sends exactly the messages asked for, in order, never more than window %i in flight', async (window) => {
    const link = echoLink();
    const rate = await runRoundTrips(link, { messages: 500, window, timeoutMs: 5000 });
    expect(link.sent).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(link.maxInFlight).toBe(window);
    expect(rate).toBeGreaterThan(0);
  });

  it('rejects when echoes stop coming, saying how far it got', async () => {
    let handler: (count: number) => void = () => undefined;
    let sent = 0;
    const link: Link = {
      send: () => {
        sent++;
        if (sent <= 3) queueMicrotask(() => handler(1));
      },
      onReplies: (h) => (handler = h),
      close: async () => undefined,
    };
    await expect(runRoundTrips(link, { messages: 10, window: 1, timeoutMs: 50 })).rejects.toThrow('round trips stalled: 3/10 echoed after 50 ms (window 1)');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(() => median([])).toThrow('median of nothing');
  });
});
