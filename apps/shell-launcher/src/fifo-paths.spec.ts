import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputFileStream, waitForReaders } from './fifo-paths.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'input-file-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all;
}

describe('inputFileStream', () => {
  it('reads a regular file whole', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'a\nb\n');
    await expect(text(inputFileStream(file))).resolves.toBe('a\nb\n');
  });

  it('reads a FIFO from its first writer to its end, its writer coming after it is opened', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const stream = inputFileStream(fifo);
    // Opened without a writer, it has not ended: the writer's two parts both arrive.
    const writer = spawn('sh', ['-c', `exec > '${fifo}'; printf 'x\\n'; sleep 0.1; printf 'y\\n'`], { stdio: 'ignore' });
    const [read] = await Promise.all([text(stream), new Promise((resolve) => writer.on('close', resolve))]);
    expect(read).toBe('x\ny\n');
  });

  it('closes a FIFO no writer opened when destroyed (the open did not block)', async () => {
    const fifo = join(dir, 'lonely');
    execFileSync('mkfifo', [fifo]);
    const stream = inputFileStream(fifo) as NodeJS.ReadableStream & { destroy(): void; once(event: 'close', listener: () => void): unknown };
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    stream.destroy();
    await expect(closed).resolves.toBeUndefined();
  });

  it('gives a path that cannot be opened as the stream’s error', async () => {
    await expect(text(inputFileStream(join(dir, 'missing')))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

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

describe('waitForReaders', () => {
  it('resolves once a reader comes, saying once after a second that it waits; its probe stays a writer until released', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const notices: string[] = [];
    let got = '';
    let ended = false;
    const waited = waitForReaders([{ path: fifo, what: '--joblog' }, { path: undefined, what: '--results' }, { path: join(dir, 'plain'), what: '--results' }], undefined, (text) => {
      notices.push(text);
      // The reader comes once the wait is said (it opens as the probe's writer does).
      const reader = createReadStream(fifo, 'utf8');
      reader.on('data', (text) => (got += String(text)));
      reader.on('end', () => (ended = true));
    });
    const probes = await waited;
    expect(notices).toEqual([`spm-shell: waiting for a reader of the FIFO \`${fifo}\` (--joblog) before starting\n`]);
    // The probe is a writer still: the reader has not been given its end of file.
    expect(hasWriter(fifo)).toBe(true);
    const out = openSync(fifo, 'w');
    probes.release();
    writeFileSync(out, 'row\n');
    closeSync(out);
    await new Promise<void>((resolve) => {
      const check = (): void => (ended ? resolve() : void setTimeout(check, 10));
      check();
    });
    expect(got).toBe('row\n');
  });

  it('gives up on an aborted signal, holding nothing', async () => {
    const fifo = join(dir, 'never-read.fifo');
    execFileSync('mkfifo', [fifo]);
    const abort = new AbortController();
    const waited = waitForReaders([{ path: fifo, what: '--joblog' }], abort.signal, () => undefined);
    abort.abort('SIGTERM');
    const probes = await waited;
    probes.release();
    expect(hasWriter(fifo)).toBe(false);
  });
});
