import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { BIN, runSpmShell } from './run-spm-shell.js';
import { allLines } from './terminal-screen.js';

// `--latest-line` on a real terminal: the bin runs under util-linux's `script` on a pseudo-terminal
// sized by `stty`; what the terminal shows at the end is worked out by a small VT100
// (terminal-screen.ts) from what the bin wrote: the rows, and the lines scrolled off above them.

const quoted = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs `program args` on a terminal of `columns` × `rows`: its exit status and every line the terminal showed. */
function onTerminal(
  args: readonly string[],
  size: { columns: number; rows: number },
  program: readonly string[] = [process.execPath, BIN],
): Promise<{ code: number | null; lines: string[]; raw: string }> {
  const line = `stty cols ${size.columns} rows ${size.rows}; exec ${[...program, ...args].map(quoted).join(' ')}`;
  const child = spawn('script', ['-qec', line, '/dev/null'], {
    env: { ...process.env, PARALLEL: undefined, SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let raw = '';
  child.stdout
    .setEncoding('utf8')
    .on('data', (chunk: string) => (raw += chunk));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines: allLines(raw, size.columns, size.rows), raw });
    });
  });
}

const SIZE = { columns: 40, rows: 8 };

describe.each(['inproc', 'thread', 'process'] as const)(
  'spm-shell --latest-line on a terminal (%s spokes)',
  (transport) => {
    it('gives each job one row, redrawn in place: at the end each shows its job’s last line', async () => {
      const r = await onTerminal(
        [
          '--transport',
          transport,
          '--ll',
          '-k',
          '-j',
          '2',
          '--tag',
          'echo {}-1; sleep 0.1; echo {}-2; sleep 0.1; echo {}-3',
          ':::',
          'a',
          'b',
          'c',
          'd',
        ],
        SIZE,
      );
      expect(r.code).toBe(0);
      // Twelve lines printed, four rows shown (a tag's tab is spaces to column 8).
      expect(r.lines).toEqual([
        'a       a-3',
        'b       b-3',
        'c       c-3',
        'd       d-3',
      ]);
    });

    it('shows stderr’s lines too, a line ended by \\r, and a last line without a newline', async () => {
      const r = await onTerminal(
        [
          '--transport',
          transport,
          '--ll',
          '-k',
          '{}',
          ':::',
          'echo; echo',
          "printf 'step 1\\rstep 2\\rstep 3\\r'",
          'echo only-err >&2',
          "echo one; printf 'no newline'",
        ],
        SIZE,
      );
      expect(r.code).toBe(0);
      // (A job that printed blank lines only: a blank row.)
      expect(r.lines).toEqual(['', 'step 3', 'only-err', 'no newline']);
    });
  },
);

describe('spm-shell --latest-line on a small terminal', () => {
  it('never scrolls a running job’s row away: every job’s row is shown once, in order (-k)', async () => {
    const jobs = Array.from({ length: 14 }, (_, i) => String(i + 1));
    const r = await onTerminal(
      [
        '--ll',
        '-k',
        '-j',
        '3',
        'echo {}-start; sleep 0.0{}; echo {}-end',
        ':::',
        ...jobs,
      ],
      { columns: 30, rows: 5 },
    );
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(jobs.map((job) => `${job}-end`));
  });

  it('without -k too: each job’s row once, notices (a timeout) below rows, exit status the failures', async () => {
    const r = await onTerminal(
      [
        '--ll',
        '-j',
        '3',
        '--timeout',
        '2',
        '{}',
        ':::',
        'echo t-start; sleep 30',
        ...Array.from(
          { length: 8 },
          (_, i) => `echo job-${i}; sleep 0.1; echo job-${i}-end`,
        ),
      ],
      { columns: 200, rows: 6 },
    );
    expect(r.code).toBe(1);
    const notices = r.lines.filter((line) => line.startsWith('spm-shell: '));
    expect(notices).toEqual([
      expect.stringMatching(/^spm-shell: job 1 timed out after 2 s/),
    ]);
    expect(
      r.lines.filter((line) => !line.startsWith('spm-shell: ')).sort(),
    ).toEqual(
      [
        't-start',
        ...Array.from({ length: 8 }, (_, i) => `job-${i}-end`),
      ].sort(),
    );
  });

  it('cuts a row to the terminal’s width less one (> where cut), colours and control sequences taken out', async () => {
    const r = await onTerminal(
      [
        '--ll',
        '-k',
        '{}',
        ':::',
        `echo ${'x'.repeat(50)}`,
        "printf '\\033[31mred\\033[0m\\033[2J\\n'",
      ],
      { columns: 20, rows: 6 },
    );
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([`${'x'.repeat(18)}>`, 'red']);
  });
});

describe('spm-shell --latest-line as GNU parallel’s (20221122, installed by .ci/run)', () => {
  // Lines of equal length: GNU parallel does not clear what a longer line left on a row.
  const args = [
    '--ll',
    '-j',
    '3',
    '--tag',
    'echo x{}-1; sleep 0.{}; echo x{}-2',
    ':::',
    '3',
    '1',
    '2',
    '4',
    '1',
    '2',
    '3',
    '1',
    '2',
  ];

  it('-k: the same rows at the end, on a terminal smaller than the jobs', async () => {
    const size = { columns: 40, rows: 6 };
    const gnu = await onTerminal(['--will-cite', '-k', ...args], size, [
      'parallel',
    ]);
    const spm = await onTerminal(['-k', ...args], size);
    expect(gnu.lines).toHaveLength(9);
    expect({ code: spm.code, lines: spm.lines }).toEqual({
      code: gnu.code,
      lines: gnu.lines,
    });
  });

  it('without -k: the same rows (in the order jobs printed first: sorted here)', async () => {
    const size = { columns: 40, rows: 20 };
    const gnu = await onTerminal(['--will-cite', ...args], size, ['parallel']);
    const spm = await onTerminal(args, size);
    expect(gnu.lines).toHaveLength(9);
    expect({ code: spm.code, lines: [...spm.lines].sort() }).toEqual({
      code: gnu.code,
      lines: [...gnu.lines].sort(),
    });
  });
});

describe('spm-shell --latest-line off a terminal', () => {
  it('prints each job’s last line once, as it ends (tagged, in order with -k); blank output prints nothing', async () => {
    const r = await runSpmShell(
      [
        '--ll',
        '-k',
        '--tag',
        '{}',
        ':::',
        'echo 1; echo 2; printf 3',
        'echo err >&2; exit 2',
        'echo; echo',
        "printf 'a\\rb\\r'",
      ],
      { mark: `ll-${process.pid}` },
    );
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 1,
      stdout:
        "echo 1; echo 2; printf 3\t3\necho err >&2; exit 2\terr\nprintf 'a\\rb\\r'\tb\n",
      stderr: '',
    });
  });

  it('keeps nothing else of the output: a huge output is one line', async () => {
    const r = await runSpmShell(['--ll', 'seq 1 {}', ':::', '2000000'], {
      mark: `ll-${process.pid}`,
    });
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 0,
      stdout: '2000000\n',
    });
  });
});
