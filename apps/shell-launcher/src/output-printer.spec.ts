import { describe, it, expect, afterAll } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outcome } from '../test/fixtures/outcome.js';
import { jobColor, OutputPrinter, tagLines } from './output-printer.js';

/** A sink that records each write as `out:TEXT` or `err:TEXT` (bytes, from a spill file, decoded). */
function capture(): { sink: { out: (t: string | Uint8Array) => void; err: (t: string | Uint8Array) => void }; writes: string[] } {
  const writes: string[] = [];
  const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t).toString('utf8'));
  return { writes, sink: { out: (t) => void writes.push(`out:${text(t)}`), err: (t) => void writes.push(`err:${text(t)}`) } };
}

/** A sink that keeps each stream's bytes as written (strings as UTF-8). */
function byteCapture(): { sink: { out: (t: string | Uint8Array) => void; err: (t: string | Uint8Array) => void }; out: () => Buffer; err: () => Buffer } {
  const parts = { out: [] as Buffer[], err: [] as Buffer[] };
  const keep = (stream: 'out' | 'err') => (t: string | Uint8Array): void => void parts[stream].push(typeof t === 'string' ? Buffer.from(t) : Buffer.from(t));
  return { sink: { out: keep('out'), err: keep('err') }, out: () => Buffer.concat(parts.out), err: () => Buffer.concat(parts.err) };
}

/** A reader slow once: the first `backlog` waits until `release` is called, the others do not wait. */
function slowOnce(): { backlog: () => Promise<void> | undefined; release: () => void } {
  let release: (() => void) | undefined;
  let waits = 0;
  return {
    backlog: () => (waits++ === 0 ? new Promise<void>((resolve) => (release = resolve)) : undefined),
    release: () => release?.(),
  };
}

describe('OutputPrinter', () => {
  it('prints each job whole, stdout then stderr, in the order jobs finish', () => {
    const { sink, writes } = capture();
    const p = new OutputPrinter({ keepOrder: false, tag: false, json: false }, sink);
    p.finished(outcome({ seq: 2, stdout: 'two\n', stderr: 'oops\n' }));
    p.finished(outcome({ seq: 1, stdout: 'one\n' }));
    expect(writes).toEqual(['out:two\n', 'err:oops\n', 'out:one\n']);
  });

  it('with keep-order, holds a job only until the jobs before it are done or skipped', () => {
    const { sink, writes } = capture();
    const p = new OutputPrinter({ keepOrder: true, tag: false, json: false }, sink);
    p.finished(outcome({ seq: 3, stdout: '3\n' }));
    p.finished(outcome({ seq: 2, stdout: '2\n' }));
    expect(writes).toEqual([]);
    expect(p.held).toBe(2);
    p.skip(1); // killed: it never prints
    expect(writes).toEqual(['out:2\n', 'out:3\n']);
    p.finished(outcome({ seq: 5, stdout: '5\n' }));
    void p.flush(); // 4 never came (still inside the manager when it stopped)
    expect(writes).toEqual(['out:2\n', 'out:3\n', 'out:5\n']);
    expect(p.held).toBe(0);
  });

  it('with --line-buffer, prints lines as they come, each line tagged once across pieces', () => {
    const { sink, writes } = capture();
    const p = new OutputPrinter({ keepOrder: false, tag: true, json: false, lineBuffer: true }, sink);
    p.live(2, 'b', 'stdout', 'b1\n');
    p.live(1, 'a', 'stdout', 'a1\npart');
    p.live(1, 'a', 'stderr', 'e1\n');
    p.live(1, 'a', 'stdout', ' of a1\n');
    p.finished(outcome({ seq: 1, stdout: '', stderr: '' }));
    p.live(2, 'b', 'stdout', 'b2');
    p.finished(outcome({ seq: 2, stdout: '', stderr: '' }));
    expect(writes).toEqual(['out:b\tb1\n', 'out:a\ta1\na\tpart', 'err:a\te1\n', 'out: of a1\n', 'out:b\tb2']);
  });

  it('with --line-buffer and keep-order, prints the oldest unfinished job’s lines live and the others’ at their turn', () => {
    const { sink, writes } = capture();
    const p = new OutputPrinter({ keepOrder: true, tag: false, json: false, lineBuffer: true }, sink);
    p.live(1, '1', 'stdout', '1a\n');
    p.live(2, '2', 'stdout', '2a\n');
    p.live(3, '3', 'stderr', '3a\n');
    expect(writes).toEqual(['out:1a\n']);
    p.finished(outcome({ seq: 2, stdout: '', stderr: '' }));
    p.live(1, '1', 'stdout', '1b\n');
    expect(writes).toEqual(['out:1a\n', 'out:1b\n']);
    // 1 ends: 2 (done) prints whole, 3 becomes the one shown live.
    p.finished(outcome({ seq: 1, stdout: '', stderr: '' }));
    expect(writes).toEqual(['out:1a\n', 'out:1b\n', 'out:2a\n', 'err:3a\n']);
    p.live(3, '3', 'stdout', '3b\n');
    p.live(5, '5', 'stdout', '5a\n');
    expect(writes.slice(4)).toEqual(['out:3b\n']);
    p.skip(3); // stopped: what it printed stays printed
    p.live(4, '4', 'stdout', '4a\n');
    expect(writes.slice(5)).toEqual(['out:4a\n']);
    // At the end, what waits is printed in order (5 never ended).
    void p.flush();
    expect(writes.slice(6)).toEqual(['out:5a\n']);
  });

  it('tags every line of stdout and stderr, and prints JSON lines instead of output with --json', () => {
    expect(tagLines('a\nb\n', 'x\t')).toBe('x\ta\nx\tb\n');
    expect(tagLines('a\nb', 'x\t')).toBe('x\ta\nx\tb');
    expect(tagLines('', 'x\t')).toBe('');
    const { sink, writes } = capture();
    new OutputPrinter({ keepOrder: false, tag: true, json: false }, sink).finished(outcome({ job: { seq: 1, command: 'c', tag: 'arg 1', attempt: 1 }, stdout: 'o\n', stderr: 'e' }));
    expect(writes).toEqual(['out:arg 1\to\n', 'err:arg 1\te']);
    const json = capture();
    new OutputPrinter({ keepOrder: false, tag: true, json: true }, json.sink).finished(outcome({ stdout: 'o\n' }));
    expect(json.writes).toHaveLength(1);
    expect(JSON.parse((json.writes[0] as string).slice(4))).toMatchObject({ seq: 1, command: 'echo a', exitCode: 0, stdout: 'o\n', spoke: 'local:1', host: 'vm', attempts: 1 });
    expect(JSON.parse((json.writes[0] as string).slice(4))).not.toHaveProperty('lowMemory');
    // --memfree's kill is said only where it happened.
    const killed = capture();
    new OutputPrinter({ keepOrder: false, tag: false, json: true }, killed.sink).finished(outcome({ ok: false, exitCode: null, signal: 'SIGTERM', lowMemory: true }));
    expect(JSON.parse((killed.writes[0] as string).slice(4))).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: false, lowMemory: true });
  });

  it('tags after a carriage return too, as GNU parallel does (a progress line’s redraws each tagged)', () => {
    expect(tagLines('10%\r20%\rdone\n', 'x\t')).toBe('x\t10%\rx\t20%\rx\tdone\n');
    expect(tagLines('a\r', 'x\t')).toBe('x\ta\r');
  });

  describe('colours (--color, --ctag, --color-failed)', () => {
    const K = '\x1b[K';
    const R = '\x1b[m';
    const red = '\x1b[48;5;196;38;5;231m';
    it('has GNU parallel’s colour for each seq: 307 pairs, neighbours different', () => {
      // Read off GNU parallel 20221122 (`--color`, jobs 1 and 2); the compatibility spec compares more.
      expect(jobColor(1)).toBe('\x1b[48;5;134;38;5;231m');
      expect(jobColor(2)).toBe('\x1b[48;5;021;38;5;231m');
      expect(new Set(Array.from({ length: 307 }, (_, i) => jobColor(i))).size).toBe(307);
      expect(jobColor(307 + 5)).toBe(jobColor(5));
      for (let seq = 1; seq < 400; seq += 1) expect(jobColor(seq)).not.toBe(jobColor(seq + 1));
    });

    it('colours each line, tag included, closes it with a reset, and ends a last line with a newline', () => {
      const { sink, writes } = capture();
      const p = new OutputPrinter({ keepOrder: false, tag: true, json: false, color: true }, sink);
      p.finished(outcome({ seq: 2, job: { seq: 2, command: 'c', tag: 'b', attempt: 1 }, stdout: 'x\ny', stderr: 'e\r\n' }));
      const c = `${jobColor(2)}${K}b\t`;
      expect(writes).toEqual([`out:${c}x${R}\n${c}y${R}\n`, `err:${c}e${R}\r${c}${R}\n`]);
      // An empty output stays empty.
      const empty = capture();
      new OutputPrinter({ keepOrder: false, tag: false, json: false, color: true }, empty.sink).finished(outcome({ stdout: '', stderr: '' }));
      expect(empty.writes).toEqual([]);
    });

    it('--color-failed: a failed job white on red, a good one uncoloured but its last line ended', () => {
      const { sink, writes } = capture();
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: false, colorFailed: true }, sink);
      p.finished(outcome({ seq: 1, stdout: 'ok' }));
      p.finished(outcome({ seq: 2, stdout: 'bad\n', ok: false, exitCode: 1 }));
      expect(writes).toEqual(['out:ok\n', `out:${red}${K}bad${R}\n`]);
      // Over --color, a failed job is red, the others keep theirs.
      const both = capture();
      const q = new OutputPrinter({ keepOrder: false, tag: false, json: false, color: true, colorFailed: true }, both.sink);
      q.finished(outcome({ seq: 3, stdout: 'ok\n' }));
      q.finished(outcome({ seq: 4, stdout: 'bad\n', ok: false, exitCode: null, timedOut: true }));
      expect(both.writes).toEqual([`out:${jobColor(3)}${K}ok${R}\n`, `out:${red}${K}bad${R}\n`]);
    });

    it('with --line-buffer, colours whole lines as they come; a last piece without a newline gets its reset; --color-failed does nothing', () => {
      const { sink, writes } = capture();
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: false, lineBuffer: true, color: true, colorFailed: true }, sink);
      p.live(1, 'a', 'stdout', 'a1\na2\n');
      p.live(1, 'a', 'stdout', 'end');
      p.finished(outcome({ seq: 1, stdout: '', stderr: '', ok: false, exitCode: 1 }));
      const c = `${jobColor(1)}${K}`;
      expect(writes).toEqual([`out:${c}a1${R}\n${c}a2${R}\n`, `out:${c}end${R}`]);
      const plain = capture();
      const q = new OutputPrinter({ keepOrder: false, tag: false, json: false, lineBuffer: true, colorFailed: true }, plain.sink);
      q.live(1, 'a', 'stdout', 'a1\n');
      q.finished(outcome({ seq: 1, stdout: '', stderr: '', ok: false, exitCode: 1 }));
      expect(plain.writes).toEqual(['out:a1\n']);
    });
  });

  describe('with outputs past --max-output in spill files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'printer-spill-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const spill = (name: string, text: string | Buffer): string => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };

    it('tags bytes that are not UTF-8 as they are, and a character cut between chunks is written whole', async () => {
      const bytes = byteCapture();
      const p = new OutputPrinter({ keepOrder: false, tag: true, json: false }, bytes.sink);
      // Latin-1 lines, then a `€` (3 bytes) across the 1 MiB chunk boundary.
      const body = Buffer.concat([Buffer.from([0xe9, 0x0a, 0xff, 0xfe, 0x0d, 0x41]), Buffer.from('x'.repeat((1 << 20) - 8)), Buffer.from('€\n')]);
      p.finished(outcome({ job: { seq: 1, command: 'c', tag: 'é', attempt: 1 }, stdout: 'k\n', stdoutFile: spill('latin1', body) }));
      await p.flush();
      const t = Buffer.from('é\t');
      expect(bytes.out().equals(Buffer.concat([t, Buffer.from('k\n'), t, Buffer.from([0xe9, 0x0a]), t, Buffer.from([0xff, 0xfe, 0x0d]), t, body.subarray(5)]))).toBe(true);
    });

    it('prints the kept part, then the file (deleted after), and holds jobs that finish meanwhile until it is done', async () => {
      const { sink, writes } = capture();
      const slow = slowOnce();
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: false }, {
        ...sink,
        // The reader is slow once: the stream waits for it.
        backlog: slow.backlog,
      });
      const big = 'x'.repeat(3 << 20); // 3 chunks of 1 MiB
      const file = spill('big', `${big}\n`);
      const errFile = spill('big-err', 'rest of stderr\n');
      p.finished(outcome({ seq: 1, stdout: 'head ', stdoutFile: file, stderr: 'err ', stderrFile: errFile }));
      p.finished(outcome({ seq: 2, stdout: 'two\n' }));
      expect(writes).toEqual(['out:head ', `out:${'x'.repeat(1 << 20)}`]);
      const flushed = p.flush();
      slow.release();
      await flushed;
      expect(writes.map((w) => w.slice(4)).join('')).toBe(`head ${big}\nerr rest of stderr\ntwo\n`);
      expect(writes.slice(-3)).toEqual(['err:err ', 'err:rest of stderr\n', 'out:two\n']);
      expect(existsSync(file) || existsSync(errFile)).toBe(false);
    });

    it('writes text given meanwhile (a `--joblog -` row) after the output being streamed, never inside it', async () => {
      const { sink, writes } = capture();
      const slow = slowOnce();
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: false }, { ...sink, backlog: slow.backlog });
      p.write('header\n');
      p.finished(outcome({ seq: 1, stdout: 'a', stdoutFile: spill('row', `${'b'.repeat(2 << 20)}\n`) }));
      p.write('row 2\n');
      p.finished(outcome({ seq: 2, stdout: 'two\n' }));
      const flushed = p.flush();
      slow.release();
      await flushed;
      expect(writes.map((w) => w.slice(4)).join('')).toBe(`header\na${'b'.repeat(2 << 20)}\nrow 2\ntwo\n`);
    });

    it('tags lines across the kept part and the file, and a character split between chunks arrives whole', async () => {
      const { sink, writes } = capture();
      const p = new OutputPrinter({ keepOrder: false, tag: true, json: false }, sink);
      const euro = '€'.repeat(600_000); // 1.8 MB: the 1 MiB chunks cut inside a character
      p.finished(outcome({ job: { seq: 1, command: 'c', tag: 't', attempt: 1 }, stdout: 'a\nb', stdoutFile: spill('tag', `c\nd\n${euro}\n`) }));
      await p.flush();
      expect(writes.map((w) => w.slice(4)).join('')).toBe(`t\ta\nt\tbc\nt\td\nt\t${euro}\n`);
    });

    it('colours lines across the kept part and the file, and ends the last line after the file', async () => {
      const { sink, writes } = capture();
      const p = new OutputPrinter({ keepOrder: false, tag: true, json: false, color: true }, sink);
      p.finished(outcome({ job: { seq: 3, command: 'c', tag: 't', attempt: 1 }, stdout: 'a\nb', stdoutFile: spill('colour', 'c\nd') }));
      await p.flush();
      const c = `${jobColor(3)}\x1b[Kt\t`;
      expect(writes.map((w) => w.slice(4)).join('')).toBe(`${c}a\x1b[m\n${c}bc\x1b[m\n${c}d\x1b[m\n`);
    });

    it('stops reading a spill file once its output is gone (the reader went away), and deletes it', async () => {
      const { sink, writes } = capture();
      let gone = false;
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: false }, { ...sink, out: (t) => ((gone = true), sink.out(t)), gone: (stream) => stream === 'out' && gone });
      const file = spill('gone', 'y'.repeat(5 << 20));
      p.finished(outcome({ stdout: '', stdoutFile: file }));
      await p.flush();
      expect(writes).toEqual([`out:${'y'.repeat(1 << 20)}`]);
      expect(existsSync(file)).toBe(false);
    });

    it('with --json, puts the whole output in the line', async () => {
      const { sink, writes } = capture();
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: true }, sink);
      const file = spill('json', 'rest\n');
      p.finished(outcome({ stdout: 'kept ', stdoutFile: file }));
      await p.flush();
      expect(JSON.parse((writes[0] as string).slice(4))).toMatchObject({ stdout: 'kept rest\n' });
      expect(existsSync(file)).toBe(false);
    });

    it('says so when a file cannot be read back, and prints the rest', async () => {
      const { sink, writes } = capture();
      const notices: string[] = [];
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: false }, { ...sink, notice: (t) => void notices.push(t) });
      p.finished(outcome({ seq: 7, stdout: 'kept\n', stdoutFile: join(dir, 'gone') }));
      p.finished(outcome({ seq: 8, stdout: 'eight\n' }));
      await p.flush();
      expect(writes).toEqual(['out:kept\n', 'out:eight\n']);
      expect(notices).toEqual([expect.stringMatching(/^spm-shell: job 7: its output past --max-output could not be read back: ENOENT/)]);
    });

    it('with --json, marks the job truncated and says it lost when a file cannot be read back', async () => {
      const { sink, writes } = capture();
      const lost: number[] = [];
      const p = new OutputPrinter({ keepOrder: false, tag: false, json: true }, { ...sink, notice: () => undefined, lost: (seq) => void lost.push(seq) });
      p.finished(outcome({ seq: 4, stdout: 'kept ', stdoutFile: join(dir, 'gone-json') }));
      await p.flush();
      expect(JSON.parse((writes[0] as string).slice(4))).toMatchObject({ seq: 4, stdout: 'kept ', truncated: true });
      expect(lost).toEqual([4]);
    });
  });

  describe('with --line-buffer and keep-order, a waiting job’s lines past what memory may hold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'printer-live-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const files = (): string[] => readdirSync(dir);

    it('go to a file, read back in order (streams and tags kept) when the job’s turn comes; lines sent meanwhile follow, then it shows live', async () => {
      const { sink, writes } = capture();
      const slow = slowOnce();
      const p = new OutputPrinter(
        { keepOrder: true, tag: true, json: false, lineBuffer: true, liveHoldBytes: 8, spillDir: () => dir },
        // The reader is slow once: the job's reading back waits for it.
        { ...sink, backlog: slow.backlog },
      );
      p.live(1, 'a', 'stdout', 'a1\n');
      p.live(2, 'b', 'stdout', 'b1\n'); // 3 bytes: in memory
      p.live(2, 'b', 'stderr', 'be1\n'); // 7: in memory
      p.live(2, 'b', 'stdout', 'b2\npart'); // 14 > 8: to the file, and all after it
      p.live(2, 'b', 'stdout', ' of b2\n');
      p.live(2, 'b', 'stderr', '€ e2\n');
      p.live(3, 'c', 'stdout', 'c1\n');
      expect(files()).toEqual(['live-2-0']);
      expect(writes).toEqual(['out:a\ta1\n']);
      // 1 ends: 2's turn. What it held in memory is printed; its file is read (and the reader waits).
      p.finished(outcome({ seq: 1, stdout: '', stderr: '' }));
      p.live(2, 'b', 'stdout', 'b3\n'); // sent while its file is read back: behind it
      p.write('row\n'); // a `--joblog -` row meanwhile: after what is being read
      expect(writes.slice(1)).toEqual(['out:b\tb1\n', 'err:b\tbe1\n', 'out:b\tb2\nb\tpart', 'out: of b2\n', 'err:b\t€ e2\n']);
      slow.release();
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes.slice(6)).toEqual(['out:b\tb3\n', 'out:row\n']);
      expect(files()).toEqual([]);
      p.live(2, 'b', 'stdout', 'b4\n'); // caught up: live again
      expect(writes.slice(8)).toEqual(['out:b\tb4\n']);
      p.finished(outcome({ seq: 2, stdout: '', stderr: '' }));
      expect(writes.slice(9)).toEqual(['out:c\tc1\n']);
      await p.flush();
    });

    it('keep the bytes of output that is not UTF-8, in memory and in the file, tagged on the bytes', async () => {
      const bytes = byteCapture();
      const p = new OutputPrinter({ keepOrder: true, tag: true, json: false, lineBuffer: true, liveHoldBytes: 4, spillDir: () => dir }, bytes.sink);
      const pieces = [Buffer.from([0xe9, 0x0a]), Buffer.from([0xff, 0x00, 0x0a]), Buffer.from([0xe2, 0x82]), Buffer.from([0xac, 0x0a])];
      for (const piece of pieces) p.live(2, 'b', 'stdout', piece); // job 2 waits for 1: 2 bytes in memory, then a file
      expect(files()).toEqual(['live-2-0']);
      p.finished(outcome({ seq: 1, stdout: '', stderr: '' }));
      await p.flush();
      const t = Buffer.from('b\t');
      expect(bytes.out().equals(Buffer.concat([t, pieces[0] as Buffer, t, pieces[1] as Buffer, t, Buffer.from('€\n')]))).toBe(true);
      expect(files()).toEqual([]);
    });

    it('a job that ends while its file is read back holds the jobs after it until the file is done', async () => {
      const { sink, writes } = capture();
      const slow = slowOnce();
      const p = new OutputPrinter(
        { keepOrder: true, tag: false, json: false, lineBuffer: true, liveHoldBytes: 4, spillDir: () => dir },
        { ...sink, backlog: slow.backlog },
      );
      const line = `${'x'.repeat((1 << 19) - 1)}\n`; // 512 KiB: six of them take three 1 MiB reads
      for (let i = 0; i < 6; i += 1) p.live(2, '2', 'stdout', line);
      p.live(3, '3', 'stdout', '3a\n'); // in memory
      p.live(3, '3', 'stdout', 'long 3b\n'); // to 3's file
      p.finished(outcome({ seq: 2, stdout: '', stderr: '' }));
      p.finished(outcome({ seq: 1, stdout: '1\n', stderr: '' })); // 2's turn, then 3's
      p.finished(outcome({ seq: 4, stdout: '4\n', stderr: '' }));
      // The reader is slow after the first read: one whole line of 2 printed, nothing after it.
      expect(writes.length).toBe(2);
      expect(writes[1] === `out:${line}`).toBe(true);
      p.finished(outcome({ seq: 3, stdout: '', stderr: '' }));
      slow.release();
      await p.flush();
      expect(writes.map((w) => w.slice(4)).join('') === `1\n${line.repeat(6)}3a\nlong 3b\n4\n`).toBe(true);
      expect(files()).toEqual([]);
    });

    it('stay in memory, said once, when no file can be made — nothing is lost', async () => {
      const { sink, writes } = capture();
      const notices: string[] = [];
      const p = new OutputPrinter(
        { keepOrder: true, tag: false, json: false, lineBuffer: true, liveHoldBytes: 2, spillDir: () => join(dir, 'not-there') },
        { ...sink, notice: (t) => void notices.push(t) },
      );
      for (const line of ['b1\n', 'b2\n', 'b3\n']) p.live(2, '2', 'stdout', line);
      p.skip(1);
      await p.flush();
      expect(writes).toEqual(['out:b1\n', 'out:b2\n', 'out:b3\n']);
      expect(notices).toEqual([expect.stringMatching(/^spm-shell: job 2: its lines waiting for their turn \(--line-buffer with -k\) are held in memory: ENOENT/)]);
    });
  });
});
