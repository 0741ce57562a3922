import { describe, it, expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fifoDirPerCase, fifoReader as reader, waitFor } from '../test/fifo-reader.js';
import { FifoDir, makeFifos, teeInto, type FifoFeed } from './fifo-feed.js';

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Each case: a directory of its own, and the run's FIFOs in it (closed after).
const each = fifoDirPerCase('fifo-feed-spec-');

describe('FifoFeed', () => {
  it('holds what is written before the command opens the FIFO, then gives it all and the end; the path goes once open', async () => {
    const [feed] = (await each.fifos.feeds(1, 'f-')) as [FifoFeed];
    const bytes = Buffer.alloc(3 << 20, 'abc');
    feed.write(bytes);
    feed.write(Buffer.from('tail\n'));
    feed.end();
    expect(feed.open).toBe(false);
    expect(existsSync(feed.path)).toBe(true);
    const read = await reader(feed.path, 'md5sum | cut -d" " -f1');
    expect(read).toEqual({ stdout: `${md5(Buffer.concat([bytes, Buffer.from('tail\n')]))}\n`, code: 0 });
    expect(feed.sent).toBe(bytes.length + 5);
    // The end and the unlink come asynchronously: waited for, then asserted.
    await waitFor(() => feed.over && !existsSync(feed.path), 10_000, 'the feed over and its FIFO gone');
    expect(feed.over).toBe(true);
    expect(existsSync(feed.path)).toBe(false);
  });

  it('waits for a slow reader (not ready while its pipe is full) and says when it is ready again', async () => {
    const [feed] = (await each.fifos.feeds(1, 'f-')) as [FifoFeed];
    const done = reader(feed.path, 'sleep 0.3; wc -c');
    await feed.whenReady();
    expect(feed.open).toBe(true);
    // More than a pipe holds (64 KiB): the write waits for the reader.
    feed.write(Buffer.alloc(1 << 20));
    expect(feed.ready).toBe(false);
    await feed.whenReady();
    expect(feed.ready || feed.over).toBe(true);
    feed.end();
    expect((await done).stdout.trim()).toBe(String(1 << 20));
  });

  it('is over when its command exits unread: what it did not take is not counted as sent', async () => {
    const [feed] = (await each.fifos.feeds(1, 'f-')) as [FifoFeed];
    const done = reader(feed.path, 'head -c 10 >/dev/null; echo read');
    const chunk = Buffer.alloc(256 << 10);
    // Written until the reader is gone (EPIPE).
    for (let i = 0; i < 64 && !feed.over; i++) {
      feed.write(chunk);
      await feed.whenReady();
    }
    expect(await done).toEqual({ stdout: 'read\n', code: 0 });
    await waitFor(() => feed.over, 10_000, 'the feed over');
    expect(feed.over).toBe(true);
    expect(feed.sent).toBeLessThan(64 * chunk.length);
  });

  it('dropped before its command opens it: over, the FIFO removed, no more polling', async () => {
    const [feed] = (await each.fifos.feeds(1, 'f-')) as [FifoFeed];
    feed.write(Buffer.from('never read'));
    feed.drop();
    expect(feed.over).toBe(true);
    // The unlink is asynchronous: a fixed 20 ms wait failed once in CI under load.
    await waitFor(() => !existsSync(feed.path), 10_000, 'the FIFO gone');
    expect(existsSync(feed.path)).toBe(false);
    await feed.whenReady(); // resolves at once: nothing will come
  });

  it('makes its FIFOs in one directory of the run, removed with every feed by close()', async () => {
    const feeds = await each.fifos.feeds(3, 'tee-');
    expect(new Set(feeds.map((feed) => feed.path.slice(0, feed.path.lastIndexOf('/')))).size).toBe(1);
    expect(readdirSync(each.dir)).toHaveLength(1);
    each.fifos.close();
    expect(feeds.every((feed) => feed.over)).toBe(true);
    expect(readdirSync(each.dir)).toEqual([]);
  });

  it('names the FIFO and mkfifo’s complaint when one cannot be made', async () => {
    await expect(makeFifos([join(each.dir, 'no', 'such', 'dir', 'f')])).rejects.toThrow(/^cannot make the FIFO `.*\/no\/such\/dir\/f`: mkfifo: .*No such file or directory/);
    await expect(new FifoDir(join(each.dir, 'missing')).feeds(1, 'x-')).rejects.toThrow(/^cannot make a directory for FIFOs in `.*missing`: ENOENT/);
  });
});

describe('teeInto', () => {
  it('gives every reader all of the input, the slow and the late ones too; one that exits early does not stop the others', async () => {
    const input = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`).join(''));
    const feeds = await each.fifos.feeds(4, 'tee-');
    const chunks = Readable.from((function* () {
      for (let at = 0; at < input.length; at += 10_000) yield input.subarray(at, at + 10_000);
    })());
    const tee = teeInto(chunks, feeds);
    const [paths] = [feeds.map((feed) => feed.path)];
    const fast = reader(paths[0] as string, 'md5sum | cut -d" " -f1');
    const slow = reader(paths[1] as string, 'sleep 0.2; md5sum | cut -d" " -f1');
    const early = reader(paths[2] as string, 'head -1');
    // The last one opens late: nothing was written before it came.
    await settle(150);
    const late = reader(paths[3] as string, 'md5sum | cut -d" " -f1');
    const sum = `${md5(input)}\n`;
    expect(await Promise.all([fast, slow, early, late])).toEqual([
      { stdout: sum, code: 0 },
      { stdout: sum, code: 0 },
      { stdout: 'line 0\n', code: 0 },
      { stdout: sum, code: 0 },
    ]);
    await tee;
    expect([feeds[0], feeds[1], feeds[3]].map((feed) => feed?.sent)).toEqual([input.length, input.length, input.length]);
  });

  it('stops reading once no reader is left, and ends every feed', async () => {
    const feeds = await each.fifos.feeds(2, 'tee-');
    let read = 0;
    const endless = new Readable({
      read(): void {
        read += 1;
        this.push(Buffer.alloc(64 << 10, 'y'));
      },
    });
    const tee = teeInto(endless, feeds);
    const readers = feeds.map((feed) => reader(feed.path, 'head -c 100000 | wc -c'));
    expect((await Promise.all(readers)).map((r) => r.stdout.trim())).toEqual(['100000', '100000']);
    await tee;
    expect(feeds.every((feed) => feed.over)).toBe(true);
    const after = read;
    await settle(30);
    expect(read).toBe(after);
    endless.destroy();
  });
});
