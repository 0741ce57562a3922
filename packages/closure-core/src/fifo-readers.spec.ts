import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFifo, waitForFifoReaders } from './fifo-readers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fifo-readers-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether a FIFO has a writer: a non-blocking read of it says EAGAIN (a writer, no data) or end of file (none). */
function hasWriter(fifo: string): boolean {
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return readSync(fd, Buffer.alloc(1)) !== 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return true;
    throw error;
  } finally {
    closeSync(fd);
  }
}

describe('isFifo', () => {
  it('is true of a FIFO only', () => {
    const fifo = join(dir, 'is.fifo');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'is.plain'), '');
    expect([isFifo(fifo), isFifo(join(dir, 'is.plain')), isFifo(dir), isFifo(join(dir, 'missing'))]).toEqual([true, false, false, false]);
  });
});

describe('waitForFifoReaders', () => {
  it('resolves once a reader comes, said once after noticeMs; its probe stays a writer until released', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const plain = join(dir, 'plain');
    writeFileSync(plain, '');
    const waits: string[] = [];
    let got = '';
    let ended = false;
    const waited = waitForFifoReaders([{ path: fifo, what: '--joblog' }, { path: undefined, what: '--results' }, { path: plain, what: '--results' }], {
      noticeMs: 100,
      pollMs: 10,
      onWait: (output) => {
        waits.push(`${output.what} ${output.path}`);
        // The reader comes once the wait is said (it opens as the probe's writer does).
        const reader = createReadStream(fifo, 'utf8');
        reader.on('data', (text) => (got += String(text)));
        reader.on('end', () => (ended = true));
      },
    });
    const probes = await waited;
    expect(waits).toEqual([`--joblog ${fifo}`]);
    expect([...probes.fifos]).toEqual([fifo]);
    // The probe is a writer still: the reader has not been given its end of file.
    expect(hasWriter(fifo)).toBe(true);
    const out = openSync(fifo, 'w');
    probes.release();
    probes.release(); // again: nothing more to close
    writeFileSync(out, 'row\n');
    closeSync(out);
    await new Promise<void>((resolve) => {
      const check = (): void => (ended ? resolve() : void setTimeout(check, 10));
      check();
    });
    expect(got).toBe('row\n');
  });

  it('probes a FIFO named twice once', async () => {
    const fifo = join(dir, 'twice.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const probes = await waitForFifoReaders([
        { path: fifo, what: '--joblog' },
        { path: fifo, what: '--trace' },
      ]);
      expect([...probes.fifos]).toEqual([fifo]);
      probes.release();
    } finally {
      closeSync(reader);
    }
  });

  it('gives up on an aborted signal, holding nothing', async () => {
    const fifo = join(dir, 'never-read.fifo');
    execFileSync('mkfifo', [fifo]);
    const abort = new AbortController();
    const waits: string[] = [];
    const waited = waitForFifoReaders([{ path: fifo, what: '--joblog' }], { signal: abort.signal, onWait: (output) => waits.push(output.what) });
    abort.abort('SIGTERM');
    const probes = await waited;
    expect(probes.fifos.size).toBe(0);
    probes.release();
    expect(hasWriter(fifo)).toBe(false);
    expect(waits).toEqual([]);
  });
});
