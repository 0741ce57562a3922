import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputFileStream } from './fifo-paths.js';

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
