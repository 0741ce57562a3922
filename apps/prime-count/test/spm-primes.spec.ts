import { describe, it, expect } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, liveDescendants, waitFor } from '@spm/testing';
import { sieveCount } from '../src/primes.spec.js';

// The bin a user runs: `npx spm-primes` after `npm ci`.
const bin = fileURLToPath(new URL('../bin/spm-primes.cjs', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('spm-primes', () => {
  it.each([
    ['process', 2, 100_000, 7, 2],
    ['thread', 0, 50_000, 5, 2],
    ['inproc', 1000, 30_011, 3, 1],
    ['process', 0, 3, 1, 2],
    ['thread', 17, 18, 1, 1],
  ] as const)('counts the primes of a range exactly on %s spokes: [%i, %i) in %i buckets', async (transport, min, max, buckets, spokes) => {
    const before = liveDescendants();
    const { code, stdout, stderr } = await run(['--json', '--transport', transport, '--min', String(min), '--max', String(max), '--buckets', String(buckets), '--spokes', String(spokes)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    // No more spokes than buckets are started.
    expect(result).toMatchObject({ count: sieveCount(min, max), min, max, buckets, spokes: Math.min(spokes, buckets), transport, failedBuckets: 0 });
    expect(typeof result['wallMs']).toBe('number');
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });

  it('by default runs the seed’s job: [2, 502347) in 10 buckets, with the seed’s status lines and a rolling count', async () => {
    const { code, stdout } = await run(['--spokes', '2']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('#: MetaStatus (hub): Waiting - ForSpokes [ for up to 30 secs ]');
    expect(lines[1]).toBe('#: MetaStatus (hub): Tasks - Eval');
    const rolling = lines.filter((l) => l.startsWith(' --> Rolling count of (# of prime numbers) :: ')).map((l) => Number(l.split(':: ')[1]));
    expect(rolling).toHaveLength(10);
    expect([...rolling].sort((a, b) => a - b)).toEqual(rolling); // a rolling count only grows
    expect(lines.at(-2)).toBe('#: MetaStatus (hub): Tasks - EvalDone');
    expect(lines.at(-1)).toMatch(new RegExp(`^Primes in \\[2, 502347\\): ${sieveCount(2, 502_347)} — 10 bucket\\(s\\) on 2 thread spoke\\(s\\), \\d+ ms$`));
  });

  it.each(['cost', 'width'])('counts exactly with buckets split by %s, and says so in --json', async (split) => {
    const { code, stdout } = await run(['--json', '--split', split, '--min', '7', '--max', '250000', '--buckets', '13', '--spokes', '2', '--transport', 'thread']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ count: sieveCount(7, 250_000), buckets: 13, split, failedBuckets: 0 });
  });

  it.each([0, 3])('counts exactly with %i bucket(s) queued ahead on each spoke, and says so in --json', async (prefetch) => {
    const { code, stdout } = await run(['--json', '--prefetch', String(prefetch), '--max', '120000', '--buckets', '9', '--spokes', '2', '--transport', 'process']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ count: sieveCount(2, 120_000), buckets: 9, prefetch, failedBuckets: 0 });
  });

  it('runs on each pool of the seed’s Fig. 13 with the same result', async () => {
    const counts = new Set<number>();
    for (const pool of ['intraAll', 'intraOnePerServer', 'inter', 'interOnePerServer']) {
      const { code, stdout } = await run(['--json', '--pool', pool, '--max', '20000', '--buckets', '4', '--spokes', '2', '--transport', 'thread']);
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as { count: number; spokes: number; spokesUsed: number };
      counts.add(result.count);
      // One server here: a one-per-server pool leases one of the two spokes.
      expect([result.spokes, result.spokesUsed >= 1 && result.spokesUsed <= 2]).toEqual([2, true]);
      if (pool.endsWith('OnePerServer')) expect(result.spokesUsed).toBe(1);
    }
    expect([...counts]).toEqual([sieveCount(2, 20_000)]);
  });

  it('starts no more spokes than there are buckets', async () => {
    const before = liveDescendants();
    const { code, stdout } = await run(['--json', '--max', '1000', '--buckets', '3', '--spokes', '64', '--transport', 'process']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ count: sieveCount(2, 1000), buckets: 3, spokes: 3 });
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });

  it.each([
    [2, 3, 1],
    [2, 9, 7],
    [3, 3, 1],
  ])('without --buckets counts [%i, %i) in 10 buckets, or one per integer of a smaller range (%i)', async (min, max, buckets) => {
    const { code, stdout, stderr } = await run(['--json', '--min', String(min), '--max', String(max), '--spokes', '1']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ count: sieveCount(min, max), buckets, failedBuckets: 0 });
  });

  it('writes a Chrome trace with one bar per bucket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-primes-'));
    try {
      const file = join(dir, 'trace.json');
      const { code } = await run(['--json', '--max', '30000', '--buckets', '6', '--spokes', '2', '--transport', 'thread', '--trace', file]);
      expect(code).toBe(0);
      const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string; name: string; cat: string }[] };
      const bars = trace.traceEvents.filter((e) => e.ph === 'X');
      expect(bars).toHaveLength(6);
      expect(bars.every((b) => /^bucket \[\d+, \d+\)$/.test(b.name))).toBe(true);
      expect(bars.every((b) => b.cat === 'task')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--buckets', '0'], 'Expected --buckets to be an integer ≥ 1 and ≤ 1000000, got `0`'],
    [['--json', '--max', '10000000002', '--buckets', '10000000000'], 'Expected --buckets to be an integer ≥ 1 and ≤ 1000000, got `10000000000`'],
    [['--json', '--max', '1000000002', '--buckets', '1000000000'], 'Expected --buckets to be an integer ≥ 1 and ≤ 1000000, got `1000000000`'],
    [['--max', 'ten'], 'Expected --max to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got `ten`'],
    [['--max', '9007199254741000'], 'Expected --max to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got `9007199254741000`'],
    [['--min', '-10'], 'Expected --min to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got `-10`'],
    [['--min', '10', '--max', '5'], 'Expected --max (5) ≥ --min (10)'],
    [['--prefetch=-1'], 'Expected --prefetch to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got `-1`'],
    [['--prefetch', 'two'], 'Expected --prefetch to be an integer ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got `two`'],
    [['--split', 'evenly'], 'Expected --split to be one of cost, width, got `evenly`'],
    [['--transport', 'carrier-pigeon'], 'Expected --transport to be one of inproc, thread, process, got `carrier-pigeon`'],
    [['--task-timeout=-1'], 'Expected --task-timeout to be a number of seconds (decimal, e.g. 2.5) from 0.001 to 2147483 (about 24.8 days, the longest a timer waits), got `-1`'],
    [['--task-timeout', '0'], 'Expected --task-timeout to be a number of seconds (decimal, e.g. 2.5) from 0.001 to 2147483 (about 24.8 days, the longest a timer waits), got `0`'],
    [['--max', '1000', '--buckets', '1', '--task-timeout', '3000000000'], 'Expected --task-timeout to be a number of seconds (decimal, e.g. 2.5) from 0.001 to 2147483 (about 24.8 days, the longest a timer waits), got `3000000000`'],
    [['--task-timeout', '1', '--transport', 'inproc'], 'Expected --transport thread or process with --task-timeout (an inproc bucket runs in the hub’s thread and cannot be stopped), got `inproc`'],
    [['--max', '5', '--buckets', '9'], 'Expected --buckets (9) ≤ the size of the range (3)'],
    [['--min', '3', '--max', '3', '--buckets', '5'], 'Expected --buckets to be 1 for an empty range ([3, 3)), got `5`'],
    [['--frobnicate'], 'Unknown option `--frobnicate` (the options are below)'],
  ])('refuses %j with a clear message and exit status 2', async (args, message) => {
    const { code, stderr, stdout } = await run([...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage: spm-primes');
  });
});

describe('spm-primes, bundled', () => {
  it('keeps the words `import.meta.url` of messages as they are: only the expressions are rewritten', () => {
    const code = readFileSync(fileURLToPath(new URL('../bundle/runtime.cjs', import.meta.url)), 'utf8');
    expect(code).toContain('to be a module URL (\\`import.meta.url\\`) or an absolute path');
    expect(code).toMatch(/module: new URL\("\.\/prime-closure\.js", __spm_bundle_url\)\.href/);
  });

  it('writes its code cache on a run that found none or a bad one, and then loads from it', async () => {
    const cache = fileURLToPath(new URL('../bundle/runtime.cjs.cache', import.meta.url));
    // A cache V8 cannot use (garbage): the run does not notice, and leaves a good one behind.
    writeFileSync(cache, 'not a code cache');
    const first = await run(['--json', '--max', '1000', '--spokes', '1']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toMatchObject({ count: sieveCount(2, 1000) });
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);
    // V8 accepts it: the next run does not write it again.
    const second = await run(['--json', '--max', '1000', '--spokes', '1']);
    expect(second.code).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);
  });

  it('loads child_process, crypto and net only where they are used, and no ES module: thread spokes that count load none', async () => {
    const preload = fileURLToPath(new URL('./fixtures/builtins-loaded.cjs', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', preload, bin, '--json', '--max', '100000', '--buckets', '4', '--spokes', '2', '--transport', 'thread'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (status) => resolve({ code: status, stdout: out, stderr: err }));
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ count: sieveCount(2, 100_000) });
    // (The hub's own line varies: it makes the coprocess owner's token with crypto.)
    expect(stderr.split('\n').filter((line) => line.includes('by the thread'))).toEqual(['builtins loaded by the thread: none; ES modules: no', 'builtins loaded by the thread: none; ES modules: no']);
    // The hub: no ES module either (its bin and bin stub are CommonJS); it loads crypto for its
    // coprocess owner's token.
    expect(stderr).toMatch(/by the hub: [a-z_,]+; ES modules: no/);
  });

  it('runs from its bundle, and its process spokes start the bundle’s spoke entry, not dist/', async () => {
    const child = spawn(process.execPath, [bin, '--json', '--transport', 'process', '--max', '20000000', '--buckets', '40', '--spokes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const seen = new Map<number, string>();
    const spokes = (): string[] => [...seen.values()].filter((line) => line.includes('/spoke/entries/process.js'));
    await waitFor(
      () => {
        for (const pid of liveDescendants()) seen.set(pid, commandLine(pid));
        return spokes().length >= 2;
      },
      10_000,
      'two process spokes',
    );
    expect(await closed).toBe(0);
    expect(spokes().every((line) => line.includes('/apps/prime-count/bundle/spoke/entries/process.js'))).toBe(true);
    expect(JSON.parse(stdout)).toMatchObject({ count: sieveCount(2, 20_000_000), transport: 'process', failedBuckets: 0 });
  });
});

describe('spm-primes --trace to a FIFO', () => {
  it('waits for its reader (said after a second), and writes the whole trace to it at the end', async () => {
    // Regression: the FIFO was opened to check it at the start (deaf in open(2) until a reader
    // came) and closed — the reader's end of file — then opened again at the end, where no reader
    // was left: the run never ended, its count done.
    const dir = mkdtempSync(join(tmpdir(), 'spm-primes-'));
    try {
      const fifo = join(dir, 'trace.fifo');
      execFileSync('mkfifo', [fifo]);
      let read = '';
      let readerEnded: Promise<void> | undefined;
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, '--json', '--max', '30000', '--buckets', '4', '--spokes', '2', '--trace', fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          // The reader comes once the wait is said.
          if (!stderr.includes('waiting for a reader') || readerEnded !== undefined) return;
          const reader = createReadStream(fifo, 'utf8');
          reader.on('data', (text) => (read += String(text)));
          readerEnded = new Promise((done) => reader.on('end', () => done()));
        });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('spm-primes ran past 30 s'));
        }, 30_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: `spm-primes: waiting for a reader of the FIFO \`${fifo}\` (--trace) before starting\n` });
      expect(JSON.parse(r.stdout)).toMatchObject({ count: sieveCount(2, 30_000), buckets: 4, failedBuckets: 0 });
      await readerEnded;
      const trace = JSON.parse(read) as { traceEvents: { ph: string }[] };
      expect(trace.traceEvents.filter((e) => e.ph === 'X')).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Runs spm-primes with `args`; `onLine` sees each stdout line (with the child, to signal it);
 * resolves once it has ended.
 */
function runWatched(args: readonly string[], onLine: (line: string, child: ReturnType<typeof spawn>) => void, options: { cwd?: string; stdoutFd?: number } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'], ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line, child);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('spm-primes ran past 60 s'));
    }, 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('spm-primes --trace, interrupted', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('writes the trace of the buckets done so far before %s ends it', async (signal) => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-primes-'));
    try {
      const file = join(dir, 'trace.json');
      const r = await runWatched(['--max', '60000000', '--buckets', '200', '--spokes', '2', '--transport', 'thread', '--trace', file], (line, child) => {
        // A bucket has been reported: the trace has something to hold.
        if (line.includes('Rolling count') && !child.killed) child.kill(signal);
      });
      // Ended by the signal, as before: the status a shell sees is 128 + its number.
      expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal });
      const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string; name: string }[] };
      expect(trace.traceEvents.filter((e) => e.ph === 'X').length).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spm-primes --trace and signals (an adversarial pass, session 39)', () => {
  const withDir = async (body: (dir: string) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-primes-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const events = (file: string): { ph: string }[] => (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string }[] }).traceEvents;

  it('ends on a SIGINT that came while an inproc bucket blocked the hub (it was dropped: the run went on and exited 0)', () =>
    withDir(async (dir) => {
      const file = join(dir, 'trace.json');
      let sent = false;
      const r = await runWatched(['--max', '6000000', '--buckets', '1', '--transport', 'inproc', '--trace', file], (line, child) => {
        // The bucket is dispatched after this line, in the hub's own thread: signalled meanwhile.
        if (line.includes('Tasks - Eval') && !sent) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 200);
        }
      });
      expect({ code: r.code, signal: r.signal, counted: r.stdout.includes('Primes in') }).toEqual({ code: null, signal: 'SIGINT', counted: false });
      expect(Array.isArray(events(file))).toBe(true);
    }));

  it('writes the whole trace when a second signal comes while the first one’s trace is written (it was cut short, or left empty)', () =>
    withDir(async (dir) => {
      const file = join(dir, 'trace.json');
      let rolling = 0;
      const r = await runWatched(['--max', '2000000', '--buckets', '50000', '--spokes', '2', '--trace', file], (line, child) => {
        if (line.startsWith(' --> Rolling') && ++rolling === 20_000) {
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGINT'), 1);
        }
      });
      expect(r.signal).toBe('SIGINT');
      expect(events(file).filter((e) => e.ph === 'X').length).toBeGreaterThanOrEqual(20_000);
    }));

  it('leaves a valid, whole trace when a signal comes as the run writes it at its end', () =>
    withDir(async (dir) => {
      const file = join(dir, 'trace.json');
      const r = await runWatched(['--max', '2000000', '--buckets', '30000', '--spokes', '2', '--trace', file], (line, child) => {
        if (line.includes('EvalDone')) child.kill('SIGTERM');
      });
      // Ended by the signal, or done just before it: the trace is whole either way.
      expect([r.signal, r.code]).toContainEqual(r.signal === null ? 0 : 'SIGTERM');
      expect(events(file).filter((e) => e.ph === 'X')).toHaveLength(30_000);
    }));

  it('gives a FIFO’s reader a valid trace when a signal comes just after the FIFO was opened (it got nothing)', () =>
    withDir(async (dir) => {
      const fifo = join(dir, 'trace.fifo');
      execFileSync('mkfifo', [fifo]);
      let read = '';
      const child = spawn(process.execPath, [bin, '--max', '30000000', '--buckets', '20', '--spokes', '2', '--trace', fifo], { stdio: ['ignore', 'ignore', 'pipe'] });
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      // The reader's open returns once the bin has opened the FIFO to write: signalled then.
      const reader = createReadStream(fifo, 'utf8');
      reader.on('open', () => child.kill('SIGINT'));
      reader.on('data', (text) => (read += String(text)));
      await new Promise<void>((resolve) => reader.on('close', () => resolve()));
      expect(await ended).toBe('SIGINT');
      expect(JSON.parse(read)).toHaveProperty('traceEvents');
    }));

  it('refuses --trace /dev/stdout, where the count goes (the trace and the --json line were written over each other)', () =>
    withDir(async (dir) => {
      const out = join(dir, 'out');
      const fd = openSync(out, 'w');
      try {
        const r = await runWatched(['--json', '--max', '1000', '--buckets', '2', '--trace', '/dev/stdout'], () => undefined, { stdoutFd: fd });
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: "spm-primes: cannot write the trace to `/dev/stdout`: it is this run's stdout, where the count (--json) goes\n" });
      } finally {
        closeSync(fd);
      }
      expect(readFileSync(out, 'utf8')).toBe('');
    }));

  it.each(['process', 'thread'] as const)('prints the count as INCOMPLETE, and its --json, when no %s spoke can run (a deleted working directory: it printed only an error)', (transport) =>
    withDir(async (dir) => {
      const gone = join(dir, 'gone');
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('sh', ['-c', `mkdir "$1" && cd "$1" && rmdir "$1" && exec "$2" "$3" --json --transport ${transport} --max 100000 --spokes 2`, 'sh', gone, process.execPath, bin], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(r.code).toBe(1);
      const result = JSON.parse(r.stdout) as { count: number; failedBuckets: number; error: string };
      expect(result).toMatchObject({ count: 0, failedBuckets: 10 });
      expect(typeof result.error).toBe('string');
      expect(r.stderr).toContain(`spm-primes: ${result.error}`);
    }));
});

describe('spm-primes on process spokes, interrupted while they start', () => {
  it('ends without a word from the spokes its exit left behind (they exit too)', async () => {
    const r = await new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, '--max', '30000000', '--transport', 'process', '--spokes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let signal: NodeJS.Signals | null = null;
      // Its first line comes as the spokes are launched: end it then, as a Ctrl-C would.
      child.stdout.once('data', () => child.kill('SIGINT'));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('exit', (_code, got) => (signal = got));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('spm-primes ran past 60 s'));
      }, 60_000);
      // 'close' comes once every holder of its stderr — the spokes too — has let go of it.
      child.on('close', () => {
        clearTimeout(timer);
        resolve({ signal, stderr });
      });
    });
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).not.toContain('spm-spoke:');
  });
});

describe('spm-primes --trace to a file that cannot be written', () => {
  it('says so before starting anything and exits 1, leaving no spoke behind', async () => {
    // Regression: the trace was written in a `finally` before the spokes were closed; the write
    // threw, the cloud was never closed, and the bin hung on its worker threads.
    const before = liveDescendants();
    const { code, stdout, stderr } = await run(['--json', '--max', '30000', '--spokes', '2', '--trace', '/nonexistent-spm-dir/trace.json']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^spm-primes: cannot write the trace `\/nonexistent-spm-dir\/trace\.json`: ENOENT/);
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });
});

describe('spm-primes --task-timeout', () => {
  it('kills a bucket that runs too long, reports the count as incomplete and exits 1', async () => {
    const before = liveDescendants();
    const { code, stdout, stderr } = await run(['--json', '--max', '40000000', '--buckets', '1', '--spokes', '1', '--task-timeout', '0.3']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bucket 0 failed: Task 0 timed out after 300 ms on spoke local:1; the spoke was killed \(and relaunched, where the hub starts its spokes\)/);
    expect(JSON.parse(stdout)).toMatchObject({ failedBuckets: 1, count: 0 });
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });
});

describe('spm-primes when its reader goes away', () => {
  it.each(['thread', 'process'])('stops everything quietly like SIGPIPE would and exits 141 (%s spokes)', async (transport) => {
    // `spm-primes | head -1`: the reader takes the first line and goes while the buckets run.
    const before = liveDescendants();
    const dir = mkdtempSync(join(tmpdir(), 'spm-primes-'));
    try {
      const file = join(dir, 'trace.json');
      const child = spawn(process.execPath, [bin, '--transport', transport, '--max', '20000000', '--buckets', '40', '--spokes', '2', '--trace', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(141);
      // Stopped, not run to its end: the buckets dropped have no bar (a whole run has 40).
      const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string }[] };
      expect(trace.traceEvents.filter((e) => e.ph === 'X').length).toBeLessThan(40);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });
});

describe('spm-primes when its output cannot be written', () => {
  it.each([[[]], [['--json']]])('says so in one line and exits 1 when stdout is a full device (%j)', async (args) => {
    const before = liveDescendants();
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [bin, ...args, '--transport', 'process', '--max', '1000', '--buckets', '2'], { stdio: ['ignore', full, 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('spm-primes: cannot write the output: ENOSPC: no space left on device, write\n');
      expect(code).toBe(1);
    } finally {
      closeSync(full);
    }
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no spoke left behind');
  });
});

describe('spm-primes when stderr cannot be written', () => {
  it.each([
    [['--max', '1000', '--buckets', '2', '--json'], 0],
    [['--buckets', '0'], 2],
  ])('ends as it would have (%j: exit %i)', async (args, status) => {
    // A usage error whose message could not be written used to crash on stderr's 'error'
    // event instead (exit 1, not 2).
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', full] });
      let stdout = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(status);
      if (status === 0) expect(JSON.parse(stdout)).toMatchObject({ count: 168 });
    } finally {
      closeSync(full);
    }
  });
});


describe('spm-primes and the signals Node acts on itself', () => {
  it('hears SIGUSR1, SIGUSR2 and SIGALRM and goes on: no inspector opened, no run ended unsaid', async () => {
    // Until session 44 SIGUSR1 opened Node's inspector on 127.0.0.1:9229 (any local user could
    // run code through it) and SIGUSR2 or SIGALRM ended the run with status 140 or 142.
    const child = spawn(process.execPath, [bin, '--max', '3000000', '--buckets', '20', '--spokes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      // On the run's first line, once it is under way.
      if (stdout === '') for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const) child.kill(signal);
      stdout += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('Debugger listening');
    expect(code).toBe(0);
    expect(stdout).toContain(`Primes in [2, 3000000): ${sieveCount(2, 3_000_000)} `);
  });
});

describe('spm-primes run as a program (its npm bin) where NODE_EXTRA_CA_CERTS is set', () => {
  // Node 20 loads that file's certificates as a process starts (~50 ms here); the bin's first
  // line (sh) execs node without it, and the hub puts it back for what it starts. A file that
  // cannot be read makes the load visible: Node warns on stderr where it tried.
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent-spm-ca.pem' };
  const WARNING = 'Ignoring extra certs from `/nonexistent-spm-ca.pem`';
  const count = (args: string[], direct: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = direct ? spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('starts its hub without loading them, and its process spokes with the variable as it was', async () => {
    const args = ['--json', '--max', '1000', '--spokes', '1'];
    const thread = await count([...args, '--transport', 'thread'], true);
    expect({ code: thread.code, stderr: thread.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(thread.stdout)).toMatchObject({ count: sieveCount(2, 1000) });
    // A process spoke is a Node of its own, started with the user's environment: it loads them.
    const process1 = await count([...args, '--transport', 'process'], true);
    expect(process1.code).toBe(0);
    expect(process1.stderr.split('\n').filter((line) => line.includes(WARNING))).toHaveLength(1);
    // Run with `node bin`, the hub loads them itself.
    const viaNode = await count([...args, '--transport', 'thread'], false);
    expect(viaNode.code).toBe(0);
    expect(viaNode.stderr).toContain(WARNING);
  });
});
