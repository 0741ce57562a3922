import { availableParallelism } from 'node:os';
import { readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { constants } from 'node:os';
import { SPMError } from '@spm/exceptions';
import { MAX_KILL_STEPS, type KillStep } from '@spm/coprocess';
import { MAX_COMMAND_BYTES, maxCommandBytes } from './arg-packing.js';
import { PLAIN_BRACES as REPLACE_MARK, WORD_BREAK, fillPath, holdsSlot, withRenamedStrings, type Builtin } from './command-template.js';
import { namesSlot, perlCodeNaming, type PerlExpression } from './perl-eval.js';
import { DEFAULT_PERL_RULES, parensOf, rplRule, withPerlStrings } from './perl-strings.js';
import { needsJobCount, withPlusStrings } from './plus-strings.js';
import { formatHalt, HALT_NEVER, parseHalt, type HaltRule } from './halt-rule.js';
import { keyColumn, type KeyColumn, type ShardRule } from './shard-router.js';
import { parseLimit, type LimitRule } from './limit-check.js';
import { POSIX_CLASSES, RecordPattern, recordPattern } from './record-pattern.js';
import { CsvColumns } from './csv-columns.js';
import { badByteAt } from './input-lines.js';
import { isShebangFlag, shebangArgs, shebangOrigins } from './shebang.js';
import { notUtf8Reason, type NotUtf8Argument } from './not-utf8-arguments.js';
import { cpuTopology } from './cpu-topology.js';
import { profileSegments, type OptionSegment, type ProfilePlaces } from './profiles.js';

/**
 * The most output kept per stream of one command. A status report crosses from the spoke to
 * the hub in one transport frame (4 MiB), which must hold stdout and stderr together.
 */
export const MAX_OUTPUT_LIMIT = 1.5 * 1024 * 1024;

/** Bytes held in memory of each of a command's stdout and stderr (the rest is spilled to a file) unless `--max-output` says otherwise. */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/**
 * Where arguments (or whole commands) come from, in GNU parallel's order: `-a` files first, then
 * `:::` and `::::` groups as given. Several sources are combined, first source outermost.
 */
export type InputSource = (
  /**
   * `::: a b c`: the words themselves. `refused`: by index in `values`, why one cannot be an
   * argument (its bytes are not UTF-8: it is shown decoded, U+FFFD for them); its jobs are not run.
   */
  | { readonly kind: 'args'; readonly values: readonly string[]; readonly refused?: ReadonlyMap<number, string> }
  /** `-a F` or `:::: F`: the lines (or, with `-0`, NUL-ended items) of a file; `-` is stdin. */
  | { readonly kind: 'file'; readonly path: string }
) & {
  /**
   * `:::+` / `::::+`: linked to the source before it (a `:::` or `::::` one; never an `-a` file,
   * as in GNU parallel): their values are taken side by side, the shortest giving the count,
   * instead of every combination. Absent: combined.
   */
  readonly linked?: boolean;
};

/** `-j 0` ("as many as possible"): one job slot per job, at most this many on inproc spokes. */
export const ALL_AT_ONCE_INPROC = 1024;
/** `-j 0` on thread or process spokes (a Node thread or process each, ~40 MB apiece): at most this many. */
export const ALL_AT_ONCE_ISOLATED = 64;

/** What `spm-shell`'s command line asks for. */
export interface ShellOptions {
  /**
   * Job slots, i.e. spokes, i.e. commands run at once (`-j`, `-P`, `--jobs`, `--max-procs`; `+N`,
   * `-N` and `N%` of the cores resolved). `0`: as many as there are jobs, at most
   * {@link ALL_AT_ONCE_INPROC} (inproc) or {@link ALL_AT_ONCE_ISOLATED} (thread, process).
   * @default os.availableParallelism()
   */
  readonly jobs: number;
  /**
   * `-j FILE` (GNU parallel's procfile): the file `jobs` was read from — it holds one of `-j`'s
   * forms, and is read again every second while the run goes on (see {@link jobSlotsIn}): a new
   * number of slots applies from then on (fewer: the running commands finish, no new one starts
   * until fewer run than that).
   */
  readonly jobsFile: string | undefined;
  /**
   * What `-j`'s and `--load`'s `+N`, `-N` and `N%` count from (the default `-j` is as many): the
   * CPU threads this process may use; the cores with `--use-cores-instead-of-threads`, the
   * sockets with `--use-sockets-instead-of-threads` (counted as `--number-of-cores` counts).
   */
  readonly jobsBase: number;
  /** Per-command hard limit in ms, at least 1 (`--timeout S`); the command's process tree is killed past it. */
  readonly timeoutMs: number | undefined;
  /**
   * `--termseq SEQ`: how a command is killed (a timeout, `--halt now`, `--memfree`, Ctrl-C):
   * each step's signal to its whole tree, then up to its wait for the tree to be gone; SIGKILL
   * after the last step. Absent: SIGTERM, then SIGKILL after 2 s.
   */
  readonly killSequence: readonly KillStep[] | undefined;
  /**
   * `--timeout N%`, as a fraction (`2` for 200%): a command is killed once it has run longer than
   * this share of the median runtime of the jobs that succeeded so far — running ones too, as the
   * median moves (GNU parallel's rule). No limit before a first job has succeeded.
   */
  readonly timeoutShare: number | undefined;
  /** `--delay S`: at least this long (ms) between two commands' starts; 0: none. */
  readonly delayMs: number;
  /** Runs in all of a failing command (`--retries N`, GNU parallel's meaning). @default 1 */
  readonly tries: number;
  /** Print outputs in input order (`-k`, `--keep-order`). */
  readonly keepOrder: boolean;
  /** Prefix each output line with the job's arguments and a tab (`--tag`). */
  readonly tag: boolean;
  /**
   * `--tagstring STR`: the tag is STR with its replacement strings filled (unquoted: `{}`, `{1}`,
   * `{#}`, `{%}`…), not the arguments; implies `--tag`.
   */
  readonly tagString: string | undefined;
  /**
   * `--color` (`--ctag`, `--ctagstring` with a tag): each job's output lines in a colour of its own
   * (GNU parallel's 256-colour pairs, chosen by the job's seq), each closed by a reset; a last
   * line without a newline gets one. Not with `-u` (printed as it comes, uncoloured).
   */
  readonly color: boolean;
  /**
   * `--color-failed` (`--cf`): the lines of a failed job white on red; the others' as `color`
   * says. Printed as they come (`--line-buffer`), lines are not: the job had not ended.
   */
  readonly colorFailed: boolean;
  /** `--nice N`: commands run at niceness N (`nice -n N`). Absent: the bin's own. */
  readonly nice: number | undefined;
  /**
   * `--process-slot-var NAME`: each command's `$NAME` is its job slot less one (from 0, for
   * `CUDA_VISIBLE_DEVICES` and the like). Absent: GNU parallel's `$PARALLEL_JOBSLOT0`.
   */
  readonly slotVariable: string | undefined;
  /**
   * `--wd DIR` (`--workdir`): each command runs in DIR (replacement strings filled per job,
   * unquoted), made first if missing, as GNU parallel does. Absent: the bin's working directory.
   */
  readonly workdir: string | undefined;
  /**
   * `--template FILE=NAME` (`--tmpl`, repeatable): before each run of a command, the file NAME
   * (its replacement strings filled per job, unquoted; relative to the bin's working directory)
   * is written with FILE's text, its replacement strings filled the same way — GNU parallel's.
   * FILE is read when the options are. `content` and `name` are templates as the command is
   * (`--plus`, `-I` applied).
   */
  readonly templates: readonly { readonly file: string; readonly name: string; readonly content: string }[];
  /** `--cleanup`: each `--template` file is removed once its command's run is over. */
  readonly cleanup: boolean;
  /**
   * `--line-buffer` (`--lb`): print each command's output a line at a time as it comes — lines
   * of different commands may alternate, a line is never split — rather than whole at its end.
   */
  readonly lineBuffer: boolean;
  /**
   * `--latest-line` (`--ll`): each job's latest line of output (stdout and stderr alike; a line
   * ends at `\n` or `\r`) on a row of its own, redrawn in place while it runs — on a terminal
   * (stdout); elsewhere each job's last line is printed once, when it ends. Nothing else of the
   * output is kept. See {@link LatestLineScreen}.
   */
  readonly latestLine: boolean;
  /**
   * `-x` (`--exit`): a job whose command is too long (past `-s`, or what Linux passes to the
   * shell) stops the run — no more jobs start, the running ones finish, exit 255 — as GNU
   * parallel (and `xargs -x`) stop. Without it that job alone is refused and the run goes on.
   */
  readonly exitTooLong: boolean;
  /**
   * `-u` (`--ungroup`): print each command's output as it comes, in whatever pieces it comes —
   * half a line of one command may meet half a line of another; `-k` and `--tag` do not apply,
   * as in GNU parallel.
   */
  readonly ungroup: boolean;
  /**
   * `-o` (`--open-tty`), `--tty`: each command's stdin is the terminal (`/dev/tty`), and it runs
   * in spm-shell's own process group and session, so that it may read the terminal while
   * spm-shell is in the foreground (an editor, a password prompt). `--tty` also makes `-j`
   * default to 1 and the output `-u`'s — written by the command straight to spm-shell's stdout
   * and stderr, a terminal staying one — unless `--group`, `--line-buffer`, `--json`,
   * `--results` or `--files` says how it is printed. Inproc and thread spokes only.
   */
  readonly openTty: boolean;
  /** `--halt`. @default never */
  readonly halt: HaltRule;
  /**
   * `--total-jobs N` (`--total`): the number of jobs, as given, for the progress bar's total and
   * ETA, `--plus`' `{##}`/`{0#}` and a `--halt` percentage — so none of them waits for the
   * whole input to be read (a slow or endless stdin runs as it comes). Absent: counted.
   */
  readonly totalJobs: number | undefined;
  /** `--joblog F`: GNU parallel's job log (`-` for stdout); `+F` is F, appended to ({@link joblogAppend}). */
  readonly joblog: string | undefined;
  /**
   * `--joblog +F`: this run's rows are added to F instead of F being written anew (GNU parallel's
   * `+`); the header is written only when F is new or empty.
   */
  readonly joblogAppend: boolean;
  /**
   * `--resume`: skip the jobs the job log (`--joblog F`, written by an earlier run) has a row
   * for, and add this run's rows to it (`'done'`); `--resume-failed`: skip only those it logged
   * as succeeded (`'failed'`: the failed ones run again). `'off'`: the job log is written anew.
   */
  readonly resume: 'off' | 'done' | 'failed';
  /**
   * `--header :` (or `--header 1`): the first value of each source (a `:::` group's first word, a
   * file's first line) names its columns — split at `--colsep`, a tab when none is given — and
   * `{name}` (with the path modifiers: `{name.}`, `{name/}`…) stands for that column.
   */
  readonly header: boolean;
  /**
   * `--results NAME`: each command's stdout, stderr and sequence number go to files named after
   * NAME and its arguments (see results.ts), not to stdout. Absent: printed.
   */
  readonly results: string | undefined;
  /**
   * `--files`: each finished command's whole stdout is written to a new file in the temporary
   * directory (`--tmpdir`, else `$TMPDIR`), `parXXXXXX.par`, and that file's name is printed in
   * place of the output (tagged with `--tag`); stderr is printed as usual. The files stay.
   */
  readonly files: boolean;
  /**
   * `--retry-failed`: run again the jobs the job log (`--joblog F`) has as failed — each with the
   * command of its last row, under its `Seq` — and add their rows to it; no command or input is
   * read (GNU parallel's).
   */
  readonly retryFailed: boolean;
  /**
   * `--load MAX`: a command starts only while the machine's load at that instant (running and
   * waiting tasks, see machine-load.ts) is below MAX: a number, +N/-N (the cores plus or minus
   * N) or N% (of the cores), as `-j` reads them; 0 (or less) is 0.01, as in GNU parallel.
   */
  readonly maxLoad: number | undefined;
  /**
   * `--noswap`: a command starts only while the machine is not swapping — pages both swapped in
   * and out over the last second (machine-swap.ts), as GNU parallel judges it.
   */
  readonly noSwap: boolean;
  /**
   * `--semaphore` (the `spm-sem` bin; implied by `--fg`, `--bg`, `--wait`, `--id`, `--st`): GNU
   * parallel's `sem` — the command runs once it holds one of `-j` places (default 1) of a
   * semaphore shared by the user's processes, by name (`--id`; default: stdin's terminal), in
   * the background (`bg`, the default: spm-shell exits once it holds one), the foreground (`fg`:
   * its exit status is the command's), or `wait`s until none is held. `timeoutMs`
   * (`--semaphore-timeout`): after that long waiting, positive: go on anyway; negative: give up.
   * `command`: the command's words joined (nothing filled in it).
   * See semaphore-mode.ts.
   */
  readonly semaphore: { readonly name: string | undefined; readonly mode: 'bg' | 'fg' | 'wait'; readonly timeoutMs: number | undefined; readonly command: string } | undefined;
  /**
   * `--memfree SIZE` (bytes): a command starts only while the machine has at least SIZE free (GNU
   * parallel's measure, see machine-memory.ts), and while it has less than half of it, the
   * youngest running command (the highest seq) is killed, one at a time — a failed job
   * (`Exitval -1`), run again only by `--retries`, as in GNU parallel 20221122.
   */
  readonly memFreeBytes: number | undefined;
  /**
   * `--memsuspend SIZE` (bytes): a command starts only while the machine has SIZE free (more
   * `--memfree`'s SIZE, if given: GNU parallel adds them); while it has less than twice SIZE, the
   * youngest running commands are stopped (SIGSTOP to their trees), the oldest going on — one
   * below SIZE, more the nearer to twice SIZE — and continued (SIGCONT) one at a time once it has
   * twice SIZE again. Nothing is killed; a stopped command's `--timeout` runs on.
   */
  readonly memSuspendBytes: number | undefined;
  /**
   * `--limit "command args"`: asked before each job starts — 0, start it; 1, not now (asked
   * again later); 2, not now, and kill the youngest running job — and while jobs run (see
   * limit-check.ts). Absent: no such check.
   */
  readonly limit: LimitRule | undefined;
  /**
   * `--pipe` (`--spreadstdin`): the input (stdin, or one `-a`/`::::` file) is cut into blocks of
   * whole lines (records: NUL-ended with `-0`), each the stdin of one run of the command
   * (`pipe-blocks.ts`); `--block` sizes them, `-N n` makes them n records each.
   */
  readonly pipe: boolean;
  /**
   * `--cat` (with `--pipe`): each block goes to a temporary file instead of the command's stdin,
   * named by `$PARALLEL_TMP` — in the command in place of `{}`, else appended — and deleted once
   * the job is over (GNU parallel's `--cat`).
   */
  readonly cat: boolean;
  /**
   * `--fifo` (with `--pipe`): as `--cat`, but each block goes through a FIFO (a named pipe) the
   * hub writes as the command reads it: `$PARALLEL_TMP`, in place of `{}` or appended; the
   * command opens it once. The command's stdin is empty.
   */
  readonly fifo: boolean;
  /**
   * `--tee` (with `--pipe`): the jobs are made of the arguments (`:::`, `::::`, `-a`) as without
   * `--pipe`, and every one gets all of stdin, as it comes (each through a FIFO: see fifo-feed.ts).
   * They all run at once: `-j` defaults to 0 and must leave a slot for every job.
   */
  readonly tee: boolean;
  /**
   * `--round-robin` (`--round`, with `--pipe`): the blocks go to at most `-j` jobs that run as
   * long as the input lasts, each taking many (see round-robin.ts), not a job each.
   */
  readonly roundRobin: boolean;
  /**
   * `--shard COL`, `--bin COL` (with `--pipe`): exactly `-j` jobs run as long as the input lasts,
   * each input line going to the one its key column (a number from 1, or a header's column
   * name; split at `--colsep`, `,` when none is given, as GNU parallel) picks: `--shard` by a hash
   * of the value (a key's lines all to one job), `--bin` by the value as a number, modulo the
   * jobs (see shard-router.ts).
   */
  readonly shard: { readonly rule: ShardRule; readonly column: KeyColumn } | undefined;
  /**
   * `--group-by COL` (`--groupby`, with `--pipe`): a record is a run of lines with the same value
   * in column COL (a number from 1, or a header's column name; split at `--colsep`, a tab when
   * none is given, as GNU parallel): blocks are cut only between such groups (group-by.ts).
   */
  readonly groupBy: KeyColumn | undefined;
  /**
   * `--plus`: GNU parallel's further replacement strings (`{..}`, `{+.}`, `{%.gz}`, `{/a/b}`, …;
   * see plus-strings.ts), marked in the templates as they are read.
   */
  readonly plus: boolean;
  /**
   * GNU parallel's Perl replacement strings of every template (`{= perl expression =}`,
   * `{=2 … =}`, `--rpl`'s strings; `--parens`), in the order they were found: each one's mark in
   * a template (see perl-strings.ts) is its index here. Evaluated by Perl (perl-eval.ts).
   */
  readonly perlExpressions: readonly PerlExpression[];
  /**
   * `--filter CODE` (repeatable): a job runs only when each one, its replacement strings filled
   * with the job's arguments as they are (not quoted), is true as Perl code (`use strict`, as GNU
   * parallel's); one false passes the job over (as `skip()`), one that dies refuses it. `text` is
   * as a template is kept (marks, renames), `written` as given, for messages.
   */
  readonly filters: readonly { readonly written: string; readonly text: string }[];
  /** `--block SIZE` (`--block-size`): the most bytes of a `--pipe` block. @default 1 MiB */
  readonly blockBytes: number;
  /**
   * `--block-timeout D` (`--bt`, with `--pipe`): a block read for longer than D ms is cut at its
   * last complete record, and passed on (block-timeout.ts). @default none: a block waits to be full
   */
  readonly blockTimeoutMs: number | undefined;
  /**
   * `--pipe-part` (`--pipepart`, implies `pipe`): the input files (`-a F`, `:::: F`; seekable) are
   * cut in parts without being read through (pipe-part.ts), each part the stdin of one job.
   */
  readonly pipePart: boolean;
  /**
   * `--block -N` with `--pipe-part` (GNU parallel's): N parts per job slot, the part size worked
   * out from the files' total size; the default there is 10 when `--block` is not given.
   */
  readonly partsPerSlot: number | undefined;
  /**
   * `--recstart S` (with `--pipe`): the bytes a record starts with; a block is cut only where a
   * record ends and S begins (GNU parallel's escapes `\n \t \r \0 \' \" \\` read). Given
   * alone, records have no end mark (`--recend` empty).
   */
  readonly recstart: Buffer | undefined;
  /**
   * `--recend S` (with `--pipe`): the bytes a record ends with, instead of a newline (NUL with
   * `-0`); given alone, records have no start mark. Not both empty.
   */
  readonly recend: Buffer | undefined;
  /**
   * `--remove-rec-sep` (`--removerecsep`, `--rrs`, with `--pipe`): each block loses its records'
   * separators — every recend + recstart, a recstart at its start, a recend at its end.
   */
  readonly removeRecSep: boolean;
  /**
   * `--regexp` (with `--pipe`/`--pipe-part` and `--recstart` or `--recend`): those two as regular
   * expressions (GNU parallel's Perl ones, read as record-pattern.ts says), the record boundaries
   * this pattern's; `undefined` without `--regexp` (or with neither separator: it changes nothing).
   */
  readonly recordPattern: RecordPattern | undefined;
  /**
   * `--shuf`: the jobs run in a random order (every input is read first); `{#}` and the job log's
   * `Seq` number them in that order, as GNU parallel's do.
   */
  readonly shuf: boolean;
  /** `--json`: one JSON line per command on stdout instead of its output. */
  readonly json: boolean;
  /**
   * `--link` (`--xapply`): every source linked — their values side by side, the longest giving the
   * count, shorter ones wrapping around — instead of every combination.
   */
  readonly link: boolean;
  /** `--progress` / `--no-progress`; `auto` shows the bar when stderr is a terminal. */
  readonly progress: 'auto' | 'on' | 'off';
  /** `--verbose`: MetaStatus lines and per-command notices on stderr. */
  readonly verbose: boolean;
  /**
   * `-v` (GNU parallel's): each job's command on stdout, before its output — with it, tagged
   * with it; with `-u`/`--line-buffer`, as it starts. Not with `--json` or a `--results` table.
   */
  readonly echoCommands: boolean;
  /** `-t`: each command on stderr as it starts (as run: `{%}` filled), GNU parallel's `-t`; with `--dry-run`, on stderr too. */
  readonly showCommands: boolean;
  /**
   * `-p`, `--interactive`: before each job is handed to a spoke, its command is shown on stderr
   * followed by ` ?...`, and the job runs only if the line then typed on the terminal starts with
   * `y` or `Y`; else it is passed over (not run, printed, logged or counted). The prompt stands
   * for `-t`'s line (as in GNU parallel).
   */
  readonly interactive: boolean;
  /** `--trace F`: a Chrome Trace Event file of every command on every spoke. */
  readonly trace: string | undefined;
  /** Where the jobs' arguments come from (`-a`, `:::`, `::::`); none: lines on stdin. */
  readonly sources: readonly InputSource[];
  /** `--dry-run`: print each command instead of running it. */
  readonly dryRun: boolean;
  /**
   * `-N n` (`--max-replace-args`): each job takes `n` input records (lines, or combinations of
   * the sources) as its arguments, `{}` context-replaced; `0`: a job per record, no argument.
   */
  readonly maxArgs: number | undefined;
  /**
   * `maxArgs` came from `-n n` (`--max-args`): `{}` is the job's arguments all in place, as
   * GNU parallel's `-n`; from `-N`, each in turn (context replace).
   */
  readonly argsJoined: boolean;
  /**
   * `-L n`, `-l [n]` (`--max-lines`), xargs' and GNU parallel's: an input value (a line, a `-0`/`-d`
   * item, a `:::` word) that ends in whitespace is continued by the next one, and each job takes
   * `n` of them — as `-N n` does with `-L` (context replace), as `-n n` with `-l` (`maxArgs` and
   * `argsJoined` say so; a `-N`/`-n` given beside it sets the count). With `--pipe`, records of
   * `n` lines: a block holds whole ones (with `-N m`, exactly m of them).
   */
  readonly maxLines: number | undefined;
  /**
   * `--skip-first-line`: the first value of the first input source (its first line, a `:::`
   * source's first word) is not used; with `--pipe`, stdin's first line; with `--pipe-part`,
   * each file's first line.
   */
  readonly skipFirstLine: boolean;
  /**
   * `-X`, `-m`, `--xargs`: as many arguments per command as fit `maxChars` (and `-n`/`-N`'s
   * cap): `-X` repeats each word holding `{}` for every argument (context replace), `-m` and
   * `--xargs` put them all in place of `{}`; each command is filled in turn, and with `-X` and
   * `-m` the arguments of the one the input ends in are spread evenly across the job slots.
   */
  readonly multiArgs: 'X' | 'm' | 'xargs' | undefined;
  /** `-s n` (`--max-chars`): the longest command `-X`/`-m`/`--xargs` make, in bytes. @default 130963 (MAX_COMMAND_BYTES; less with a long `--process-slot-var` name) */
  readonly maxChars: number;
  /** `-r` (`--no-run-if-empty`): blank input lines (whitespace only) make no job. */
  readonly skipBlank: boolean;
  /**
   * `--colsep REGEXP`: each argument (each input line, each `:::` word) is split into columns
   * at the matches, and the columns are the job's arguments (`{1}`, `{2}`… across sources).
   */
  readonly colsep: RegExp | undefined;
  /**
   * `--csv`: each argument is a CSV record (lines joined while a quoted field holds line ends),
   * its fields the columns, as GNU parallel's Text::CSV reads them; `--colsep` is then the one
   * character that separates the fields (`,` by default). A record that is not CSV is a job that
   * is not run. With it, {@link colsep} splits no argument. With `--pipe`, blocks are cut only
   * where a record ends (no `"` left open).
   */
  readonly csv: CsvColumns | undefined;
  /** `-0`, `--null`: input items end with NUL (as `find -print0` writes them), not newline. */
  readonly nullSeparated: boolean;
  /**
   * `-d DELIM` (`--delimiter`): input items end with these bytes, not newline (C escapes read:
   * `\n`, `\t`, `\0`, `\\`, octal `\101`, hex `\x41`); no `\r` is dropped before them. `-0` is `-d '\0'`.
   */
  readonly delimiter: Buffer | undefined;
  /**
   * `--trim l|r|lr|rl|n`: whitespace trimmed from each argument (each column with `--colsep`) at
   * its left, right, both ends, or none. `n` by default, `lr` when `--colsep` is given (GNU
   * parallel's defaults).
   */
  readonly trim: 'l' | 'r' | 'lr' | 'n';
  /** `-E STR` (`--eof`): a value equal to STR ends its source (an input line, a `:::` word); the rest is not read. */
  readonly eof: string | undefined;
  /**
   * `--tmpdir DIR` (`--tempdir`): where outputs past `--max-output` wait (a directory per run,
   * removed at its end); a DIR that cannot hold it stops the run before anything starts.
   * Default: the system's (`$TMPDIR`), and there output past the cap is cut (said per job) if none can be made.
   */
  readonly tmpdir: string | undefined;
  /** `-q` (`--quote`): each word of the command template is shell-quoted whole, its replacement strings filled with arguments as they are. */
  readonly quote: boolean;
  /** Bytes held in memory of each of a command's stdout and stderr (`--max-output`); the rest is spilled to a temporary file. */
  readonly maxOutputBytes: number;
  /**
   * `--transport inproc|thread|process`: what a spoke is. Inproc spokes (in the bin's own
   * thread) start with it and relay nothing; commands are child processes either way.
   * @default 'inproc'
   */
  readonly transport: 'inproc' | 'thread' | 'process';
  /** The command template (words before `:::` or `::::`), if any. */
  readonly template: string | undefined;
  /** `-h`, `--help`. */
  readonly help: boolean;
  /** `--version` (`-V`). */
  readonly version: boolean;
  /**
   * `--minversion V` (`--min-version`): print {@link GNU_PARALLEL_VERSION}, the GNU parallel whose
   * behaviour spm-shell follows, and exit — 0 when it is at least V, else 255: GNU parallel's
   * answer, for scripts that check for a feature (`parallel --minversion 20170422 && …`).
   */
  readonly minVersion: number | undefined;
  /**
   * `--shell-completion SHELL` (`--shellcompletion`): print a script that completes spm-shell's
   * options in `bash` or `zsh` (`auto`: `$SHELL`'s, found by the bin) and exit; `eval` it.
   */
  readonly shellCompletion: 'bash' | 'zsh' | 'auto' | undefined;
  /**
   * `--number-of-sockets`, `--number-of-cores` (`--number-of-cpus`, as GNU parallel 20221122
   * answers it), `--number-of-threads`: print that count of this machine's CPUs and exit.
   */
  readonly count: 'sockets' | 'cores' | 'threads' | undefined;
  /** `--max-line-length-allowed`: print the longest command spm-shell runs (`-s`'s most) and exit. */
  readonly printMaxLength: boolean;
  /**
   * `--show-limits`: print the longest command spm-shell runs and the longest `-X`/`-m`/`--xargs`
   * make now (`-s`), as GNU parallel words it, on stdout, then run as usual.
   */
  readonly showLimits: boolean;
  /**
   * `--shellquote` (as many times as given): each job prints its command, shell-quoted this many
   * times, instead of running it (GNU parallel's). 0: commands run.
   */
  readonly shellQuote: number;
  /** `--record-env`: write the names of the environment's variables to `ignored_vars` in the config directory and exit (GNU parallel's). */
  readonly recordEnv: boolean;
}

/** `spm-shell --help`. */
export const USAGE = `Usage: spm-shell [options] [command [args]] [::: arg ... | :::: file ...] ...

Runs commands in parallel on spm-ts spokes, one command per spoke at a time, each in its own
process group under an optional hard timeout. Input: commands one per line on stdin (or -a F),
or a command template filled with arguments: spm-shell 'gzip -9 {}' ::: *.log
(:::: F takes the arguments from F's lines; several sources are combined, as GNU parallel does).

Options:
  -j, --jobs N          job slots (commands at once): N; +N / -N: cores plus / minus N; N%: of
                        the cores; 0: as many as there are jobs; a FILE holding one of these,
                        read again every second (change it to change the slots as jobs run).
                        Default: the number of cores (-P, --max-procs: the same)
      --timeout S       kill a command's whole process tree after S seconds (0.001 to 2000000;
                        s/m/h/d postfixes as GNU parallel's: 90, 1m30s, 2h). N%: once it has run
                        N% of the median runtime of the jobs that succeeded so far (200%)
      --retries N       run a failing command up to N times in all (GNU parallel's meaning)
      --delay S         wait at least S seconds between two commands' starts (as --timeout's S)
  -k, --keep-order      print outputs in input order
      --tag             prefix each output line with the job's arguments and a tab
      --tagstring STR   tag lines with STR, its replacement strings filled ({} {1} {#} {%}…)
      --color           each command's output lines in a colour of its own (--colour); --ctag
                        and --ctagstring STR: --tag and --tagstring with it
      --color-failed    the output lines of failed commands white on red (--cf)
      --termseq SEQ     how a command is killed (timeout, --halt now, Ctrl-C): signals and
                        the ms to wait after each, GNU parallel's TERM,200,TERM,100,KILL,25;
                        SIGKILL after the last (default TERM,2000)
      --process-slot-var NAME
                        each command's $NAME is its job slot less one (0, 1, …)
      --nice N          run the commands at niceness N (nice -n N)
      --wd DIR          run the commands in DIR, made if missing ({} etc. filled per job; --workdir)
      --template F=NAME write file NAME (its {} etc. filled) before each command runs, holding
                        F's text with its {} etc. filled for the job (--tmpl; repeatable)
      --cleanup         remove each --template file once its command is over
      --line-buffer     print output a whole line at a time as it comes, not a command's
                        output at its end (--lb); with -k, the oldest command's lines live
      --latest-line     on a terminal, a row per command showing its latest line of output,
                        redrawn as it runs (--ll); elsewhere each command's last line at its end
  -u, --ungroup         print output as it comes, in any pieces (lines of commands may mix);
                        -k and --tag do not apply
      --group           each command's output whole at its end: the default (not with --lb, -u)
  -o, --open-tty        give each command the terminal as its stdin (an editor, a password
                        prompt: it runs in spm-shell's session; not with --pipe)
      --tty             as -o, and by default one at a time (-j1) writing to the terminal
                        itself (-u): ls *.txt | spm-shell --tty vim
      --halt RULE       never | now,fail=N | soon,fail=N | now|soon,success=N | now|soon,done=N;
                        N% for a share of all the jobs (the input is read whole first)
      --total-jobs N    the number of jobs, for the bar's total and ETA, {##}, --halt N%:
                        the input is then read as it comes, not whole first (--total)
      --joblog F        write GNU parallel's job log to F (- for stdout; +F: append to F)
      --resume          skip the jobs the job log F already has, add the others' rows to it
      --resume-failed   the same, but run the jobs it logged as failed again
      --retry-failed    run again the failed jobs of the job log F, their commands taken from it
      --results NAME    write each command's stdout, stderr and seq to files, not to stdout:
                        NAME/1/<arg 1>/2/<arg 2>/…/stdout; with {} in NAME, the file NAME
                        (.err, .seq beside it), or the directory NAME if it ends in /;
                        NAME.csv, .tsv, .json: a table of every job (its job log row, arguments,
                        stdout and stderr) in that file, or on stdout for -.csv, -.tsv, -.json
      --shuf            run the jobs in a random order (the input is read whole first)
      --pipe            cut the input (stdin, or one -a file) into blocks of whole lines, each
                        the stdin of one run of the command (--spreadstdin); -N n: n lines each
      --block SIZE      the most bytes of a --pipe block (default 1M; K/M/G of 1024, k/m/g of 1000)
      --bt D            with --pipe: a block read for longer than D seconds is passed on with the
                        complete records read so far (--block-timeout; tail -f | spm-shell --pipe)
      --pipe-part       as --pipe, for files (-a F, :::: F) cut at record ends without being read
                        through; --block -N: N parts per job slot (the default: 10)
      --cat             with --pipe: each block in a temporary file, $PARALLEL_TMP, in place of {}
                        (else at the command's end), not on stdin; deleted when the job is over
      --recstart S      with --pipe: records start with S; blocks are cut only before an S
      --recend S        with --pipe: records end with S, not a newline (both: cut between them)
      --rrs             with --pipe: remove --recstart/--recend from each block (--remove-rec-sep)
      --regexp          with --pipe: --recstart and --recend are regular expressions (as Perl's,
                        ^ and $ at each line): --regexp --recstart '^>[A-Z]+\\d'
      --fifo            with --pipe: as --cat, but through a FIFO the command opens once, fed as it reads
      --round-robin     with --pipe: deal the blocks to at most -j jobs that run as long as the input
                        lasts, each taking many, rather than a job per block (--round); -k: in turn
      --shard COL       with --pipe: run exactly -j jobs as long as the input lasts, each line to
                        the job a hash of its column COL picks: a key's lines all go to one job
                        (COL: a number from 1, or a header's column name; split at --colsep, else ,)
      --bin COL         as --shard, but column COL is a number: line to job COL mod -j (0: the last)
      --group-by COL    with --pipe: a record is a run of lines with the same value in column COL
                        (a number, or a header's column name; split at --colsep, else at tabs):
                        blocks (--block, -N) hold whole runs (--groupby)
      --tee             with --pipe: a job per argument (::: a b), every one given all of stdin as
                        it comes; they all run at once (-j defaults to 0)
      --json            print one JSON line per command instead of its output
      --max-output SIZE bytes of each of stdout/stderr held in memory; the rest waits in a
                        temporary file ($TMPDIR) and is printed whole too (K, M; default 1M, max 1.5M)
      --transport T     inproc | thread | process: what a spoke is (default inproc)
      --trace F         write a Chrome Trace Event file (open it in Perfetto or chrome://tracing)
      --dry-run         print each command instead of running it
      --progress        show the progress bar even when stderr is not a terminal (--bar, --eta)
      --no-progress     never show the progress bar
  -v                    print each job's command on stdout before its output (GNU parallel's)
      --verbose         print MetaStatus lines and per-command notices on stderr
  -t                    print each command on stderr as it starts
  -a, --file F          read input lines from F instead of stdin (again: another source)
      --link            take the sources' values side by side (the longest gives the count,
                        shorter ones wrap), not every combination (--xapply); :::+ and ::::+
                        link one source to the one before (the shortest gives the count)
      --header :        each source's first value names its columns (split at --colsep, else
                        at tabs): {name} is that column ({name.} {name/} … too)
  -C, --colsep REGEXP   split each argument into columns at REGEXP: {1} {2} … are the columns,
                        each trimmed of whitespace at both ends (unless --trim says otherwise)
      --csv             each argument is a CSV record ("quoted, fields", "" for ", line ends
                        inside quotes): its fields are the columns (--colsep C: fields end at C);
                        with --pipe, blocks are cut only where a CSV record ends
  -N N                  N input lines (or combinations) per command: {1} … {N}; x{}y repeated
                        for each (GNU parallel's -N; 0: none inserted)
  -n N                  N arguments per command, all of them in place of {} (--max-args)
  -L N                  as -N N, and an input line ending in a blank is continued by the next
                        (xargs -L); with --pipe, records of N lines (a block holds whole ones);
                        -L 0: as -N 0
  -l [N], --max-lines [N]
                        the same as -n N (N: 1 when not given)
      --skip-first-line the first input line (first ::: word) is not used; --pipe: stdin's
                        first line; --pipe-part: each file's
  -X                    as many arguments per command as fit (-s), those of the last spread
                        over the job slots; each word holding {} is repeated for each argument
                        (x{}y: xay xby)
  -m                    the same, all the arguments in place of {} (x{}y: xa by)
      --xargs           as -m, but each command filled in turn (the last takes the rest)
  -s, --max-chars N     the longest command -X, -m, --xargs make, in bytes with its ending NUL,
                        as xargs counts (default and most:
                        130963, what Linux passes to the shell as one argument, less the job
                        variables put before it)
  -x, --exit            a command too long (past -s, or what Linux passes) stops the run: no
                        more jobs, exit 255 (without: that job alone is refused, as not run)
  -I R                  R is the replacement string instead of {} (then plain text), as xargs -I
                        (-i [R], --replace[=R]); --er, --bnr, --dnr, --bner, --seqreplace,
                        --slotreplace R: instead of {.}, {/}, {//}, {/.}, {#}, {%}
      {= perl =}        the argument as Perl code leaves $_ ({= s/\\.gz$// =}; {=2 … =}: the second
                        argument's), by perl itself: GNU parallel's, its Q() uq() seq() skip()
                        @arg total_jobs() slot() too (slot(): in the command, --tagstring and
                        --template texts, evaluated for each of the -j slots)
      --rpl 'TAG CODE'  TAG a replacement string for the Perl code CODE ('{..} s:\\.[^/.]+$::'; a
                        (group) in TAG is $$1 in CODE); --parens LR: L and R instead of {= =}
      --plus            more replacement strings: {..} {...} {+.} {+/} {:-x} {:2:3} {#re} {%re}
                        {/re/str} {//re/str} {^re} {,re} {##} {0#} {0%} … (GNU parallel's --plus;
                        re: JavaScript's); {choose_k} / {uniq}: the arguments, and a job whose
                        arguments are not in increasing order / not all different is passed over
  -r, --no-run-if-empty no job for a blank input line (whitespace only)
      --filter CODE     a job runs only if the Perl code CODE, its replacement strings filled
                        (not quoted), is true: --filter '{1} < {2}'; '"{}" ne "x"' (use strict)
  -0, --null            input items end with NUL, not newline (find -print0); newlines stay in them
  -d, --delimiter D     input items end with D, not newline (C escapes: \\n \\t \\0 \\\\ \\NNN \\xHH)
  -E STR                a value equal to STR ends its input source (-e[STR], --eof[=STR]: STR
                        optional; none or empty: no end string)
      --trim l|r|lr|n   trim whitespace from each argument's left, right or both ends
  -q, --quote           shell-quote each word of the command whole (after filling {})
      --arg-sep S       S instead of ::: (and --arg-file-sep S instead of ::::)
      --tmpdir DIR      where output past --max-output waits (default $TMPDIR; --tempdir)
      --load MAX        start a command only while the machine's load (running processes
                        now) is below MAX (a number, +N, -N, N% of the cores)
      --noswap          start a command only while the machine is not swapping (pages both in
                        and out over the last second)
      --semaphore       GNU parallel's sem (the spm-sem bin): run the command once one of -j places
                        (default 1) of a semaphore is free, in the background (--bg; --fg: here,
                        exiting with its status); --wait: until none is held; --id NAME (default:
                        the terminal); --st S: after S s go on anyway (-S: give up, exit 1)
      --memfree SIZE    start a command only while SIZE of memory is free (2G, 500M); below
                        half of it, kill the youngest running command (a failed job)
      --memsuspend SIZE start a command only while SIZE of memory is free; below twice SIZE,
                        stop (SIGSTOP) the youngest running commands, continue them once it is back
      --limit "CMD"     before each start, run CMD: exit 0 starts the next command, 1 not now,
                        2 kills the youngest running one; or mem SIZE, load N, io PERCENT
      --files           write each command's stdout to a new file in the temporary directory
                        and print the file's name instead (stderr as usual)
      --shellquote      print each command shell-quoted instead of running it (twice given: twice
                        quoted), to build commands for another spm-shell
      --will-cite       accepted, as --no-notice: spm-shell prints no citation notice
      --use-cores-instead-of-threads
                        -j's (and --load's) +N, -N, N% and its default count physical cores,
                        not CPU threads (--use-sockets-instead-of-threads: sockets)
      --number-of-cores print the CPU cores this process may use, and exit (--number-of-cpus;
                        --number-of-threads, --number-of-sockets: those, as GNU parallel counts)
      --show-limits     print the longest command spm-shell runs and the longest -X makes now (-s),
                        then run as usual (--max-line-length-allowed: the first alone, and exit)
      --env NAME        accepted: a command has the whole environment already (GNU parallel copies
                        NAME to remote hosts); --record-env writes the variables' names to
                        ~/.parallel/ignored_vars and exits
  -J, --profile NAME    read options from the profile NAME (a file in ~/.parallel, $PARALLEL_HOME,
                        $XDG_CONFIG_HOME/parallel; or a path ./NAME, /NAME) before the command
                        line's; without -J, ~/.parallel/config (and /etc/parallel/config,
                        ~/.parallelrc) if there; then $PARALLEL's options. Words after a
                        profile's options go before the command (nice)
      --plain           read no profile and not $PARALLEL
      --shebang OPTIONS COMMAND
                        (first, on a script's #! line: #!/path/spm-shell --shebang -k echo)
                        the script's other lines are the input
      --shebang-wrap OPTIONS PROGRAM
                        (first, on a script's #! line) PROGRAM runs the script once per
                        argument given to it, in parallel
  -p, --interactive     ask on the terminal before each command (y: run it; else skip it)
  -h, --help            this text
      --version         the version (-V); --minversion V: print 20221122, the GNU parallel
                        spm-shell follows, and exit 0 if that is V or later, else 255
      --shell-completion bash|zsh|auto
                        print a script completing spm-shell's options: eval "$(spm-shell
                        --shell-completion auto)"

Replacement strings: {} {.} {/} {//} {/.} {#} {%} {1} {2} … {name} with --header (arguments
are shell-quoted). Each command gets $PARALLEL_SEQ ({#}), $PARALLEL_JOBSLOT ({%}),
$PARALLEL_JOBSLOT0 ({%} less one; --process-slot-var NAME: $NAME instead) and
$PARALLEL_PID; SIGHUP (kill -HUP $PARALLEL_PID) starts no more jobs, the running ones finish.
Commands run in the shell spm-shell was started from (bash, zsh, sh…; not csh or fish), else
$SHELL's; $PARALLEL_SHELL chooses another, as GNU parallel's.
Exit status: 0 when every command succeeded, else the number of failed commands (at most 101);
with --halt …,fail=1 the failing command's, with a --halt percentage the percentage failed;
130/143 after SIGINT/SIGTERM; 141 when stdout's reader went away; 255 on usage errors and when
the output, the job log, the trace or --results files cannot be written.
`;

function describe(value: string | undefined): string {
  return value === undefined ? 'nothing' : value === '' ? 'an empty string' : `\`${value}\``;
}

/** `-L`'s and `-l`'s number of lines: an integer from 0 (`zero` says what 0 means, for the message). */
function lineCount(option: string, value: string | undefined, zero: string): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new SPMError(`Expected \`${option}\` to be a number of lines (an integer; ${zero}), got ${describe(value)}`);
  return n;
}

/**
 * GNU parallel's other spellings of options, as the option they spell (a message about a value
 * names the latter).
 */
const ALIASES: Readonly<Record<string, string>> = {
  '--dr': '--dry-run',
  '--dryrun': '--dry-run',
  '--keeporder': '--keep-order',
  '--resumefailed': '--resume-failed',
  '--retryfailed': '--retry-failed',
  '--willcite': '--will-cite',
  '--nn': '--will-cite',
  '--nonotice': '--no-notice',
  '--norunifempty': '--no-run-if-empty',
  '--numberofsockets': '--number-of-sockets',
  '--numberofcores': '--number-of-cores',
  '--numberofcpus': '--number-of-cpus',
  '--numberofthreads': '--number-of-threads',
  '--usesocketsinsteadofthreads': '--use-sockets-instead-of-threads',
  '--usecoresinsteadofthreads': '--use-cores-instead-of-threads',
  '--usecpusinsteadofcores': '--use-cpus-instead-of-cores',
  '--nokeeporder': '--no-keep-order',
  '--nok': '--no-keep-order',
  '--no-k': '--no-keep-order',
  '--maxlinelengthallowed': '--max-line-length-allowed',
  '--jl': '--joblog',
  '--result': '--results',
  '--tag-string': '--tagstring',
  '--argsep': '--arg-sep',
  '--argfilesep': '--arg-file-sep',
  '--work-dir': '--wd',
  '--col-sep': '--colsep',
  '--term-seq': '--termseq',
  '--recordenv': '--record-env',
  '--output-as-files': '--files',
  '--outputasfiles': '--files',
  '--shell-quote': '--shellquote',
  '--shell_quote': '--shellquote',
  '--exit': '-x',
  '--maxprocs': '--max-procs',
  '--maxchars': '--max-chars',
  '--argfile': '--arg-file',
  '--maxargs': '--max-args',
  '--maxreplaceargs': '--max-replace-args',
  '--showlimits': '--show-limits',
  '--regex': '--regexp',
  '--blocksize': '--block-size',
  '--halt-on-error': '--halt',
  '--haltonerror': '--halt',
  '-V': '--version',
  '--min-version': '--minversion',
  '--shellcompletion': '--shell-completion',
};

/** Options GNU parallel 20221122 has retired (it refuses them), with what it says to use instead when spm-shell has that. */
const RETIRED: Readonly<Record<string, string | undefined>> = {
  '-g': '--group',
  '-T': '--tty',
  '-U': '--er',
  '-W': '--wd',
  '-Y': '--shebang',
  '-H': '--halt',
  '-B': undefined,
  '--sql': undefined,
  '--ctrl-c': undefined,
  '--ctrlc': undefined,
  '--no-ctrl-c': undefined,
  '--no-ctrlc': undefined,
  '--noctrlc': undefined,
  '--tollef': undefined,
};

/** The options that rename a replacement string: what each renames. */
const RENAMED: Readonly<Record<string, Builtin>> = {
  '-I': '{}',
  '--er': '{.}',
  '--extensionreplace': '{.}',
  '--bnr': '{/}',
  '--basenamereplace': '{/}',
  '--dnr': '{//}',
  '--dirnamereplace': '{//}',
  '--bner': '{/.}',
  '--basenameextensionreplace': '{/.}',
  '--seqreplace': '{#}',
  '--slotreplace': '{%}',
};

/** Each renamed string's option, for messages. */
const RENAMING: Readonly<Record<Builtin, string>> = { '{}': '-I', '{.}': '--er', '{/}': '--bnr', '{//}': '--dnr', '{/.}': '--bner', '{#}': '--seqreplace', '{%}': '--slotreplace' };

/** GNU parallel's order of the renames (its `rpl` calls), which matters when one names another's string. */
const RENAME_ORDER: readonly Builtin[] = ['{}', '{.}', '{/}', '{//}', '{#}', '{%}', '{/.}'];

/** A rename's string: not empty, no U+0001 (the mark of a plain `{`). */
function renameString(option: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new SPMError(`Expected \`${option}\` to be followed by the replacement string to use instead of ${RENAMED[option] ?? '{}'} (e.g. ${option} @), got nothing`);
  if (value.includes(REPLACE_MARK)) throw new SPMError(`Expected \`${option}\`'s replacement string to hold no U+0001 character, got one`);
  return value;
}

function positiveInteger(option: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new SPMError(`Expected \`${option}\` to be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${describe(value)}`);
  }
  return n;
}

/**
 * `-j`'s value as GNU parallel reads it: `N` (`0`: as many as there are jobs), `+N` / `-N` (the
 * cores plus / minus N), `N%` (of the cores, rounded up). Fewer than one slot is refused.
 */
function jobSlots(option: string, value: string | undefined, cores: number, inFile?: string): number {
  const forms = `a number of job slots from 0 to ${Number.MAX_SAFE_INTEGER} (0: as many as there are jobs), +N or -N (the cores plus or minus N) or N% (of the cores), this machine having ${cores} cores`;
  const match = value === undefined ? null : JOB_SLOTS.exec(value);
  const amount = match === null ? NaN : Number(match[2]);
  if (match === null || !Number.isFinite(amount) || (match[3] === '' && !Number.isSafeInteger(amount)) || (match[1] !== '' && match[3] !== '')) {
    if (inFile !== undefined) throw new SPMError(`Expected the \`${option}\` file \`${inFile}\` to hold ${forms}, got ${describe(value)}`);
    throw new SPMError(`Expected \`${option}\` to be ${forms}, or a file holding one, got ${describe(value)}`);
  }
  const slots = match[3] === '%' ? Math.ceil((cores * amount) / 100) : match[1] === '+' ? cores + amount : match[1] === '-' ? cores - amount : amount;
  if (match[1] === '' && match[3] === '') return slots;
  if (slots < 1 || !Number.isSafeInteger(slots)) {
    const where = inFile === undefined ? '' : ` (in the file \`${inFile}\`)`;
    throw new SPMError(`Expected \`${option} ${value as string}\`${where} to leave at least 1 job slot, got ${slots} (this machine has ${cores} cores)`);
  }
  return slots;
}

/** `-j`'s forms: N, +N, -N, N% (a fraction too, for N%). */
const JOB_SLOTS = /^([+-]?)(\d+(?:\.\d+)?)(%?)$/;

/**
 * `-j FILE`'s job slots: the file's text (`text`, or read now), white space around it aside,
 * read as `-j`'s value (`option`: the option named in errors). Throws an SPMError naming the file
 * when it does not hold one of `-j`'s forms, or cannot be read.
 */
export function jobSlotsIn(option: string, file: string, cores = availableParallelism(), text?: string): number {
  let held = text;
  if (held === undefined) {
    try {
      held = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SPMError(`Expected the \`${option}\` file \`${file}\` to be readable, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return jobSlots(option, held.trim(), cores, file);
}

/** `-j`'s value: one of its forms, or (GNU parallel's procfile) a file that holds one. */
function jobSlotsOrFile(option: string, value: string | undefined, cores: number): { readonly jobs: number; readonly file?: string } {
  if (value !== undefined && !JOB_SLOTS.test(value) && isFile(value)) return { jobs: jobSlotsIn(option, value, cores), file: value };
  return { jobs: jobSlots(option, value, cores) };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The directory an option names (`--wd`, `--tmpdir`): a path that can be one (not empty, no NUL). */
function directory(option: string, value: string | undefined): string {
  if (value === undefined || value === '' || value.includes('\0')) throw new SPMError(`Expected \`${option}\` to be followed by a directory, got ${describe(value)}`);
  return value;
}

/** `--load`'s MAX: as `-j` reads a number (a fraction too), +N, -N, N%; 0 or less is 0.01 (GNU parallel's). */
function maxLoad(value: string | undefined, cores: number): number {
  const match = value === undefined ? null : /^([+-]?)(\d+(?:\.\d+)?)(%?)$/.exec(value);
  if (match === null || (match[1] !== '' && match[3] !== '')) {
    throw new SPMError(`Expected \`--load\` to be a load (a number of running processes, 1.5 too), +N or -N (the cores plus or minus N) or N% (of the cores), this machine having ${cores} cores, got ${describe(value)}`);
  }
  const amount = Number(match[2]);
  const load = match[3] === '%' ? (cores * amount) / 100 : match[1] === '+' ? cores + amount : match[1] === '-' ? cores - amount : amount;
  return load > 0 ? load : 0.01;
}

/**
 * `--colsep`'s pattern with what GNU parallel's Perl reads and JavaScript would read otherwise
 * written in JavaScript's terms: `\h`/`\H` (blanks: tab and space), POSIX classes inside brackets
 * (`[[:space:]]`), and `\K` (the separator is what follows: a lookbehind for what comes before).
 * They were read as the letters `h`, `K` or a plain class, and the argument silently stayed one
 * column. Other text is left as it is.
 */
function perlSeparator(value: string): string {
  let out = '';
  let inClass = false;
  let keepFrom: number | undefined;
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i] as string;
    const next = value[i + 1];
    if (c === '\\' && next !== undefined) {
      if (next === 'h' || next === 'H') out += inClass ? (next === 'h' ? '\\t ' : '\\x00-\\x08\\n-\\x1f!-\\uffff') : next === 'h' ? '[\\t ]' : '[^\\t ]';
      else if (next === 'K' && !inClass) keepFrom ??= out.length;
      else out += c + next;
      i += 1;
      continue;
    }
    if (inClass) {
      const posix = c === '[' ? /^\[:([a-z]+):\]/.exec(value.slice(i)) : null;
      const items = posix === null ? undefined : POSIX_CLASSES[posix[1] as string];
      if (posix !== null && items !== undefined) {
        out += items;
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (value[i + 1] === '^') {
        out += '^';
        i += 1;
      }
      continue;
    }
    out += c;
  }
  return keepFrom === undefined ? out : `(?<=${out.slice(0, keepFrom)})${out.slice(keepFrom)}`;
}

/** `--colsep`'s regular expression: JavaScript's syntax, with Perl's `\h`, POSIX classes and `\K` read as GNU parallel reads them (see {@link perlSeparator}). */
function columnSeparator(value: string | undefined): RegExp {
  if (value === undefined) throw new SPMError('Expected `--colsep` to be followed by a regular expression (e.g. `,`, `\\t`, ` +`), got nothing');
  try {
    // Without the `u` flag: escapes Perl takes (`\,`, `\-`) mean what they mean there.
    return new RegExp(perlSeparator(value));
  } catch (error) {
    throw new SPMError(`Expected \`--colsep\` to be a regular expression (JavaScript's syntax), got \`${value}\`: ${(error as Error).message}`);
  }
}

// `--timeout`'s bounds, in seconds. A timeout is kept in whole milliseconds (the timers'
// resolution), so the least is 1 ms: a shorter one used to round to 0 ms, i.e. no timeout at
// all. The most keeps the limit plus the backstop within a timer's 2^31 - 1 ms.
const MIN_TIMEOUT_SECONDS = 0.001;
const MAX_TIMEOUT_SECONDS = 2_000_000;

// A duration as GNU parallel's TIME POSTFIXES read it: seconds as a float (`10`, `0.5`, `1e-3`),
// or floats each followed by s, m, h or d, summed (`1m30s`, `1d3.5h16.6m4s`, `2m`).
const PLAIN_SECONDS = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const POSTFIXED_SECONDS = /^(?:(?:\d+(?:\.\d*)?|\.\d+)[smhd])+$/;
const POSTFIX_TERM = /(\d+(?:\.\d*)?|\.\d+)([smhd])/g;
const POSTFIX_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

function durationSeconds(text: string): number {
  if (PLAIN_SECONDS.test(text)) return Number(text);
  if (!POSTFIXED_SECONDS.test(text)) return NaN;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(POSTFIX_TERM)) total += Number(amount) * (POSTFIX_SECONDS[unit ?? 's'] ?? 1);
  return total;
}

/** A duration in whole ms; with `zero`, 0 (none) is taken too; `or`: another form the option takes, for the message. */
function seconds(option: string, value: string | undefined, zero = false, or = ''): number {
  const n = value === undefined ? NaN : durationSeconds(value);
  if (zero && n === 0) return 0;
  if (!(n >= MIN_TIMEOUT_SECONDS) || n > MAX_TIMEOUT_SECONDS) {
    throw new SPMError(
      `Expected \`${option}\` to be a number of seconds ${zero ? '(0 for none, or ' : ''}from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}${zero ? ')' : ''} (e.g. 10, 0.5, 1e-3, or with s/m/h/d postfixes: 1m30s)${or}, got ${describe(value)}`,
    );
  }
  return Math.round(n * 1000);
}

/**
 * `--semaphore-timeout`'s value: a duration (GNU parallel's TIME POSTFIXES), negative to give up
 * rather than go on (`-5`, `-1m`); 0 is none (undefined).
 */
function semaphoreTimeout(option: string, value: string | undefined): number | undefined {
  const negative = value?.startsWith('-') === true;
  const magnitude = negative ? (value as string).slice(1) : value;
  if (magnitude !== undefined && durationSeconds(magnitude) === 0) return undefined;
  try {
    return (negative ? -1 : 1) * seconds(option, magnitude);
  } catch {
    throw new SPMError(`Expected \`${option}\` to be a number of seconds (with s/m/h/d postfixes: 1m30s), positive to go on after that long waiting, negative to give up, got ${describe(value)}`);
  }
}

/** `--timeout N%`: a number, then `%` (GNU parallel's form: digits, maybe a fraction). */
const PERCENT = /^\d+(\.\d+)?%$/;
/** The share form of `--timeout`, for its messages. */
const TIMEOUT_PERCENT = ' or a percentage of the median runtime of the jobs that succeeded (e.g. 200%), above 0';
/** The largest `--timeout N%`: a million times the median. */
const MAX_TIMEOUT_PERCENT = 100_000_000;

/** `--timeout N%` as a fraction of the median (`200%` → 2). */
function timeoutShare(option: string, value: string): number {
  const percent = Number(value.slice(0, -1));
  if (!(percent > 0) || percent > MAX_TIMEOUT_PERCENT) {
    throw new SPMError(`Expected \`${option}\` N% to be a percentage above 0 and at most ${MAX_TIMEOUT_PERCENT}% (of the median runtime of the jobs that succeeded), got ${describe(value)}`);
  }
  return percent / 100;
}

/** `--pipe`'s block size unless `--block` says otherwise (GNU parallel's 1M). */
export const DEFAULT_BLOCK_BYTES = 1024 * 1024;
/** The largest `--block`: a block travels to its spoke in one message. */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/**
 * GNU parallel's `--block` sizes: bytes, or with a postfix — `K`, `M`, `G` powers of 1024, `k`,
 * `m`, `g` powers of 1000 (GNU parallel's rule: `10k` is 10,000 bytes, `10K` 10,240).
 */
function blockSize(option: string, value: string | undefined, max = MAX_BLOCK_BYTES): number {
  const n = postfixedSize(value, /^(\d+(?:\.\d+)?)(?:([kKmMgGtT])())?$/);
  if (!(n >= 1) || n > max) {
    throw new SPMError(`Expected \`${option}\` to be a size from 1 byte to 64M (K, M, G: powers of 1024; k, m, g: of 1000 — as GNU parallel's), got ${describe(value)}${max === MAX_BLOCK_BYTES ? '' : ' (a --pipe-part part may be larger: up to 2^53 bytes)'}`);
  }
  return n;
}

/**
 * A size in whole bytes as GNU parallel writes them, by `form`: a number (group 1), then maybe a
 * postfix letter (group 2: k, m, g, t, p) and an `i` (group 3). An upper-case letter, or one
 * with `i`, is a power of 1024; a lower-case one of 1000. NaN when `value` is not of the form.
 */
function postfixedSize(value: string | undefined, form: RegExp): number {
  const match = value === undefined ? null : form.exec(value);
  if (match === null) return NaN;
  const letter = match[2];
  if (letter === undefined) return Math.floor(Number(match[1]));
  const binary = (match[3] ?? '') !== '' || letter === letter.toUpperCase();
  return Math.floor(Number(match[1]) * (binary ? 1024 : 1000) ** ('kmgtp'.indexOf(letter.toLowerCase()) + 1));
}

/** The longest a kill sequence may wait in all (ms): a day, far past any grace a command needs. */
export const MAX_TERMSEQ_MS = 86_400_000;

/**
 * `--termseq`'s sequence, as GNU parallel reads it: signals and waits in ms, comma-separated —
 * `TERM,200,TERM,100,TERM,50,KILL,25`. A signal is a name (`TERM`, `SIGTERM`, any case) or a
 * number (`15`); a wait, whole ms. The last signal may go without a wait (0). Steps after a KILL
 * are never reached (SIGKILL ends every sequence, see `@spm/coprocess`'s `killSequence`).
 */
export function termSequence(option: string, value: string | undefined): readonly KillStep[] {
  const expected = `Expected \`${option}\` to be signals and the ms to wait after each, comma-separated (TERM,200,TERM,100,KILL,25)`;
  if (value === undefined || value.trim() === '') throw new SPMError(`${expected}, got ${describe(value)}`);
  const items = value.split(',').map((item) => item.trim());
  if (items.length > MAX_KILL_STEPS * 2) throw new SPMError(`${expected}; at most ${MAX_KILL_STEPS} signals, got ${Math.ceil(items.length / 2)}`);
  const steps: KillStep[] = [];
  let total = 0;
  for (let i = 0; i < items.length; i += 2) {
    const name = items[i] ?? '';
    const signal = signalNamed(name);
    if (signal === undefined) throw new SPMError(`${expected}; item ${i + 1} should be a signal (TERM, SIGINT, 9…), got \`${name}\``);
    const wait = items[i + 1];
    if (wait !== undefined && !/^\d+$/.test(wait)) throw new SPMError(`${expected}; item ${i + 2} should be whole ms to wait after ${signal}, got \`${wait}\``);
    const waitMs = wait === undefined ? 0 : Number(wait);
    total += waitMs;
    if (total > MAX_TERMSEQ_MS) throw new SPMError(`${expected}; the waits add up to more than ${MAX_TERMSEQ_MS} ms (a day) at item ${i + 2}`);
    steps.push({ signal, waitMs });
  }
  return steps;
}

/** A signal by its name (with or without `SIG`, any case) or number; undefined if there is none. */
function signalNamed(text: string): NodeJS.Signals | undefined {
  const signals = constants.signals as Readonly<Record<string, number>>;
  if (/^\d+$/.test(text)) return Object.keys(signals).find((name) => signals[name] === Number(text)) as NodeJS.Signals | undefined;
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(signals, name) ? (name as NodeJS.Signals) : undefined;
}

/**
 * `--memfree`'s sizes, as GNU parallel reads them: bytes, or with a postfix — `K`, `M`, `G`, `T`,
 * `P` (and `Ki`, `ki`, … in any case) powers of 1024; `k`, `m`, `g`, `t`, `p` powers of 1000.
 */
function memorySize(option: string, value: string | undefined): number {
  const n = postfixedSize(value, /^(\d+(?:\.\d+)?)(?:([kmgtpKMGTP])([iI]?))?$/);
  if (!(n >= 1) || n > Number.MAX_SAFE_INTEGER) {
    throw new SPMError(`Expected \`${option}\` to be a size of memory from 1 byte (K, M, G, T, P: powers of 1024; k, m, g, t, p: of 1000 — as GNU parallel's; e.g. 2G), got ${describe(value)}`);
  }
  return n;
}

function size(option: string, value: string | undefined): number {
  const match = value === undefined ? null : /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value);
  const unit = match?.[2]?.toLowerCase() === 'k' ? 1024 : match?.[2]?.toLowerCase() === 'm' ? 1024 * 1024 : 1;
  const n = match === null ? NaN : Math.floor(Number(match[1]) * unit);
  if (!(n >= 1) || n > MAX_OUTPUT_LIMIT) {
    throw new SPMError(`Expected \`${option}\` to be a size from 1 byte to 1.5M (e.g. 64K, 1M; one status report must fit a 4 MiB frame), got ${describe(value)}`);
  }
  return n;
}

const FLAGS = new Set(['--show-limits', '--noswap', '--semaphore', '--fg', '--bg', '--wait', '--plain', '--will-cite', '--no-notice', '--skip-first-line', '--skipfirstline', '--group', '--cleanup', '--retry-failed', '--files', '-q', '--quote', '-X', '-m', '--xargs', '-r', '--no-run-if-empty', '-k', '--keep-order', '--tag', '--ctag', '--color', '--colour', '--color-failed', '--colour-failed', '--colorfailed', '--colourfailed', '--color-fail', '--colour-fail', '--colorfail', '--colourfail', '--cf', '--line-buffer', '--line-buffered', '--linebuffer', '--linebuffered', '--lb', '--latest-line', '--latestline', '--ll', '-u', '--ungroup', '-o', '--open-tty', '--tty', '--link', '--xapply', '--plus', '--pipe', '--spreadstdin', '--pipe-part', '--pipepart', '--cat', '--fifo', '--tee', '--round-robin', '--roundrobin', '--round', '--remove-rec-sep', '--removerecsep', '--rrs', '--regexp', '--csv', '--shuf', '--json', '--resume', '--resume-failed', '--progress', '--bar', '--eta', '--no-progress', '--dry-run', '-v', '--verbose', '-t', '-0', '--null', '-h', '--help', '--version', '--number-of-sockets', '--number-of-cores', '--number-of-cpus', '--number-of-threads', '--no-keep-order', '--silent', '--max-line-length-allowed', '--shellquote', '--use-sockets-instead-of-threads', '--use-cores-instead-of-threads', '--use-cpus-instead-of-cores', '--record-env', '-p', '--interactive', '--gnu', '-x']);
const VALUED = new Set(['-J', '--profile', '--env', '-L', '--termseq', '--load', '--memfree', '--memsuspend', '--limit', '--tmpdir', '--tempdir', '-d', '--delimiter', '--trim', '-E', '--arg-sep', '--arg-file-sep', '-j', '-P', '-N', '--max-replace-args', '-n', '--max-args', '-s', '--max-chars', ...Object.keys(RENAMED), '--jobs', '--max-procs', '--timeout', '--delay', '--retries', '--halt', '--total-jobs', '--totaljobs', '--total', '--joblog', '--trace', '-a', '--file', '--arg-file', '--max-output', '--transport', '-C', '--colsep', '--shard', '--bin', '--group-by', '--groupby', '--header', '--results', '--res', '--block', '--block-size', '--recstart', '--recend', '--tagstring', '--ctagstring', '--ctag-string', '--nice', '--process-slot-var', '--processslotvar', '--wd', '--workdir', '--template', '--tmpl', '--rpl', '--parens', '--filter', '--block-timeout', '--blocktimeout', '--bt', '--id', '--semaphore-name', '--semaphorename', '--st', '--semaphore-timeout', '--semaphoretimeout', '--minversion', '--shell-completion']);

/**
 * Every option spm-shell reads, each spelling (`--shell-completion`'s scripts offer them); not
 * GNU parallel's retired ones, which it refuses.
 */
export const OPTION_NAMES: readonly string[] = [
  ...new Set([...FLAGS, ...VALUED, ...Object.keys(ALIASES), '-i', '--replace', '-e', '--eof', '-l', '--max-lines', '--maxlines', '--shebang', '--hashbang', '--shebang-wrap', '--shebangwrap']),
].sort();

/**
 * Long spellings of one option beyond {@link ALIASES} (each group's names share a branch below):
 * a prefix that matches only names of one group is that option (GNU parallel's `--line` is
 * `--line-buffer`, though four names start so).
 */
const SYNONYMS: readonly (readonly string[])[] = [
  ['--skip-first-line', '--skipfirstline'],
  ['--color', '--colour'],
  ['--color-failed', '--colour-failed', '--colorfailed', '--colourfailed', '--color-fail', '--colour-fail', '--colorfail', '--colourfail', '--cf'],
  ['--line-buffer', '--line-buffered', '--linebuffer', '--linebuffered', '--lb'],
  ['--latest-line', '--latestline', '--ll'],
  ['--will-cite', '--no-notice'],
  ['--link', '--xapply'],
  ['--pipe', '--spreadstdin'],
  ['--pipe-part', '--pipepart'],
  ['--round-robin', '--roundrobin', '--round'],
  ['--remove-rec-sep', '--removerecsep', '--rrs'],
  ['--number-of-cores', '--number-of-cpus'],
  ['--semaphore-name', '--semaphorename', '--id'],
  ['--semaphore-timeout', '--semaphoretimeout', '--st'],
  ['--jobs', '--max-procs'],
  ['--total-jobs', '--totaljobs', '--total'],
  ['--block-timeout', '--blocktimeout', '--bt'],
  ['--block', '--block-size'],
  ['--workdir', '--wd'],
  ['--template', '--tmpl'],
  ['--process-slot-var', '--processslotvar'],
  ['--tmpdir', '--tempdir'],
  ['--group-by', '--groupby'],
  ['--ctagstring', '--ctag-string'],
  ['--max-lines', '--maxlines'],
  ['--shebang', '--hashbang'],
  ['--shebang-wrap', '--shebangwrap'],
];
const OPTION_NAME_SET: ReadonlySet<string> = new Set(OPTION_NAMES);
const LONG_OPTION_NAMES = OPTION_NAMES.filter((name) => name.startsWith('--'));
const ONE_OPTION: ReadonlyMap<string, string> = new Map(SYNONYMS.flatMap((names) => names.map((name) => [name, names[0] as string] as const)));
/** Single-letter options whose value is optional (the rest of their word, or maybe the next one). */
const OPTIONAL_VALUE: ReadonlySet<string> = new Set(['-i', '-e', '-l']);

/**
 * `word` (`--name` or `--name=value`) with `name` completed when it begins the names of one
 * option only, as GNU parallel's option parser takes them (`--keep` is `--keep-order`, `--dry`
 * `--dry-run`); unchanged when it is a name itself, or begins none (its own error says so).
 * Throws an `SPMError` listing them when it begins the names of several options (`--col`).
 */
function completedLongOption(word: string): string {
  const eq = word.indexOf('=');
  const name = eq > 0 ? word.slice(0, eq) : word;
  if (name.length < 3 || OPTION_NAME_SET.has(name) || name in RETIRED) return word;
  // A single-letter option written with two dashes is that option (`--j 2`, `--j=2`, `--X`), as there.
  const letter = `-${name.slice(2)}`;
  if (name.length === 3 && (FLAGS.has(letter) || VALUED.has(letter) || letter in RENAMED || OPTIONAL_VALUE.has(letter))) {
    if (eq < 0) return letter;
    if (eq < word.length - 1 && !FLAGS.has(letter)) return `${letter}${word.slice(eq + 1)}`;
    return word;
  }
  const begun = LONG_OPTION_NAMES.filter((candidate) => candidate.startsWith(name));
  const options = new Set(begun.map((candidate) => ALIASES[candidate] ?? ONE_OPTION.get(candidate) ?? candidate));
  if (options.size === 0) return word;
  if (options.size > 1) throw new SPMError(`Expected an option of spm-shell (see --help), got \`${name}\`, which begins several: ${begun.map((candidate) => `\`${candidate}\``).join(', ')}`);
  // The name it begins that is the shortest: the one a reader knows (`--keep-order`, not `--keeporder`).
  const full = [...begun].sort((a, b) => a.length - b.length || a.localeCompare(b))[0] as string;
  return `${full}${eq > 0 ? word.slice(eq) : ''}`;
}

/**
 * The single-letter options a word bundles, as GNU parallel's option parser reads them: `-kj2`
 * is `-k -j2`, `-0rk` is `-0 -r -k` — letters that take no value, then at most one that does,
 * the rest of the word its value (or, none left, the next word). Undefined when `word` is no such
 * bundle (one option, `-j2`; or a letter no option of spm-shell has: its own error says so).
 */
function unbundled(word: string): string[] | undefined {
  if (word.startsWith('--') || word.length < 3) return undefined;
  const parts: string[] = [];
  for (let k = 1; k < word.length; k++) {
    const letter = `-${word[k] as string}`;
    if (VALUED.has(letter) || letter in RENAMED || OPTIONAL_VALUE.has(letter)) {
      parts.push(`${letter}${word.slice(k + 1)}`);
      break;
    }
    if (!FLAGS.has(letter)) return undefined;
    parts.push(letter);
  }
  return parts.length > 1 ? parts : undefined;
}

/** The GNU parallel whose behaviour spm-shell follows (its tests compare with it): `--minversion`'s version. */
export const GNU_PARALLEL_VERSION = 20221122;
/** What starts a group of arguments (`:::`, or `--arg-sep`'s) and of argument files (`::::`, `--arg-file-sep`'s); `+` after either links it. */
function groupMarks(argSep: string, argFileSep: string): ReadonlySet<string> {
  return new Set([argSep, argFileSep, `${argSep}+`, `${argFileSep}+`]);
}

/**
 * The bytes of `--recstart`/`--recend`, as GNU parallel reads them: `\0 \r \n \t \' \" \\`
 * are escapes, any other backslash is itself; the rest is UTF-8.
 */
export function recordSeparator(value: string): Buffer {
  const escapes: Readonly<Record<string, string>> = { '0': '\0', r: '\r', n: '\n', t: '\t', "'": "'", '"': '"', '\\': '\\' };
  return Buffer.from(value.replace(/\\([0rnt'"\\])/g, (_, c: string) => escapes[c] as string));
}

/** The bytes of `-d`'s delimiter: C escapes (`\n`, `\t`, `\0`, `\\`, octal `\NNN`, hex `\xHH`) read, other characters as UTF-8. */
export function delimiterBytes(option: string, value: string | undefined): Buffer {
  if (value === undefined || value === '') throw new SPMError(`Expected \`${option}\` to be followed by the delimiter of input items (e.g. , or '\\n' or '\\0'), got nothing`);
  const simple: Readonly<Record<string, number>> = { n: 0x0a, t: 0x09, r: 0x0d, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b, e: 0x1b, '\\': 0x5c };
  const bytes: number[] = [];
  for (let i = 0; i < value.length; ) {
    const c = value[i] as string;
    if (c !== '\\' || i + 1 >= value.length) {
      const code = value.codePointAt(i) as number;
      const char = String.fromCodePoint(code);
      bytes.push(...Buffer.from(char));
      i += char.length;
      continue;
    }
    const next = value[i + 1] as string;
    const octal = /^[0-7]{1,3}/.exec(value.slice(i + 1));
    const hex = /^x([0-9A-Fa-f]{1,2})/.exec(value.slice(i + 1));
    if (octal !== null) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += 1 + octal[0].length;
    } else if (hex !== null) {
      bytes.push(parseInt(hex[1] as string, 16));
      i += 1 + hex[0].length;
    } else if (simple[next] !== undefined) {
      bytes.push(simple[next] as number);
      i += 2;
    } else {
      throw new SPMError(`Expected \`${option}\`'s escapes to be \\n \\t \\r \\0 \\\\ \\NNN (octal) or \\xHH (hex), got \`\\${next}\` in ${describe(value)}`);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Parses `spm-shell`'s arguments the way GNU parallel reads its own: options first; the first
 * word that is not an option starts the command template (its words joined by spaces, options
 * of the command included); `:::` starts a group of arguments, `::::` one of argument files.
 * Throws `SPMError` naming the option and what it got (and, for one of a profile or
 * `$PARALLEL`, where it came from). `cores`: what `-j +N`, `-N` and `N%` count from. `places`:
 * where the profiles and `$PARALLEL` are read from (see profiles.ts; the bin gives its
 * environment); absent, only `given` is read.
 *
 * `notUtf8`: the words of `given` (by index) whose bytes are not UTF-8 (see
 * not-utf8-arguments.ts). A `:::` argument so is a value whose jobs are not run, as an input
 * line that is not UTF-8 ({@link InputSource} `refused`); any other word — an option, its value,
 * the command, a file name — is a usage error naming it: nothing could run as asked.
 */
export function parseShellArgs(given: readonly string[], cores = availableParallelism(), places?: ProfilePlaces, notUtf8: ReadonlyMap<number, NotUtf8Argument> = new Map()): ShellOptions {
  // `#!…spm-shell --shebang …`: the script's interpreter line, read first (see shebang.ts).
  const argv = shebangArgs(given);
  let segments: OptionSegment[] = [{ words: argv, ...(notUtf8.size > 0 ? { notUtf8: commandLineNotUtf8(given, notUtf8) } : {}) }];
  if (places !== undefined) {
    // The command line's -J and --plain say which profiles to read; their options go first.
    const choice: ProfileChoice = { names: [], plain: false };
    readWords(segments, cores, choice);
    if (!choice.plain) segments = [...profileSegments(choice.names, places), ...segments];
  }
  return readWords(segments, cores) as ShellOptions;
}

/**
 * `notUtf8` (by index in `given`) by index in the words spm-shell reads (`given` rewritten by
 * `--shebang`); one in a `#!` line's words has none there: it is a usage error at once.
 */
function commandLineNotUtf8(given: readonly string[], notUtf8: ReadonlyMap<number, NotUtf8Argument>): ReadonlyMap<number, NotUtf8Argument> {
  const origins = shebangOrigins(given);
  const byWord = new Map<number, NotUtf8Argument>();
  for (const [k, origin] of origins.entries()) {
    const bad = origin === undefined ? undefined : notUtf8.get(origin);
    if (bad !== undefined) byWord.set(k, bad);
  }
  const lost = [...notUtf8.values()].find((bad) => ![...byWord.values()].includes(bad));
  if (lost !== undefined) throw notUtf8Error(lost, 'in the #! line');
  return byWord;
}

/** The usage error for a word (not a `:::` argument) that is not UTF-8; `role` says what it is. */
function notUtf8Error(bad: NotUtf8Argument, role: string): SPMError {
  return new SPMError(`Expected argument ${bad.argument} (${role}) to be valid UTF-8, got ${badByteAt(bad.byte, bad.at)}; spm-shell passes commands to the shell as UTF-8 text (only a \`:::\` argument may be other bytes: its jobs are then not run)`);
}

/** What the command line asks of the profiles: the `-J` names given, and whether `--plain` was. */
interface ProfileChoice {
  names: string[];
  plain: boolean;
}

/**
 * The options of `segments` (the profiles', `$PARALLEL`'s, the command line's), each read up to
 * its first word that is not an option, in order (a later option wins); then the words left,
 * in the same order, are the command and its inputs. With `choice`, only the options are read
 * and `choice` filled (nothing returned).
 */
function readWords(segments: readonly OptionSegment[], cores: number, choice?: ProfileChoice): ShellOptions | undefined {
  const profileNames: string[] = [];
  let plainGiven = false;
  const files: InputSource[] = [];
  /** `-I R`: the replacement string that stands for `{}` (which is then plain text). */
  /** `-I`, `--er`…: the replacement strings renamed, by what they stand for (see withRenamedStrings). */
  const renames = new Map<Builtin, string>();
  /** `-L n` (`context`: as -N) or `-l n` (as -n), the last given. */
  let maxLinesGiven: { n: number; context: boolean } | undefined;
  // -N and -n: -N wins whichever comes first (GNU parallel's), the last of each counting.
  let replaceArgsGiven: number | undefined;
  let joinedArgsGiven: number | undefined;
  /** `-s` as given (it sizes the commands of -X, -m, --xargs only). */
  let maxCharsGiven: { option: string; value: string } | undefined;
  /** The last `--block SIZE` given (a negative one sets `partsPerSlot` instead). */
  let blockText: { option: string; value: string | undefined } | undefined;
  // --regexp: --recstart and --recend as given (not their escapes read), compiled once all is read.
  let regexp = false;
  // --csv, and --colsep as given (with --csv, the CSV field separator); --trim given (else lr with --colsep).
  let csv = false;
  let colsepText: string | undefined;
  let trimGiven = false;
  const separatorTexts: { recstart?: string; recend?: string } = {};
  /** The last `-j` given (read again once all options are: `--use-cores-instead-of-threads` changes what it counts from). */
  let jobsGiven: { option: string; value: string | undefined } | undefined;
  let loadGiven: string | undefined;
  let useSockets = false;
  let useCores = false;
  /** `-o`, `--open-tty` or `--tty` (this one if given), for messages; `--tty`'s defaults (-j1, -u) apply. */
  let ttyGiven: string | undefined;
  let ttyDefaults = false;
  let silent = false;
  let noKeepOrder = false;
  let grouped = false;
  /** `--parens`, `--rpl`: what makes Perl replacement strings (see perl-strings.ts). */
  let parens = DEFAULT_PERL_RULES.parens;
  const rpl: (readonly [string, string])[] = [];
  /** `--block-timeout`, `--bt`, as given (for messages). */
  let blockTimeoutGiven: string | undefined;
  let argSep = ':::';
  let argFileSep = '::::';
  let marks = groupMarks(argSep, argFileSep);
  const o = {
    jobs: cores,
    jobsBase: cores,
    jobsFile: undefined as string | undefined,
    timeoutMs: undefined as number | undefined,
    timeoutShare: undefined as number | undefined,
    killSequence: undefined as readonly KillStep[] | undefined,
    delayMs: 0,
    tries: 1,
    keepOrder: false,
    tag: false,
    tagString: undefined as string | undefined,
    color: false,
    colorFailed: false,
    nice: undefined as number | undefined,
    slotVariable: undefined as string | undefined,
    workdir: undefined as string | undefined,
    templates: [] as { file: string; name: string; content: string }[],
    cleanup: false,
    lineBuffer: false,
    latestLine: false,
    exitTooLong: false,
    ungroup: false,
    openTty: false,
    halt: HALT_NEVER,
    totalJobs: undefined as number | undefined,
    joblog: undefined as string | undefined,
    joblogAppend: false,
    resume: 'off' as ShellOptions['resume'],
    json: false,
    shuf: false,
    pipe: false,
    blockBytes: DEFAULT_BLOCK_BYTES,
    blockTimeoutMs: undefined as number | undefined,
    pipePart: false,
    partsPerSlot: undefined as number | undefined,
    plus: false,
    perlExpressions: [] as PerlExpression[],
    filters: [] as { written: string; text: string }[],
    recstart: undefined as Buffer | undefined,
    recend: undefined as Buffer | undefined,
    removeRecSep: false,
    recordPattern: undefined as RecordPattern | undefined,
    cat: false,
    fifo: false,
    tee: false,
    roundRobin: false,
    shard: undefined as ShellOptions['shard'],
    groupBy: undefined as KeyColumn | undefined,
    results: undefined as string | undefined,
    header: false,
    link: false,
    progress: 'auto' as ShellOptions['progress'],
    verbose: false,
    showCommands: false,
    echoCommands: false,
    interactive: false,
    trace: undefined as string | undefined,
    dryRun: false,
    maxArgs: undefined as number | undefined,
    argsJoined: false,
    multiArgs: undefined as ShellOptions['multiArgs'],
    maxLines: undefined as number | undefined,
    skipFirstLine: false,
    maxChars: MAX_COMMAND_BYTES,
    skipBlank: false,
    colsep: undefined as RegExp | undefined,
    csv: undefined as CsvColumns | undefined,
    nullSeparated: false,
    delimiter: undefined as Buffer | undefined,
    trim: 'n' as ShellOptions['trim'],
    eof: undefined as string | undefined,
    quote: false,
    shellQuote: 0,
    recordEnv: false,
    tmpdir: undefined as string | undefined,
    files: false,
    retryFailed: false,
    maxLoad: undefined as number | undefined,
    noSwap: false,
    semaphore: undefined as { name: string | undefined; mode: 'bg' | 'fg' | 'wait'; timeoutMs: number | undefined; command: string } | undefined,
    memFreeBytes: undefined as number | undefined,
    memSuspendBytes: undefined as number | undefined,
    limit: undefined as LimitRule | undefined,
    maxOutputBytes: DEFAULT_MAX_OUTPUT,
    transport: 'inproc' as ShellOptions['transport'],
    help: false,
    version: false,
    minVersion: undefined as number | undefined,
    shellCompletion: undefined as ShellOptions['shellCompletion'],
    count: undefined as ShellOptions['count'],
    printMaxLength: false,
    showLimits: false,
  };
  const rest: string[] = [];
  /** The words of `rest` (by index) whose bytes are not UTF-8: the command's, `:::` arguments, `::::` files. */
  const restNotUtf8 = new Map<number, NotUtf8Argument>();
  for (const segment of segments) {
    // (Bundles of single-letter options are split in place: `origins` keeps each word's index in the segment.)
    const argv = [...segment.words];
    const origins = argv.map((_, k) => k);
    let i = 0;
    /** Where the option being read began (for a profile's messages). */
    let at = 0;
    try {
      for (; i < argv.length; i++) {
        at = origins[i] ?? i;
        let word = argv[i] as string;
        if (word === '--') {
          i += 1;
          break;
        }
        if (marks.has(word) || !word.startsWith('-') || word === '-') break;
        const bundled = unbundled(word);
        if (bundled !== undefined) {
          argv.splice(i, 1, ...bundled);
          origins.splice(i, 1, ...bundled.map(() => at));
          word = bundled[0] as string;
        } else if (word.startsWith('--')) {
          word = completedLongOption(word);
        }
        const eq = word.startsWith('--') ? word.indexOf('=') : -1;
        const name = eq > 0 ? word.slice(0, eq) : word;
        // `-j4` as well as `-j 4`.
        const glued = /^-[jPaNnsIdELJC]./.test(word) ? word.slice(2) : undefined;
        const option = glued !== undefined ? word.slice(0, 2) : (ALIASES[name] ?? name);
        if (/^-i/.test(word) || name === '--replace') {
          // `-i [R]`, `--replace[=R]` (xargs' old -I): R is optional ({}), taken from the next word
          // unless that starts with `-`, as GNU parallel's option parser takes it.
          let value = word.startsWith('--') ? (eq > 0 ? word.slice(eq + 1) : undefined) : word.length > 2 ? word.slice(2) : undefined;
          if (value === undefined && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('-')) value = argv[++i];
          renames.set('{}', renameString(word.startsWith('--') ? '--replace' : '-i', value ?? '{}'));
          continue;
        }
        if (/^-e/.test(word) || name === '--eof') {
          // `-e [S]`, `--eof[=S]` (xargs' old -E): S is optional, taken from the next word unless
          // that starts with `-`, as GNU parallel's option parser takes it; none, or an empty
          // one, is no end-of-input string.
          let value = word.startsWith('--') ? (eq > 0 ? word.slice(eq + 1) : undefined) : word.length > 2 ? word.slice(2) : undefined;
          if (value === undefined && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('-')) value = argv[++i];
          o.eof = value === '' ? undefined : value;
          continue;
        }
        if (/^-l/.test(word) || name === '--max-lines' || name === '--maxlines') {
          // `-l [N]`, `--max-lines[=N]`: N is optional (1), as in GNU parallel — taken from the next
          // word when that is a number; `-l -0` is `-l 1 -0`, as there.
          let value = word.startsWith('--') ? (eq > 0 ? word.slice(eq + 1) : undefined) : word.length > 2 ? word.slice(2) : undefined;
          if (value === undefined && /^\d+$/.test(argv[i + 1] ?? '')) value = argv[++i];
          // 0 is 1 (GNU parallel's).
          maxLinesGiven = { n: value === undefined ? 1 : Math.max(lineCount(word.startsWith('--') ? name : '-l', value, '0 or none is 1'), 1), context: false };
          continue;
        }
        if (FLAGS.has(option)) {
          if (eq > 0) throw new SPMError(`Expected \`${name}\` to take no value, got \`${word}\``);
          switch (option) {
            case '-q':
            case '--quote':
              o.quote = true;
              break;
            case '--files':
              o.files = true;
              break;
            case '--skip-first-line':
            case '--skipfirstline':
              o.skipFirstLine = true;
              break;
            case '--retry-failed':
              o.retryFailed = true;
              break;
            case '-X':
              o.multiArgs = 'X';
              break;
            case '-m':
              o.multiArgs = 'm';
              break;
            case '--xargs':
              o.multiArgs = 'xargs';
              break;
            case '-r':
            case '--no-run-if-empty':
              o.skipBlank = true;
              break;
            case '-k':
            case '--keep-order':
              o.keepOrder = true;
              break;
            case '--tag':
              o.tag = true;
              break;
            case '--ctag':
              o.tag = true;
              o.color = true;
              break;
            case '--color':
            case '--colour':
              o.color = true;
              break;
            case '--color-failed':
            case '--colour-failed':
            case '--colorfailed':
            case '--colourfailed':
            case '--color-fail':
            case '--colour-fail':
            case '--colorfail':
            case '--colourfail':
            case '--cf':
              o.colorFailed = true;
              break;
            case '--line-buffer':
            case '--line-buffered':
            case '--linebuffer':
            case '--linebuffered':
            case '--lb':
              o.lineBuffer = true;
              break;
            case '--latest-line':
            case '--latestline':
            case '--ll':
              o.latestLine = true;
              break;
            case '--group':
              // The default (each command's output whole); said only to be refused beside --lb or -u, as GNU parallel does.
              grouped = true;
              break;
            case '--will-cite':
            case '--no-notice':
              // GNU parallel's citation notice: spm-shell prints none, so the habit costs nothing.
              break;
            case '--gnu':
              // "Behave like GNU parallel" (once over --tollef's xargs-like parsing): what spm-shell does anyway.
              break;
            case '-x':
              o.exitTooLong = true;
              break;
            case '-u':
            case '--ungroup':
              o.ungroup = true;
              break;
            case '-o':
            case '--open-tty':
              o.openTty = true;
              ttyGiven ??= name;
              break;
            case '--tty':
              o.openTty = true;
              ttyGiven = name;
              ttyDefaults = true;
              break;
            case '--json':
              o.json = true;
              break;
            case '--link':
            case '--xapply':
              o.link = true;
              break;
            case '--pipe':
            case '--spreadstdin':
              o.pipe = true;
              break;
            case '--pipe-part':
            case '--pipepart':
              o.pipe = true;
              o.pipePart = true;
              break;
            case '--cat':
              o.cat = true;
              break;
            case '--fifo':
              o.fifo = true;
              break;
            case '--tee':
              o.tee = true;
              break;
            case '--round-robin':
            case '--roundrobin':
            case '--round':
              o.roundRobin = true;
              break;
            case '--plus':
              o.plus = true;
              break;
            case '--remove-rec-sep':
            case '--removerecsep':
            case '--rrs':
              o.removeRecSep = true;
              break;
            case '--regexp':
              regexp = true;
              break;
            case '--csv':
              csv = true;
              break;
            case '--shuf':
              o.shuf = true;
              break;
            case '--noswap':
              o.noSwap = true;
              break;
            case '--semaphore':
              o.semaphore ??= { name: undefined, mode: 'bg', timeoutMs: undefined, command: '' };
              break;
            case '--fg':
            case '--bg':
            case '--wait':
              o.semaphore = { ...(o.semaphore ?? { name: undefined, timeoutMs: undefined, command: '' }), mode: option.slice(2) as 'bg' | 'fg' | 'wait' };
              break;
            case '--progress':
            case '--bar':
            case '--eta':
              o.progress = 'on';
              break;
            case '--dry-run':
              o.dryRun = true;
              break;
            case '--resume':
              o.resume = 'done';
              break;
            case '--resume-failed':
              o.resume = 'failed';
              break;
            case '--no-progress':
              o.progress = 'off';
              break;
            case '-v':
              o.echoCommands = true;
              break;
            case '--verbose':
              o.verbose = true;
              break;
            case '--shellquote':
              o.shellQuote += 1;
              break;
            case '--silent':
              // GNU parallel's: no -v, wherever it is given.
              silent = true;
              break;
            case '--no-keep-order':
              // GNU parallel's: no -k, wherever it is given (one in ~/.parallel/config, say).
              noKeepOrder = true;
              break;
            case '--max-line-length-allowed':
              o.printMaxLength = true;
              break;
            case '--show-limits':
              o.showLimits = true;
              break;
            case '-t':
              o.showCommands = true;
              break;
            case '-p':
            case '--interactive':
              o.interactive = true;
              break;
            case '-0':
            case '--null':
              // `-d '\0'`, as in GNU parallel: the last of -0 and -d counts.
              o.nullSeparated = true;
              o.delimiter = undefined;
              break;
            case '-h':
            case '--help':
              o.help = true;
              break;
            case '--number-of-sockets':
              o.count = 'sockets';
              break;
            case '--number-of-cores':
            case '--number-of-cpus':
              o.count = 'cores';
              break;
            case '--number-of-threads':
              o.count = 'threads';
              break;
            case '--use-sockets-instead-of-threads':
              useSockets = true;
              break;
            case '--use-cores-instead-of-threads':
              useCores = true;
              break;
            case '--record-env':
              o.recordEnv = true;
              break;
            case '--use-cpus-instead-of-cores':
              // GNU parallel 20221122 reads it for remote hosts only: here the threads, as without it.
              break;
            case '--cleanup':
              o.cleanup = true;
              break;
            case '--plain':
              // Read before the rest (see parseShellArgs): the profiles and $PARALLEL are skipped.
              plainGiven = true;
              break;
            default:
              o.version = true;
          }
          continue;
        }
        if (isShebangFlag(name)) throw new SPMError(`Expected \`${name}\` as the first argument (a script's interpreter line: \`#!…spm-shell ${name} OPTIONS…\`), got it after \`${argv[i - 1] as string}\``);
        if (!VALUED.has(option)) {
          const retired = /^-[gTUWYHB]./.test(word) ? word.slice(0, 2) : name;
          if (retired in RETIRED) {
            const instead = RETIRED[retired];
            throw new SPMError(`Expected an option of spm-shell (see --help), got \`${word}\` (GNU parallel has retired \`${retired}\`${instead === undefined ? '' : `; use \`${instead}\``})`);
          }
          throw new SPMError(`Expected an option of spm-shell (see --help), got \`${word}\``);
        }
        const value = glued ?? (eq > 0 ? word.slice(eq + 1) : argv[++i]);
        // `-I`, `--er`…: a replacement string renamed.
        const renamed = RENAMED[option];
        if (renamed !== undefined) {
          renames.set(renamed, renameString(option, value));
          continue;
        }
        switch (option) {
          case '-J':
          case '--profile':
            // Read before the rest (see parseShellArgs); a profile's own -J names nothing more.
            if (value === undefined) throw new SPMError(`Expected \`${option}\` to be followed by a profile's name, got nothing`);
            profileNames.push(value);
            break;
          case '--env':
            // GNU parallel copies the variable to remote hosts; a local command has the whole environment already.
            if (value === undefined || value === '') throw new SPMError(`Expected \`--env\` to be followed by a variable's name (or \`_\`), got ${describe(value)}`);
            break;
          case '--id':
          case '--semaphore-name':
          case '--semaphorename':
            if (value === undefined || value === '') throw new SPMError(`Expected \`${option}\` to be followed by the semaphore's name, got ${describe(value)}`);
            o.semaphore = { ...(o.semaphore ?? { mode: 'bg', timeoutMs: undefined, command: '' }), name: value };
            break;
          case '--st':
          case '--semaphore-timeout':
          case '--semaphoretimeout':
            o.semaphore = { ...(o.semaphore ?? { mode: 'bg', name: undefined, command: '' }), timeoutMs: semaphoreTimeout(option, value) };
            break;
          case '-j':
          case '-P':
          case '--jobs':
          case '--max-procs':
            {
              const given = jobSlotsOrFile(option, value, cores);
              o.jobs = given.jobs;
              o.jobsFile = given.file;
            }
            jobsGiven = { option, value };
            break;
          case '--timeout':
            if (value !== undefined && PERCENT.test(value)) {
              o.timeoutShare = timeoutShare(option, value);
              o.timeoutMs = undefined;
            } else {
              // 0 (or 0s) is no timeout, as in GNU parallel (a script's `--timeout "$T"` with T=0).
              const ms = seconds(option, value, true, TIMEOUT_PERCENT);
              o.timeoutMs = ms === 0 ? undefined : ms;
              o.timeoutShare = undefined;
            }
            break;
          case '--delay':
            // 0 (or 0s) is no delay, as in GNU parallel.
            o.delayMs = seconds(option, value, true);
            break;
          case '--retries':
            o.tries = positiveInteger(option, value);
            break;
          case '--halt':
            o.halt = parseHalt(value ?? '');
            break;
          case '--minversion':
            // GNU parallel's versions are dates: 20221122.
            if (value === undefined || !/^\d+$/.test(value)) throw new SPMError(`Expected \`${option}\` to be followed by a GNU parallel version (a date, e.g. 20170422), got ${describe(value)}`);
            o.minVersion = Number(value);
            break;
          case '--shell-completion':
            if (value !== 'bash' && value !== 'zsh' && value !== 'auto') throw new SPMError(`Expected \`${option}\` to be followed by bash, zsh or auto ($SHELL's), got ${describe(value)}`);
            o.shellCompletion = value;
            break;
          case '--total-jobs':
          case '--totaljobs':
          case '--total':
            o.totalJobs = positiveInteger(option, value);
            break;
          case '--max-output':
            o.maxOutputBytes = size(option, value);
            break;
          case '--block-timeout':
          case '--blocktimeout':
          case '--bt':
            o.blockTimeoutMs = seconds(option, value);
            blockTimeoutGiven = option;
            break;
          case '--block':
          case '--block-size':
            // A negative one is --pipe-part's parts per job slot (checked once every option is read).
            if (value !== undefined && /^-\d+$/.test(value) && Number(value) < 0) {
              o.partsPerSlot = -Number(value);
              break;
            }
            // A --pipe-part part is not held in memory: any size (checked against 64M once every option is read).
            o.blockBytes = blockSize(option, value, Number.MAX_SAFE_INTEGER);
            blockText = { option, value };
            o.partsPerSlot = undefined;
            break;
          case '--recstart':
          case '--recend':
            if (value === undefined) throw new SPMError(`Expected \`${option}\` to be followed by the bytes that ${option === '--recstart' ? 'start' : 'end'} a record (\\n \\t \\r \\0 read; '' for none), got nothing`);
            o[option === '--recstart' ? 'recstart' : 'recend'] = recordSeparator(value);
            separatorTexts[option === '--recstart' ? 'recstart' : 'recend'] = value;
            break;
          case '--wd':
          case '--workdir': {
            const dir = directory(option, value);
            if (dir === '...') throw new SPMError(`Expected \`${option}\` to be a directory, got \`...\` (GNU parallel's temporary directory per job is not supported)`);
            o.workdir = dir;
            break;
          }
          case '--template':
          case '--tmpl':
            // Read once, in the pass that keeps the options: a FIFO's text is there only once.
            if (choice === undefined) o.templates.push(templateFile(option, value));
            break;
          case '--filter':
            if (value === undefined || value.trim() === '') throw new SPMError(`Expected \`--filter\` to be followed by Perl code that is true for the jobs to run (replacement strings allowed: --filter '{1} < {2}'), got ${describe(value)}`);
            o.filters.push({ written: value, text: value });
            break;
          case '--rpl':
            rpl.push(rplRule(value));
            break;
          case '--parens':
            parens = parensOf(value);
            break;
          case '--tagstring':
          case '--ctagstring':
          case '--ctag-string':
            if (value === undefined) throw new SPMError(`Expected \`${option}\` to be followed by the tag (replacement strings allowed: {} {1} {#} {%}…), got nothing`);
            // An empty one is none given (GNU parallel's: no tag, or --tag's own `{}`).
            o.tagString = value === '' ? undefined : value;
            if (value !== '') o.tag = true;
            if (option !== '--tagstring') o.color = true;
            break;
          case '--termseq':
            o.killSequence = termSequence(option, value);
            break;
          case '--process-slot-var':
          case '--processslotvar':
            if (value === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new SPMError(`Expected \`${option}\` to be the name of a shell variable (letters, digits, _; not a digit first), got ${describe(value)}`);
            o.slotVariable = value;
            break;
          case '--nice': {
            const n = value === undefined || !/^[-+]?\d+$/.test(value) ? NaN : Number(value);
            if (!(n >= -20 && n <= 19)) throw new SPMError(`Expected \`--nice\` to be an integer from -20 to 19 (a niceness; below 0 needs privilege), got ${describe(value)}`);
            o.nice = n;
            break;
          }
          case '-L':
            // `-L 0`: GNU parallel's -N 0 (a job per line, no argument inserted), no line continued.
            maxLinesGiven = { n: lineCount(option, value, '0 is as -N 0'), context: true };
            break;
          case '-N':
          case '--max-replace-args':
            replaceArgsGiven = value === '0' ? 0 : positiveInteger(option, value);
            break;
          case '-n':
          case '--max-args':
            joinedArgsGiven = value === '0' ? 0 : positiveInteger(option, value);
            break;
          case '-s':
          case '--max-chars':
            // At most maxCommandBytes(), checked once --process-slot-var's name is known.
            o.maxChars = positiveInteger(option, value);
            maxCharsGiven = { option, value: value as string };
            break;
          case '--load':
            o.maxLoad = maxLoad(value, cores);
            loadGiven = value;
            break;
          case '--memfree':
            o.memFreeBytes = memorySize(option, value);
            break;
          case '--memsuspend':
            o.memSuspendBytes = memorySize(option, value);
            break;
          case '--limit':
            o.limit = parseLimit(option, value, memorySize);
            break;
          case '--tmpdir':
          case '--tempdir':
            o.tmpdir = directory(option, value);
            break;
          case '-d':
          case '--delimiter':
            o.delimiter = delimiterBytes(option, value);
            o.nullSeparated = false;
            break;
          case '--trim':
            if (value !== 'l' && value !== 'r' && value !== 'lr' && value !== 'rl' && value !== 'n') throw new SPMError(`Expected \`--trim\` to be l, r, lr, rl or n (which ends of each argument lose their whitespace), got ${describe(value)}`);
            o.trim = value === 'rl' ? 'lr' : value;
            trimGiven = true;
            break;
          case '-E':
            if (value === undefined) throw new SPMError(`Expected \`${option}\` to be followed by the end-of-input string, got nothing`);
            // An empty one is none (GNU parallel's, and POSIX xargs').
            o.eof = value === '' ? undefined : value;
            break;
          case '--arg-sep':
          case '--arg-file-sep': {
            if (value === undefined || value === '' || value.startsWith('-')) throw new SPMError(`Expected \`${option}\` to be followed by a separator (not an option), got ${describe(value)}`);
            if (option === '--arg-sep') argSep = value;
            else argFileSep = value;
            if (argSep === argFileSep) throw new SPMError(`Expected \`--arg-sep\` and \`--arg-file-sep\` to differ, got \`${value}\` for both`);
            marks = groupMarks(argSep, argFileSep);
            break;
          }
          case '-C':
          case '--colsep':
            o.colsep = columnSeparator(value);
            colsepText = value;
            break;
          case '--shard':
          case '--bin':
          case '--group-by':
          case '--groupby':
            try {
              const column = keyColumn(option, value);
              if (option === '--group-by' || option === '--groupby') o.groupBy = column;
              else o.shard = { rule: option === '--shard' ? 'shard' : 'bin', column };
            } catch (error) {
              throw new SPMError((error as Error).message);
            }
            break;
          case '--header':
            // GNU parallel takes a regexp (or a number of lines) matching the header; `:` is its
            // `.*\n`, the first line, and so is `1`: the two spm-shell knows.
            if (value !== ':' && value !== '1') throw new SPMError(`Expected \`--header\` to be \`:\` (the first line of each source names its columns; \`1\` says the same), got ${describe(value)}`);
            o.header = true;
            break;
          case '--transport':
            if (value !== 'inproc' && value !== 'thread' && value !== 'process') throw new SPMError(`Expected \`--transport\` to be \`inproc\`, \`thread\` or \`process\`, got ${describe(value)}`);
            o.transport = value;
            break;
          default: {
            if (value === undefined || value === '') throw new SPMError(`Expected \`${option}\` to be followed by a file name, got nothing`);
            if (option === '--joblog') {
              // `+F`: append to F, as GNU parallel reads it (a file named `+F` is `./+F`).
              o.joblogAppend = value.startsWith('+');
              o.joblog = o.joblogAppend ? value.slice(1) : value;
              if (o.joblogAppend && (o.joblog === '' || o.joblog === '-')) throw new SPMError(`Expected \`--joblog +F\` to name a file to append to after the \`+\`, got ${describe(value)}${o.joblog === '-' ? ' (for stdout, say `--joblog -`)' : ''}`);
            }
            else if (option === '--results' || option === '--res') {
              o.results = value;
            }
            else if (option === '--trace') {
              // `--joblog -` is stdout; a trace there would be mixed with the commands' output.
              if (value === '-') throw new SPMError('Expected `--trace` to be followed by a file name, got `-` (the trace cannot go to stdout; for a file named -, say ./-)');
              o.trace = value;
            }
            else files.push({ kind: 'file', path: value });
          }
        }
      }
    } catch (error) {
      // A word that is not UTF-8 read as an option (or its value) is said first: its U+FFFD may be what failed.
      const bad = [...(segment.notUtf8 ?? [])].find(([k]) => k <= at + 1)?.[1];
      if (bad !== undefined && error instanceof SPMError) throw notUtf8Error(bad, 'an option or its value');
      if (segment.origin === undefined || !(error instanceof SPMError)) throw error;
      throw new SPMError(`${error.message} (${segment.origin(at)})`, { cause: error });
    }
    // (Bundles split before `i` only: the words left are the segment's last ones.)
    const restStart = segment.words.length - (argv.length - i);
    for (const [k, bad] of segment.notUtf8 ?? []) {
      if (k < restStart) throw notUtf8Error(bad, 'an option or its value');
      restNotUtf8.set(rest.length + (k - restStart), bad);
    }
    rest.push(...argv.slice(i));
  }
  if (choice !== undefined) {
    choice.names.push(...profileNames);
    choice.plain = plainGiven;
    return undefined;
  }
  // --use-sockets-instead-of-threads (which wins, as in GNU parallel), --use-cores-instead-of-threads:
  // -j's and --load's +N, -N and N% count those instead, and the default -j is as many.
  if (useSockets || useCores) {
    const topology = cpuTopology();
    o.jobsBase = useSockets ? topology.sockets : topology.cores;
    const given = jobsGiven === undefined ? { jobs: o.jobsBase, file: undefined } : jobSlotsOrFile(jobsGiven.option, jobsGiven.value, o.jobsBase);
    o.jobs = given.jobs;
    o.jobsFile = given.file;
    if (loadGiven !== undefined) o.maxLoad = maxLoad(loadGiven, o.jobsBase);
  }
  // -p's prompt stands for -t's line (GNU parallel's).
  if (o.interactive) o.showCommands = false;
  const argv = rest;
  let i = 0;
  const words: string[] = [];
  for (; i < argv.length && !marks.has(argv[i] as string); i++) {
    const bad = restNotUtf8.get(i);
    if (bad !== undefined) throw notUtf8Error(bad, 'in the command');
    words.push(argv[i] as string);
  }
  // `-a` files come first, then the groups as given (GNU parallel's order). An empty `:::` group
  // (`::: $(cat empty-list)`) makes no combination: nothing to run, exit 0, as GNU parallel does.
  const sources = [...files];
  for (let groups = 0; i < argv.length; groups++) {
    const mark = argv[i] as string;
    const group: string[] = [];
    /** The group's words (by index in it) that are not UTF-8. */
    const groupNotUtf8 = new Map<number, NotUtf8Argument>();
    for (i += 1; i < argv.length && !marks.has(argv[i] as string); i++) {
      const bad = restNotUtf8.get(i);
      if (bad !== undefined) groupNotUtf8.set(group.length, bad);
      group.push(argv[i] as string);
    }
    // `:::+` and `::::+` link to the `:::`/`::::` source before them; the first has none (GNU
    // parallel then combines it, as it does a link to an `-a` file).
    const linked = mark.endsWith('+') && groups > 0 ? { linked: true } : {};
    if (mark === argSep || mark === `${argSep}+`) {
      // As an input line that is not UTF-8: its jobs are not run, the others are.
      const refused = groupNotUtf8.size === 0 ? {} : { refused: new Map([...groupNotUtf8].map(([k, bad]) => [k, notUtf8Reason(bad)])) };
      sources.push({ kind: 'args', values: group, ...refused, ...linked });
    } else {
      const bad = groupNotUtf8.values().next().value;
      if (bad !== undefined) throw notUtf8Error(bad, `a file name after ${mark}`);
      if (group.length === 0) throw new SPMError(`Expected \`${mark}\` to be followed by file names (\`-\` for stdin), got nothing`);
      for (const path of group) sources.push({ kind: 'file', path, ...linked });
    }
  }
  if (o.semaphore !== undefined) {
    const how = `\`--${o.semaphore.mode === 'bg' ? 'semaphore' : o.semaphore.mode}\``;
    if (sources.length > 0) throw new SPMError(`Expected no input with ${how} (it runs the one command given, as GNU parallel's sem; :::, :::: and -a give a run of commands), got ${sources[0]?.kind === 'args' ? `\`${argSep}\`` : `the file \`${(sources[0] as { path: string }).path}\``}`);
    if (o.semaphore.mode === 'wait' && words.length > 0) throw new SPMError(`Expected no command with \`--wait\` (it waits until the semaphore's commands are all over), got \`${words.join(' ')}\``);
    if (o.semaphore.mode !== 'wait' && words.length === 0) throw new SPMError(`Expected a command with ${how} (run once one of the semaphore's places is free), got none`);
    const other = o.pipe ? (o.pipePart ? '--pipe-part' : '--pipe') : o.retryFailed ? '--retry-failed' : o.resume !== 'off' ? '--resume' : o.interactive ? '-p' : undefined;
    if (other !== undefined) throw new SPMError(`Expected no \`${other}\` with ${how} (it runs one command, on no input), got both`);
    // The command, its words joined as they are (run as a line of shell, as GNU parallel's sem runs it).
    o.semaphore.command = words.join(' ');
    // GNU parallel's sem: one place (a mutex) unless -j says otherwise; no progress bar.
    if (!jobsGiven) o.jobs = 1;
    if (o.progress === 'auto') o.progress = 'off';
  }
  if (o.retryFailed) {
    if (o.joblog === undefined || o.joblog === '-') throw new SPMError(`Expected \`--retry-failed\` with \`--joblog F\`, the job log whose failed jobs to run again (a file), got ${o.joblog === '-' ? '`--joblog -`' : 'no --joblog'}`);
    if (words.length > 0 || sources.length > 0) throw new SPMError('Expected no command and no input with `--retry-failed` (it runs again the commands the job log has as failed), got ' + (words.length > 0 ? `the command \`${words.join(' ')}\`` : 'input sources'));
    const other = o.resume !== 'off' ? (o.resume === 'done' ? '--resume' : '--resume-failed') : o.pipe ? '--pipe' : o.multiArgs !== undefined ? (o.multiArgs === 'xargs' ? '--xargs' : `-${o.multiArgs}`) : o.shuf ? '--shuf' : undefined;
    if (other !== undefined) throw new SPMError(`Expected one of \`--retry-failed\` and \`${other}\`, got both`);
  }
  if (o.resume !== 'off' && (o.joblog === undefined || o.joblog === '-')) {
    const option = o.resume === 'done' ? '--resume' : '--resume-failed';
    throw new SPMError(`Expected \`${option}\` with \`--joblog F\`, the job log of the run to resume (a file), got ${o.joblog === '-' ? '`--joblog -`' : 'no --joblog'}`);
  }
  if (replaceArgsGiven !== undefined || joinedArgsGiven !== undefined) {
    o.maxArgs = replaceArgsGiven ?? joinedArgsGiven;
    o.argsJoined = replaceArgsGiven === undefined;
  }
  if (maxLinesGiven !== undefined) {
    const { n, context } = maxLinesGiven;
    const flag = context ? '-L' : '-l';
    o.maxLines = n > 0 ? n : undefined;
    if ((o.pipe || o.pipePart) && n > 0) {
      // --pipe: records of n lines, cut at newlines; nothing else may say where a record ends (GNU parallel refuses --pipe-part).
      const other = o.pipePart ? '--pipe-part' : o.tee ? '--tee' : csv ? '--csv' : regexp ? '--regexp' : o.recstart !== undefined ? '--recstart' : o.recend !== undefined ? '--recend' : o.removeRecSep ? '--rrs' : o.shard !== undefined ? `--${o.shard.rule}` : o.groupBy !== undefined ? '--group-by' : o.nullSeparated ? '-0' : undefined;
      if (other !== undefined) throw new SPMError(`Expected no \`${flag} ${n}\` with \`${other}\` (with --pipe, ${flag} ${n} cuts the input into records of ${n} line${n === 1 ? '' : 's'}, at newlines${other === '--tee' ? '; --tee cuts nothing' : other === '--pipe-part' ? ': found only by reading a file through, which --pipe-part does not' : ''}), got both`);
    } else if (!o.pipe) {
      // As -N n (-L: context replace) or -n n (-l); a -N/-n given sets the count, -L still context-replaces (GNU parallel's).
      if (context) o.argsJoined = false;
      else if (o.maxArgs === undefined) o.argsJoined = true;
      o.maxArgs ??= n;
    }
  }
  // GNU parallel trims both ends of each column when --colsep is given, unless --trim says otherwise.
  if (colsepText !== undefined && !trimGiven) o.trim = 'lr';
  if (csv) {
    // With --pipe, blocks are cut at CSV records' ends only (csv-columns.ts); nothing else says where.
    const pipeOther = [regexp ? '--regexp' : undefined, o.recstart !== undefined ? '--recstart' : undefined, o.recend !== undefined ? '--recend' : undefined, o.removeRecSep ? '--rrs' : undefined, o.shard !== undefined ? (o.shard.rule === 'shard' ? '--shard' : '--bin') : undefined, o.groupBy !== undefined ? '--group-by' : undefined].find((name) => name !== undefined);
    if (o.pipe && !o.pipePart && pipeOther !== undefined) throw new SPMError(`Expected no \`${pipeOther}\` with \`--pipe --csv\` (the blocks are cut where CSV records end), got both`);
    const other = o.pipePart ? '--pipe-part' : o.multiArgs === 'xargs' ? '--xargs' : o.multiArgs !== undefined ? `-${o.multiArgs}` : undefined;
    if (other !== undefined) throw new SPMError(`Expected no \`--csv\` with \`${other}\` (--csv ${o.pipePart ? 'cuts blocks where CSV records end, found only by reading from the start' : 'splits each argument into columns'}; ${other} ${o.pipePart ? 'cuts files without reading them through' : 'takes whole input lines'})`);
    // A tab may be given as `\t`, as --colsep's regular expression would have it.
    o.csv = new CsvColumns(colsepText === '\\t' ? '\t' : (colsepText ?? ','));
  }
  // --shard, --bin: a column name is looked up in the header, which the first line then is; the
  // lines are split at commas when no --colsep is given (GNU parallel's sharder splits at `,`).
  const sharding = o.shard === undefined ? undefined : o.shard.rule === 'shard' ? '--shard' : '--bin';
  if (o.shard !== undefined) {
    if (typeof o.shard.column === 'string') o.header = true;
    o.colsep ??= /,/;
  }
  // --group-by: the same, but at tabs by default (GNU parallel's, set below with --header's).
  if (typeof o.groupBy === 'string') o.header = true;
  // GNU parallel splits the header, and then the values, at tabs when no --colsep is given.
  if (o.header && o.colsep === undefined) o.colsep = /\t/;
  if (o.shuf && o.resume !== 'off') {
    // A job log's Seq numbers the jobs in the order they ran: another shuffle numbers them anew.
    throw new SPMError(`Expected no \`--shuf\` with \`${o.resume === 'done' ? '--resume' : '--resume-failed'}\` (the job log's Seq numbers a shuffled run's jobs in the order they ran, which the next run would not repeat)`);
  }
  if (o.cat && !o.pipe) throw new SPMError('Expected `--cat` with `--pipe` (it puts each block of the input in a file for its command), got it alone');
  const separators = [o.recstart !== undefined ? '--recstart' : undefined, o.recend !== undefined ? '--recend' : undefined, o.removeRecSep ? '--remove-rec-sep' : undefined, regexp ? '--regexp' : undefined].filter((name) => name !== undefined);
  if (blockText !== undefined && !o.pipePart) blockSize(blockText.option, blockText.value);
  if (o.partsPerSlot !== undefined && !o.pipePart) throw new SPMError(`Expected \`--block\` to be a size from 1 byte to 64M (K, M, G: powers of 1024; k, m, g: of 1000 — as GNU parallel's), got \`-${String(o.partsPerSlot)}\` (a negative one, parts per job slot, is for --pipe-part)`);
  if (separators.length > 0 && !o.pipe) throw new SPMError(`Expected \`${separators[0] as string}\` with \`--pipe\` (it says where the input's records are cut into blocks), got it alone`);
  if (o.pipe && (o.recstart !== undefined || o.recend !== undefined) && (o.recstart?.length ?? 0) === 0 && (o.recend?.length ?? 0) === 0) {
    throw new SPMError(`Expected \`--recstart\` or \`--recend\` to be some ${regexp ? 'regular expression' : 'bytes'} (a block is cut where a record ends and the next starts), got both empty`);
  }
  if (regexp && (separatorTexts.recstart !== undefined || separatorTexts.recend !== undefined)) {
    const { recstart, recend } = separatorTexts;
    o.recordPattern = new RecordPattern(recend === undefined ? '' : recordPattern('--recend', recend), recstart === undefined ? '' : recordPattern('--recstart', recstart));
  }
  if (o.cat && o.quote) throw new SPMError('Expected one of `--cat` and `-q`, got both (--cat names its file as the shell variable $PARALLEL_TMP, which -q would quote)');
  // --tee, --round-robin, --fifo: a command's stdin fed while it runs (fifo-feed.ts).
  const ways = [o.tee ? '--tee' : undefined, o.roundRobin ? '--round-robin' : undefined, sharding, o.fifo ? '--fifo' : undefined, o.cat ? '--cat' : undefined].filter((name) => name !== undefined);
  if (ways.length > 1) throw new SPMError(`Expected one of \`${ways[0] as string}\` and \`${ways[1] as string}\`, got both (each says how the input reaches the commands)`);
  const streamed = ways[0] === '--cat' ? undefined : ways[0];
  if (streamed !== undefined && !o.pipe) {
    const what = o.tee ? 'it gives all of stdin to every job' : o.roundRobin ? 'it deals the blocks of stdin to a few jobs' : sharding !== undefined ? 'it gives each line of stdin to one of -j jobs by its key' : 'it gives each block of stdin to its command through a FIFO';
    throw new SPMError(`Expected \`${streamed}\` with \`--pipe\` (${what}), got it alone`);
  }
  if (o.fifo && o.quote) throw new SPMError('Expected one of `--fifo` and `-q`, got both (--fifo names its FIFO as the shell variable $PARALLEL_TMP, which -q would quote)');
  if ((o.tee || o.roundRobin || sharding !== undefined) && o.tries > 1) {
    throw new SPMError(`Expected no \`--retries\` with \`${o.tee ? '--tee' : o.roundRobin ? '--round-robin' : (sharding as string)}\` (a job's stdin is fed as it runs, from the input as it comes: a run again could not be given it)`);
  }
  // -j FILE: these run exactly -j jobs, all of them from the start: a number read again later could not change it.
  const fixedJobs = o.tee ? '--tee' : o.roundRobin ? '--round-robin' : sharding;
  if (o.jobsFile !== undefined && fixedJobs !== undefined) {
    throw new SPMError(`Expected \`-j\` to be a number with \`${fixedJobs}\` (its jobs all start at once and run as long as the input lasts), got the file \`${o.jobsFile}\` (read again while the run goes on)`);
  }
  if (o.groupBy !== undefined) {
    if (!o.pipe) throw new SPMError('Expected `--group-by` with `--pipe` (it cuts the blocks of stdin between runs of lines with the same value in a column), got it alone');
    const other = o.tee ? '--tee' : sharding;
    if (other !== undefined) throw new SPMError(`Expected one of \`--group-by\` and \`${other}\`, got both (${other} does not cut the input into blocks)`);
    if (separators[0] !== undefined) throw new SPMError(`Expected no \`${separators[0]}\` with \`--group-by\` (it says where records start: where the column's value changes)`);
    o.colsep ??= /\t/;
  }
  if (o.pipe && sharding !== undefined) {
    if (o.jobs === 0) throw new SPMError(`Expected \`-j\` to be a number of jobs with \`${sharding}\` (it runs exactly that many, each taking the lines whose keys are its own), got 0`);
    const cut = o.maxArgs !== undefined ? '-N' : separators[0];
    if (cut !== undefined) throw new SPMError(`Expected no \`${cut}\` with \`${sharding}\` (the input goes to the jobs a line at a time, not in blocks)`);
  }
  if (blockTimeoutGiven !== undefined) {
    if (!o.pipe) throw new SPMError(`Expected \`${blockTimeoutGiven}\` with \`--pipe\` (a block read for longer is passed on with the complete records read so far), got it alone`);
    const [other, why] = o.pipePart
      ? ['--pipe-part', 'it cuts files, which it does not wait for']
      : o.tee
        ? ['--tee', 'every job gets all of stdin as it comes, not in blocks']
        : sharding !== undefined
          ? [sharding, 'the input goes to the jobs a line at a time, as it comes']
          : o.maxArgs !== undefined
            ? ['-N', 'a block is exactly N records: one passed on early would hold fewer']
            : [undefined, ''];
    if (other !== undefined) throw new SPMError(`Expected no \`${other}\` with \`${blockTimeoutGiven}\` (${why}), got both`);
  }
  // Refused as the doc says (it ran, each job given stdin while the job log counted the file).
  if (o.pipePart && o.tee) throw new SPMError('Expected no `--tee` with `--pipe-part` (it cuts the files by size at record ends, each part a job\'s stdin; --tee gives every job all of stdin), got it');
  if (o.pipe && o.tee) {
    if (words.length === 0) throw new SPMError('Expected a command with `--tee` (every one of its jobs gets all of stdin), got none');
    if (sources.length === 0) throw new SPMError('Expected arguments with `--tee` (`::: a b`, `:::: F`, `-a F`: a job each, every one given all of stdin), got none');
    if (sources.some((source) => source.kind === 'file' && source.path === '-')) throw new SPMError('Expected the arguments of `--tee` from `:::` or files, got stdin (`-`): stdin is the input every job gets');
    const uncut = o.maxArgs !== undefined ? '-N' : o.header ? '--header' : separators[0];
    if (uncut !== undefined) throw new SPMError(`Expected no \`${uncut}\` with \`--tee\` (every job gets all of stdin, not cut into blocks${uncut === '-N' ? ', and one argument each' : ''})`);
    // All the jobs run at once (each reads the input as it comes): a slot each, by default.
    if (!jobsGiven) o.jobs = 0;
  } else if (o.pipePart) {
    if (words.length === 0) throw new SPMError('Expected a command with `--pipe-part` (each part of the file is its stdin), got none');
    if (sources.length === 0 || sources.some((source) => source.kind === 'args' || source.path === '-')) {
      throw new SPMError('Expected `--pipe-part` to read files (`-a F`, `:::: F`: seekable, cut without being read through), got stdin or `:::` arguments');
    }
    const other = o.maxArgs !== undefined ? '-N' : o.removeRecSep ? '--remove-rec-sep' : o.groupBy !== undefined ? '--group-by' : ways[0];
    if (other !== undefined) throw new SPMError(`Expected no \`${other}\` with \`--pipe-part\` (it cuts the files by size at record ends, each part a job's stdin), got it`);
    if (o.link || o.shuf || (o.colsep !== undefined && !o.header)) throw new SPMError(`Expected no \`${o.link ? '--link' : o.shuf ? '--shuf' : '--colsep'}\` with \`--pipe-part\` (parts have no arguments)`);
    if (o.halt.percent !== undefined) throw new SPMError(`Expected no percentage in \`--halt\` with \`--pipe-part\`, got \`${formatHalt(o.halt)}\``);
    if (o.delimiter !== undefined || o.eof !== undefined) throw new SPMError(`Expected no \`${o.delimiter !== undefined ? '-d' : '-E'}\` with \`--pipe-part\` (parts end at newlines, at NULs with -0, or at --recend/--recstart)`);
    // GNU parallel's default: 10 parts per job slot.
    const blockGiven = blockText !== undefined || o.partsPerSlot !== undefined;
    if (!blockGiven) o.partsPerSlot = 10;
    if (o.partsPerSlot !== undefined && o.jobs === 0) throw new SPMError(`Expected \`-j\` to be a number of job slots with \`--pipe-part\`${blockGiven ? ` and \`--block -${String(o.partsPerSlot)}\`` : ' (10 parts per slot, unless --block gives a size)'}, got 0`);
  } else if (o.pipe) {
    if (words.length === 0) throw new SPMError('Expected a command with `--pipe` (each block of the input is its stdin), got none');
    if (sources.some((source) => source.kind === 'args') || sources.length > 1) {
      throw new SPMError('Expected `--pipe` to read stdin or one file (`-a F`, `:::: F`), got `:::` arguments or several sources');
    }
    if (o.link || o.shuf || (o.colsep !== undefined && !o.header && sharding === undefined && o.groupBy === undefined)) throw new SPMError(`Expected no \`${o.link ? '--link' : o.shuf ? '--shuf' : '--colsep'}\` with \`--pipe\` (blocks have no arguments)`);
    if (o.halt.percent !== undefined && o.totalJobs === undefined) throw new SPMError(`Expected no percentage in \`--halt\` with \`--pipe\` (it needs the number of jobs first, and the blocks are counted as they are cut; \`--total-jobs N\` gives it), got \`${formatHalt(o.halt)}\``);
    if (o.delimiter !== undefined || o.eof !== undefined) throw new SPMError(`Expected no \`${o.delimiter !== undefined ? '-d' : '-E'}\` with \`--pipe\` (blocks are cut at newlines, or at NULs with -0)`);
  }
  if (o.multiArgs !== undefined) {
    const flag = o.multiArgs === 'xargs' ? '--xargs' : `-${o.multiArgs}`;
    if (o.pipe) throw new SPMError(`Expected one of \`${flag}\` and \`--pipe\`, got both (${flag} puts input lines in commands; --pipe gives them to a command's stdin)`);
    if (o.header || o.colsep !== undefined) throw new SPMError(`Expected no \`${o.header ? '--header' : '--colsep'}\` with \`${flag}\` (its commands take whole input lines as arguments)`);
    if (o.maxArgs === 0) throw new SPMError(`Expected \`-n\`/\`-N\` to be at least 1 with \`${flag}\` (the most arguments in a command), got 0`);
  } else if (maxCharsGiven !== undefined) {
    throw new SPMError('Expected `-s` (`--max-chars`) with -X, -m or --xargs, which size their commands by it; got it alone');
  }
  const maxChars = maxCommandBytes(o.slotVariable);
  if (maxCharsGiven !== undefined && o.maxChars > maxChars) {
    throw new SPMError(`Expected \`${maxCharsGiven.option}\` to be at most ${maxChars} (the longest command Linux passes to the shell: one argument of /bin/sh -c, less the job variables put before it${o.slotVariable !== undefined ? ', --process-slot-var’s name included' : ''}), got ${describe(maxCharsGiven.value)}`);
  }
  if (maxCharsGiven === undefined) o.maxChars = maxChars;
  if (silent) {
    o.verbose = false;
    o.echoCommands = false;
  }
  if (noKeepOrder) o.keepOrder = false;
  if (ttyGiven !== undefined) {
    const stdinTaken = o.pipePart ? '--pipe-part' : o.tee ? '--tee' : o.roundRobin ? '--round-robin' : o.shard !== undefined ? `--${o.shard.rule}` : o.pipe ? '--pipe' : undefined;
    if (stdinTaken !== undefined) throw new SPMError(`Expected no \`${ttyGiven}\` with \`${stdinTaken}\` (each job's stdin is its input, not the terminal), got both`);
    if (o.transport === 'process') throw new SPMError(`Expected \`--transport inproc\` or \`thread\` with \`${ttyGiven}\` (process spokes run in sessions of their own, where commands have no terminal), got \`process\``);
    // --tty: one at a time, the output the command's own (-u) — unless said otherwise.
    if (ttyDefaults && !jobsGiven) o.jobs = 1;
    if (ttyDefaults && !grouped && !o.lineBuffer && !o.json && o.results === undefined && !o.files) o.ungroup = true;
  }
  if (o.files) {
    const other = o.results !== undefined ? '--results' : o.json ? '--json' : o.lineBuffer ? '--line-buffer' : o.ungroup ? '--ungroup' : o.dryRun ? '--dry-run' : undefined;
    if (other !== undefined) throw new SPMError(`Expected one of \`--files\` and \`${other}\`, got both (--files writes each command’s whole stdout to a file of its own and prints the file’s name)`);
  }
  if (o.ungroup && (o.json || o.results !== undefined)) {
    throw new SPMError(`Expected one of \`--ungroup\` and \`${o.json ? '--json' : '--results'}\`, got both (-u prints output as it comes; ${o.json ? 'a JSON line holds' : '--results writes'} a command’s whole output)`);
  }
  if (o.json && o.results !== undefined && /\.(csv|tsv|json)$/i.test(o.results)) {
    throw new SPMError(`Expected one of \`--json\` and \`--results ${o.results}\`, got both (the table holds each command’s whole output, and nothing else is printed)`);
  }
  if (grouped && (o.lineBuffer || o.ungroup)) {
    throw new SPMError(`Expected one of \`--group\` and \`${o.lineBuffer ? '--line-buffer' : '--ungroup'}\`, got both (--group prints each command’s output whole at its end)`);
  }
  if (o.ungroup && o.lineBuffer) {
    throw new SPMError('Expected one of `--ungroup` and `--line-buffer`, got both (-u prints output in whatever pieces it comes; --line-buffer prints whole lines)');
  }
  if (o.lineBuffer && o.results !== undefined) {
    throw new SPMError('Expected one of `--line-buffer` and `--results`, got both (--results writes each command’s whole output to its files; --line-buffer prints it as it comes)');
  }
  if (o.latestLine) {
    // Checked before --tty's -u: a terminal's commands write to it themselves, which the rows would be drawn over.
    const other = ttyGiven ?? (o.interactive ? '--interactive' : o.ungroup ? '--ungroup' : o.files ? '--files' : o.results !== undefined ? '--results' : o.json ? '--json' : grouped ? '--group' : undefined);
    if (other !== undefined) throw new SPMError(`Expected one of \`--latest-line\` and \`${other}\`, got both (--latest-line shows each command’s latest line of output as it comes${other === ttyGiven || other === '--interactive' ? ', on the terminal the commands would share' : ''})`);
  }
  if (o.lineBuffer && o.json) {
    throw new SPMError('Expected one of `--line-buffer` and `--json`, got both (a JSON line holds a command’s whole output; --line-buffer prints it as it comes)');
  }
  if (sources.filter((source) => source.kind === 'file' && source.path === '-').length > 1) {
    throw new SPMError('Expected stdin (`-`) as one input source at most, got it twice');
  }
  // The trace is written over the file at the end: it would replace the job log. (`-` is stdout
  // for the job log only.)
  if (o.joblog !== undefined && o.joblog !== '-' && o.trace !== undefined && sameFile(o.joblog, o.trace)) {
    throw new SPMError(`Expected \`--joblog\` and \`--trace\` to name different files, got \`${o.joblog}\` and \`${o.trace}\` (the same file)`);
  }
  if (o.quote && words.some((word) => word.includes(WORD_BREAK))) throw new SPMError('Expected the command to hold no U+0002 character with `-q`, got one');
  // `-q`: the words are kept apart (WORD_BREAK), each quoted whole once filled (see fillTemplate);
  // one ends each, so that a command of one word (`-q 'echo {}'`) is quoted too.
  let template = words.length > 0 ? (o.quote ? `${words.join(WORD_BREAK)}${WORD_BREAK}` : words.join(' ')) : undefined;
  // The Perl strings of texts filled by the spoke that runs the job (see `slot()` below).
  const slotFilled = new Set<PerlExpression>();
  {
    // --plus: its strings marked in every template, their regular expressions checked now.
    const plussed = (text: string | undefined, option: string): string | undefined => (text === undefined || !o.plus ? text : withPlusStrings(text, option));
    // `{= =}` and `--rpl`'s strings first (GNU parallel's order: an expression may hold `{}`),
    // their expressions numbered across the templates. A template must not hold what looks like
    // a marked string, Perl's or --plus' (it would be taken for one): withPerlStrings refuses it.
    const natives = [...renames.values()];
    // `spokeFills`: a text the spoke that runs the job fills `{%}` in (where `slot()` may be).
    const perlish = (text: string | undefined, option: string, spokeFills = false): string | undefined => {
      if (text === undefined) return undefined;
      const first = o.perlExpressions.length;
      const marked = withPerlStrings(text, { parens, rpl }, o.perlExpressions, option, natives);
      if (spokeFills) for (const expression of o.perlExpressions.slice(first)) slotFilled.add(expression);
      return marked;
    };
    template = perlish(template, 'the command', true);
    o.tagString = perlish(o.tagString, '`--tagstring`', true);
    o.workdir = perlish(o.workdir, '`--wd`');
    o.results = perlish(o.results, '`--results`');
    for (const t of o.templates) [t.name, t.content] = [perlish(t.name, `\`--template\`'s name \`${t.name}\``) as string, perlish(t.content, `\`--template\` file \`${t.file}\``, true) as string];
    for (const f of o.filters) f.text = perlish(f.text, `\`--filter ${f.written}\``) as string;
    template = plussed(template, 'the command');
    o.tagString = plussed(o.tagString, '`--tagstring`');
    o.workdir = plussed(o.workdir, '`--wd`');
    o.results = plussed(o.results, '`--results`');
    for (const t of o.templates) [t.name, t.content] = [plussed(t.name, `\`--template\`'s name \`${t.name}\``) as string, plussed(t.content, `\`--template\` file \`${t.file}\``) as string];
    for (const f of o.filters) f.text = plussed(f.text, `\`--filter ${f.written}\``) as string;
  }
  if (o.cleanup && o.templates.length === 0) throw new SPMError('Expected `--cleanup` with `--template` (it removes the files --template writes; there are no remote hosts to clean up), got it alone');
  // `--total-jobs` gives the number {##} and {0#} stand for: --pipe's blocks need not be counted.
  if ((o.pipe || o.retryFailed) && o.totalJobs === undefined && [template, o.tagString, o.workdir, o.results, ...o.templates.flatMap((t) => [t.name, t.content]), ...o.filters.map((f) => f.text)].some(needsJobCount)) {
    throw new SPMError(`Expected no \`{##}\` or \`{0#}\` with \`${o.pipe ? '--pipe' : '--retry-failed'}\` (they need the number of jobs before the first starts; \`--total-jobs N\` gives it), got one`);
  }
  // slot(): evaluated for each job slot, the spoke choosing (perl-eval.ts); so there must be a
  // fixed number of slots, and the value must go where the spoke fills `{%}`.
  const slotted = o.perlExpressions.find(namesSlot);
  if (slotted !== undefined) {
    if (!slotFilled.has(slotted)) throw new SPMError(`Expected \`slot()\` only in the command, \`--tagstring\` or a \`--template\` file's text (where the spoke that runs the job fills its slot), got it in \`${slotted.written}\` (in ${slotted.where}): the job slot is not known when that is filled`);
    if (o.jobsFile !== undefined || o.jobs === 0) throw new SPMError(`Expected a number of job slots with \`slot()\` (in \`${slotted.written}\`, evaluated for each slot a job may run in), got \`-j ${o.jobsFile ?? '0'}\`${jobsGiven === undefined ? " (--tee's default: a slot per job; give -j N)" : ''}`);
  }
  const counting = perlCodeNaming(o.perlExpressions, o.filters, 'total_jobs');
  if ((o.pipe || o.retryFailed) && o.totalJobs === undefined && counting !== undefined) {
    throw new SPMError(`Expected no \`total_jobs()\` with \`${o.pipe ? '--pipe' : '--retry-failed'}\` (it needs the number of jobs before the first starts; \`--total-jobs N\` gives it), got it in \`${counting.written}\` (in ${counting.where})`);
  }
  if (renames.size === 0) return withSlotlessFilters({ ...o, sources, template });
  // `-I R` and the like: R is the replacement string, in the command and in the other templates;
  // what it renames (`{}` for -I) is then plain text. Applied in GNU parallel's order.
  const order = RENAME_ORDER.flatMap((builtin) => (renames.has(builtin) ? [[builtin, renames.get(builtin) as string] as const] : []));
  const replaced = (text: string | undefined, option: string): string | undefined => {
    if (text?.includes(REPLACE_MARK) === true) throw new SPMError(`Expected ${option} to hold no U+0001 character with \`${[...renames.keys()].map((builtin) => RENAMING[builtin]).join('`, `')}\`, got one`);
    return text === undefined ? undefined : withRenamedStrings(text, order);
  };
  return withSlotlessFilters({
    ...o,
    sources,
    template: replaced(template, 'the command'),
    tagString: replaced(o.tagString, '`--tagstring`'),
    workdir: replaced(o.workdir, '`--wd`'),
    results: replaced(o.results, '`--results`'),
    templates: o.templates.map((t) => ({ file: t.file, name: replaced(t.name, `\`--template\`'s name \`${t.name}\``) as string, content: replaced(t.content, `\`--template\` file \`${t.file}\``) as string })),
    filters: o.filters.map((f) => ({ written: f.written, text: replaced(f.text, `\`--filter ${f.written}\``) as string })),
  });
}

/** `options`, unless a `--filter` holds the job slot: it is evaluated when its job is made, before the job has a slot. */
function withSlotlessFilters<T extends { readonly filters: readonly { readonly written: string; readonly text: string }[] }>(options: T): T {
  const slotted = options.filters.find((f) => holdsSlot(fillPath(f.text, [], 1)));
  if (slotted !== undefined) throw new SPMError(`Expected \`--filter ${slotted.written}\` to hold no job slot string ({%}, {0%}: a filter is evaluated when its job is made, before it has a slot), got one`);
  return options;
}

/**
 * `--template FILE=NAME`: FILE read (UTF-8 text: NUL and the marks U+0001 to U+0003 are refused,
 * as in a command) and NAME, split at the first `=`, as GNU parallel splits it.
 */
function templateFile(option: string, value: string | undefined): { file: string; name: string; content: string } {
  const at = value?.indexOf('=') ?? -1;
  if (value === undefined || at <= 0 || at === value.length - 1) throw new SPMError(`Expected \`${option}\` to be followed by FILE=NAME (the template's file, and the name of the file each job gets, replacement strings filled), got ${describe(value)}`);
  const [file, name] = [value.slice(0, at), value.slice(at + 1)];
  if (name.includes('\0')) throw new SPMError(`Expected \`${option}\`'s name to hold no NUL, got one in ${describe(value)}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new SPMError(`Expected \`${option}\`'s file \`${file}\` to be readable, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SPMError(`Expected \`${option}\`'s file \`${file}\` to be UTF-8 text, got bytes that are not`);
  }
  // eslint-disable-next-line no-control-regex -- NUL and the templates' marks, on purpose
  const mark = /[\0\u0001-\u0003]/.exec(content);
  if (mark !== null) throw new SPMError(`Expected \`${option}\`'s file \`${file}\` to hold no NUL, U+0001, U+0002 or U+0003 (the marks of filled templates), got U+000${mark[0].charCodeAt(0)} at character ${mark.index + 1}`);
  return { file, name, content };
}

/**
 * True when the two paths name one file: the same path, or — when the files exist — the same
 * inode (a symbolic or hard link, `a/../b`). A file that does not exist yet is compared through
 * its directory's real path.
 */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const real = (path: string, links = 0): string => {
    try {
      return realpathSync(path);
    } catch {
      // Not there (yet): a dangling link is followed to where it points, as a write would.
      try {
        if (links < 40) return real(resolve(dirname(resolve(path)), readlinkSync(path)), links + 1);
      } catch {
        // not a link
      }
      try {
        return join(realpathSync(dirname(resolve(path))), basename(path));
      } catch {
        return resolve(path);
      }
    }
  };
  try {
    const [sa, sb] = [statSync(a), statSync(b)];
    if (sa.dev === sb.dev && sa.ino === sb.ino) return true;
  } catch {
    // one of them does not exist yet
  }
  return real(a) === real(b);
}
