import { describe, it, expect } from '@jest/globals';
import { linkSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPMError } from '@spm/exceptions';
import { DEFAULT_MAX_OUTPUT, OPTION_NAMES, parseShellArgs, USAGE } from './cli-options.js';
import type { NotUtf8Argument } from './not-utf8-arguments.js';
import { RecordPattern } from './record-pattern.js';
import { cpuTopology } from './cpu-topology.js';

describe('parseShellArgs', () => {
  it('applies defaults', () => {
    const o = parseShellArgs([]);
    expect(o).toMatchObject({ jobs: availableParallelism(), tries: 1, keepOrder: false, tag: false, lineBuffer: false, json: false, progress: 'auto', maxOutputBytes: DEFAULT_MAX_OUTPUT, transport: 'inproc' });
    expect(parseShellArgs(['--lb'])).toMatchObject({ lineBuffer: true });
    for (const alias of ['--line-buffered', '--linebuffer', '--linebuffered']) expect(parseShellArgs([alias])).toMatchObject({ lineBuffer: true });
    for (const alias of ['--latest-line', '--latestline', '--ll']) expect(parseShellArgs([alias, 'echo'])).toMatchObject({ latestLine: true, lineBuffer: false });
    expect(parseShellArgs(['--ll', '--lb', '-k', '--tag', 'echo'])).toMatchObject({ latestLine: true, lineBuffer: true, keepOrder: true, tag: true });
    for (const alias of ['-x', '--exit']) expect(parseShellArgs([alias, 'echo'])).toMatchObject({ exitTooLong: true });
    expect(parseShellArgs(['echo'])).toMatchObject({ exitTooLong: false });
    for (const alias of ['--output-as-files', '--outputasfiles']) expect(parseShellArgs([alias, 'echo'])).toMatchObject({ files: true });
    expect(parseShellArgs(['--col-sep', ',', '--term-seq', 'TERM,100', '--shell_quote', '--gnu', 'echo'])).toMatchObject({ colsep: /,/, shellQuote: 1 });
    expect(parseShellArgs(['--link']).link).toBe(true);
    expect(parseShellArgs(['--tagstring', '{#}:'])).toMatchObject({ tagString: '{#}:', tag: true });
    expect(parseShellArgs([])).toMatchObject({ color: false, colorFailed: false });
    expect(parseShellArgs(['--color'])).toMatchObject({ color: true, tag: false, colorFailed: false });
    expect(parseShellArgs(['--colour']).color).toBe(true);
    expect(parseShellArgs(['--ctag'])).toMatchObject({ color: true, tag: true });
    expect(parseShellArgs(['--ctagstring', '{#}:'])).toMatchObject({ tagString: '{#}:', tag: true, color: true });
    expect(parseShellArgs(['--ctag-string={}'])).toMatchObject({ tagString: '{}', tag: true, color: true });
    expect(() => parseShellArgs(['--ctagstring'])).toThrow('Expected `--ctagstring` to be followed by the tag');
    for (const flag of ['--color-failed', '--colour-failed', '--colorfailed', '--colourfailed', '--color-fail', '--colour-fail', '--colorfail', '--colourfail', '--cf']) {
      expect(parseShellArgs([flag])).toMatchObject({ colorFailed: true, color: false });
    }
    expect(parseShellArgs(['--nice', '17']).nice).toBe(17);
    expect(parseShellArgs(['echo']).slotVariable).toBeUndefined();
    expect(parseShellArgs(['--process-slot-var', 'GPU_0', 'echo']).slotVariable).toBe('GPU_0');
    expect(parseShellArgs(['--processslotvar=_x', 'echo']).slotVariable).toBe('_x');
    expect(parseShellArgs(['echo'])).toMatchObject({ openTty: false, ungroup: false });
    // --tty: -j1 and -u unless said otherwise; -o alone changes neither.
    expect(parseShellArgs(['--tty', 'vi'])).toMatchObject({ openTty: true, jobs: 1, ungroup: true });
    expect(parseShellArgs(['-o', 'vi'])).toMatchObject({ openTty: true, ungroup: false });
    expect(parseShellArgs(['-o', 'vi']).jobs).toBe(parseShellArgs(['vi']).jobs);
    expect(parseShellArgs(['--open-tty', '--tty', '-j', '3', 'vi'])).toMatchObject({ openTty: true, jobs: 3, ungroup: true });
    for (const output of [['--group'], ['--lb'], ['--json'], ['--results', 'out'], ['--files']]) expect(parseShellArgs(['--tty', ...output, 'vi'])).toMatchObject({ openTty: true, jobs: 1, ungroup: false });
    expect(parseShellArgs(['--tty', '--transport', 'thread', 'vi']).transport).toBe('thread');
    // GNU parallel's other spellings.
    expect(parseShellArgs(['--dr', '--keeporder', '--jl', 'j.log', '--result', 'out', '--tag-string', '{}:', '--work-dir', '/tmp', 'echo'])).toMatchObject({ dryRun: true, keepOrder: true, joblog: 'j.log', results: 'out', tagString: '{}:', workdir: '/tmp' });
    expect(parseShellArgs(['--argsep', ',,', 'echo', ',,', 'a']).sources).toEqual([{ kind: 'args', values: ['a'] }]);
    for (const nok of ['--nok', '--no-k', '--no-keep-order', '--nokeeporder']) expect(parseShellArgs([nok, '-k', 'echo']).keepOrder).toBe(false);
    expect(parseShellArgs(['--verbose', '--silent', 'echo']).verbose).toBe(false);
    // -v is GNU parallel's (the commands on stdout), --verbose spm-shell's; --silent takes back -v.
    expect(parseShellArgs(['-v', 'echo'])).toMatchObject({ echoCommands: true, verbose: false });
    expect(parseShellArgs(['-v', '--silent', 'echo']).echoCommands).toBe(false);
    expect(parseShellArgs(['--numberofthreads']).count).toBe('threads');
    expect(parseShellArgs(['--max-line-length-allowed']).printMaxLength).toBe(true);
    expect(parseShellArgs(['--maxlinelengthallowed']).printMaxLength).toBe(true);
    expect(parseShellArgs(['echo']).showLimits).toBe(false);
    expect(parseShellArgs(['--show-limits', 'echo']).showLimits).toBe(true);
    // What -j and --load count from: the cores given (threads), or this machine's cores or sockets.
    const { sockets, cores: physical } = cpuTopology();
    expect(parseShellArgs(['-j', '+1', '--load', '50%'], 4)).toMatchObject({ jobs: 5, jobsBase: 4, maxLoad: 2 });
    expect(parseShellArgs(['-j', '+1', '--load', '50%', '--use-cores-instead-of-threads'], 4)).toMatchObject({ jobs: physical + 1, jobsBase: physical, maxLoad: physical / 2 });
    expect(parseShellArgs(['--usesocketsinsteadofthreads'], 4)).toMatchObject({ jobs: sockets, jobsBase: sockets });
    expect(parseShellArgs(['--use-sockets-instead-of-threads', '--use-cores-instead-of-threads', '-j', '200%'], 4).jobs).toBe(2 * sockets);
    expect(parseShellArgs(['--use-cpus-instead-of-cores'], 4)).toMatchObject({ jobs: 4, jobsBase: 4 });
    // --shellquote counts: each one quotes once more.
    expect(parseShellArgs(['echo']).shellQuote).toBe(0);
    expect(parseShellArgs(['--shellquote', '--shellquote', 'echo']).shellQuote).toBe(2);
    expect(() => parseShellArgs(['--shellquote=2'])).toThrow('Expected `--shellquote` to take no value');
    // -i [R], --replace[=R]: R optional, taken from the next word unless it starts with -.
    const marked = (text: string | undefined): string => (text ?? '').replaceAll('\u0001', '^');
    expect(marked(parseShellArgs(['-i', '@', 'echo', '@', '{}']).template)).toBe('echo {} ^}');
    expect(marked(parseShellArgs(['-i@', 'echo', '@']).template)).toBe('echo {}');
    expect(marked(parseShellArgs(['--replace=@', 'echo', '@']).template)).toBe('echo {}');
    expect(marked(parseShellArgs(['-i', '-k', 'echo', '{}']).template)).toBe('echo {}');
    expect(marked(parseShellArgs(['--er', '@', '--bnr=%', 'echo', '@', '%', '{.}']).template)).toBe('echo {.} {/} ^.}');
    expect(parseShellArgs(['echo']).totalJobs).toBeUndefined();
    expect(parseShellArgs(['--total-jobs', '12', 'echo']).totalJobs).toBe(12);
    expect(parseShellArgs(['--totaljobs=3', 'echo']).totalJobs).toBe(3);
    expect(parseShellArgs(['--total', '1', 'echo']).totalJobs).toBe(1);
    expect(parseShellArgs(['--shuf']).shuf).toBe(true);
    expect(parseShellArgs(['-u']).ungroup).toBe(true);
    expect(parseShellArgs(['--ungroup']).ungroup).toBe(true);
    expect(parseShellArgs(['-t', 'echo']).showCommands).toBe(true);
    expect(parseShellArgs(['--pipe', '--cat', 'wc']).cat).toBe(true);
    expect(() => parseShellArgs(['--cat', 'wc', ':::', 'a'])).toThrow('Expected `--cat` with `--pipe`');
    expect(() => parseShellArgs(['--pipe', '--cat', '-q', 'wc'])).toThrow('Expected one of `--cat` and `-q`, got both');
    expect(parseShellArgs(['echo']).showCommands).toBe(false);
    // GNU parallel's habits that change nothing here: the default grouping, its citation notice.
    expect(parseShellArgs(['--group', '--will-cite', '--no-notice', 'echo'])).toEqual(parseShellArgs(['echo']));
    expect(() => parseShellArgs(['--group', '--lb', 'echo'])).toThrow('Expected one of `--group` and `--line-buffer`, got both');
    expect(() => parseShellArgs(['-u', '--group', 'echo'])).toThrow('Expected one of `--group` and `--ungroup`, got both');
    // As GNU parallel: "--ungroup cannot be combined with --line-buffer".
    expect(() => parseShellArgs(['-u', '--line-buffer', 'echo'])).toThrow('Expected one of `--ungroup` and `--line-buffer`, got both');
    expect(() => parseShellArgs(['--lb', '--ungroup', 'echo'])).toThrow('Expected one of `--ungroup` and `--line-buffer`, got both');
    expect(parseShellArgs(['--wd', 'out/{}']).workdir).toBe('out/{}');
    expect(parseShellArgs(['--workdir', '/tmp']).workdir).toBe('/tmp');
    expect(parseShellArgs(['--nice', '-5']).nice).toBe(-5);
    // --termseq: GNU parallel's sequence; names with or without SIG, any case, or numbers; a last signal without a wait waits 0.
    expect(parseShellArgs([]).killSequence).toBeUndefined();
    expect(parseShellArgs(['--termseq', 'TERM,200,TERM,100,TERM,50,KILL,25']).killSequence).toEqual([
      { signal: 'SIGTERM', waitMs: 200 },
      { signal: 'SIGTERM', waitMs: 100 },
      { signal: 'SIGTERM', waitMs: 50 },
      { signal: 'SIGKILL', waitMs: 25 },
    ]);
    expect(parseShellArgs(['--termseq', 'sigint, 1000 ,1,0,9']).killSequence).toEqual([
      { signal: 'SIGINT', waitMs: 1000 },
      { signal: 'SIGHUP', waitMs: 0 },
      { signal: 'SIGKILL', waitMs: 0 },
    ]);
    // --pipe; --block's postfixes as GNU parallel's: upper case powers of 1024, lower case of 1000.
    expect(parseShellArgs(['--pipe', 'wc'])).toMatchObject({ pipe: true, blockBytes: 1 << 20, template: 'wc' });
    expect(['10k', '10K', '1.5M', '2m', '64M', '7'].map((b) => parseShellArgs(['--pipe', '--block', b, 'wc']).blockBytes)).toEqual([10_000, 10_240, 1_572_864, 2_000_000, 67_108_864, 7]);
    // --pipe-part: --pipe on files, 10 parts per job slot unless --block says otherwise (a negative one: parts per slot).
    expect(parseShellArgs(['--pipe-part', '-a', 'f', 'wc'])).toMatchObject({ pipe: true, pipePart: true, partsPerSlot: 10 });
    expect(parseShellArgs(['--pipepart', '--block', '-3', 'wc', '::::', 'f', 'g'])).toMatchObject({ pipePart: true, partsPerSlot: 3 });
    expect(parseShellArgs(['--pipe-part', '--block', '10M', '-a', 'f', 'wc'])).toMatchObject({ pipePart: true, partsPerSlot: undefined, blockBytes: 10 * 1024 * 1024 });
    // A part is streamed from its file, not held: past --pipe's 64M.
    expect(parseShellArgs(['--pipe-part', '--block', '2G', '-a', 'f', 'wc']).blockBytes).toBe(2 * 1024 ** 3);
    expect(parseShellArgs(['--pipe-part', '--block', '1T', '-a', 'f', 'wc']).blockBytes).toBe(1024 ** 4);
    expect(() => parseShellArgs(['--pipe', '--block', '2G', 'wc'])).toThrow('Expected `--block` to be a size from 1 byte to 64M');
    expect(() => parseShellArgs(['--pipe', '--block', '1t', 'wc'])).toThrow('Expected `--block` to be a size from 1 byte to 64M');
    // --header splits at tabs unless --colsep says otherwise.
    expect(parseShellArgs(['--header', ':'])).toMatchObject({ header: true, colsep: /\t/ });
    expect(parseShellArgs(['--header', '1', '--colsep', ','])).toMatchObject({ header: true, colsep: /,/ });
    expect(parseShellArgs(['--xapply']).link).toBe(true);
    // :::+ and ::::+ link to the ::: / :::: source before them, never to an -a file.
    expect(parseShellArgs(['-a', 'f', 'echo', ':::+', 'a', ':::', 'b', ':::+', 'c', '::::+', 'g', 'h']).sources).toEqual([
      { kind: 'file', path: 'f' },
      { kind: 'args', values: ['a'] },
      { kind: 'args', values: ['b'] },
      { kind: 'args', values: ['c'], linked: true },
      { kind: 'file', path: 'g', linked: true },
      { kind: 'file', path: 'h', linked: true },
    ]);
    expect(parseShellArgs(['--line-buffer', '-k'])).toMatchObject({ lineBuffer: true, keepOrder: true });
    expect(o.timeoutMs).toBeUndefined();
    expect(o.template).toBeUndefined();
    expect(o.sources).toEqual([]);
    expect(o.dryRun).toBe(false);
    expect(o.halt.when).toBe('never');
  });

  it('reads options, then the command template, then ::: groups', () => {
    const o = parseShellArgs(['-j3', '--timeout', '1.5', '--retries=2', '-k', '--tag', '--halt', 'now,fail=1', '--joblog', 'jl', '--json', '--no-progress', '--verbose', '--trace', 't.json', '--max-output', '64K', '--transport', 'process', 'grep', '-c', 'x', '{}', ':::', 'a', 'b', ':::', '1']);
    expect(o).toMatchObject({ jobs: 3, timeoutMs: 1500, tries: 2, keepOrder: true, tag: true, joblog: 'jl', json: true, progress: 'off', verbose: true, trace: 't.json', maxOutputBytes: 65536, transport: 'process' });
    expect(o.halt).toEqual({ when: 'now', why: 'fail', count: 1 });
    // Words after the first non-option belong to the command, options of the command included.
    expect(o.template).toBe('grep -c x {}');
    expect(o.sources).toEqual([
      { kind: 'args', values: ['a', 'b'] },
      { kind: 'args', values: ['1'] },
    ]);
  });

  it('takes ::: right after the options as whole commands, and -a/--file as the input', () => {
    expect(parseShellArgs([':::', 'echo a', 'echo b'])).toMatchObject({ template: undefined, sources: [{ kind: 'args', values: ['echo a', 'echo b'] }] });
    expect(parseShellArgs(['-a', 'cmds.txt']).sources).toEqual([{ kind: 'file', path: 'cmds.txt' }]);
    expect(parseShellArgs(['--file=cmds.txt', 'gzip']).template).toBe('gzip');
    expect(parseShellArgs(['--', '-weird-command']).template).toBe('-weird-command');
  });

  it('reads -j as GNU parallel does: N, 0, +N and -N cores, N% of the cores rounded up; -P and --max-procs too', () => {
    const slots = (value: string, cores = 8): number => parseShellArgs(['-j', value], cores).jobs;
    expect([slots('3'), slots('0'), slots('+2'), slots('-3'), slots('50%'), slots('30%'), slots('1%'), slots('12.5%'), slots('150%')]).toEqual([3, 0, 10, 5, 4, 3, 1, 1, 12]);
    expect(parseShellArgs(['-j+1'], 2).jobs).toBe(3);
    expect(parseShellArgs(['--jobs=-1'], 2).jobs).toBe(1);
    expect(parseShellArgs(['-P', '5']).jobs).toBe(5);
    expect(parseShellArgs(['-P7']).jobs).toBe(7);
    expect(parseShellArgs(['--max-procs', '50%'], 4).jobs).toBe(2);
    expect(() => parseShellArgs(['-j', '-2'], 2)).toThrow('Expected `-j -2` to leave at least 1 job slot, got 0 (this machine has 2 cores)');
    expect(() => parseShellArgs(['-j', '0%'], 2)).toThrow('Expected `-j 0%` to leave at least 1 job slot, got 0 (this machine has 2 cores)');
  });

  it('reads -j FILE (GNU parallel’s procfile): the file holds one of -j’s forms, white space aside; the file is kept to be read again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-jobs-file-'));
    try {
      const file = (name: string, text: string): string => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const three = file('three', ' 3\n');
      expect(parseShellArgs(['-j', three], 8)).toMatchObject({ jobs: 3, jobsFile: three });
      expect(parseShellArgs([`--jobs=${file('half', '50%\n')}`], 4)).toMatchObject({ jobs: 2, jobsFile: join(dir, 'half') });
      expect(parseShellArgs(['-P', file('zero', '0')], 4)).toMatchObject({ jobs: 0, jobsFile: join(dir, 'zero') });
      // A later -j N replaces it: nothing is read again.
      expect(parseShellArgs(['-j', three, '-j', '2'], 8)).toMatchObject({ jobs: 2, jobsFile: undefined });
      expect(parseShellArgs(['-j', '2'], 8).jobsFile).toBeUndefined();
      const bad = file('bad', 'lots\n');
      expect(() => parseShellArgs(['-j', bad], 2)).toThrow(`Expected the \`-j\` file \`${bad}\` to hold a number of job slots from 0 to 9007199254740991 (0: as many as there are jobs), +N or -N (the cores plus or minus N) or N% (of the cores), this machine having 2 cores, got \`lots\``);
      expect(() => parseShellArgs(['-j', file('few', '-2')], 2)).toThrow(`Expected \`-j -2\` (in the file \`${join(dir, 'few')}\`) to leave at least 1 job slot, got 0 (this machine has 2 cores)`);
      expect(() => parseShellArgs(['-j', join(dir, 'none')], 2)).toThrow(/Expected `-j` to be a number of job slots .*, or a file holding one, got `.*none`/);
      // Those that run exactly -j jobs from the start cannot follow the file.
      expect(() => parseShellArgs(['--pipe', '--shard', '1', '-j', three, 'wc'], 8)).toThrow(`Expected \`-j\` to be a number with \`--shard\` (its jobs all start at once and run as long as the input lasts), got the file \`${three}\` (read again while the run goes on)`);
      expect(() => parseShellArgs(['--pipe', '--round-robin', '-j', three, 'wc'], 8)).toThrow(/Expected `-j` to be a number with `--round-robin`/);
      expect(() => parseShellArgs(['--pipe', '--tee', '-j', three, 'wc', ':::', 'a'], 8)).toThrow(/Expected `-j` to be a number with `--tee`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes sources in GNU parallel order: -a files, then ::: and :::: groups as given (each :::: file a source)', () => {
    expect(parseShellArgs(['-a', 'f1', 'echo', ':::', 'x', '::::', 'f2', '-', ':::', 'y', '-a', 'f3']).sources).toEqual([
      { kind: 'file', path: 'f1' },
      { kind: 'args', values: ['x'] },
      { kind: 'file', path: 'f2' },
      { kind: 'file', path: '-' },
      // After the template, `-a` is an argument like any other.
      { kind: 'args', values: ['y', '-a', 'f3'] },
    ]);
    expect(parseShellArgs(['-a', 'f1', '--file', 'f2', 'echo']).sources).toEqual([
      { kind: 'file', path: 'f1' },
      { kind: 'file', path: 'f2' },
    ]);
    expect(parseShellArgs(['::::', 'cmds']).sources).toEqual([{ kind: 'file', path: 'cmds' }]);
    expect(parseShellArgs(['gzip', ':::']).sources).toEqual([{ kind: 'args', values: [] }]);
  });

  it('takes --dry-run, and --bar and --eta as --progress', () => {
    expect(parseShellArgs(['--dry-run', 'echo']).dryRun).toBe(true);
    expect(parseShellArgs(['--bar']).progress).toBe('on');
    expect(parseShellArgs(['--eta']).progress).toBe('on');
    expect(parseShellArgs(['--no-progress', '--bar']).progress).toBe('on');
  });

  it('takes --colsep as a regular expression, naming what is wrong with one that is not', () => {
    expect(parseShellArgs([]).colsep).toBeUndefined();
    expect(parseShellArgs(['--colsep', '\\t', 'cp']).colsep).toEqual(/\t/);
    expect(parseShellArgs(['--colsep=,']).colsep).toEqual(/,/);
    expect(parseShellArgs(['--colsep', '']).colsep?.source).toBe('(?:)');
    expect(() => parseShellArgs(['--colsep', '('])).toThrow(/^Expected `--colsep` to be a regular expression \(JavaScript's syntax\), got `\(`: Invalid regular expression/);
    expect(() => parseShellArgs(['--colsep'])).toThrow('Expected `--colsep` to be followed by a regular expression');
    expect(parseShellArgs(['-C', ';', 'cp']).colsep).toEqual(/;/);
  });

  it('reads Perl\'s \\h, POSIX classes and \\K in --colsep as GNU parallel does (they were letters: one silent column)', () => {
    const split = (sep: string, text: string): string[] => text.split(parseShellArgs(['--colsep', sep]).colsep as RegExp);
    expect(split('\\h', 'a b\tc')).toEqual(['a', 'b', 'c']);
    expect(split('\\H+', 'ab cd')).toEqual(['', ' ', '']);
    expect(split('[[:space:]]', 'a,b bxb')).toEqual(['a,b', 'bxb']);
    expect(split('[^[:alnum:]]', 'a1-b2')).toEqual(['a1', 'b2']);
    expect(split('[\\h,]', 'a b,c')).toEqual(['a', 'b', 'c']);
    expect(split(',\\K', 'a,b')).toEqual(['a,', 'b']);
    // What JavaScript and Perl read alike is left as it is.
    expect(parseShellArgs(['--colsep', '\\s+']).colsep).toEqual(/\s+/);
  });

  it('trims both ends of each column when --colsep is given, unless --trim says otherwise (GNU parallel’s defaults)', () => {
    expect(parseShellArgs(['echo']).trim).toBe('n');
    expect(parseShellArgs(['--colsep', ',', 'echo']).trim).toBe('lr');
    expect(parseShellArgs(['-C', ',', 'echo']).trim).toBe('lr');
    expect(parseShellArgs(['--trim', 'n', '--colsep', ',', 'echo']).trim).toBe('n');
    expect(parseShellArgs(['--colsep', ',', '--trim', 'l', 'echo']).trim).toBe('l');
    // A --colsep that comes of --header (tabs) or --shard (commas) trims nothing.
    expect(parseShellArgs(['--header', ':', 'echo']).trim).toBe('n');
    expect(parseShellArgs(['--csv', 'echo']).trim).toBe('n');
  });

  it('takes --csv, its field separator from --colsep (one character; `\\t` is a tab), and refuses it where there are no arguments to split', () => {
    expect(parseShellArgs(['echo']).csv).toBeUndefined();
    expect(parseShellArgs(['--csv', 'echo']).csv?.separator).toBe(',');
    expect(parseShellArgs(['--csv', '--colsep', ';', 'echo']).csv?.separator).toBe(';');
    expect(parseShellArgs(['--csv', '-C', '\\t', 'echo']).csv?.separator).toBe('\t');
    expect(parseShellArgs(['--csv', '-C', '\t', 'echo']).csv?.separator).toBe('\t');
    expect(() => parseShellArgs(['--csv', '--colsep', ', ', 'echo'])).toThrow('Expected the CSV field separator (`--colsep` with `--csv`) to be one character, not `"` or a line end (e.g. `;` or a tab), got ", "');
    expect(() => parseShellArgs(['--csv', '-a', 'f', '--pipe-part', 'wc'])).toThrow('Expected no `--csv` with `--pipe-part` (--csv cuts blocks where CSV records end, found only by reading from the start; --pipe-part cuts files without reading them through)');
    expect(() => parseShellArgs(['--csv', '-X', 'echo'])).toThrow('Expected no `--csv` with `-X` (--csv splits each argument into columns; -X takes whole input lines)');
    // --pipe: the blocks are cut where records end, and nothing else may say where.
    expect(parseShellArgs(['--pipe', '--csv', 'wc'])).toMatchObject({ pipe: true, csv: { separator: ',' } });
    for (const other of [['--regexp', '--recstart', 'x'], ['--recend', 'x'], ['--rrs'], ['--shard', '1'], ['--group-by', '1']]) {
      expect(() => parseShellArgs(['--pipe', '--csv', ...other, 'wc'])).toThrow(`Expected no \`${other[0] as string}\` with \`--pipe --csv\` (the blocks are cut where CSV records end), got both`);
    }
  });

  it('takes --recstart, --recend (GNU parallel’s escapes read, other backslashes kept) and --rrs with --pipe only', () => {
    const o = parseShellArgs(['--pipe', '--recstart', '>', '--recend', '\\n\\t\\0\\x', '--rrs', 'cat']);
    expect(o).toMatchObject({ recstart: Buffer.from('>'), recend: Buffer.from('\n\t\0\\x'), removeRecSep: true });
    expect(parseShellArgs(['--pipe', '--recend', '', '--recstart=é', '--removerecsep', 'cat'])).toMatchObject({ recend: Buffer.alloc(0), recstart: Buffer.from('é'), removeRecSep: true });
    expect(parseShellArgs(['--pipe', '--remove-rec-sep', 'cat'])).toMatchObject({ recstart: undefined, recend: undefined, removeRecSep: true });
    expect(() => parseShellArgs(['--recend', 'x', 'echo'])).toThrow("Expected `--recend` with `--pipe` (it says where the input's records are cut into blocks), got it alone");
    expect(() => parseShellArgs(['--rrs', 'echo'])).toThrow("Expected `--remove-rec-sep` with `--pipe`");
    expect(() => parseShellArgs(['--pipe', '--recend', '', 'cat'])).toThrow('Expected `--recstart` or `--recend` to be some bytes (a block is cut where a record ends and the next starts), got both empty');
    expect(() => parseShellArgs(['--pipe', 'cat', '--recstart'])).not.toThrow(); // after the command: the command's own word
    expect(() => parseShellArgs(['--pipe', '--recstart'])).toThrow('Expected `--recstart` to be followed by the bytes that start a record');
  });

  it('takes --regexp with --pipe or --pipe-part: --recstart and --recend as regular expressions, their escapes left to them', () => {
    const o = parseShellArgs(['--pipe', '--regexp', '--recstart', '^>\\w+', '--recend', '\\n', 'cat']);
    expect(o.recordPattern).toBeInstanceOf(RecordPattern);
    expect(o.recordPattern?.next('>a\nAC\nx>b\n>c\n', 0, 0, true)).toEqual({ at: 10, reach: 12 });
    // Given before the separators or after them, the same; with neither, it changes nothing (a newline ends records).
    expect(parseShellArgs(['--pipe', '--recend', 'x+', '--regexp', 'cat']).recordPattern?.next('axxb', 0, 0, true)).toEqual({ at: 3, reach: 3 });
    expect(parseShellArgs(['--pipe', '--regexp', 'cat']).recordPattern).toBeUndefined();
    expect(parseShellArgs(['--pipe-part', '-a', '/dev/null', '--regexp', '--recstart', '^#', 'cat']).recordPattern).toBeInstanceOf(RecordPattern);
    expect(parseShellArgs(['--pipe', '--recstart', '>', 'cat']).recordPattern).toBeUndefined();
    expect(() => parseShellArgs(['--regexp', 'echo'])).toThrow("Expected `--regexp` with `--pipe` (it says where the input's records are cut into blocks), got it alone");
    expect(() => parseShellArgs(['--pipe', '--regexp', '--recstart', '(?i)x', 'cat'])).toThrow('Expected `--recstart` with `--regexp` to be a regular expression (JavaScript\'s syntax, as Perl\'s for the common part), got "(?i)x": Invalid group');
    expect(() => parseShellArgs(['--pipe', '--regexp', '--recend', '', 'cat'])).toThrow('Expected `--recstart` or `--recend` to be some regular expression (a block is cut where a record ends and the next starts), got both empty');
    expect(() => parseShellArgs(['--pipe', '--regexp', '--group-by', '1', 'cat'])).toThrow('Expected no `--regexp` with `--group-by`');
    expect(() => parseShellArgs(['--pipe', '--tee', '--regexp', 'grep', ':::', 'a'])).toThrow('Expected no `--regexp` with `--tee`');
  });

  it('takes --number-of-sockets, --number-of-cores (--number-of-cpus) and --number-of-threads: a count to print', () => {
    expect(parseShellArgs([]).count).toBeUndefined();
    expect(parseShellArgs(['--number-of-sockets']).count).toBe('sockets');
    expect(parseShellArgs(['--number-of-cores']).count).toBe('cores');
    expect(parseShellArgs(['--number-of-cpus']).count).toBe('cores');
    expect(parseShellArgs(['--number-of-threads']).count).toBe('threads');
  });

  it('takes --tee, --round-robin (--roundrobin, --round) and --fifo with --pipe only, one of them (or --cat) at a time', () => {
    expect(parseShellArgs(['--pipe', '--round-robin', 'wc']).roundRobin).toBe(true);
    expect(parseShellArgs(['--pipe', '--roundrobin', 'wc']).roundRobin).toBe(true);
    expect(parseShellArgs(['--round', '--pipe', '-N', '3', 'wc']).roundRobin).toBe(true);
    expect(parseShellArgs(['--pipe', '--fifo', 'wc', '{}']).fifo).toBe(true);
    expect(() => parseShellArgs(['--round-robin', 'wc'])).toThrow('Expected `--round-robin` with `--pipe` (it deals the blocks of stdin to a few jobs), got it alone');
    expect(() => parseShellArgs(['--tee', 'wc', ':::', 'a'])).toThrow('Expected `--tee` with `--pipe` (it gives all of stdin to every job), got it alone');
    expect(() => parseShellArgs(['--fifo', 'wc'])).toThrow('Expected `--fifo` with `--pipe`');
    expect(() => parseShellArgs(['--pipe', '--fifo', '--cat', 'wc'])).toThrow('Expected one of `--fifo` and `--cat`, got both');
    expect(() => parseShellArgs(['--pipe', '--tee', '--round-robin', 'wc', ':::', 'a'])).toThrow('Expected one of `--tee` and `--round-robin`, got both');
    expect(() => parseShellArgs(['--pipe', '--fifo', '-q', 'wc'])).toThrow('Expected one of `--fifo` and `-q`, got both');
    expect(() => parseShellArgs(['--pipe', '--round-robin', '--retries', '2', 'wc'])).toThrow("Expected no `--retries` with `--round-robin` (a job's stdin is fed as it runs");
    expect(() => parseShellArgs(['--pipe', '--fifo', '--retries', '2', 'wc'])).not.toThrow(); // a block is a job's own: it can be given again
  });

  it('takes --tee with arguments (a job each, all at once: -j 0 unless -j is given), never stdin’s, and nothing that cuts blocks', () => {
    const o = parseShellArgs(['--pipe', '--tee', 'grep', '{}', ':::', 'a', 'b', '::::', 'list']);
    expect(o).toMatchObject({ tee: true, pipe: true, jobs: 0, template: 'grep {}', sources: [{ kind: 'args', values: ['a', 'b'] }, { kind: 'file', path: 'list' }] });
    expect(parseShellArgs(['--pipe', '--tee', '-j', '3', '-a', 'list', 'grep']).jobs).toBe(3);
    expect(parseShellArgs(['--pipe', '--tee', '--link', 'grep', '{1}', '{2}', ':::', 'a', ':::', 'b']).link).toBe(true);
    expect(() => parseShellArgs(['--pipe', '--tee', 'grep'])).toThrow('Expected arguments with `--tee` (`::: a b`, `:::: F`, `-a F`: a job each, every one given all of stdin), got none');
    expect(() => parseShellArgs(['--pipe', '--tee', 'grep', '::::', '-'])).toThrow('Expected the arguments of `--tee` from `:::` or files, got stdin (`-`): stdin is the input every job gets');
    expect(() => parseShellArgs(['--pipe', '--tee', ':::', 'a'])).toThrow('Expected a command with `--tee`');
    expect(() => parseShellArgs(['--pipe', '--tee', '-N', '2', 'grep', ':::', 'a'])).toThrow('Expected no `-N` with `--tee` (every job gets all of stdin, not cut into blocks, and one argument each)');
    expect(() => parseShellArgs(['--pipe', '--tee', '--recend', 'x', 'grep', ':::', 'a'])).toThrow('Expected no `--recend` with `--tee`');
    expect(() => parseShellArgs(['--pipe', '--tee', '--header', ':', 'grep', ':::', 'a'])).toThrow('Expected no `--header` with `--tee`');
    expect(() => parseShellArgs(['--pipe', '--tee', '--retries', '3', 'grep', ':::', 'a'])).toThrow('Expected no `--retries` with `--tee`');
  });

  it('takes --shard and --bin with --pipe: a column number or name (which reads a header), split at commas unless --colsep says', () => {
    expect(parseShellArgs(['--pipe', '--shard', '2', '-j', '3', 'wc'])).toMatchObject({ shard: { rule: 'shard', column: 2 }, jobs: 3, header: false, colsep: /,/ });
    expect(parseShellArgs(['--pipe', '--bin', 'user', 'wc'])).toMatchObject({ shard: { rule: 'bin', column: 'user' }, header: true, colsep: /,/ });
    expect(parseShellArgs(['--pipe', '--shard', '1', '--colsep', '\\t', '--header', ':', 'wc'])).toMatchObject({ header: true, colsep: /\t/ });
    expect(parseShellArgs(['--pipe', '--bin', '1', '--block', '10M', 'wc']).shard).toEqual({ rule: 'bin', column: 1 });
    expect(() => parseShellArgs(['--shard', '1', 'wc'])).toThrow('Expected `--shard` with `--pipe` (it gives each line of stdin to one of -j jobs by its key), got it alone');
    expect(() => parseShellArgs(['--pipe', '--shard', '1', '-j', '0', 'wc'])).toThrow('Expected `-j` to be a number of jobs with `--shard` (it runs exactly that many, each taking the lines whose keys are its own), got 0');
    expect(() => parseShellArgs(['--pipe', '--bin', '1', '-N', '2', 'wc'])).toThrow('Expected no `-N` with `--bin` (the input goes to the jobs a line at a time, not in blocks)');
    expect(() => parseShellArgs(['--pipe', '--bin', '1', '--recstart', 'x', 'wc'])).toThrow('Expected no `--recstart` with `--bin`');
    expect(() => parseShellArgs(['--pipe', '--shard', '1', '--round-robin', 'wc'])).toThrow('Expected one of `--round-robin` and `--shard`, got both');
    expect(() => parseShellArgs(['--pipe', '--shard', '1', '--retries', '2', 'wc'])).toThrow("Expected no `--retries` with `--shard` (a job's stdin is fed as it runs");
    expect(() => parseShellArgs(['--pipe', '--shard', '1', 'wc', ':::', 'a'])).toThrow('Expected `--pipe` to read stdin or one file');
    expect(() => parseShellArgs(['--pipe', '--shard', '3 $_%=100', 'wc'])).toThrow("Expected `--shard` to be a column number (from 1) or a column name (letters, digits, _), got `3 $_%=100` (GNU parallel's Perl expression");
    expect(() => parseShellArgs(['--pipe', '--bin'])).toThrow('Expected `--bin` to be followed by a column: its number (from 1) or its name in the header, got nothing');
  });

  it('takes --group-by (--groupby) with --pipe: a column number or name (which reads a header), split at tabs unless --colsep says; with -N, --block, --round-robin', () => {
    expect(parseShellArgs(['--pipe', '--group-by', '2', '-N', '3', 'wc'])).toMatchObject({ groupBy: 2, header: false, colsep: /\t/, maxArgs: 3 });
    expect(parseShellArgs(['--pipe', '--groupby', 'user', '--colsep', ',', '--round-robin', 'wc'])).toMatchObject({ groupBy: 'user', header: true, colsep: /,/, roundRobin: true });
    expect(() => parseShellArgs(['--group-by', '1', 'wc'])).toThrow('Expected `--group-by` with `--pipe` (it cuts the blocks of stdin between runs of lines with the same value in a column), got it alone');
    expect(() => parseShellArgs(['--pipe', '--group-by', '1', '--shard', '1', 'wc'])).toThrow('Expected one of `--group-by` and `--shard`, got both (--shard does not cut the input into blocks)');
    expect(() => parseShellArgs(['--pipe', '--group-by', '1', '--tee', 'wc', ':::', 'a'])).toThrow('Expected one of `--group-by` and `--tee`, got both');
    expect(() => parseShellArgs(['--pipe', '--group-by', '1', '--rrs', 'wc'])).toThrow('Expected no `--remove-rec-sep` with `--group-by` (it says where records start: where the column\'s value changes)');
    expect(() => parseShellArgs(['--pipe', '--group-by', '$F[1]', 'wc'])).toThrow('Expected `--group-by` to be a column number (from 1) or a column name (letters, digits, _), got `$F[1]`');
  });

  it('takes --plus: its strings marked in the command, --tagstring, --wd and --results; -I after them; a bad expression refused', () => {
    const o = parseShellArgs(['--plus', '--tagstring', '{/..}', '--wd', '{+/}', '--results', 'out/{..}', 'gunzip', '{%.gz}', ':::', 'a.gz']);
    const marked = (text: string): string => text.replaceAll('\u0003', '^');
    expect([o.template, o.tagString, o.workdir, o.results].map((text) => marked(text ?? ''))).toEqual(['gunzip {^%.gz^}', '{^/..^}', '{^+/^}', 'out/{^..^}']);
    expect(parseShellArgs(['echo', '{..}', ':::', 'a']).template).toBe('echo {..}');
    expect(marked(parseShellArgs(['--plus', '-I', '@', 'mv', '@', '{1..}', ':::', 'a']).template ?? '')).toBe('mv {} {1^..^}');
    expect(() => parseShellArgs(['--plus', 'echo', '{/(/x}', ':::', 'a'])).toThrow(/^Expected `\{\/\(\/x\}` in the command to hold a regular expression/);
    expect(() => parseShellArgs(['--plus', '--pipe', 'echo {##}'])).toThrow('Expected no `{##}` or `{0#}` with `--pipe` (they need the number of jobs before the first starts; `--total-jobs N` gives it), got one');
    expect(parseShellArgs(['--plus', '--total-jobs', '7', '--pipe', 'echo {##}']).totalJobs).toBe(7);
    expect(() => parseShellArgs(['--plus', '--retry-failed', '--joblog', 'jl', '--tagstring', '{0#}'])).toThrow('Expected no `{##}` or `{0#}` with `--retry-failed`');
    // Without --plus, what only --plus may write is refused, not taken for one of its strings.
    expect(() => parseShellArgs(['echo', '{\u0003..\u0003}', ':::', 'a'])).toThrow('Expected the command to hold no U+0003 character inside braces, got one');
    expect(parseShellArgs(['echo', 'a\u0003b', ':::', 'a']).template).toBe('echo a\u0003b');
  });

  it('takes --joblog +F as F appended to; a bare + or +- is refused', () => {
    expect(parseShellArgs(['--joblog', '+jl', 'echo'])).toMatchObject({ joblog: 'jl', joblogAppend: true });
    expect(parseShellArgs(['--joblog', './+jl', 'echo'])).toMatchObject({ joblog: './+jl', joblogAppend: false });
    expect(parseShellArgs(['--joblog=+jl', '--resume', 'echo'])).toMatchObject({ joblog: 'jl', joblogAppend: true, resume: 'done' });
    expect(() => parseShellArgs(['--joblog', '+', 'echo'])).toThrow('Expected `--joblog +F` to name a file to append to after the `+`, got `+`');
    expect(() => parseShellArgs(['--joblog', '+-', 'echo'])).toThrow('Expected `--joblog +F` to name a file to append to after the `+`, got `+-` (for stdout, say `--joblog -`)');
  });

  it('takes --resume and --resume-failed, with --joblog F only', () => {
    expect(parseShellArgs([]).resume).toBe('off');
    expect(parseShellArgs(['--resume', '--joblog', 'jl']).resume).toBe('done');
    expect(parseShellArgs(['--joblog', 'jl', '--resume-failed']).resume).toBe('failed');
    expect(() => parseShellArgs(['--resume', 'echo'])).toThrow('Expected `--resume` with `--joblog F`, the job log of the run to resume (a file), got no --joblog');
    expect(() => parseShellArgs(['--resume-failed', '--joblog', '-'])).toThrow('Expected `--resume-failed` with `--joblog F`, the job log of the run to resume (a file), got `--joblog -`');
  });

  it('takes --delay as a duration (0: none), as --timeout', () => {
    expect(parseShellArgs([]).delayMs).toBe(0);
    expect(parseShellArgs(['--delay', '1.5']).delayMs).toBe(1500);
    expect(parseShellArgs(['--delay=1m']).delayMs).toBe(60_000);
    expect(parseShellArgs(['--delay', '0']).delayMs).toBe(0);
    expect(parseShellArgs(['--delay', '0s']).delayMs).toBe(0);
    expect(() => parseShellArgs(['--delay', '-1'])).toThrow('Expected `--delay` to be a number of seconds (0 for none, or from 0.001 to 2000000) (e.g. 10, 0.5, 1e-3, or with s/m/h/d postfixes: 1m30s), got `-1`');
  });

  it('takes -N (--max-replace-args): 0 or more records per job', () => {
    expect(parseShellArgs([]).maxArgs).toBeUndefined();
    expect(parseShellArgs(['-N', '2']).maxArgs).toBe(2);
    expect(parseShellArgs(['-N0']).maxArgs).toBe(0);
    expect(parseShellArgs(['--max-replace-args=3']).maxArgs).toBe(3);
    expect(() => parseShellArgs(['-N', 'x'])).toThrow('Expected `-N` to be an integer from 1 to 9007199254740991, got `x`');
  });

  it('takes -0 / --null: input items end with NUL', () => {
    expect(parseShellArgs([]).nullSeparated).toBe(false);
    expect(parseShellArgs(['-0', 'gzip', '{}']).nullSeparated).toBe(true);
    expect(parseShellArgs(['--null', '-a', 'names']).nullSeparated).toBe(true);
    expect(() => parseShellArgs(['--null=1'])).toThrow('Expected `--null` to take no value, got `--null=1`');
  });

  it('refuses bad values with the option, what it expected and what it got', () => {
    const cases: [string[], RegExp][] = [
      [['-j', 'x'], /Expected `-j` to be a number of job slots from 0 to 9007199254740991 \(0: as many as there are jobs\), \+N or -N \(the cores plus or minus N\) or N% \(of the cores\), this machine having \d+ cores, or a file holding one, got `x`/],
      [['--jobs'], /Expected `--jobs` to be a number of job slots .*, got nothing/],
      [['-j', '2.5'], /got `2\.5`/],
      [['-j', '+1%'], /got `\+1%`/],
      [['--timeout', '-1'], /Expected `--timeout` to be a number of seconds \(0 for none, or from 0\.001 to 2000000\) \(e\.g\. 10, 0\.5, 1e-3, or with s\/m\/h\/d postfixes: 1m30s\) or a percentage of the median runtime of the jobs that succeeded \(e\.g\. 200%\), above 0, got `-1`/],
      [['--timeout', '10 %'], /got `10 %`/],
      [['--timeout', '-10%'], /got `-10%`/],
      [['--timeout', '0%'], /Expected `--timeout` N% to be a percentage above 0 and at most 100000000% \(of the median runtime of the jobs that succeeded\), got `0%`/],
      [['--timeout', '100000001%'], /at most 100000000%/],
      [['--retries', '0'], /Expected `--retries` to be an integer from 1 to 9007199254740991, got `0`/],
      [['--max-output', '2M'], /Expected `--max-output` to be a size from 1 byte to 1.5M/],
      [['--transport', 'tcp'], /Expected `--transport` to be `inproc`, `thread` or `process`, got `tcp`/],
      [['--halt', 'soon'], /Expected `--halt`/],
      [['--frobnicate'], /Expected an option of spm-shell \(see --help\), got `--frobnicate`/],
      [['--json=yes'], /Expected `--json` to take no value/],
      [['--lb', '--json'], /Expected one of `--line-buffer` and `--json`, got both/],
      [['-u', '--json'], /Expected one of `--ungroup` and `--json`, got both/],
      [['-u', '--results', 'r'], /Expected one of `--ungroup` and `--results`, got both/],
      [['--ll', '-u', 'echo'], /Expected one of `--latest-line` and `--ungroup`, got both \(--latest-line shows each command’s latest line of output as it comes\)/],
      [['--ll', '--json', 'echo'], /Expected one of `--latest-line` and `--json`, got both/],
      [['--latest-line', '--files', 'echo'], /Expected one of `--latest-line` and `--files`, got both/],
      [['--ll', '--results', 'r', 'echo'], /Expected one of `--latest-line` and `--results`, got both/],
      [['--ll', '--group', 'echo'], /Expected one of `--latest-line` and `--group`, got both/],
      [['--ll', '--tty', 'vi'], /Expected one of `--latest-line` and `--tty`, got both \(.*, on the terminal the commands would share\)/],
      [['--ll', '-o', 'vi'], /Expected one of `--latest-line` and `-o`, got both/],
      [['--ll', '-p', 'echo'], /Expected one of `--latest-line` and `--interactive`, got both/],
      [['-g', 'echo'], /Expected an option of spm-shell \(see --help\), got `-g` \(GNU parallel has retired `-g`; use `--group`\)/],
      [['-U@', 'echo'], /got `-U@` \(GNU parallel has retired `-U`; use `--er`\)/],
      [['--ctrl-c', 'echo'], /got `--ctrl-c` \(GNU parallel has retired `--ctrl-c`\)$/],
      [['--tollef', 'echo'], /got `--tollef` \(GNU parallel has retired `--tollef`\)$/],
      [['--pipe'], /Expected a command with `--pipe` \(each block of the input is its stdin\), got none/],
      [['--pipe', 'wc', ':::', 'a'], /Expected `--pipe` to read stdin or one file \(`-a F`, `:::: F`\), got `:::` arguments or several sources/],
      [['--pipe', '--link', 'wc'], /Expected no `--link` with `--pipe` \(blocks have no arguments\)/],
      [['--pipe', '--shuf', 'wc'], /Expected no `--shuf` with `--pipe` \(blocks have no arguments\)/],
      [['--shuf', '--resume', '--joblog', 'j'], /Expected no `--shuf` with `--resume` \(the job log's Seq numbers a shuffled run's jobs in the order they ran/],
      [['--nice', '20'], /Expected `--nice` to be an integer from -20 to 19 \(a niceness; below 0 needs privilege\), got `20`/],
      [['--nice', 'x'], /Expected `--nice` to be an integer from -20 to 19/],
      [['--process-slot-var', '2GPU', 'echo'], /Expected `--process-slot-var` to be the name of a shell variable \(letters, digits, _; not a digit first\), got `2GPU`/],
      [['--process-slot-var', 'A-B', 'echo'], /Expected `--process-slot-var` to be the name of a shell variable/],
      [['--process-slot-var'], /Expected `--process-slot-var` to be the name of a shell variable .*got nothing/],
      [['--tty', '--pipe', 'wc'], /Expected no `--tty` with `--pipe` \(each job's stdin is its input, not the terminal\), got both/],
      [['-o', '--pipe-part', '-a', 'f', 'wc'], /Expected no `-o` with `--pipe-part`/],
      [['--open-tty', '--pipe', '--tee', 'wc', ':::', 'a'], /Expected no `--open-tty` with `--tee`/],
      [['-o', '--tty', '--pipe', '--round-robin', 'wc'], /Expected no `--tty` with `--round-robin`/],
      [['--tty', '--transport', 'process', 'vi'], /Expected `--transport inproc` or `thread` with `--tty` \(process spokes run in sessions of their own, where commands have no terminal\), got `process`/],
      [['--er'], /Expected `--er` to be followed by the replacement string to use instead of \{\.\} \(e\.g\. --er @\), got nothing/],
      [['--seqreplace=', 'echo'], /Expected `--seqreplace` to be followed by the replacement string to use instead of \{#\}/],
      [['--bnr', 'a\u0001', 'echo'], /Expected `--bnr`'s replacement string to hold no U\+0001 character, got one/],
      [['--dnr', '@', 'echo', '\u0001'], /Expected the command to hold no U\+0001 character with `--dnr`, got one/],
      [['--total-jobs', '0', 'echo'], /Expected `--total-jobs` to be an integer from 1 to 9007199254740991, got `0`/],
      [['--total', 'abc', 'echo'], /Expected `--total` to be an integer from 1 to 9007199254740991, got `abc`/],
      [['--totaljobs=2.5', 'echo'], /Expected `--totaljobs` to be an integer from 1 .*got `2.5`/],
      [['--total-jobs'], /Expected `--total-jobs` to be an integer from 1 .*got nothing/],
      [['--pipe', '--block', '-2', 'wc'], /Expected `--block` to be a size from 1 byte to 64M \(K, M, G: powers of 1024; k, m, g: of 1000 — as GNU parallel's\), got `-2` \(a negative one, parts per job slot, is for --pipe-part\)/],
      [['--pipe-part', 'wc'], /Expected `--pipe-part` to read files \(`-a F`, `:::: F`: seekable, cut without being read through\), got stdin or `:::` arguments/],
      [['--pipe-part', 'wc', ':::', 'a'], /Expected `--pipe-part` to read files/],
      [['--pipe-part', '-a', '-', 'wc'], /Expected `--pipe-part` to read files/],
      [['--pipe-part', '-a', 'f'], /Expected a command with `--pipe-part` \(each part of the file is its stdin\), got none/],
      [['--pipe-part', '-N', '2', '-a', 'f', 'wc'], /Expected no `-N` with `--pipe-part` \(it cuts the files by size at record ends, each part a job's stdin\), got it/],
      [['--pipe-part', '--round-robin', '-a', 'f', 'wc'], /Expected no `--round-robin` with `--pipe-part`/],
      [['--pipe-part', '--tee', '-a', 'f', 'wc'], /^Expected no `--tee` with `--pipe-part`/],
      [['--pipe-part', '-j', '0', '-a', 'f', 'wc'], /Expected `-j` to be a number of job slots with `--pipe-part` \(10 parts per slot, unless --block gives a size\), got 0/],
      [['--termseq', ''], /Expected `--termseq` to be signals and the ms to wait after each, comma-separated \(TERM,200,TERM,100,KILL,25\), got an empty string/],
      [['--termseq', 'TERM,200,TERN,100'], /Expected `--termseq` to be signals and the ms to wait after each, comma-separated \(TERM,200,TERM,100,KILL,25\); item 3 should be a signal \(TERM, SIGINT, 9…\), got `TERN`/],
      [['--termseq', 'TERM,0.5'], /; item 2 should be whole ms to wait after SIGTERM, got `0.5`/],
      [['--termseq', 'TERM,200,,KILL'], /; item 3 should be a signal \(TERM, SIGINT, 9…\), got ``/],
      [['--termseq', '0,10'], /; item 1 should be a signal \(TERM, SIGINT, 9…\), got `0`/],
      [['--termseq', 'TERM,86400000,KILL,1'], /; the waits add up to more than 86400000 ms \(a day\) at item 4/],
      [['--tagstring'], /Expected `--tagstring` to be followed by the tag/],
      [['--wd', '...'], /Expected `--wd` to be a directory, got `...` \(GNU parallel's temporary directory per job is not supported\)/],
      [['--workdir', ''], /Expected `--workdir` to be followed by a directory, got an empty string/],
      [['--block', '0'], /Expected `--block` to be a size from 1 byte to 64M \(K, M, G: powers of 1024; k, m, g: of 1000 — as GNU parallel's\), got `0`/],
      [['--block-size', '65M'], /Expected `--block-size` to be a size from 1 byte to 64M/],
      [['--header', '.*\\n'], /Expected `--header` to be `:` \(the first line of each source names its columns; `1` says the same\), got `\.\*\\n`/],
      [['echo', '::::'], /Expected `::::` to be followed by file names \(`-` for stdin\), got nothing/],
      [['echo', ':::', 'a', '::::+'], /Expected `::::\+` to be followed by file names \(`-` for stdin\), got nothing/],
      [['-a', '-', 'echo', '::::', '-'], /Expected stdin \(`-`\) as one input source at most, got it twice/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseShellArgs(argv)).toThrow(SPMError);
      expect(() => parseShellArgs(argv)).toThrow(message);
    }
  });

  it('states the maximum when a value is too large', () => {
    const cases: [string[], string][] = [
      [['-j', '99999999999999999999'], 'Expected `-j` to be a number of job slots from 0 to 9007199254740991 (0: as many as there are jobs), +N or -N (the cores plus or minus N) or N% (of the cores), this machine having 2 cores, or a file holding one, got `99999999999999999999`'],
      [['--retries', '9007199254740992'], 'Expected `--retries` to be an integer from 1 to 9007199254740991, got `9007199254740992`'],
      [['--timeout', '2000001'], 'Expected `--timeout` to be a number of seconds (0 for none, or from 0.001 to 2000000) (e.g. 10, 0.5, 1e-3, or with s/m/h/d postfixes: 1m30s) or a percentage of the median runtime of the jobs that succeeded (e.g. 200%), above 0, got `2000001`'],
    ];
    for (const [argv, message] of cases) expect(() => parseShellArgs(argv, 2)).toThrow(message);
    expect(parseShellArgs(['-j', '9007199254740991']).jobs).toBe(9007199254740991);
    expect(parseShellArgs(['--timeout', '2000000']).timeoutMs).toBe(2_000_000_000);
  });
});

describe('parseShellArgs --memfree', () => {
  it('reads sizes as GNU parallel does: K, M, G, T, P (and Ki…) powers of 1024; k, m, g, t, p of 1000', () => {
    const cases: [string, number][] = [
      ['1000', 1000],
      ['2G', 2 * 1024 ** 3],
      ['2g', 2e9],
      ['1.5M', 1.5 * 1024 ** 2],
      ['3k', 3000],
      ['3K', 3072],
      ['3ki', 3072],
      ['1T', 1024 ** 4],
      ['1p', 1e15],
    ];
    for (const [value, bytes] of cases) expect(parseShellArgs(['--memfree', value]).memFreeBytes).toBe(bytes);
    expect(parseShellArgs([]).memFreeBytes).toBeUndefined();
    for (const value of ['0', '-1G', '1X', 'G', '1 G', '']) {
      expect(() => parseShellArgs(['--memfree', value])).toThrow(`Expected \`--memfree\` to be a size of memory from 1 byte (K, M, G, T, P: powers of 1024; k, m, g, t, p: of 1000 — as GNU parallel's; e.g. 2G), got ${value === '' ? 'an empty string' : `\`${value}\``}`);
    }
  });
});

describe('parseShellArgs --memsuspend', () => {
  it('reads a size as --memfree does', () => {
    expect(parseShellArgs(['--memsuspend', '2G']).memSuspendBytes).toBe(2 * 1024 ** 3);
    expect(parseShellArgs(['--memsuspend=3k', '--memfree', '1K'])).toMatchObject({ memSuspendBytes: 3000, memFreeBytes: 1024 });
    expect(parseShellArgs([]).memSuspendBytes).toBeUndefined();
    expect(() => parseShellArgs(['--memsuspend', 'lots'])).toThrow('Expected `--memsuspend` to be a size of memory from 1 byte (K, M, G, T, P: powers of 1024; k, m, g, t, p: of 1000 — as GNU parallel\'s; e.g. 2G), got `lots`');
    expect(() => parseShellArgs(['--memsuspend'])).toThrow('Expected `--memsuspend` to be a size of memory');
  });
});

describe('parseShellArgs --timeout N%', () => {
  it('takes a share of the median runtime (GNU parallel’s form), and the last --timeout wins', () => {
    expect(parseShellArgs(['--timeout', '200%'])).toMatchObject({ timeoutShare: 2, timeoutMs: undefined });
    expect(parseShellArgs(['--timeout=150.5%']).timeoutShare).toBeCloseTo(1.505, 10);
    expect(parseShellArgs(['--timeout', '5', '--timeout', '50%'])).toMatchObject({ timeoutShare: 0.5, timeoutMs: undefined });
    expect(parseShellArgs(['--timeout', '50%', '--timeout', '5'])).toMatchObject({ timeoutShare: undefined, timeoutMs: 5000 });
    expect(parseShellArgs([]).timeoutShare).toBeUndefined();
  });
});

describe('parseShellArgs --timeout below a millisecond', () => {
  it('refuses it, stating the minimum, rather than rounding it to 0 ms (no timeout at all)', () => {
    // Regression: 0.0001–0.0004 s rounded to 0 ms, which means no timeout: the command ran to its end.
    for (const value of ['0.0004', '0.0001', '0.0009', '1e-9']) {
      expect(() => parseShellArgs(['--timeout', value])).toThrow(`Expected \`--timeout\` to be a number of seconds (0 for none, or from 0.001 to 2000000) (e.g. 10, 0.5, 1e-3, or with s/m/h/d postfixes: 1m30s) or a percentage of the median runtime of the jobs that succeeded (e.g. 200%), above 0, got ${value === '' ? 'an empty string' : `\`${value}\``}`);
    }
    expect(parseShellArgs(['--timeout', '0.001']).timeoutMs).toBe(1);
    // 0 itself is no timeout, as in GNU parallel; a later --timeout 0 takes an earlier one back.
    for (const value of ['0', '0s', '0.0']) expect(parseShellArgs(['--timeout', '5', '--timeout', value]).timeoutMs).toBeUndefined();
    expect(parseShellArgs(['--timeout', '.0015']).timeoutMs).toBe(2);
  });
});

describe('parseShellArgs --timeout as GNU parallel reads a duration', () => {
  it('takes floats with an exponent and s/m/h/d postfixes, summed', () => {
    const cases: [string, number][] = [
      ['1e-3', 1],
      ['2.5E1', 25_000],
      ['90', 90_000],
      ['1m30s', 90_000],
      ['2m', 120_000],
      ['1.5h', 5_400_000],
      ['1d3.5h16.6m4s', 100_000_000], // GNU parallel's own example: the same as 100000
      ['.5s', 500],
    ];
    for (const [value, ms] of cases) expect([value, parseShellArgs(['--timeout', value]).timeoutMs]).toEqual([value, ms]);
  });

  it('refuses what is not a duration, and durations out of bounds, naming the value', () => {
    for (const value of ['1m30', 'm', '1x', '1 m', '1e', '24d', '1s-', 'Infinity', '0x10', '']) {
      expect(() => parseShellArgs(['--timeout', value])).toThrow(`Expected \`--timeout\` to be a number of seconds (0 for none, or from 0.001 to 2000000) (e.g. 10, 0.5, 1e-3, or with s/m/h/d postfixes: 1m30s) or a percentage of the median runtime of the jobs that succeeded (e.g. 200%), above 0, got ${value === '' ? 'an empty string' : `\`${value}\``}`);
    }
  });
});

describe('parseShellArgs --template', () => {
  it('reads each FILE=NAME’s file when the options are read; --plus and -I apply to its text and name as to the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-tmpl-'));
    try {
      const [a, b] = [join(dir, 'a.tmpl'), join(dir, 'b.tmpl')];
      writeFileSync(a, 'x={1} y={#}\n');
      writeFileSync(b, 'name={..} {}\n');
      const o = parseShellArgs(['--template', `${a}=out/{#}.conf`, '--tmpl', `${b}=z=1`, '--cleanup', 'run', ':::', 'p']);
      // Split at the first `=`, as GNU parallel splits it.
      expect(o.templates).toEqual([
        { file: a, name: 'out/{#}.conf', content: 'x={1} y={#}\n' },
        { file: b, name: 'z=1', content: 'name={..} {}\n' },
      ]);
      expect([o.cleanup, parseShellArgs(['run']).cleanup, parseShellArgs(['run']).templates]).toEqual([true, false, []]);
      const plus = parseShellArgs(['--plus', '--tmpl', `${b}={..}.t`, 'run']);
      expect(plus.templates[0]).toEqual({ file: b, name: '{\u0003..\u0003}.t', content: 'name={\u0003..\u0003} {}\n' });
      const replaced = parseShellArgs(['-I', '@@', '--tmpl', `${b}=@@.t`, 'run @@']);
      expect(replaced.templates[0]).toEqual({ file: b, name: '{}.t', content: 'name={..} \u0001}\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a template it cannot read or use, naming the option and the file, and --cleanup without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-tmpl-'));
    try {
      const [binary, nul] = [join(dir, 'binary'), join(dir, 'nul')];
      writeFileSync(binary, Buffer.from([0x61, 0xff, 0x62]));
      writeFileSync(nul, 'a\0b');
      const cases: readonly [readonly string[], RegExp][] = [
        [['--tmpl', 'no-equals'], /^Expected `--tmpl` to be followed by FILE=NAME \(.*\), got `no-equals`$/],
        [['--template', '=name'], /^Expected `--template` to be followed by FILE=NAME/],
        [['--template', `${binary}=`], /^Expected `--template` to be followed by FILE=NAME/],
        [['--template', `${join(dir, 'missing')}=x`], new RegExp(`^Expected \`--template\`'s file \`${join(dir, 'missing')}\` to be readable, got ENOENT$`)],
        [['--template', `${binary}=x`], /^Expected `--template`'s file `.*binary` to be UTF-8 text, got bytes that are not$/],
        [['--template', `${nul}=x`], /^Expected `--template`'s file `.*nul` to hold no NUL, U\+0001, U\+0002 or U\+0003 \(the marks of filled templates\), got U\+0000 at character 2$/],
        [['--template', `${join(dir, 'b=c.tmpl')}=z`], new RegExp(`^Expected \`--template\`'s file \`${join(dir, 'b')}\` to be readable, got ENOENT$`)],
        [['--cleanup'], /^Expected `--cleanup` with `--template`/],
      ];
      for (const [args, message] of cases) {
        expect(() => parseShellArgs([...args, 'run'])).toThrow(SPMError);
        expect(() => parseShellArgs([...args, 'run'])).toThrow(message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseShellArgs --joblog and --trace', () => {
  it('refuses one file for both (the trace would overwrite the job log), naming both options', () => {
    for (const [joblog, trace] of [
      ['run.log', 'run.log'],
      ['./run.log', 'run.log'],
      [`${process.cwd()}/run.log`, 'sub/../run.log'],
    ] as const) {
      expect(() => parseShellArgs(['--joblog', joblog, '--trace', trace, 'echo'])).toThrow(SPMError);
      expect(() => parseShellArgs(['--joblog', joblog, '--trace', trace, 'echo'])).toThrow(`Expected \`--joblog\` and \`--trace\` to name different files, got \`${joblog}\` and \`${trace}\` (the same file)`);
    }
    // `--joblog -` is stdout, not a file named `-`; `--trace -` is refused (not a file named `-` either).
    expect(parseShellArgs(['--joblog', '-', '--trace', './-'])).toMatchObject({ joblog: '-', trace: './-' });
    expect(() => parseShellArgs(['--joblog', '-', '--trace', '-'])).toThrow('Expected `--trace` to be followed by a file name, got `-` (the trace cannot go to stdout; for a file named -, say ./-)');
    expect(parseShellArgs(['--joblog', 'run.log', '--trace', 'run.json'])).toMatchObject({ joblog: 'run.log', trace: 'run.json' });
  });

  it('refuses two names of one file: a symbolic link (dangling or not), a hard link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spm-shell-same-'));
    try {
      const trace = join(dir, 'trace.json');
      symlinkSync('trace.json', join(dir, 'dangling'));
      const refused = (joblog: string): void => {
        expect(() => parseShellArgs(['--joblog', joblog, '--trace', trace, 'echo'])).toThrow(`Expected \`--joblog\` and \`--trace\` to name different files, got \`${joblog}\` and \`${trace}\` (the same file)`);
      };
      refused(join(dir, 'dangling'));
      writeFileSync(trace, '');
      refused(join(dir, 'dangling'));
      linkSync(trace, join(dir, 'hard'));
      refused(join(dir, 'hard'));
      expect(parseShellArgs(['--joblog', join(dir, 'other.log'), '--trace', trace, 'echo'])).toMatchObject({ joblog: join(dir, 'other.log') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseShellArgs: several arguments a command (-X, -m, --xargs, -n, -s, -I, -r)', () => {
  it('reads -X, -m, --xargs, -n (all in place of {}) beside -N (context replace), -s, -r, glued values too', () => {
    expect(parseShellArgs(['-X', 'echo'])).toMatchObject({ multiArgs: 'X', maxChars: 130_963, argsJoined: false });
    expect(parseShellArgs(['-m', 'echo']).multiArgs).toBe('m');
    expect(parseShellArgs(['--xargs', '-s', '4096', 'echo'])).toMatchObject({ multiArgs: 'xargs', maxChars: 4096 });
    expect(parseShellArgs(['-X', '-s100', 'echo']).maxChars).toBe(100);
    expect(parseShellArgs(['-X', '--max-chars=100', 'echo']).maxChars).toBe(100);
    expect(parseShellArgs(['-n', '3', 'echo'])).toMatchObject({ maxArgs: 3, argsJoined: true });
    expect(parseShellArgs(['-n2', 'echo'])).toMatchObject({ maxArgs: 2, argsJoined: true });
    expect(parseShellArgs(['--max-args', '2', 'echo'])).toMatchObject({ maxArgs: 2, argsJoined: true });
    expect(parseShellArgs(['-n', '2', '-N', '3', 'echo'])).toMatchObject({ maxArgs: 3, argsJoined: false });
    // -N wins over -n in either order (GNU parallel's); the last of each counts.
    expect(parseShellArgs(['-N', '3', '-n', '2', 'echo'])).toMatchObject({ maxArgs: 3, argsJoined: false });
    expect(parseShellArgs(['-n', '5', '-n', '2', 'echo'])).toMatchObject({ maxArgs: 2, argsJoined: true });
    expect(parseShellArgs(['-r', 'echo']).skipBlank).toBe(true);
    expect(parseShellArgs(['--no-run-if-empty', 'echo']).skipBlank).toBe(true);
    expect(parseShellArgs(['echo'])).toMatchObject({ multiArgs: undefined, skipBlank: false });
  });

  it('makes -I’s string the replacement string everywhere, and {} plain text (marked for the filler)', () => {
    const o = parseShellArgs(['-I', '@', '--tagstring', '<@>', '--wd', 'w/@', '--results', 'r/@/', 'echo', '@', '{}', '{.}']);
    expect(o).toMatchObject({ template: 'echo {} \u0001} {.}', tagString: '<{}>', workdir: 'w/{}', results: 'r/{}/' });
    expect(parseShellArgs(['-I{}', 'echo', 'x{}y']).template).toBe('echo x{}y');
    expect(parseShellArgs(['-I', '{}', 'echo', '{}']).template).toBe('echo {}');
  });

  it('refuses what -X, -m, --xargs cannot do, naming the options', () => {
    const refused = (args: string[], message: RegExp): void => {
      expect(() => parseShellArgs(args)).toThrow(SPMError);
      expect(() => parseShellArgs(args)).toThrow(message);
    };
    refused(['-X', '--pipe', 'cat'], /one of `-X` and `--pipe`/);
    // Several sources are taken (each record a combination of their values), as GNU parallel's.
    expect(parseShellArgs(['-m', 'echo', ':::', 'a', ':::', 'b']).sources).toHaveLength(2);
    expect(parseShellArgs(['--xargs', '--link', 'echo', ':::', 'a', ':::', 'b']).link).toBe(true);
    refused(['-X', '--colsep', ',', 'echo'], /no `--colsep` with `-X`/);
    refused(['-X', '--header', ':', 'echo'], /no `--header` with `-X`/);
    refused(['-X', '-n', '0', 'echo'], /at least 1 with `-X`/);
    refused(['-s', '100', 'echo'], /`-s` \(`--max-chars`\) with -X, -m or --xargs/);
    refused(['-X', '-s', '130964', 'echo'], /`-s` to be at most 130963 .*got `130964`/);
    refused(['-X', '--process-slot-var', 'GPU', '-s', '130978', 'echo'], /`-s` to be at most 130977 .*name included.*got `130978`/);
    refused(['-X', '-s', '130951', '--process-slot-var', 'X'.repeat(30), 'echo'], /`-s` to be at most 130950 .*name included.*got `130951`/);
    expect(parseShellArgs(['-X', '--process-slot-var', 'X'.repeat(30), 'echo']).maxChars).toBe(130950);
    expect(parseShellArgs(['-X', '--process-slot-var', 'GPU', '-s', '130977', 'echo']).maxChars).toBe(130977);
    refused(['-X', '-s', '0', 'echo'], /`-s`/);
    refused(['-I', '', 'echo'], /`-I` to be followed by the replacement string/);
    refused(['-I', '@', 'echo', 'a\u0001b'], /the command to hold no U\+0001/);
  });
});

describe('parseShellArgs: -L, -l (--max-lines), --skip-first-line', () => {
  const refused = (args: string[], message: string | RegExp): void => {
    expect(() => parseShellArgs(args)).toThrow(SPMError);
    expect(() => parseShellArgs(args)).toThrow(message);
  };

  it('has neither by default', () => {
    expect(parseShellArgs(['echo'])).toMatchObject({ maxLines: undefined, skipFirstLine: false, maxArgs: undefined, argsJoined: false });
  });

  it('takes -L N (glued too) as -N N: N lines a command, each in turn (context replace)', () => {
    expect(parseShellArgs(['-L', '2', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 2, argsJoined: false, template: 'echo' });
    expect(parseShellArgs(['-L3', 'echo'])).toMatchObject({ maxLines: 3, maxArgs: 3, argsJoined: false, template: 'echo' });
    expect(parseShellArgs(['-L', '1', 'echo', ':::', 'a'])).toMatchObject({ maxLines: 1, maxArgs: 1, sources: [{ kind: 'args', values: ['a'] }] });
  });

  it('takes -L 0 as -N 0 (a job per line, no argument inserted, no line continued: GNU parallel’s), and refuses -L without a number of lines, naming -L', () => {
    expect(parseShellArgs(['-L', '0', 'echo'])).toMatchObject({ maxLines: undefined, maxArgs: 0, argsJoined: false });
    expect(parseShellArgs(['-L0', 'echo'])).toMatchObject({ maxLines: undefined, maxArgs: 0 });
    expect(parseShellArgs(['--pipe', '-L', '0', '--tee', 'cat', ':::', 'a'])).toMatchObject({ maxLines: undefined, maxArgs: undefined });
    refused(['-L', 'x', 'echo'], 'Expected `-L` to be a number of lines (an integer; 0 is as -N 0), got `x`');
    refused(['-L', '-1', 'echo'], 'Expected `-L` to be a number of lines (an integer; 0 is as -N 0), got `-1`');
    refused(['-L'], 'Expected `-L` to be a number of lines (an integer; 0 is as -N 0), got nothing');
  });

  it('takes -l [N] as -n N: N is 1 when not given, 0 is 1, and the next word is N only when it is all digits', () => {
    expect(parseShellArgs(['-l', 'echo'])).toMatchObject({ maxLines: 1, maxArgs: 1, argsJoined: true, template: 'echo' });
    expect(parseShellArgs(['-l', '3', 'echo'])).toMatchObject({ maxLines: 3, maxArgs: 3, argsJoined: true, template: 'echo' });
    expect(parseShellArgs(['-l3', 'echo'])).toMatchObject({ maxLines: 3, maxArgs: 3, argsJoined: true, template: 'echo' });
    expect(parseShellArgs(['-l', '0', 'echo'])).toMatchObject({ maxLines: 1, maxArgs: 1, template: 'echo' });
    expect(parseShellArgs(['-l0', 'echo'])).toMatchObject({ maxLines: 1, maxArgs: 1 });
    // Not all digits: not -l's, but the command's (or the next option).
    expect(parseShellArgs(['-l', '3x', 'echo'])).toMatchObject({ maxLines: 1, template: '3x echo' });
    expect(parseShellArgs(['-l', '-j', '2', 'echo'])).toMatchObject({ maxLines: 1, jobs: 2, template: 'echo' });
    expect(parseShellArgs(['-l', '-0', 'echo'])).toMatchObject({ maxLines: 1, nullSeparated: true, template: 'echo' });
    // Nothing after it: 1.
    expect(parseShellArgs(['-l'])).toMatchObject({ maxLines: 1, maxArgs: 1, template: undefined });
  });

  it('takes --max-lines[=N] and --maxlines as -l', () => {
    expect(parseShellArgs(['--max-lines', 'echo'])).toMatchObject({ maxLines: 1, maxArgs: 1, argsJoined: true, template: 'echo' });
    expect(parseShellArgs(['--max-lines', '4', 'echo'])).toMatchObject({ maxLines: 4, maxArgs: 4, template: 'echo' });
    expect(parseShellArgs(['--max-lines=5', 'echo'])).toMatchObject({ maxLines: 5, maxArgs: 5, template: 'echo' });
    expect(parseShellArgs(['--max-lines=0', 'echo'])).toMatchObject({ maxLines: 1, maxArgs: 1 });
    expect(parseShellArgs(['--maxlines', '2', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 2, argsJoined: true, template: 'echo' });
    expect(parseShellArgs(['--maxlines=6', 'echo'])).toMatchObject({ maxLines: 6, maxArgs: 6 });
  });

  it('refuses a -l or --max-lines value that is not a number of lines, naming the option', () => {
    refused(['--max-lines=x', 'echo'], /^Expected `--max-lines` to be a number of lines .*got `x`$/);
    refused(['--max-lines=-1', 'echo'], /^Expected `--max-lines` to be a number of lines .*got `-1`$/);
    refused(['--max-lines=', 'echo'], /^Expected `--max-lines` to be a number of lines .*got an empty string$/);
    refused(['-lx', 'echo'], /^Expected `-l` to be a number of lines .*got `x`$/);
  });

  it('lets a -n or -N beside -L or -l set the count, in either order; -L still replaces in context', () => {
    expect(parseShellArgs(['-L', '2', '-n', '3', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 3, argsJoined: false });
    expect(parseShellArgs(['-n', '3', '-L', '2', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 3, argsJoined: false });
    expect(parseShellArgs(['-L', '2', '-N', '3', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 3, argsJoined: false });
    expect(parseShellArgs(['-l', '2', '-n', '3', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 3, argsJoined: true });
    expect(parseShellArgs(['-N', '3', '-l', '2', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 3, argsJoined: false });
    // Of -L and -l, the last counts.
    expect(parseShellArgs(['-L', '2', '-l', '4', 'echo'])).toMatchObject({ maxLines: 4, maxArgs: 4, argsJoined: true });
    expect(parseShellArgs(['-l', '4', '-L', '2', 'echo'])).toMatchObject({ maxLines: 2, maxArgs: 2, argsJoined: false });
  });

  it('with --pipe, takes records of N lines: no count of arguments is set, a -N beside it counts records a block', () => {
    expect(parseShellArgs(['--pipe', '-L', '2', 'wc'])).toMatchObject({ pipe: true, maxLines: 2, maxArgs: undefined });
    expect(parseShellArgs(['--pipe', '-l', 'wc'])).toMatchObject({ pipe: true, maxLines: 1, maxArgs: undefined });
    expect(parseShellArgs(['--pipe', '--max-lines=3', '--block', '10', 'wc'])).toMatchObject({ maxLines: 3, maxArgs: undefined, blockBytes: 10 });
    expect(parseShellArgs(['--pipe', '-L', '2', '-N', '5', 'wc'])).toMatchObject({ maxLines: 2, maxArgs: 5 });
    expect(parseShellArgs(['--pipe', '-L', '2', '--round-robin', 'wc'])).toMatchObject({ maxLines: 2, roundRobin: true });
    expect(parseShellArgs(['--pipe', '-L', '2', '--header', ':', 'wc'])).toMatchObject({ maxLines: 2, header: true });
  });

  it('with --pipe, refuses -L and -l beside anything else that says where records end, naming both', () => {
    const cases: [string[], string][] = [
      [['--tee', 'wc', ':::', 'a'], '--tee'],
      [['--csv', 'wc'], '--csv'],
      [['--regexp', 'wc'], '--regexp'],
      [['--regexp', '--recstart', '^>', 'wc'], '--regexp'],
      [['--recstart', '>', 'wc'], '--recstart'],
      [['--recend', 'x', 'wc'], '--recend'],
      [['--rrs', 'wc'], '--rrs'],
      [['--shard', '1', 'wc'], '--shard'],
      [['--bin', '1', 'wc'], '--bin'],
      [['--group-by', '1', 'wc'], '--group-by'],
      [['-0', 'wc'], '-0'],
      [['--null', 'wc'], '-0'],
    ];
    for (const [args, other] of cases) {
      refused(['--pipe', '-L', '2', ...args], `Expected no \`-L 2\` with \`${other}\` (with --pipe, -L 2 cuts the input into records of 2 lines, at newlines`);
      refused(['--pipe', '-l', ...args], `Expected no \`-l 1\` with \`${other}\` (with --pipe, -l 1 cuts the input into records of 1 line, at newlines`);
    }
    refused(['--pipe', '-L', '2', '--tee', 'wc', ':::', 'a'], /; --tee cuts nothing\), got both$/);
    refused(['--pipe-part', '-a', 'f', '-L', '2', 'wc'], /^Expected no `-L 2` with `--pipe-part` \(with --pipe, -L 2 cuts the input into records of 2 lines, at newlines: found only by reading a file through, which --pipe-part does not\), got both$/);
    refused(['--pipe-part', '-a', 'f', '--max-lines=3', 'wc'], /^Expected no `-l 3` with `--pipe-part`/);
    // Without --pipe, -0 items are lines as any others (continued when they end in whitespace).
    expect(parseShellArgs(['-0', '-L', '2', 'echo'])).toMatchObject({ nullSeparated: true, maxLines: 2, maxArgs: 2 });
  });

  it('takes --skip-first-line (--skipfirstline), a flag', () => {
    expect(parseShellArgs(['--skip-first-line', 'echo'])).toMatchObject({ skipFirstLine: true, template: 'echo' });
    expect(parseShellArgs(['--skipfirstline', 'echo']).skipFirstLine).toBe(true);
    expect(parseShellArgs(['--pipe', '--skip-first-line', 'wc'])).toMatchObject({ pipe: true, skipFirstLine: true });
    expect(parseShellArgs(['--pipe-part', '--skip-first-line', '--header', ':', '-a', 'f', 'wc'])).toMatchObject({ pipePart: true, header: true, skipFirstLine: true });
    // After the command, it is the command's.
    expect(parseShellArgs(['echo', '--skip-first-line'])).toMatchObject({ skipFirstLine: false, template: 'echo --skip-first-line' });
    refused(['--skip-first-line=1', 'echo'], 'Expected `--skip-first-line` to take no value, got `--skip-first-line=1`');
  });
});

describe('parseShellArgs: -d, -E, --trim, -q, --arg-sep', () => {
  it('reads them, C escapes of -d included; -0 and -d: the last counts', () => {
    expect(parseShellArgs(['-d', ',', 'echo']).delimiter).toEqual(Buffer.from(','));
    expect(parseShellArgs(['-d\\t', 'echo']).delimiter).toEqual(Buffer.from('\t'));
    expect(parseShellArgs(['--delimiter', 'a\\n\\0\\\\\\101\\x42€', 'echo']).delimiter).toEqual(Buffer.concat([Buffer.from('a\n\0\\AB'), Buffer.from('€')]));
    expect(parseShellArgs(['-d', ',', '-0', 'echo'])).toMatchObject({ delimiter: undefined, nullSeparated: true });
    expect(parseShellArgs(['-0', '-d', ',', 'echo'])).toMatchObject({ delimiter: Buffer.from(','), nullSeparated: false });
    expect(parseShellArgs(['-E', 'STOP', 'echo']).eof).toBe('STOP');
    // -e[S], --eof[=S]: S optional (the next word unless it starts with -); none or empty: no end string, as -E ''.
    const eofOf = (...given: string[]): string | undefined => parseShellArgs([...given, 'echo']).eof;
    expect([eofOf('-eSTOP'), eofOf('-e', 'STOP'), eofOf('--eof=STOP'), eofOf('--eof', 'STOP'), eofOf('--eof= ')]).toEqual(['STOP', 'STOP', 'STOP', 'STOP', ' ']);
    expect([eofOf('-e', '-k'), eofOf('--eof='), eofOf('-E', ''), eofOf('-e', '')]).toEqual([undefined, undefined, undefined, undefined]);
    // With no value and a command after it, the command's first word is taken (GNU parallel's too).
    expect(parseShellArgs(['-e', 'echo', 'x'])).toMatchObject({ eof: 'echo', template: 'x' });
    expect(parseShellArgs(['--tmpdir', '/var/tmp', 'echo']).tmpdir).toBe('/var/tmp');
    expect(parseShellArgs(['--tempdir=/x', 'echo']).tmpdir).toBe('/x');
    expect(parseShellArgs(['echo']).tmpdir).toBeUndefined();
    expect(parseShellArgs(['--files', 'echo']).files).toBe(true);
    expect(['3', '1.5', '+1', '-1', '50%', '0', '-5'].map((l) => parseShellArgs(['--load', l, 'echo'], 4).maxLoad)).toEqual([3, 1.5, 5, 3, 2, 0.01, 0.01]);
    expect(parseShellArgs(['-ESTOP', 'echo']).eof).toBe('STOP');
    expect(['l', 'r', 'lr', 'rl', 'n'].map((t) => parseShellArgs(['--trim', t]).trim)).toEqual(['l', 'r', 'lr', 'lr', 'n']);
    expect(parseShellArgs(['-q', 'printf', '[%s]\\n', '{}']).template).toBe('printf\u0002[%s]\\n\u0002{}\u0002');
    expect(parseShellArgs(['-q', 'echo {}']).template).toBe('echo {}\u0002');
    expect(parseShellArgs(['printf', '[%s]\\n', '{}']).template).toBe('printf [%s]\\n {}');
    const seps = parseShellArgs(['--arg-sep', ',,', '--arg-file-sep', '//', 'echo', ':::', ',,', 'a', ',,+', 'b', '//', 'f']);
    expect(seps).toMatchObject({ template: 'echo :::', sources: [{ kind: 'args', values: ['a'] }, { kind: 'args', values: ['b'], linked: true }, { kind: 'file', path: 'f' }] });
  });

  it('refuses what they cannot be, naming the option', () => {
    const refused = (args: string[], message: RegExp): void => {
      expect(() => parseShellArgs(args)).toThrow(SPMError);
      expect(() => parseShellArgs(args)).toThrow(message);
    };
    refused(['-d', '', 'echo'], /`-d` to be followed by the delimiter/);
    refused(['--tmpdir', '', 'echo'], /`--tmpdir` to be followed by a directory/);
    refused(['--load', 'abc', 'echo'], /`--load` to be a load .*got `abc`/);
    refused(['--retry-failed'], /`--retry-failed` with `--joblog F`.*got no --joblog/);
    refused(['--retry-failed', '--joblog', '-'], /got `--joblog -`/);
    refused(['--retry-failed', '--joblog', 'jl', 'echo'], /no command and no input with `--retry-failed`.*got the command `echo`/);
    refused(['--retry-failed', '--joblog', 'jl', ':::', 'a'], /got input sources/);
    refused(['--retry-failed', '--joblog', 'jl', '--resume'], /one of `--retry-failed` and `--resume`/);
    refused(['--load', '+5%', 'echo'], /`--load`/);
    for (const other of [['--results', 'r'], ['--json'], ['--lb'], ['-u'], ['--dry-run']]) refused(['--files', ...other, 'echo'], new RegExp(`one of \`--files\` and \`${other[0] === '--lb' ? '--line-buffer' : other[0] === '-u' ? '--ungroup' : other[0]}\``));
    refused(['-d', '\\q', 'echo'], /`-d`'s escapes to be .* got `\\q`/);
    refused(['--trim', 'x', 'echo'], /`--trim` to be l, r, lr, rl or n .*got `x`/);
    refused(['--arg-sep', '::::', 'echo'], /`--arg-sep` and `--arg-file-sep` to differ/);
    refused(['--arg-sep', '-x', 'echo'], /`--arg-sep` to be followed by a separator/);
    refused(['-d', ',', '--pipe', 'wc'], /no `-d` with `--pipe`/);
    refused(['-E', 'x', '--pipe', 'wc'], /no `-E` with `--pipe`/);
    refused(['--halt', 'soon,fail=10%', '--pipe', 'wc'], /no percentage in `--halt` with `--pipe`.*`--total-jobs N` gives it\), got `soon,fail=10%`/);
    expect(parseShellArgs(['--halt', 'soon,fail=10%', '--pipe', '--total-jobs', '30', 'wc']).halt.percent).toBe(10);
    refused(['-q', 'echo', 'a\u0002b'], /no U\+0002 character with `-q`/);
  });
});

describe('USAGE', () => {
  it('documents the --transport values parseShellArgs takes and the default it applies', () => {
    const line = USAGE.split('\n').find((l) => l.trimStart().startsWith('--transport'));
    expect(line).toMatch(/inproc \| thread \| process: what a spoke is \(default inproc\)$/);
    expect(parseShellArgs([]).transport).toBe('inproc');
    for (const transport of ['inproc', 'thread', 'process']) expect(parseShellArgs(['--transport', transport]).transport).toBe(transport);
  });
});

describe('parseShellArgs --filter', () => {
  const refused = (args: string[], message: string | RegExp): void => {
    expect(() => parseShellArgs(args)).toThrow(SPMError);
    expect(() => parseShellArgs(args)).toThrow(message);
  };

  it('keeps each filter, as written and as a template is kept: {= =} marked, -I’s string renamed, --plus strings marked', () => {
    expect(parseShellArgs(['echo']).filters).toEqual([]);
    const o = parseShellArgs(['--filter', '{1} < {2}', '--filter', '"{= s/a/b/ =}" ne "b"', 'echo']);
    expect(o.filters).toEqual([
      { written: '{1} < {2}', text: '{1} < {2}' },
      { written: '"{= s/a/b/ =}" ne "b"', text: '"{\u0003=0\u0003}" ne "b"' },
    ]);
    expect(o.perlExpressions).toEqual([{ position: '', code: 's/a/b/ ', written: '{= s/a/b/ =}', where: '`--filter "{= s/a/b/ =}" ne "b"`' }]);
    expect(parseShellArgs(['-I', '@', '--filter', '"@" ne "{}"', 'echo']).filters[0]?.text).toBe('"{}" ne "\u0001}"');
    expect(parseShellArgs(['--plus', '--filter', '"{..}" ne "a"', 'echo']).filters[0]?.text).not.toBe('"{..}" ne "a"');
    expect(parseShellArgs(['--filter=1', 'echo']).filters).toEqual([{ written: '1', text: '1' }]);
  });

  it('refuses a filter that is missing or blank, holds the job slot, or needs the count of jobs --pipe does not know', () => {
    refused(['--filter'], 'Expected `--filter` to be followed by Perl code that is true for the jobs to run (replacement strings allowed: --filter \'{1} < {2}\'), got nothing');
    refused(['--filter', ' ', 'echo'], /`--filter` to be followed by Perl code .*got ` `/);
    refused(['--filter', '{%} > 1', 'echo'], 'Expected `--filter {%} > 1` to hold no job slot string');
    refused(['--plus', '--filter', '{0%} > 1', 'echo'], 'Expected `--filter {0%} > 1` to hold no job slot string');
    refused(['--slotreplace', 'SLOT', '--filter', 'SLOT > 1', 'echo'], 'Expected `--filter SLOT > 1` to hold no job slot string');
    // {%} renamed away is plain text.
    expect(parseShellArgs(['--slotreplace', 'SLOT', '--filter', '"{%}"', 'echo']).filters).toHaveLength(1);
    refused(['--pipe', '--filter', '{#} < total_jobs()', 'cat'], 'Expected no `total_jobs()` with `--pipe` (it needs the number of jobs before the first starts; `--total-jobs N` gives it), got it in `{#} < total_jobs()` (in `--filter`)');
    refused(['--pipe', '--plus', '--filter', '{#} < {##}', 'cat'], /Expected no `\{##\}` or `\{0#\}` with `--pipe`/);
    expect(parseShellArgs(['--pipe', '--total-jobs', '3', '--filter', '{#} < total_jobs()', 'cat']).filters).toHaveLength(1);
  });
});

describe('parseShellArgs: GNU parallel’s other spellings, --minversion, --shell-completion', () => {
  it('reads the spellings GNU parallel 20221122 takes as the options they spell', () => {
    // (A record pattern holds functions of its own: compared by what it matches.)
    const read = (args: readonly string[]): object => {
      const o = parseShellArgs([...args, 'echo']);
      return { ...o, recordPattern: o.recordPattern?.removeSeparators('1x2x3') };
    };
    const same = (alias: readonly string[], option: readonly string[]): void => expect({ alias, o: read(alias) }).toEqual({ alias, o: read(option) });
    same(['--maxprocs', '3'], ['-j', '3']);
    same(['--maxchars', '100', '-X'], ['-s', '100', '-X']);
    same(['--maxargs', '2'], ['-n', '2']);
    same(['--maxreplaceargs', '2'], ['-N', '2']);
    same(['--showlimits'], ['--show-limits']);
    same(['--pipe', '--regex', '--recend', 'x'], ['--pipe', '--regexp', '--recend', 'x']);
    same(['--pipe', '--blocksize', '2k'], ['--pipe', '--block-size', '2k']);
    same(['--halt-on-error', '2'], ['--halt', '2']);
    same(['--haltonerror', 'now,fail=1'], ['--halt', 'now,fail=1']);
    same(['-V'], ['--version']);
    expect(parseShellArgs(['-V']).version).toBe(true);
    same(['--argfile', 'args.txt'], ['-a', 'args.txt']);
  });

  it('reads --minversion’s GNU parallel version (a date) and --shell-completion’s shell, refusing others', () => {
    expect(parseShellArgs(['--minversion', '20170422']).minVersion).toBe(20170422);
    expect(parseShellArgs(['--min-version=20300101']).minVersion).toBe(20300101);
    expect(parseShellArgs(['echo']).minVersion).toBeUndefined();
    expect(() => parseShellArgs(['--minversion', 'abc'])).toThrow('Expected `--minversion` to be followed by a GNU parallel version (a date, e.g. 20170422), got `abc`');
    expect(() => parseShellArgs(['--minversion'])).toThrow(/got nothing/);
    expect(['bash', 'zsh', 'auto'].map((shell) => parseShellArgs(['--shellcompletion', shell]).shellCompletion)).toEqual(['bash', 'zsh', 'auto']);
    expect(() => parseShellArgs(['--shell-completion', 'fish'])).toThrow('Expected `--shell-completion` to be followed by bash, zsh or auto ($SHELL\'s), got `fish`');
  });

  it('lists in OPTION_NAMES each option it reads, in every spelling, and none it does not', () => {
    const unknown = OPTION_NAMES.filter((name) => {
      try {
        parseShellArgs([name]);
        return false;
      } catch (error) {
        return (error as Error).message.startsWith('Expected an option of spm-shell');
      }
    });
    expect(unknown).toEqual([]);
    for (const name of ['-j', '--jobs', '--maxprocs', '-V', '--shell-completion', '--shellcompletion', '--minversion', '--latest-line', '-i', '--eof', '--shebang-wrap']) expect(OPTION_NAMES).toContain(name);
    expect(OPTION_NAMES).not.toContain('-g');
    expect(new Set(OPTION_NAMES).size).toBe(OPTION_NAMES.length);
  });
});

describe('parseShellArgs slot() in {= =}', () => {
  const refused = (args: string[], message: string | RegExp): void => {
    expect(() => parseShellArgs(args)).toThrow(SPMError);
    expect(() => parseShellArgs(args)).toThrow(message);
  };

  it('takes slot() in the command, --tagstring and a --template file’s text, with a number of job slots', () => {
    expect(parseShellArgs(['-j', '2', 'CUDA_VISIBLE_DEVICES={= $_=slot()-1 =}', 'run']).perlExpressions.map((e) => e.where)).toEqual(['the command']);
    expect(parseShellArgs(['-j', '3', '--tagstring', 'gpu{= $_=$job->slot() =}', 'run']).perlExpressions.map((e) => e.where)).toEqual(['`--tagstring`']);
    // A variable named slot is not the sub: it goes anywhere.
    expect(parseShellArgs(['-j', '0', '--wd', '{= $_=$slot =}', 'run']).perlExpressions).toHaveLength(1);
  });

  it('refuses slot() where the job slot is not known when it is filled, and without a fixed number of slots', () => {
    const elsewhere = /^Expected `slot\(\)` only in the command, `--tagstring` or a `--template` file's text \(where the spoke that runs the job fills its slot\)/;
    refused(['--wd', '/tmp/{= $_=slot() =}', 'run'], elsewhere);
    refused(['--wd', '/tmp/{= $_=slot() =}', 'run'], /got it in `\{= \$_=slot\(\) =\}` \(in `--wd`\): the job slot is not known when that is filled$/);
    refused(['--results', 'out/{= $_=slot() =}', 'run'], /\(in `--results`\)/);
    refused(['--filter', '{= $_=slot() =} > 1', 'run'], /\(in `--filter \{= \$_=slot\(\) =\} > 1`\)/);
    refused(['-j', '0', 'echo {= $_=slot() =}'], 'Expected a number of job slots with `slot()` (in `{= $_=slot() =}`, evaluated for each slot a job may run in), got `-j 0`');
    const dir = mkdtempSync(join(tmpdir(), 'spm-slot-'));
    try {
      writeFileSync(join(dir, 'slots'), '2\n');
      refused(['-j', join(dir, 'slots'), 'echo {= $_=slot() =}'], `got \`-j ${join(dir, 'slots')}\``);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    refused(['--tee', '--pipe', 'echo {= $_=slot() =}', ':::', 'a'], /got `-j 0` \(--tee's default: a slot per job; give -j N\)$/);
  });
});

describe('parseShellArgs --block-timeout', () => {
  const refused = (args: string[], message: string | RegExp): void => {
    expect(() => parseShellArgs(args)).toThrow(SPMError);
    expect(() => parseShellArgs(args)).toThrow(message);
  };

  it('reads a duration (GNU parallel’s postfixes, a fraction too) under its three names, with --pipe', () => {
    expect(parseShellArgs(['--pipe', 'cat']).blockTimeoutMs).toBeUndefined();
    expect(parseShellArgs(['--pipe', '--bt', '5', 'cat']).blockTimeoutMs).toBe(5000);
    expect(parseShellArgs(['--pipe', '--block-timeout', '1m30s', 'cat']).blockTimeoutMs).toBe(90_000);
    expect(parseShellArgs(['--pipe', '--blocktimeout=0.25', '--regexp', '--recstart', '^>', 'cat']).blockTimeoutMs).toBe(250);
    expect(parseShellArgs(['--pipe', '--bt', '1', '--round-robin', '-L', '2', 'cat']).blockTimeoutMs).toBe(1000);
  });

  it('refuses none, zero, or a word; without --pipe; with -N, --pipe-part, --tee, --shard — naming the option as given', () => {
    refused(['--pipe', '--bt', '0', 'cat'], /^Expected `--bt` to be a number of seconds from 0.001 .*got `0`$/);
    refused(['--pipe', '--block-timeout', 'soon', 'cat'], /`--block-timeout` to be a number of seconds .*got `soon`/);
    refused(['--pipe', '--bt'], /`--bt` to be a number of seconds .*got nothing/);
    refused(['--bt', '1', 'echo'], 'Expected `--bt` with `--pipe` (a block read for longer is passed on with the complete records read so far), got it alone');
    refused(['--pipe', '-N', '2', '--bt', '1', 'cat'], 'Expected no `-N` with `--bt` (a block is exactly N records: one passed on early would hold fewer), got both');
    refused(['--pipe-part', '-a', '/dev/null', '--bt', '1', 'cat'], 'Expected no `--pipe-part` with `--bt`');
    refused(['--pipe', '--tee', '--bt', '1', 'cat', ':::', 'a'], 'Expected no `--tee` with `--bt`');
    refused(['--pipe', '-j', '2', '--shard', '1', '--block-timeout', '1', 'cat'], 'Expected no `--shard` with `--block-timeout`');
  });
});

describe('parseShellArgs --noswap', () => {
  it('is off unless given', () => {
    expect(parseShellArgs(['echo']).noSwap).toBe(false);
    expect(parseShellArgs(['--noswap', 'echo']).noSwap).toBe(true);
  });
});

describe('parseShellArgs --semaphore (sem)', () => {
  const refused = (args: string[], message: string | RegExp): void => {
    expect(() => parseShellArgs(args)).toThrow(SPMError);
    expect(() => parseShellArgs(args)).toThrow(message);
  };

  it('is set by any of --semaphore, --fg, --bg, --wait, --id, --st; one place unless -j; no progress bar; the command’s words joined', () => {
    expect(parseShellArgs(['echo']).semaphore).toBeUndefined();
    expect(parseShellArgs(['--semaphore', 'gzip', 'a b'])).toMatchObject({ semaphore: { mode: 'bg', name: undefined, timeoutMs: undefined, command: 'gzip a b' }, jobs: 1, progress: 'off' });
    expect(parseShellArgs(['--fg', '-j', '3', 'x']).semaphore).toMatchObject({ mode: 'fg' });
    expect(parseShellArgs(['--fg', '-j', '3', 'x']).jobs).toBe(3);
    expect(parseShellArgs(['--bg', 'x']).semaphore?.mode).toBe('bg');
    expect(parseShellArgs(['--wait']).semaphore).toMatchObject({ mode: 'wait', command: '' });
    expect(parseShellArgs(['--id', 'logs', 'x']).semaphore).toMatchObject({ mode: 'bg', name: 'logs' });
    expect(parseShellArgs(['--semaphorename', 'a', '--semaphore-name', 'b', 'x']).semaphore?.name).toBe('b');
    expect(parseShellArgs(['--st', '1m', 'x']).semaphore?.timeoutMs).toBe(60_000);
    expect(parseShellArgs(['--semaphoretimeout', '-2.5', 'x']).semaphore?.timeoutMs).toBe(-2500);
    expect(parseShellArgs(['--semaphore-timeout', '0', 'x']).semaphore?.timeoutMs).toBeUndefined();
    expect(parseShellArgs(['--progress', '--fg', 'x']).progress).toBe('on');
  });

  it('refuses input sources, a command with --wait, none without, --pipe, and a bad name or timeout', () => {
    refused(['--semaphore', 'echo', ':::', 'a'], 'Expected no input with `--semaphore` (it runs the one command given, as GNU parallel\'s sem; :::, :::: and -a give a run of commands), got `:::`');
    refused(['--fg', '-a', '/dev/null', 'echo'], /^Expected no input with `--fg` .*got the file `\/dev\/null`$/);
    refused(['--wait', 'echo'], 'Expected no command with `--wait` (it waits until the semaphore\'s commands are all over), got `echo`');
    refused(['--fg'], 'Expected a command with `--fg` (run once one of the semaphore\'s places is free), got none');
    refused(['--semaphore', '--pipe', 'cat'], 'Expected no `--pipe` with `--semaphore` (it runs one command, on no input), got both');
    refused(['--id', '', 'x'], 'Expected `--id` to be followed by the semaphore\'s name, got an empty string');
    refused(['--st', 'soon', 'x'], 'Expected `--st` to be a number of seconds (with s/m/h/d postfixes: 1m30s), positive to go on after that long waiting, negative to give up, got `soon`');
  });
});

describe('parseShellArgs reads options as GNU parallel’s option parser does', () => {
  it('splits bundles of single-letter options: flags, then at most one that takes a value (the rest of the word, or the next word)', () => {
    expect(parseShellArgs(['-kj2', 'echo'])).toMatchObject({ keepOrder: true, jobs: 2 });
    expect(parseShellArgs(['-kj', '3', 'echo'])).toMatchObject({ keepOrder: true, jobs: 3 });
    expect(parseShellArgs(['-0rk', 'echo'])).toMatchObject({ nullSeparated: true, skipBlank: true, keepOrder: true });
    // A value is the rest of the word (GNU parallel 20221122 runs `-N2k echo ::: 1 2 3` as one `echo 1 2 3`).
    expect(() => parseShellArgs(['-N2k', 'echo'])).toThrow('Expected `-N` to be an integer from 1 to 9007199254740991, got `2k`');
    expect(parseShellArgs(['-kN2', 'echo'])).toMatchObject({ maxArgs: 2, keepOrder: true });
    expect(parseShellArgs(['-kC,', 'echo']).colsep).toBeDefined();
    // A letter no option has: the word is refused whole, as before.
    expect(() => parseShellArgs(['-kZ', 'echo'])).toThrow('Expected an option of spm-shell (see --help), got `-kZ`');
    // Words of the command are not options, bundles or not.
    expect(parseShellArgs(['echo', '-kj2']).template).toBe('echo -kj2');
  });

  it('takes a value glued to -C (`-C,`), as to -d and -j', () => {
    expect(parseShellArgs(['-C,', 'echo']).colsep).toEqual(parseShellArgs(['-C', ',', 'echo']).colsep);
  });

  it('completes a long option from its unique beginning (with or without =value); several options begun: refused, naming them', () => {
    expect(parseShellArgs(['--keep', 'echo']).keepOrder).toBe(true);
    expect(parseShellArgs(['--dry', 'echo']).dryRun).toBe(true);
    // Four names start `--line`, all one option's.
    expect(parseShellArgs(['--line', 'echo']).lineBuffer).toBe(true);
    expect(parseShellArgs(['--timeo=3', 'echo']).timeoutMs).toBe(3000);
    expect(parseShellArgs(['--timeo', '4', 'echo']).timeoutMs).toBe(4000);
    // A name that is an option is that option, though it begins others (`--tag`, `--tagstring`).
    expect(parseShellArgs(['--tag', 'echo'])).toMatchObject({ tag: true });
    expect(() => parseShellArgs(['--col', ',', 'echo'])).toThrow(/^Expected an option of spm-shell \(see --help\), got `--col`, which begins several: .*`--colsep`/);
    expect(() => parseShellArgs(['--nosuchoption', 'echo'])).toThrow('Expected an option of spm-shell (see --help), got `--nosuchoption`');
    // A single-letter option with two dashes is that option (GNU parallel's parser takes it so).
    expect(parseShellArgs(['--j', '2', 'echo']).jobs).toBe(2);
    expect(parseShellArgs(['--j=3', 'echo']).jobs).toBe(3);
    expect(parseShellArgs(['--X', '--v', 'echo'])).toMatchObject({ multiArgs: 'X', echoCommands: true });
  });
});

describe('parseShellArgs given words that are not UTF-8 (their bytes read by the bin)', () => {
  const bad = (argument: number, at = 3): NotUtf8Argument => ({ argument, byte: 0xe9, at });
  const cafe = 'caf\uFFFD';

  it('keeps a ::: argument so as a value whose jobs are not run, naming it and the byte (-a files and :::+ too)', () => {
    const o = parseShellArgs(['-k', 'echo', ':::', 'a', cafe, ':::+', 'x', cafe], 4, undefined, new Map([[4, bad(5)], [7, bad(8)]]));
    expect(o.sources).toEqual([
      { kind: 'args', values: ['a', cafe], refused: new Map([[1, 'argument 5 (after :::) is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text']]) },
      { kind: 'args', values: ['x', cafe], refused: new Map([[1, 'argument 8 (after :::) is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text']]), linked: true },
    ]);
    expect(parseShellArgs(['echo', ':::', 'a'], 4, undefined, new Map()).sources).toEqual([{ kind: 'args', values: ['a'] }]);
  });

  it('refuses one in the command, an option or its value, or a :::: file name, naming it: nothing could run as asked', () => {
    const refusal = (argument: number, role: string): string => `Expected argument ${argument} (${role}) to be valid UTF-8, got byte 0xe9 at byte 4; spm-shell passes commands to the shell as UTF-8 text (only a \`:::\` argument may be other bytes: its jobs are then not run)`;
    const cases: [string[], number, string][] = [
      [['-k', `rm ${cafe}`, ':::', 'a'], 1, 'in the command'],
      [['-k', 'rm', cafe, ':::', 'a'], 2, 'in the command'],
      [['--', cafe], 1, 'in the command'],
      [['--tagstring', cafe, 'echo'], 1, 'an option or its value'],
      [['-a', cafe, 'echo'], 1, 'an option or its value'],
      [['echo', '::::', 'list', cafe], 3, 'a file name after ::::'],
    ];
    for (const [argv, k, role] of cases) expect(() => parseShellArgs(argv, 4, undefined, new Map([[k, bad(k + 1)]]))).toThrow(new SPMError(refusal(k + 1, role)));
    // Said before what its U+FFFD made of the option (`-j` is no number), and before the profiles are read.
    expect(() => parseShellArgs(['-j', cafe, 'echo'], 4, { env: {} }, new Map([[1, bad(2)]]))).toThrow(new SPMError(refusal(2, 'an option or its value')));
  });

  it('follows the words a #! line rewrites: the arguments of a --shebang-wrap script are ::: arguments; the #! line is no argument', () => {
    const o = parseShellArgs(['--shebang-wrap -k /usr/bin/python3', './script', 'a', cafe], 4, undefined, new Map([[3, bad(4)]]));
    expect(o.sources).toEqual([{ kind: 'args', values: ['a', cafe], refused: new Map([[1, 'argument 4 (after :::) is not valid UTF-8 (byte 0xe9 at byte 4); spm-shell passes commands to the shell as UTF-8 text']]) }]);
    expect(() => parseShellArgs([`--shebang -k echo ${cafe}`, './jobs'], 4, undefined, new Map([[0, bad(1, 17)]]))).toThrow('Expected argument 1 (in the #! line) to be valid UTF-8, got byte 0xe9 at byte 18');
    // The script --shebang reads is -a's file.
    expect(() => parseShellArgs(['--shebang -k echo', `./${cafe}`], 4, undefined, new Map([[1, bad(2)]]))).toThrow('Expected argument 2 (an option or its value) to be valid UTF-8');
  });
});
