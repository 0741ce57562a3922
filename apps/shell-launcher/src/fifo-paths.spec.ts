import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputFileStream, PipeWriter } from './fifo-paths.js';

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

describe('PipeWriter', () => {
  it('never blocks on a reader that does not read: the text waits, and end() resolves once the reader has taken it', async () => {
    const fifo = join(dir, 'writer.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that opens the FIFO and reads nothing until told.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = new PipeWriter(openSync(fifo, 'w'), () => undefined);
    const text = 'row\n'.repeat(50_000); // 200 KB: three times what a pipe holds
    writer.write(text); // returns at once: a writeSync would sleep here for ever
    let ended = false;
    const end = writer.end().then(() => (ended = true));
    const taken: Buffer[] = [];
    const buffer = Buffer.alloc(1 << 16);
    while (!ended) {
      try {
        const n = readSync(reader, buffer);
        if (n > 0) taken.push(Buffer.from(buffer.subarray(0, n)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await end;
    closeSync(reader);
    expect(Buffer.concat(taken).toString()).toBe(text);
  });

  it('gives the first error (the reader gone) to onError, said as a file write’s', async () => {
    const fifo = join(dir, 'writer-gone.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const errors: string[] = [];
    const writer = new PipeWriter(openSync(fifo, 'w'), (error) => errors.push(error.message));
    closeSync(reader);
    writer.write('a\n');
    writer.write('b\n');
    await writer.end();
    expect(errors).toEqual(['EPIPE: broken pipe, write']);
  });
});
