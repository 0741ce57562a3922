import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPMError } from '@spm/exceptions';
import { busiestPercent, diskBusyOf, LimitCheck, limitText, parseLimit } from './limit-check.js';
import { MEMINFO_VARIABLE } from './machine-memory.js';

/** `--memfree`'s reading of SIZE, as cli-options gives it (powers of 1024 for G). */
const size = (_option: string, value: string | undefined): number => {
  const m = /^(\d+)([GM]?)$/.exec(value ?? '');
  if (m === null) throw new SPMError(`bad size ${String(value)}`);
  return Number(m[1]) * (m[2] === 'G' ? 1024 ** 3 : m[2] === 'M' ? 1024 ** 2 : 1);
};

describe('parseLimit (--limit)', () => {
  it('reads GNU parallel’s three measures by their first word, and any other text as a shell command', () => {
    expect(parseLimit('--limit', 'mem 2G', size)).toEqual({ kind: 'mem', bytes: 2 * 1024 ** 3 });
    expect(parseLimit('--limit', ' load 1.5 ', size)).toEqual({ kind: 'load', max: 1.5 });
    expect(parseLimit('--limit', 'io 40', size)).toEqual({ kind: 'io', percent: 40 });
    expect(parseLimit('--limit', 'memory-check 3', size)).toEqual({ kind: 'command', command: 'memory-check 3' });
    expect(parseLimit('--limit', '[ -e /tmp/go ]', size)).toEqual({ kind: 'command', command: '[ -e /tmp/go ]' });
    expect(['mem 2G', 'io 40', 'x  y'].map((text) => limitText(parseLimit('--limit', text, size)))).toEqual([`mem ${2 * 1024 ** 3}`, 'io 40', 'x  y']);
  });

  it('refuses what it cannot read, naming the option and what it expected', () => {
    const cases: readonly [string | undefined, RegExp][] = [
      [undefined, /^Expected `--limit` to be followed by a command whose exit status says whether a job may start/],
      ['  ', /^Expected `--limit` to be followed by a command/],
      ['load', /^Expected `--limit load N` to give N, the most running processes \(a number, 1\.5 too\), got ``$/],
      ['load -1', /^Expected `--limit load N` to give N/],
      ['io 101', /^Expected `--limit io N` to give N, the most utilisation of the busiest disk in percent \(0 to 100\), got `101`$/],
      ['io 5 6', /^Expected `--limit io N` to give N.*got `5 6`$/],
      ['mem lots', /^bad size lots$/],
      ['a\0b', /^Expected `--limit`'s command to hold no NUL, got one$/],
    ];
    for (const [value, message] of cases) expect(() => parseLimit('--limit', value, size)).toThrow(message);
  });
});

describe('the busiest disk (--limit io N)', () => {
  const line = (name: string, ioTicks: number): string => `   8       0 ${name} 100 0 800 50 200 0 1600 70 0 ${ioTicks} 120 0 0 0 0`;

  it('reads each device’s milliseconds doing I/O (the 10th statistic of /proc/diskstats) and takes the busiest share of the span', () => {
    const before = diskBusyOf([line('sda', 1000), line('sdb', 5000), 'junk', ''].join('\n'));
    expect([...before]).toEqual([
      ['sda', 1000],
      ['sdb', 5000],
    ]);
    const after = diskBusyOf([line('sda', 1250), line('sdb', 5100), line('sdc', 99)].join('\n'));
    // 250 ms busy in a 1,000 ms span: 25 %; a device new in the second reading is not counted.
    expect(busiestPercent({ at: 0, busyMs: before }, { at: 1000, busyMs: after })).toBe(25);
    // Never past 100 (ticks and clock are read apart), nor anything for an empty span.
    expect(busiestPercent({ at: 0, busyMs: before }, { at: 100, busyMs: after })).toBe(100);
    expect(busiestPercent({ at: 5, busyMs: before }, { at: 5, busyMs: after })).toBe(0);
  });

  it('measures this machine’s over a span of its own', async () => {
    const check = new LimitCheck({ kind: 'io', percent: 100 });
    // At most 100 %: never over a limit of 100.
    expect(await check.check()).toBe(0);
  });
});

describe('LimitCheck', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    delete process.env[MEMINFO_VARIABLE];
  });

  it('takes a command’s exit status 0, 1 or 2 as its verdict, one run at a time (callers meanwhile share it)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'spm-limit-'));
    const verdict = join(dir, 'verdict');
    const runs = join(dir, 'runs');
    const check = new LimitCheck({ kind: 'command', command: `echo x >> ${runs}; exit $(cat ${verdict})` });
    for (const status of [0, 1, 2] as const) {
      writeFileSync(verdict, String(status));
      expect(await check.check()).toBe(status);
    }
    writeFileSync(verdict, '1');
    writeFileSync(runs, '');
    const [a, b] = [check.check(), check.check()];
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    expect(readFileSync(runs, 'utf8')).toBe('x\n');
    expect(check.lastAt).toBeGreaterThan(0);
  });

  it('rejects, saying how, when the command exits otherwise or is killed: GNU parallel would wait on it forever', async () => {
    const failing = new LimitCheck({ kind: 'command', command: 'echo no such thing >&2; exit 127' });
    await expect(failing.check()).rejects.toThrow(/^--limit `echo no such thing >&2; exit 127` exited 127; expected it to exit 0 \(start a job\), 1 \(over the limit: not now\) or 2 \(way over: kill the youngest job\); it said: no such thing$/);
    await expect(new LimitCheck({ kind: 'command', command: 'kill -9 $$' }).check()).rejects.toThrow(/^--limit `kill -9 \$\$` was killed by SIGKILL; expected/);
    // A rejected check does not stick: the next one runs the command again.
    await expect(failing.check()).rejects.toThrow(SPMError);
  });

  it('reads the free memory as --memfree does: 2 below half of SIZE, 1 below SIZE, else 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'spm-limit-'));
    const fake = join(dir, 'meminfo');
    process.env[MEMINFO_VARIABLE] = fake;
    const check = new LimitCheck({ kind: 'mem', bytes: 1024 ** 3 });
    const verdicts: number[] = [];
    for (const kib of [100_000, 600_000, 2_000_000]) {
      writeFileSync(fake, `MemFree: ${kib} kB\nBuffers: 0 kB\nCached: 0 kB\nSwapCached: 0 kB\n`);
      verdicts.push(await check.check());
    }
    expect(verdicts).toEqual([2, 1, 0]);
  });

  it('reads the load as --load does: 1 past N, else 0', async () => {
    expect(await new LimitCheck({ kind: 'load', max: 1e9 }).check()).toBe(0);
  });
});
