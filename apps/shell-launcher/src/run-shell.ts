import { isUtf8 } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { definePolicy, formatMetaStatus, type MessageSource, type StatusReport, ChromeTrace, waitForFifoReaders } from '@spm/closure-core';
import { coprocessLauncher, DEFAULT_KILL_GRACE_MS, killSequenceGraceMs } from '@spm/coprocess';
import { SPMError, SPMTaskDropped, SPMTaskTimeout, type TaskId } from '@spm/exceptions';
import { local, VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { ALL_AT_ONCE_INPROC, ALL_AT_ONCE_ISOLATED, type ShellOptions } from './cli-options.js';
import { openTerminal, TerminalQuestions } from './tty-question.js';
import { inputFileStream, isPipe, PipeWriter } from './fifo-paths.js';
import { reapDeadRunDirs, runDirPrefix } from './run-dirs.js';
import { fillPath, hasReplacement, holdsSlot, nameColumns, slotOf, slotWidthOf, withoutSlot, withSlot } from './command-template.js';
import { formatHalt, haltReached, haltThreshold } from './halt-rule.js';
import { jobExitStatus, type Job, type JobOutcome } from './job-outcome.js';
import { continuedLines, continuedValues, inputLines, withoutFirst, type InputLine, type InputLines } from './input-lines.js';
import { CsvBoundaries, CsvFormatError, csvRecords } from './csv-columns.js';
import { headerColumns, jobsFromArgs, jobsFromLines, recordCount, recordsPerJob, withEmptySourcesBlank, withHeader, type Grouping } from './job-source.js';
import { FifoDir, teeInto, type FifoFeed } from './fifo-feed.js';
import { binOf, columnNamed, columnOf, lineText, routeLines, shardOf, splitHeader } from './shard-router.js';
import { groupMark, markGroups } from './group-by.js';
import { blockCommand, blocksOf, jobsFromBlocks, separators, withoutFirstLine } from './pipe-blocks.js';
import { BlockTimer } from './block-timeout.js';
import { codeNaming, perlCodeNaming, PerlEvaluator, type PerlJob } from './perl-eval.js';
import { commandShell, describeShell, type CommandShell } from './command-shell.js';
import { needsJobCount, plusFilterOf, withJobCount } from './plus-strings.js';
import { LimitCheck, limitText, type LimitRule, type LimitVerdict } from './limit-check.js';
import { newOutputFile, writeResults, writeStream } from './results.js';
import { ResultsTable, tableFormat, tableOnStdout } from './results-table.js';
import { failedInJoblog, Joblog, jobsInJoblog, standardStreamOf } from './joblog.js';
import { loadNow } from './machine-load.js';
import { freeMemoryNow, MEMINFO_VARIABLE } from './machine-memory.js';
import { SwapWatch, swapCountsNow, VMSTAT_VARIABLE } from './machine-swap.js';
import { colourMarks, OutputPrinter, tagLines } from './output-printer.js';
import { formatDryRunJsonLine } from './json-line.js';
import { ProgressBar } from './progress-bar.js';
import { LatestLine, LatestLineScreen } from './latest-line.js';
import { Remedian } from './remedian.js';
import { RoundRobin } from './round-robin.js';
import { filePartsOf, openPart, type FilePart } from './pipe-part.js';
import { LineRecords, patternBlocksOf } from './record-pattern.js';
import { DEFAULT_SHELL, resumeCommandsInThisThread, shellCommand, stopCommandsInThisThread, windDownInThisThread, type ShellCommand, type ShellNews, type ShellResult, type ShellRoomAnswer, type ShellRoomQuestion, type ShellTask, type ShellWatchAnswer, type ShellWatchQuestion } from './shell-closure.js';
import { TaskFeed } from './task-feed.js';
import { describeSlots, JobsFileWatch } from './jobs-file.js';

/** The streams and signals `runShell` works with (the process's own, in the bin). */
export interface ShellIO {
  /** Input lines when no source (`:::`, `::::`, `-a`) is given, or a source named `-`. */
  readonly stdin: NodeJS.ReadableStream;
  /** Outputs (or `--json` lines). */
  readonly stdout: { write(text: string | Uint8Array): unknown; readonly isTTY?: boolean; readonly columns?: number; readonly rows?: number };
  /** Notices, MetaStatus lines and the progress bar. */
  readonly stderr: { write(text: string | Uint8Array): unknown; readonly isTTY?: boolean; readonly columns?: number };
  /**
   * Aborting it stops everything at once, like `--halt now`: running commands are killed, the
   * joblog keeps what finished. Its reason names the cause: `'SIGINT'`, `'SIGTERM'`, `'SIGPIPE'`
   * (said on stderr; 128 + the signal's number), or an `SPMError`, a failure the caller
   * has reported itself (the bin's stdout cannot be written; 255).
   */
  readonly interrupt?: AbortSignal;
  /**
   * Aborting it starts no more jobs, as GNU parallel's SIGHUP: the running ones finish (with
   * those a spoke already holds behind them), and the run ends as usual — its exit status counts
   * the failed jobs; the jobs never started are neither failed nor logged. Its reason
   * (`'SIGHUP'`) is said on stderr.
   */
  readonly windDown?: AbortSignal;
  /**
   * Called by `main` once the options are read, before anything is opened or started: where a
   * bin installs its SIGINT and SIGTERM listeners. Until then those signals keep their default
   * action (the process ends), so a file the options name whose read blocks — a `--template`
   * FIFO no one writes — cannot leave the process deaf to them: a thread asleep in a read runs no
   * listener.
   */
  readonly onOptionsRead?: () => void;
}

/** Text, or a job's output bytes (as the command wrote them: maybe not UTF-8), as text. */
function textOf(text: string | Uint8Array): string {
  return typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
}

/**
 * `--pipe -r`: each block with its blank lines (whitespace only: space, tab, CR, FF, VT) taken
 * out, as GNU parallel does (it used to be ignored); a block left empty runs no job.
 */
export async function* withoutBlankLines(blocks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const block of blocks) {
    // Bytes as latin1 text: a byte per character. (?<![^\n]) is "at a line's start" as Perl's ^ with /m (after \n only).
    const kept = block.toString('latin1').replace(/(?<![^\n])[ \t\n\r\f\v]*\n/g, '');
    if (kept.length > 0) yield kept.length === block.length ? block : Buffer.from(kept, 'latin1');
  }
}

/** Resolves when `signal` aborts (at once if it has); never without one. */
function abortOf(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Whether text (or bytes) ends a line. */
function endsLine(text: string | Uint8Array): boolean {
  return typeof text === 'string' ? text.endsWith('\n') : text[text.length - 1] === 0x0a;
}

/**
 * How much output (bytes) may wait in memory for a reader slower than the commands before no job
 * starts until it has drained (at least `--max-output`, so that a job's whole output fits).
 */
const OUTPUT_QUEUE_BOUND = 16 * 1024 * 1024;

/**
 * While `stream` holds written text it could not pass on yet (its reader is slower): a promise
 * that resolves once it has drained (or closed, or failed); else undefined.
 */
function backlogOf(stream: ShellIO['stdout']): Promise<void> | undefined {
  const s = stream as { writableNeedDrain?: boolean; destroyed?: boolean; once?: unknown; off?: unknown };
  if (s.writableNeedDrain !== true || s.destroyed === true || typeof s.once !== 'function' || typeof s.off !== 'function') return undefined;
  const emitter = stream as unknown as NodeJS.EventEmitter;
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['drain', 'close', 'error']) emitter.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error']) emitter.once(event, done);
  });
}

/**
 * Resolves once what was written to `stream` has gone on, or failed — its backlog drained, then
 * one turn of the event loop, in which a failed write's 'error' (EPIPE: the reader went away) is
 * heard: a write to a pipe or file is synchronous, its failure reported on the next tick.
 */
async function written(stream: ShellIO['stdout']): Promise<void> {
  await backlogOf(stream);
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A system error's message as a person reads it: `no such file or directory`, not Node's
 * `ENOENT: no such file or directory, open 'x'` (the file is named by the caller). Other errors
 * as they are.
 */
function systemMessage(error: Error): string {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof syscall !== 'string') return error.message;
  return error.message.replace(new RegExp(`^${code}: `), '').replace(new RegExp(`, ${syscall}( '.*')?$`, 's'), '');
}

/** Exit statuses of an interrupted run: 128 + the signal's number, as a shell reports it. */
const INTERRUPT_STATUS: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGPIPE: 141, SIGHUP: 129 };

/**
 * A backstop past `--timeout` (the command's own timer plus its kill grace): if a spoke is wedged
 * and never reports, the task manager kills the spoke itself.
 */
const BACKSTOP_MS = 10_000;

/** `--memfree`: how long a reading of the free memory serves the running commands' questions (ms). */
const FREE_MEMORY_FRESH_MS = 50;
/** `--memsuspend`: with memory back, a stopped command goes on at most this often (GNU parallel's loop: about every second). */
const MEMSUSPEND_RESUME_MS = 1000;
/** `--limit`: while commands run, it is asked again once this long (ms) has passed since the last asking. */
const LIMIT_POLL_MS = 1_000;

/**
 * Holding and batches pay for short commands only, and a command held behind one that turns out
 * long would wait for it while another job slot may be free (the spoke gives such commands back
 * after GIVE_BACK_MS: see shell-closure.ts). So only while commands are short — once
 * PIPELINE_AFTER commands in a row each ran under PIPELINE_BELOW_MS; the first longer one (or a
 * failure) turns it off again — each spoke holds next commands, which its fork server starts the
 * moment the one before exits: as single-command tasks, up to PIPELINE_HELD beyond the running
 * one; as batches — tasks of up to BATCH_MAX consecutive jobs, as many as the recent commands'
 * mean duration fits in BATCH_BUDGET_MS — one batch beyond the running one. Never with `--halt`:
 * a held command could start after the halt. Measured on 1,000 `true` at -j2: holding 2 single
 * commands was 20–30 % more commands/s than none; batches of 8 (1 held) ~10 % more again, ~10 %
 * at 10,000 (see docs/apps/spm-shell.md#how-it-works).
 */
const PIPELINE_BELOW_MS = 10;
const PIPELINE_AFTER = 8;
const PIPELINE_HELD = 2;
const BATCH_MAX = 8;
const BATCH_BUDGET_MS = 20;
/**
 * Jobs a spoke may have in all (running and held), at most: its backstop counts them. The task
 * feed's window aims at one held batch per spoke, but the policy lets a spoke hold PIPELINE_HELD
 * tasks (a spoke that ties for the most room while others hold small batches).
 */
const HELD_JOBS_MAX = (1 + PIPELINE_HELD) * BATCH_MAX;

/** Retries on spoke loss as policyA; a spoke may hold PIPELINE_HELD tasks beyond its running one (the task feed's window decides). */
const SHELL_POLICY = definePolicy({ name: 'spm-shell', prefetch: PIPELINE_HELD });

/**
 * What a command may add to its task's report, at most, besides its outputs: its fields, and its
 * command line twice (in the record and, with `{%}` filled, in the result) — counted as 3 bytes a
 * UTF-16 unit.
 */
const RESULT_OVERHEAD_BYTES = 4096;
const commandBytes = (command: string): number => 2 * 3 * command.length + RESULT_OVERHEAD_BYTES;

/**
 * With a job in hand, how long the read-ahead waits for the next line before the run starts
 * anyway (a pipe's lines come in chunks: this only skips waiting on a producer that is slow).
 */
const READ_AHEAD_MS = 20;

/**
 * An interrupt stops the running commands first and waits this long at most for their tasks to
 * report: on inproc spokes by killing them from this thread (see onInterruptNow), on thread and
 * process spokes through the invocation's `abortGrace` (their spokes cancel the evaluations); a
 * `--halt now` goes the second way on every transport. Past it, whatever has not concluded is
 * aborted as usual. The kill's own grace (`--termseq`'s waits, 2 s by default) comes on top.
 */
const STOP_SLACK_MS = 3_000;

/** From a command's first kill signal to its SIGKILL: the sum of `--termseq`'s waits, else the default grace. */
function killGraceOf(options: ShellOptions): number {
  return options.killSequence === undefined ? DEFAULT_KILL_GRACE_MS : killSequenceGraceMs(options.killSequence);
}

/** The notice of a job whose input cannot be a command (`job.refused`), said in a run and in `--dry-run` alike. */
function notRunNotice(job: Job, command: string): string {
  return `spm-shell: job ${job.seq} not run: ${job.refused ?? ''}: ${shortened(command)}\n`;
}

/** Past this many characters a command is cut short in a notice (a 50 MB line is not echoed whole). */
const NOTICE_COMMAND_CHARS = 1_000;

/** `command` for a notice on stderr: whole, or its first {@link NOTICE_COMMAND_CHARS} and how much is left out. */
function shortened(command: string): string {
  if (command.length <= NOTICE_COMMAND_CHARS) return command;
  // Not between the halves of a surrogate pair.
  const cut = /[\uD800-\uDBFF]/.test(command.charAt(NOTICE_COMMAND_CHARS - 1)) ? NOTICE_COMMAND_CHARS - 1 : NOTICE_COMMAND_CHARS;
  return `${command.slice(0, cut)}… (${Buffer.byteLength(command.slice(cut))} more bytes)`;
}

/** How long to let spokes relaunched by an abort finish starting before the cloud is closed. */
const SETTLE_SPOKES_MS = 3_000;

async function settleSpokes(cloud: VirtualCloud, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && cloud.spokes().some((spoke) => spoke.state === 'starting')) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * A failed outcome with no exit status of its own: the task manager's verdict (a lost spoke, the
 * backstop's kill) or a job never run (its input line cannot be a command).
 */
function withoutExit(base: Pick<JobOutcome, 'job' | 'runs' | 'command' | 'host' | 'spoke'>, timedOut: boolean, error: string): JobOutcome {
  return { ...base, ok: false, exitCode: null, signal: null, timedOut, startMs: Date.now(), durationMs: 0, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, error };
}

/** The outcome of a job whose input line cannot be a command: failed, without running. */
function refusedOutcome(job: Job, refused: string): JobOutcome {
  return withoutExit({ job, runs: 0, command: withSlot(job.command, '{%}'), host: undefined, spoke: undefined }, false, refused);
}

/** What concluding a job needs of its task's report (a task's final one, or its early news: {@link ShellNews}). */
type JobReport = Pick<StatusReport, 'attempt' | 'spokeId' | 'host' | 'error'>;

/**
 * A tag as shown for a job run by spoke `spokeId`: a `--tagstring`'s `{%}` its slot (`{%}` itself
 * when no spoke ran it), its `{0%}` padded to `width` digits.
 */
function tagOn(tag: string, spokeId: string | undefined, width: number): string {
  return holdsSlot(tag) ? withSlot(tag, spokeId === undefined ? '{%}' : slotOf(spokeId), width) : tag;
}

/**
 * A job's outcome from its command's result `r` in `report` (the report of the job's task), or
 * from the task manager's verdict when the task failed; `width`: the digits of `{0%}`.
 */
function outcomeOf(given: Job, r: ShellResult | undefined, report: JobReport, runs: number, width: number): JobOutcome {
  const command = r?.command ?? withSlot(given.command, '{%}');
  // A `--tagstring` with `{%}`: the slot of the spoke that ran it.
  const job = holdsSlot(given.tag) ? { ...given, tag: tagOn(given.tag, report.spokeId, width) } : given;
  if (r !== undefined && r.error === undefined) {
    const ok = r.exitCode === 0 && r.signal === null && !r.timedOut;
    // Spelled out, not spread from a base: a spread into a literal this wide cost ~10 µs a job.
    return {
      job,
      runs,
      command,
      host: report.host,
      spoke: report.spokeId,
      ok,
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      limitMs: r.limitMs,
      lowMemory: r.lowMemory,
      startMs: r.startMs,
      durationMs: r.durationMs,
      stdout: r.stdout,
      stderr: r.stderr,
      stdoutFile: r.stdoutFile,
      stderrFile: r.stderrFile,
      stdoutBytes: r.stdoutBytes,
      stderrBytes: r.stderrBytes,
      truncated: r.truncated,
      error: undefined,
    };
  }
  const base = { job, runs, command, host: report.host, spoke: report.spokeId };
  if (r?.error !== undefined) return withoutExit(base, false, r.error);
  // The task manager's own verdict: the spoke was lost, or the backstop killed it.
  return withoutExit(base, report.error instanceof SPMTaskTimeout, report.error?.message ?? 'unknown error');
}

/**
 * Runs `spm-shell`: reads the jobs, starts one process spoke per `-j` (fewer if there are fewer
 * jobs), runs every command through the task manager, prints outputs whole, writes the joblog,
 * trace and progress, applies `--retries` and `--halt`, and closes the cloud whatever happens.
 * Resolves with the exit status (GNU parallel's rules, see `USAGE`).
 */
export async function runShell(given: ShellOptions, io: ShellIO): Promise<number> {
  // The shell the commands run in: $PARALLEL_SHELL, the one spm-shell was started from, $SHELL, /bin/sh.
  let shell: CommandShell;
  try {
    shell = commandShell();
  } catch (error) {
    if (!(error instanceof SPMError)) throw error;
    io.stderr.write(`spm-shell: ${error.message}\n`);
    return 255;
  }
  // --tee, --round-robin, --fifo: the FIFOs the commands' stdin comes through, whatever the run's end.
  // `{= =}`, `--rpl`: the run's Perl, its expressions compiled before anything is read or run.
  let perl: PerlEvaluator | undefined;
  if (given.perlExpressions.length > 0 || given.filters.length > 0) {
    try {
      perl = PerlEvaluator.start(given.perlExpressions, given.jobs);
    } catch (error) {
      io.stderr.write(`spm-shell: ${(error as Error).message}\n`);
      return 255;
    }
  }
  const fifos = new FifoDir(given.tmpdir ?? tmpdir());
  try {
    // (Said when it is not plain /bin/sh, or when a non-Bourne shell that started spm-shell was passed over.)
    if (given.verbose && (shell.path !== DEFAULT_SHELL || shell.detail !== undefined)) io.stderr.write(`#: spm-shell: ${describeShell(shell)}\n`);
    return await runShellWith(given, io, fifos, perl, shell.path);
  } finally {
    fifos.close();
    perl?.close();
  }
}

/** Why `/dev/tty` (the controlling terminal) cannot be opened, or undefined when it can. */
function noTerminal(): string | undefined {
  const opened = openTerminal();
  if (typeof opened === 'string') return opened;
  closeSync(opened);
  return undefined;
}

/**
 * `options` with `--plus`' {##} and {0#} written in as `jobs` in every template — and, when
 * `command`, in the command's (else its jobs are made with the count written in as they are).
 */
function withJobCountIn(options: ShellOptions, jobs: number, command: boolean): ShellOptions {
  const fill = (text: string | undefined): string | undefined => (text === undefined ? undefined : withJobCount(text, jobs));
  return {
    ...options,
    ...(command ? { template: options.template === undefined ? undefined : withJobCount(options.template, jobs, true) } : {}),
    tagString: fill(options.tagString),
    workdir: fill(options.workdir),
    results: fill(options.results),
    templates: options.templates.map((t) => ({ ...t, name: withJobCount(t.name, jobs), content: withJobCount(t.content, jobs) })),
    filters: options.filters.map((f) => ({ ...f, text: withJobCount(f.text, jobs) })),
  };
}

async function runShellWith(given: ShellOptions, io: ShellIO, fifos: FifoDir, perl: PerlEvaluator | undefined, shell: string): Promise<number> {
  // `--plus`' {##} and {0#} are written in once the jobs are counted (below) — or now, the
  // number `--total-jobs` gives.
  let options = given.totalJobs === undefined ? given : withJobCountIn(given, given.totalJobs, true);
  // How long an interrupt waits for the stopped commands' reports (see STOP_SLACK_MS).
  const stopGraceMs = killGraceOf(given) + STOP_SLACK_MS;
  const templateTexts = options.templates.flatMap((t) => [t.name, t.content]);
  // `total_jobs()` in a Perl string needs the jobs counted too.
  const filterTexts = options.filters.map((f) => f.text);
  const countJobs =
    [options.template, options.tagString, options.workdir, options.results, ...templateTexts, ...filterTexts].some(needsJobCount) ||
    (perl !== undefined && perlCodeNaming(options.perlExpressions, options.filters, 'total_jobs') !== undefined);
  if (perl !== undefined && options.totalJobs !== undefined) perl.total = options.totalJobs;
  /** The run's Perl strings' values for a job (see job-source.ts' Grouping), and its `--filter`s' verdict. */
  const perlOf = perl === undefined ? undefined : (seq: number, args: readonly string[]): PerlJob => filtered(perl, seq, args, perl.valuesOf(seq, args));
  /** The number of jobs a `--halt` percentage is of: `--total-jobs`', else the jobs counted (below). */
  const haltTotal = (): number => options.totalJobs ?? sourcesTotal ?? 0;
  // `--plus`' {choose_k}, {uniq}: whether a job of these arguments is passed over (see below).
  // A Perl string's `skip()` passes a job over as they do.
  const plusFilter = options.plus ? plusFilterOf([options.template, options.tagString, options.workdir, options.results, ...templateTexts]) : undefined;
  // (Only when one could: the jobs are made once more to count those passed over, and evaluated again.)
  const passOver = plusFilter !== undefined || options.filters.length > 0 || (perl !== undefined && codeNaming(options.perlExpressions, 'skip') !== undefined);
  const passedOver = (job: Job): boolean => job.refused === undefined && (job.skipped === true || (plusFilter !== undefined && job.args !== undefined && plusFilter(job.args)));
  // A launcher setting that fails every command (SPM_COPROCESS_LAUNCHER=bogus) is said once, before anything runs.
  const launcher = coprocessLauncher();
  if (launcher.error !== undefined) {
    io.stderr.write(`spm-shell: ${launcher.error}\n`);
    return 255;
  }
  // --tty, -o: with no terminal to give (no controlling terminal: cron, CI, a daemon), the
  // commands run as without it — said once (GNU parallel says nothing) — rather than each failing.
  if (options.openTty && !options.dryRun) {
    const missing = noTerminal();
    if (missing !== undefined) {
      io.stderr.write(`spm-shell: there is no terminal to give the commands (--tty, -o): ${missing}; their stdin is /dev/null, as GNU parallel's\n`);
      options = { ...options, openTty: false };
    }
  }
  // -p: the terminal the answers are read from, opened before anything runs.
  let asker: TerminalQuestions | undefined;
  if (options.interactive && !options.dryRun) {
    const opened = TerminalQuestions.open();
    if (typeof opened === 'string') {
      io.stderr.write(`spm-shell: -p (--interactive) asks on the terminal before each command, but ${opened}\n`);
      return 255;
    }
    asker = opened;
  }
  if (options.maxLoad !== undefined && loadNow() === undefined) {
    io.stderr.write('spm-shell: --load needs the machine\'s load, read from /proc/stat (Linux), which cannot be read here\n');
    return 255;
  }
  if (options.noSwap && swapCountsNow() === undefined) {
    io.stderr.write(`spm-shell: --noswap needs the machine's swap counters (pswpin, pswpout), read from ${process.env[VMSTAT_VARIABLE] ?? '/proc/vmstat'} (Linux), which cannot be read here\n`);
    return 255;
  }
  if ((options.memFreeBytes !== undefined || options.memSuspendBytes !== undefined) && freeMemoryNow() === undefined) {
    io.stderr.write(`spm-shell: ${options.memFreeBytes !== undefined ? '--memfree' : '--memsuspend'} needs the machine's free memory, read from ${process.env[MEMINFO_VARIABLE] ?? '/proc/meminfo'} (Linux), which cannot be read here\n`);
    return 255;
  }
  // `--tmpdir`, asked for by name, must hold the run's directory for outputs past --max-output:
  // said before anything is read or run (the system's own may fail quietly: output is then cut).
  if (options.tmpdir !== undefined) {
    try {
      rmdirSync(mkdtempSync(join(options.tmpdir, 'spm-shell-')));
    } catch (error) {
      io.stderr.write(`spm-shell: cannot use --tmpdir \`${options.tmpdir}\` for outputs past --max-output: ${(error as Error).message}\n`);
      return 255;
    }
  }
  let bar: ProgressBar | undefined;
  // The terminal's last line holds output without its newline: the bar is not drawn over it.
  let lineOpen = false;
  // --latest-line on a terminal: the jobs' rows, redrawn in place; what else goes to the terminal goes below them.
  const screen =
    options.latestLine && io.stdout.isTTY === true
      ? new LatestLineScreen(
          {
            write: (text) => io.stdout.write(text),
            get columns() {
              return io.stdout.columns;
            },
            get rows() {
              return io.stdout.rows;
            },
          },
          { keepOrder: options.keepOrder, color: options.color, colorFailed: options.colorFailed, beforeWrite: () => bar?.hide() },
        )
      : undefined;
  // --latest-line elsewhere: each job's latest line so far, its last printed when it ends.
  const latestLines = options.latestLine && screen === undefined ? new Map<number, LatestLine>() : undefined;
  /** The `--latest-line` row's tag of a job tagged `tag`: it and a tab with `--tag`, else none. */
  const rowTag = (tag: string): string => (options.tag ? `${tag}\t` : '');
  const err = (text: string | Uint8Array): void => {
    bar?.hide();
    if (screen !== undefined && io.stderr.isTTY === true) screen.foreign(textOf(text), (t) => io.stderr.write(t));
    else io.stderr.write(text);
    if (text.length > 0) lineOpen = screen === undefined && !endsLine(text);
  };
  let interrupted: string | undefined;
  const interrupt = io.interrupt;
  const callerFailed = (): boolean => interrupt?.reason instanceof SPMError;
  const interruptStatus = (): number => (callerFailed() ? 255 : (INTERRUPT_STATUS[interrupted ?? ''] ?? 130));
  const onInterrupt = (): void => {
    interrupted ??= String(interrupt?.reason ?? 'SIGINT');
  };
  if (interrupt?.aborted) onInterrupt();
  interrupt?.addEventListener('abort', onInterrupt, { once: true });
  // SIGHUP (windDown) before a job has started: no more input is read, and nothing runs — the
  // waits before the start end on it as on an interrupt (stopSignal; stopReading for those that
  // race a promise), and say it.
  const stopSignals = [interrupt, io.windDown].filter((signal): signal is AbortSignal => signal !== undefined);
  const stopSignal = stopSignals.length > 0 ? AbortSignal.any(stopSignals) : undefined;
  const stopReading = abortOf(stopSignal);
  /** Once an interrupt or a SIGHUP came before the start: the run's exit status (a SIGHUP said); else undefined. */
  const stoppedBeforeStart = (): number | undefined => {
    if (interrupted !== undefined) return interruptStatus();
    if (io.windDown?.aborted !== true) return undefined;
    io.stderr.write(`spm-shell: ${String(io.windDown.reason ?? 'SIGHUP')}: starting no more jobs; waiting for 0 running\n`);
    return 0;
  };

  // ─── Input ───────────────────────────────────────────────────────────────────────────────
  const separator = options.delimiter ?? (options.nullSeparated ? 'nul' : 'newline');
  // --csv: the arguments are CSV records (lines joined while a quoted field holds line ends), split into their fields.
  const columns = options.csv ?? options.colsep;
  /**
   * A source's values as read: `--skip-first-line` drops the first one of the `first` source;
   * with `-L`/`-l` one ending in whitespace goes on in the next (`-E` checked before); `--csv`
   * joins a record's lines.
   */
  const valuesOf = (lines: InputLines, first: boolean): InputLines => {
    const kept = first && options.skipFirstLine ? withoutFirst(lines) : lines;
    const continued = options.maxLines !== undefined ? continuedLines(kept, options.eof, options.header) : kept;
    return options.csv === undefined ? continued : csvRecords(continued);
  };
  /** `--pipe`'s input (and --shard's, --bin's): with `--skip-first-line`, from its second line. */
  const pipedInput = (stream: NodeJS.ReadableStream): AsyncIterable<Buffer> => (options.skipFirstLine ? withoutFirstLine(stream as AsyncIterable<Buffer>) : (stream as AsyncIterable<Buffer>));
  // `-d`'s delimiter as text, for `:::` words (none when its bytes are not UTF-8: no word holds them).
  const wordDelimiter = options.delimiter !== undefined && isUtf8(options.delimiter) ? options.delimiter.toString('utf8') : undefined;
  const streamOf = (path: string): NodeJS.ReadableStream => (path === '-' ? io.stdin : inputFileStream(path));
  // One source is read as it comes — but for --shuf, which needs every job before the first.
  // --shuf and a --halt percentage need every job before the first starts: the input is read whole
  // (not for a percentage of `--total-jobs`' number).
  // --tee: the arguments (never stdin, which is the input every job gets) are read whole: every job runs at once.
  const single = options.tee || ((options.shuf || (options.halt.percent !== undefined && options.totalJobs === undefined) || countJobs) && !options.pipe) ? undefined : options.sources.length === 0 ? '-' : options.sources.length === 1 && options.sources[0]?.kind === 'file' ? options.sources[0].path : undefined;
  const sources: ShellOptions['sources'] = options.sources.length === 0 ? [{ kind: 'file', path: '-' }] : options.sources;
  /** The source being read, for a message if it cannot be. */
  let reading = single;
  /** What reads the input now: closing it stops the reading (an interrupt, an error). */
  let rl: { close(): void } | undefined;
  let input: AsyncIterator<Job> | Iterator<Job>;
  /** How many jobs there are, when every source is read before the run starts. */
  let sourcesTotal: number | undefined;
  /** The outcome concluded last (`--semaphore`'s one command: its exit status is the run's). */
  let lastOutcome: JobOutcome | undefined;
  /** `--header`: the columns' names (for `--results`' directories), once read. */
  let headerNames: readonly string[] | undefined;
  /**
   * `text` (a --tagstring, a --wd, a --results name, a --template's name and text) with
   * --header's column names read as the positions they name (`{name}` → `{1}`), once they are
   * known; made once per text. (Outside the command and templates they were left as text:
   * `--wd 'd{x}'` made `d{x}`.)
   */
  const namedTexts = new Map<string, { names: readonly string[]; text: string }>();
  const named = (text: string): string => {
    if (headerNames === undefined) return text;
    const known = namedTexts.get(text);
    if (known?.names === headerNames) return known.text;
    const renamed = nameColumns(text, headerNames);
    namedTexts.set(text, { names: headerNames, text: renamed });
    return renamed;
  };
  /** `--filter`'s texts with `--header`'s `{name}`s as columns' positions, for the filters and names they were made of. */
  let filtersNamed: { filters: ShellOptions['filters']; names: readonly string[] | undefined; texts: readonly string[] } | undefined;
  /**
   * `values` (job `seq`'s Perl strings' values, of `args`) with the `--filter`s' verdict: passed
   * over when one is false, refused when one dies (its message names it). The filters are filled
   * as paths are (the arguments as they are, `{= =}` with `values`), then evaluated by Perl.
   */
  function filtered(evaluator: PerlEvaluator, seq: number, args: readonly string[], values: PerlJob): PerlJob {
    const filters = options.filters;
    if (filters.length === 0 || values.failed !== undefined || values.skipped) return values;
    if (filtersNamed?.filters !== filters || filtersNamed.names !== headerNames) {
      const names = headerNames;
      filtersNamed = { filters, names, texts: filters.map((f) => (names === undefined ? f.text : nameColumns(f.text, names))) };
    }
    const verdict = evaluator.passes(seq, filtersNamed.texts.map((text) => fillPath(text, args, seq, values)), filters.map((f) => f.written));
    if (verdict.failed !== undefined) return { ...values, failed: verdict.failed };
    return verdict.pass ? values : { ...values, skipped: true };
  }
  /** --tee, --round-robin, --fifo: each job's stdin feed (its FIFO), by seq, until the job is over. */
  const stdinFeeds = new Map<number, FifoFeed>();
  // --pipe-part: each job's part of a file, its command's stdin (copied by the spoke's fork server).
  const fileParts = new Map<number, FilePart>();
  /** --round-robin: what deals the blocks to the jobs. */
  let roundRobin: RoundRobin | undefined;
  /** --tee, --shard, --bin: what went wrong reading the input, if it did (the jobs' stdin then ends there). */
  let feedFailed: Error | undefined;
  const cannotRead = (error: unknown): number => {
    rl?.close();
    // --csv: a header that is not CSV was read, and is said as it is.
    const what = error instanceof CsvFormatError ? '' : `cannot read the input${reading !== undefined && reading !== '-' ? ` \`${reading}\`` : ''}: `;
    io.stderr.write(`spm-shell: ${what}${systemMessage(error as Error)}\n`);
    return 255;
  };
  /**
   * --tee, --shard, --bin: `stream` becomes what the run reads (closing it at the run's end, or an
   * interrupt's, stops the reading: what is not read then is not wanted). Returns what takes the
   * feeding of the jobs from it, in the background: a failure to read (not a close) is said, the
   * jobs' input ends there, and the exit status is 255.
   */
  const readInBackground = (stream: NodeJS.ReadableStream): ((feeding: Promise<void>, what: string) => void) => {
    let closed = false;
    rl = {
      close: () => {
        closed = true;
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      },
    };
    return (feeding, what) => {
      feeding.catch((error: unknown) => {
        if (closed) return;
        feedFailed = error as Error;
        io.stderr.write(`spm-shell: cannot read ${what}: ${(error as Error).message}; the jobs' input ends there\n`);
      });
    };
  };
  /** --pipe's records (and --shard's, --bin's, --group-by's lines) end with this byte. */
  const lineEnd = options.nullSeparated ? 0 : 0x0a;
  /**
   * --shard, --bin, --group-by: with `--header`, the input's header line, read before anything
   * runs, and the rest; and the key column's number (`column`'s, named or not). Or the exit
   * status: the header could not be read, an interrupt came first (a slow stdin), or it has no
   * column of that name (said, naming the option as `flag`).
   */
  const keyedInput = async (input: AsyncIterable<Buffer>, column: number | string, flag: string): Promise<{ header: Buffer | undefined; rest: AsyncIterable<Buffer>; key: number } | number> => {
    const key = typeof column === 'number' ? column : 1;
    if (!options.header) return { header: undefined, rest: input, key };
    let split: Awaited<ReturnType<typeof splitHeader>> | undefined;
    try {
      split = await Promise.race([splitHeader(input, lineEnd), stopReading.then(() => undefined)]);
    } catch (error) {
      return cannotRead(error);
    }
    if (split === undefined) {
      rl?.close();
      return stoppedBeforeStart() ?? interruptStatus();
    }
    if (typeof column === 'number' || split.header === undefined) return { ...split, key };
    try {
      return { ...split, key: columnNamed(flag, column, lineText(split.header, lineEnd), options.colsep as RegExp) };
    } catch (error) {
      rl?.close();
      io.stderr.write(`spm-shell: ${(error as Error).message}\n`);
      return 255;
    }
  };
  // `-j 0`: a slot per job, as many as may run at once on these spokes.
  const allAtOnce = options.transport === 'inproc' ? ALL_AT_ONCE_INPROC : ALL_AT_ONCE_ISOLATED;
  // How input records become a job's arguments: -N/-n, and -X/-m/--xargs (which spread them
  // across the job slots: with -j 0, as many as may run at once).
  const grouping: Grouping = {
    ...(options.maxArgs !== undefined ? { maxArgs: options.maxArgs } : {}),
    // -N and -L context-replace; beside -m or --xargs, -N still does (GNU parallel's; it did not here), -L not.
    context: options.multiArgs === 'X' || (options.maxArgs !== undefined && !options.argsJoined && (options.multiArgs === undefined || options.maxLines === undefined)),
    ...(options.multiArgs !== undefined ? { pack: { maxChars: options.maxChars, ...(options.multiArgs === 'xargs' ? {} : { slots: options.jobs === 0 ? allAtOnce : options.jobs }) } } : {}),
    maxCommandBytes: options.maxChars,
    ...(options.tee ? { appendless: true } : {}),
    skipBlank: options.skipBlank,
    trim: options.trim,
    ...(options.eof !== undefined ? { eof: options.eof } : {}),
    ...(perlOf !== undefined ? { perl: perlOf } : {}),
  };
  /** `--retry-failed`: the jobs of the log below its last failed one that are not run again (see printer.skip). */
  const notRunAgain: number[] = [];
  if (options.retryFailed) {
    // --retry-failed: the job log's failed jobs, their commands as it logged them; nothing else is read.
    let failedJobs: Job[];
    try {
      failedJobs = failedInJoblog(options.joblog as string).map(({ seq, command }) => ({ seq, command, tag: command, attempt: 1 }));
    } catch (error) {
      io.stderr.write(`spm-shell: ${(error as Error).message}\n`);
      return 255;
    }
    sourcesTotal = failedJobs.length;
    input = failedJobs[Symbol.iterator]();
    // With -k, the jobs that are not run again have no turn to wait for (as --resume's).
    const again = new Set(failedJobs.map((job) => job.seq));
    for (let seq = 1; seq <= (failedJobs[failedJobs.length - 1]?.seq ?? 0); seq++) if (!again.has(seq)) notRunAgain.push(seq);
  } else if (options.pipe && options.shard !== undefined) {
    // --shard, --bin: exactly -j jobs, all at once, each line of the input (stdin, or its one
    // file) to the one its key column picks, through the job's FIFO.
    const { rule, column } = options.shard;
    const flag = `--${rule}`;
    const template = options.template ?? '';
    const count = options.jobs;
    const jobs: Job[] = Array.from({ length: count }, (_, k) => ({ seq: k + 1, command: blockCommand(template, k + 1), tag: '', args: [], attempt: 1 }));
    input = jobs[Symbol.iterator]();
    sourcesTotal = count;
    if (!options.dryRun) {
      const stream = streamOf(single ?? '-');
      const background = readInBackground(stream);
      const colsep = options.colsep as RegExp;
      // The header (every job's, before its first line) names the columns.
      const keyed = await keyedInput(pipedInput(stream), column, flag);
      if (typeof keyed === 'number') return keyed;
      const { header, rest, key } = keyed;
      let feeds: FifoFeed[];
      try {
        feeds = await fifos.feeds(count, `${rule}-`);
      } catch (error) {
        rl?.close();
        io.stderr.write(`spm-shell: ${flag}: ${(error as Error).message}\n`);
        return 255;
      }
      jobs.forEach((job, i) => stdinFeeds.set(job.seq, feeds[i] as FifoFeed));
      if (header !== undefined) for (const feed of feeds) feed.write(header);
      const pick = rule === 'shard' ? shardOf : binOf;
      background(routeLines(rest, feeds, { lineEnd, jobOf: (line) => pick(columnOf(line, colsep, key), count) }), `the input for ${flag}`);
    }
  } else if (options.pipePart) {
    // --pipe-part: the files cut in parts — only a window past each border is read — a job each.
    const cut = separators(options);
    const paths = options.sources.map((source) => (source.kind === 'file' ? source.path : '-'));
    try {
      const parts = await filePartsOf(paths, {
        jobs: options.jobs,
        header: options.header,
        skipFirstLine: options.skipFirstLine,
        recend: typeof cut.recend === 'number' ? Buffer.from([cut.recend]) : cut.recend,
        recstart: cut.recstart ?? Buffer.alloc(0),
        ...(options.recordPattern !== undefined ? { pattern: options.recordPattern } : {}),
        ...(options.partsPerSlot !== undefined ? { partsPerSlot: options.partsPerSlot } : { blockBytes: options.blockBytes }),
      });
      parts.forEach((part, i) => fileParts.set(i + 1, part));
    } catch (error) {
      io.stderr.write(`spm-shell: --pipe-part: ${(error as Error).message}\n`);
      return 255;
    }
    const template = options.template ?? '';
    const jobs: Job[] = [...fileParts.keys()].map((seq) => ({ seq, command: blockCommand(template, seq), tag: '', args: [], attempt: 1 }));
    sourcesTotal = jobs.length;
    input = jobs[Symbol.iterator]();
  } else if (options.pipe && !options.tee) {
    // --pipe: the input (stdin, or its one file) in blocks, each the stdin of one job.
    const stream = streamOf(single ?? '-');
    rl = { close: () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.() };
    // --round-robin: the header goes to each job once, before its first block.
    let header: Buffer | undefined;
    let source = pipedInput(stream);
    let cutAt = separators(options);
    if (options.groupBy !== undefined) {
      // --group-by: a mark before each run of lines with the same value in the column (its name
      // looked up in the header first), and the records start with it; the blocks lose the marks.
      const colsep = options.colsep as RegExp;
      const keyed = await keyedInput(source, options.groupBy, '--group-by');
      if (typeof keyed === 'number') return keyed;
      const { header: head, rest, key } = keyed;
      const mark = groupMark();
      const marked = markGroups(rest, { lineEnd, keyOf: (line) => columnOf(line, colsep, key), mark });
      source = head === undefined ? marked : (async function* (): AsyncGenerator<Buffer> {
        yield head;
        yield* marked;
      })();
      cutAt = { recend: Buffer.alloc(0), recstart: mark };
    }
    // (-N 0: no count of records, blocks by size — GNU parallel's; it made a block of each line.)
    const cutting = { blockBytes: options.blockBytes, ...(options.maxArgs !== undefined && options.maxArgs > 0 ? { records: options.maxArgs } : {}), header: options.header, headerEnd: lineEnd, ...(options.roundRobin ? { onHeader: (bytes: Buffer) => (header = bytes) } : {}) };
    // --regexp: the records' boundaries are the pattern's (record-pattern.ts); else bytes (--group-by is refused with it).
    // --csv: at CSV records' ends (csv-columns.ts), the same way; -L/-l: after every n lines.
    const boundaries = options.maxLines !== undefined ? new LineRecords(options.maxLines) : options.csv !== undefined ? new CsvBoundaries() : options.recordPattern;
    // --block-timeout: a block read for longer is passed on with the complete records it holds.
    const timer = options.blockTimeoutMs === undefined ? undefined : new BlockTimer(options.blockTimeoutMs);
    const pieces = timer === undefined ? source : timer.ticking(source);
    const cut =
      boundaries !== undefined
        ? patternBlocksOf(pieces, { ...cutting, pattern: boundaries, removeSeparators: options.removeRecSep })
        : blocksOf(pieces, { ...cutting, ...cutAt, removeSeparators: options.removeRecSep || options.groupBy !== undefined });
    const timed = timer === undefined ? cut : timer.restarting(cut);
    // -r: each block without its blank lines (GNU parallel's s/^\s*\n//gm), and none left empty.
    const blocks = options.skipBlank ? withoutBlankLines(timed) : timed;
    const template = options.template ?? '';
    const rrSlots = options.jobs === 0 ? allAtOnce : options.jobs;
    if (options.roundRobin && options.dryRun) {
      // The jobs that would start: one per block, up to the job slots.
      input = (async function* (): AsyncGenerator<Job> {
        for await (const job of jobsFromBlocks(blocks, template, false, perlOf)) {
          if (job.seq > rrSlots) return;
          yield job;
        }
      })();
    } else if (options.roundRobin) {
      const dealer = new RoundRobin(blocks, { slots: rrSlots, inTurn: options.keepOrder, header: () => header, newFeed: async () => (await fifos.feeds(1, 'rr-'))[0] as FifoFeed });
      roundRobin = dealer;
      input = (async function* (): AsyncGenerator<Job> {
        for await (const { seq, feed } of dealer) {
          stdinFeeds.set(seq, feed);
          yield { seq, command: blockCommand(template, seq), tag: '', args: [], attempt: 1 };
        }
      })();
    } else input = jobsFromBlocks(blocks, template, options.cat || options.fifo, perlOf)[Symbol.asyncIterator]();
  } else if (single !== undefined) {
    // One file or stdin: read as it comes (a pipe's commands start as they arrive).
    const reader = valuesOf(inputLines(streamOf(single), separator), true);
    rl = reader;
    input = jobsFromLines(reader, options.template, columns, grouping, options.header ? (names) => (headerNames = names) : undefined)[Symbol.asyncIterator]();
  } else {
    // Sources combined (several, or `:::` words): each file is read whole first.
    const groups: InputLine[][] = [];
    try {
      for (const [n, source] of sources.entries()) {
        if (source.kind === 'args') {
          // `-d`: a `:::` word is split at the delimiter too, as GNU parallel splits it (`a,` is
          // `a` and an empty value, unlike the end of a stream).
          // A word that is not UTF-8 (its bytes shown as U+FFFD) is refused, as an input line that is
          // not; of its `-d` pieces, those holding U+FFFD (one without has none of its bad bytes).
          const given = source.values.map((text, k): InputLine => {
            const refused = source.refused?.get(k);
            return refused === undefined ? { text } : { text, refused };
          });
          const words = wordDelimiter === undefined ? given : given.flatMap((word) => word.text.split(wordDelimiter).map((text) => (text.includes('\uFFFD') ? { ...word, text } : { text })));
          const values = words.slice(n === 0 && options.skipFirstLine ? 1 : 0);
          groups.push(options.maxLines !== undefined ? continuedValues(values, options.eof, options.header) : values);
          continue;
        }
        reading = source.path;
        const reader = valuesOf(inputLines(streamOf(source.path), separator, source.path), n === 0);
        rl = reader;
        const lines: InputLine[] = [];
        const whole = (async (): Promise<void> => {
          for await (const line of reader) lines.push(line);
        })();
        whole.catch(() => undefined); // an interrupt may win the race: its failure is no news then
        await Promise.race([whole, stopReading]);
        reader.close();
        const stopped = stoppedBeforeStart();
        if (stopped !== undefined) return stopped;
        groups.push(lines);
      }
    } catch (error) {
      return cannotRead(error);
    }
    rl = undefined;
    // `-E`: in each source (a `:::` group, a file), a value equal to it ends that source — not
    // its `--header` line (GNU parallel reads that apart).
    if (options.eof !== undefined) {
      const eof = options.eof;
      for (const [n, group] of groups.entries()) {
        const at = group.findIndex((line, i) => line.text === eof && (i > 0 || !options.header));
        if (at >= 0) groups[n] = group.slice(0, at);
      }
    }
    // `--header`: each source's first value names its columns; the rest are its values.
    const headers = groups.map((group) => group[0]?.text ?? '');
    let template: string | undefined;
    try {
      template = options.header ? withHeader(options.template, headers, columns) : options.template;
      if (options.header) headerNames = headerColumns(headers, columns);
    } catch (error) {
      // --csv: a header that is not CSV.
      if (!(error instanceof CsvFormatError)) throw error;
      return cannotRead(error);
    }
    const links = { linked: sources.map((source) => source.linked === true), all: options.link };
    const values = withEmptySourcesBlank(options.header ? groups.map((group) => group.slice(1)) : groups);
    // --shuf: with {##} or {0#} and -X the jobs may be made more than once (below); each making
    // after the first replays its random draws, so all shuffle alike.
    const draws: number[] = [];
    const shuffle = (replay = false): (() => number) | undefined => {
      if (!options.shuf) return undefined;
      if (!countJobs) return Math.random;
      let at = 0;
      return replay ? () => draws[at++] as number : () => draws[draws.push(Math.random()) - 1] as number;
    };
    /** `--plus`' {##} and {0#} written in every template, once the jobs are counted. */
    const counted = (jobs: number): void => {
      options = withJobCountIn(options, jobs, false);
    };
    /** The command template with a count written in for {##} and {0#}, if it has them (and Perl's total_jobs() that count). */
    const written = (count: number): string | undefined => {
      if (countJobs && perl !== undefined) perl.total = count;
      return countJobs && template !== undefined ? withJobCount(template, count, true) : template;
    };
    if (grouping.pack === undefined && grouping.skipBlank !== true) {
      sourcesTotal = Math.ceil(recordCount(values, links) / recordsPerJob(options.maxArgs));
      if (countJobs) counted(sourcesTotal);
      const made = jobsFromArgs(written(sourcesTotal), values, columns, grouping, links, shuffle());
      if (passOver && perl !== undefined) {
        // Those passed over are not counted. Perl code is evaluated once per job — its variables
        // live from job to job, as in GNU parallel — so the jobs are made once, here.
        const jobs = [...made];
        sourcesTotal -= jobs.filter(passedOver).length;
        input = jobs[Symbol.iterator]();
      } else {
        input = made;
        // Those {choose_k} or {uniq} pass over are not counted (made once more to know which: an order needs no shuffle).
        if (passOver) for (const job of jobsFromArgs(written(sourcesTotal), values, columns, grouping, links)) if (passedOver(job)) sourcesTotal -= 1;
      }
    } else {
      // How many jobs -X/-m/--xargs or -r make is known once they are made (the values are all
      // here). With {##} or {0#}, the count's digits are in the commands, whose lengths -X packs
      // by: they are made with a count written in — first the records' (no fewer than the jobs),
      // then the jobs' — until the jobs made are as many as written (counts only shrink).
      let count = recordCount(values, links);
      let jobs = [...jobsFromArgs(written(count), values, columns, grouping, links, shuffle())];
      while (countJobs && jobs.length !== count) {
        count = jobs.length;
        jobs = [...jobsFromArgs(written(count), values, columns, grouping, links, shuffle(true))];
      }
      sourcesTotal = jobs.length;
      if (countJobs) counted(sourcesTotal);
      input = jobs[Symbol.iterator]();
      if (passOver) sourcesTotal -= jobs.filter(passedOver).length;
    }
  }
  // `--tagstring`: each job's tag is the string filled with its arguments (its `{%}` by the
  // spoke that runs it: see outcomeOf and onNews).
  if (options.tagString !== undefined) {
    const made = input;
    const tagString = options.tagString;
    input = (async function* (): AsyncGenerator<Job> {
      for (let step = await made.next(); step.done !== true; step = await made.next()) yield { ...step.value, tag: fillPath(named(tagString), step.value.args ?? [step.value.tag], step.value.seq, step.value.perl) };
    })();
  }
  // `--resume`: the jobs an earlier run logged (with `--resume-failed`, logged as succeeded) are
  // passed over — not run, printed or logged again; the job log gets the others' rows.
  let resumed: ReadonlySet<number> = new Set();
  if (options.resume !== 'off' && options.joblog !== undefined) {
    try {
      resumed = jobsInJoblog(options.joblog, options.resume === 'failed');
    } catch (error) {
      rl?.close();
      io.stderr.write(`spm-shell: ${(error as Error).message}\n`);
      return 255;
    }
    if (resumed.size > 0) {
      const all = input;
      const over = resumed;
      input = (async function* (): AsyncGenerator<Job> {
        for (let step = await all.next(); step.done !== true; step = await all.next()) if (!over.has(step.value.seq)) yield step.value;
      })();
      if (sourcesTotal !== undefined) {
        const total = sourcesTotal;
        sourcesTotal -= [...resumed].filter((seq) => seq <= total).length;
      }
    }
  }
  // `--plus`' {choose_k}, {uniq}: a job whose arguments they refuse is passed over — not run,
  // printed, logged or counted as failed (GNU parallel 20221122 logs it with Exitval -2 and counts
  // it failed) — and keeps its number: {#} and `Seq` stay input positions. With -k its turn passes.
  // Until the printer is made (below), the numbers of those passed over wait here.
  const passedOverEarly: number[] = [];
  let onPassedOver = (seq: number): void => void passedOverEarly.push(seq);
  // (With Perl strings always: a `skip()` reached from code that does not name it still passes its job over.)
  if (passOver || perl !== undefined) {
    const all = input;
    input = (async function* (): AsyncGenerator<Job> {
      for (let step = await all.next(); step.done !== true; step = await all.next()) {
        if (passedOver(step.value)) onPassedOver(step.value.seq);
        else yield step.value;
      }
    })();
  }
  // -p: each job asked about on the terminal before it is handed to a spoke; a "no" passes it over.
  if (asker !== undefined) {
    const questions = asker;
    const asked = input;
    input = (async function* (): AsyncGenerator<Job> {
      for (let step = await asked.next(); step.done !== true; step = await asked.next()) {
        const job = step.value;
        // (The job slot is not known yet: `{%}` is shown as it is written.)
        if (job.refused !== undefined || (await questions.ask(`${withSlot(job.command, '{%}')} ?...`, err))) yield job;
        else onPassedOver(job.seq);
      }
    })();
  }
  const slots = options.jobs === 0 ? Math.min(sourcesTotal ?? allAtOnce, allAtOnce) : options.jobs;
  // --plus' `{0%}`: the job slot padded to as many digits as the slots' number has (GNU parallel's).
  const slotWidth = slotWidthOf(slots);
  if (options.tee && !options.dryRun) {
    // --tee: every job at once, each given all of stdin as it comes through a FIFO of its own.
    const jobs: Job[] = [];
    for (let step = await input.next(); step.done !== true; step = await input.next()) jobs.push(step.value);
    const fed = jobs.filter((job) => job.refused === undefined);
    if (fed.length > slots) {
      io.stderr.write(`spm-shell: --tee runs every job at once (each reads stdin as it comes): ${fed.length} jobs need as many job slots, got ${slots}${options.jobs === 0 ? ` (-j 0: at most ${allAtOnce} with --transport ${options.transport})` : ` (-j ${options.jobs}; -j 0 gives each job one)`}\n`);
      return 255;
    }
    let feeds: FifoFeed[] = [];
    try {
      if (fed.length > 0) feeds = await fifos.feeds(fed.length, 'tee-');
    } catch (error) {
      io.stderr.write(`spm-shell: --tee: ${(error as Error).message}\n`);
      return 255;
    }
    fed.forEach((job, i) => stdinFeeds.set(job.seq, feeds[i] as FifoFeed));
    if (feeds.length > 0) {
      // Read until the run ends (or an interrupt), every job fed as it reads.
      readInBackground(io.stdin)(teeInto(io.stdin as AsyncIterable<Buffer>, feeds), 'stdin for --tee');
    }
    input = jobs[Symbol.iterator]();
  }
  if (options.dryRun) {
    // Each job's command on a line, in input order, `{%}` filled with the slot it would have if
    // all jobs took as long (1 to -j in turn), `--tag` before it; nothing runs, no file is
    // written. A job whose input cannot be a command is said as in a run, and counts as failed.
    let refused = 0;
    try {
      for (let step = await input.next(); step.done !== true && interrupted === undefined; step = await input.next()) {
        const job = step.value;
        if (job.refused !== undefined) {
          refused += 1;
          io.stderr.write(notRunNotice(job, withSlot(job.command, '{%}')));
        } else {
          const slot = ((job.seq - 1) % slots) + 1;
          const command = withSlot(job.command, slot, slotWidth);
          // A --tagstring's `{%}` (or `slot()`) with the same slot: it was its internal mark, NUL and all.
          const tag = options.tag ? `${withSlot(job.tag, slot, slotWidth)}\t` : '';
          // --json: a JSON line per job, `seq` and `command` (what a run's line would say of it,
          // nothing it would only know by running); else --color: the line in the job's colour,
          // as GNU parallel's dry run shows it.
          const wrote = io.stdout.write(options.json ? `${formatDryRunJsonLine(job.seq, command)}\n` : options.color ? tagLines(`${command}\n`, colourMarks(job.seq, tag)) : `${tag}${command}\n`);
          // -t: on stderr too, as GNU parallel does.
          if (options.showCommands) io.stderr.write(`${command}\n`);
          // Not taken (a backlog, or stdout gone): let its news come before the next line.
          if (wrote === false) await written(io.stdout);
        }
      }
    } catch (error) {
      return cannotRead(error);
    }
    rl?.close();
    // A reader that went away (EPIPE) is heard as an event after the write that found it: jobs
    // made without waiting on anything (`::: $(seq 20000)`) ended the loop before it came, and
    // `… | head -1` exited 0 (until 2026-11-24). Heard now, the run ends as any other whose reader went away: 141.
    await written(io.stdout);
    return interrupted !== undefined ? interruptStatus() : Math.min(refused, 101);
  }
  // Read ahead up to -j jobs: fewer jobs than -j need fewer spokes. But once a job is in hand,
  // a line that is not there yet is not waited for (commands trickling in on a pipe start as
  // they come, as with xargs): past READ_AHEAD_MS the run starts with -j spokes, since the
  // input is still open, and the read under way is the next job's.
  const peeked: Job[] = [];
  let ended = false;
  let under: Promise<IteratorResult<Job>> | undefined;
  try {
    while (peeked.length < slots && interrupted === undefined && io.windDown?.aborted !== true) {
      const next = Promise.resolve(input.next());
      const waited = peeked.length === 0 ? undefined : new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), READ_AHEAD_MS).unref());
      const step = await Promise.race([next, stopReading.then(() => undefined), ...(waited === undefined ? [] : [waited])]);
      if (step === undefined) break;
      if (step === 'waited') {
        under = next;
        break;
      }
      if (step.done === true) {
        ended = true;
        break;
      }
      peeked.push(step.value);
    }
  } catch (error) {
    return cannotRead(error);
  }
  const stoppedEarly = stoppedBeforeStart();
  if (stoppedEarly !== undefined) {
    rl?.close();
    return stoppedEarly;
  }
  const rest = input;
  async function* all(): AsyncGenerator<Job> {
    yield* peeked;
    if (ended) return;
    for (let step = await (under ?? rest.next()); step.done !== true; step = await rest.next()) yield step.value;
  }

  const halting = options.halt.when !== 'never';
  // (No job at all — empty input, every line blank with -r, every job passed over —: one spoke,
  // which runs nothing; the run goes on for its outputs: the joblog's header, the --results
  // table's, the --trace, as GNU parallel writes them. Until session 47 it returned before them,
  // and an earlier run's joblog was left as it was.)
  const spokes = ended ? Math.max(1, Math.min(slots, peeked.length)) : slots;
  // -j FILE: the job slots the file gives now (read again every second once the run starts: see
  // followJobsFile), and the spokes leased so far — more when the file gives more slots, never
  // fewer (fewer slots: the window keeps the spokes past them idle).
  let slotsNow = spokes;
  let spokesLeased = spokes;
  // One job per spoke, as GNU parallel's job slots; while commands are short, more (see pipelineAfter).
  const feed = new TaskFeed(all(), spokes);
  feed.delayMs = options.delayMs;
  // --load: a command starts only while the machine's load is below the limit (checked at start: Linux only).
  const maxLoad = options.maxLoad;
  const memFree = options.memFreeBytes;
  const memSuspend = options.memSuspendBytes;
  // --memfree, --memsuspend: a command starts only while this much is free (GNU parallel adds the two).
  const memToStart = memFree === undefined && memSuspend === undefined ? undefined : (memFree ?? 0) + (memSuspend ?? 0);
  // --memfree, --memsuspend: the free memory, read at most every FREE_MEMORY_FRESH_MS (every running command asks the hub).
  let freeMemory: { readonly bytes: number; readonly at: number } | undefined;
  const freeMemoryBytes = (fresh = false): number => {
    const now = performance.now();
    if (fresh || freeMemory === undefined || now - freeMemory.at > FREE_MEMORY_FRESH_MS) freeMemory = { bytes: freeMemoryNow() ?? Infinity, at: now };
    return freeMemory.bytes;
  };
  // --limit: asked before each start, and while commands run (see watchAnswer). A verdict of 2
  // (way over) picks the youngest running command to kill; a check that cannot be made (the
  // command exits 3, say) stops the starting of jobs, said once (see limitBroke).
  const limiter = options.limit === undefined ? undefined : new LimitCheck(options.limit);
  const askLimit = async (): Promise<LimitVerdict> => {
    try {
      const verdict = await (limiter as LimitCheck).check();
      if (verdict === 2) killYoungest('limit');
      return verdict;
    } catch (error) {
      limitBroke(error as Error);
      return 1;
    }
  };
  // --noswap: a command starts only while the machine is not swapping (judged at most once a second).
  const swap = options.noSwap ? new SwapWatch() : undefined;
  if (maxLoad !== undefined || memToStart !== undefined || limiter !== undefined || swap !== undefined) {
    // A start asks afresh: the command before it may have just taken memory.
    const measured = (): boolean => (maxLoad === undefined || (loadNow() ?? 0) < maxLoad) && (memToStart === undefined || freeMemoryBytes(true) >= memToStart) && swap?.swapping() !== true;
    feed.gate = limiter === undefined ? measured : async () => measured() && (await askLimit()) === 0;
  }
  // Batches only on spokes in this thread (inproc, the default): an interrupt can stop their
  // commands and still have the batches' finished ones reported (see onInterruptNow).
  // (Nor with --pipe: a batch's task would carry BATCH_MAX blocks.)
  const batchMax = options.transport === 'inproc' && !options.pipe ? BATCH_MAX : 1;
  // A batch's report holds every command's outputs: the spokes' frames are made to hold
  // BATCH_MAX commands' full outputs (the default 4 MiB holds one), and a batch takes no job that
  // would not fit (a long command line counts).
  // --pipe: a task carries its block to the spoke.
  const frameBytes = batchMax > 1 ? batchMax * (2 * options.maxOutputBytes + 64 * 1024) + (1 << 20) : options.pipe ? options.blockBytes + 2 * options.maxOutputBytes + (1 << 20) : undefined;
  const batchBytes = (frameBytes ?? 0) - 64 * 1024;
  // What one job may add to its batch's report, at most: its outputs, its command and fields.
  const jobBytes = (job: Job): number => 2 * options.maxOutputBytes + commandBytes(job.command);
  /** Where commands' output past --max-output goes (see removeSpill). */
  let spillDir: string | undefined;
  let shortStreak = 0;
  // The mean duration of the streak's commands (a moving mean), in ms.
  let shortMeanMs = 0;
  // Jobs per task: while commands are short, as many as fit in BATCH_BUDGET_MS; else 1.
  let batch = 1;
  // Set once a spoke may have held commands: a task's backstop then counts those ahead of it.
  let everHeld = false;
  // Tasks that told news (still running GIVE_BACK_MS after they began: a command of theirs, or
  // one ahead of them, runs long) and have not ended: while one runs, no spoke holds commands,
  // so none is handed to a spoke that is busy with it.
  const stuck = new Set<TaskId>();
  const pipelineAfter = (outcome: JobOutcome): void => {
    if (outcome.ok && outcome.durationMs < PIPELINE_BELOW_MS) {
      shortStreak += 1;
      shortMeanMs = shortStreak === 1 ? outcome.durationMs : shortMeanMs + (outcome.durationMs - shortMeanMs) / PIPELINE_AFTER;
    } else shortStreak = 0;
    updateHolding();
  };
  const updateHolding = (): void => {
    // Nothing held with --halt (a held command could start after the halt) or --delay (two
    // held commands could start at once on two spokes).
    // Nor with --load, --memfree, --memsuspend or --limit: a held command would start without asking the load, the memory or the limit.
    // Nor with --template: a held command's files would be written while the one before it runs
    // (one name for every job is fine at -j1: each job's file is written just before it runs).
    // Nor with --tee, --round-robin, --shard or --bin: a job held behind another would not read its stdin, which the others wait on.
    // Nor while -j FILE gave fewer slots than there are spokes: a held command could go to an idle spoke past them.
    const short = spokesLeased <= slotsNow && !halting && options.delayMs === 0 && options.maxLoad === undefined && !options.noSwap && memToStart === undefined && options.limit === undefined && options.templates.length === 0 && !options.tee && !options.roundRobin && options.shard === undefined && stuck.size === 0 && shortStreak >= PIPELINE_AFTER;
    batch = short ? Math.max(1, Math.min(batchMax, Math.floor(BATCH_BUDGET_MS / Math.max(shortMeanMs, 0.1)))) : 1;
    everHeld ||= short;
    // Single commands: the running one and PIPELINE_HELD held; batches: the running one and one held.
    const base = Math.min(slotsNow, spokesLeased);
    feed.window = short ? base * (batch === 1 ? 1 + PIPELINE_HELD : 2 * batch) : base;
  };
  const knownTotal = sourcesTotal ?? (ended ? peeked.length : undefined);
  /** The jobs, once counted: before the run, or once the input has been read to its end. */
  const countedTotal = (): number | undefined => knownTotal ?? (feed.inputDone ? feed.read : undefined);
  /**
   * The progress bar's total: the jobs, once counted; until then `--total-jobs`' number — no
   * fewer than have started (it was given too small).
   */
  const barTotal = (): number | undefined => countedTotal() ?? (options.totalJobs === undefined ? undefined : Math.max(options.totalJobs, succeeded + failed + runningNow()));

  // ─── Outputs ─────────────────────────────────────────────────────────────────────────────
  const hubHost = hostname();
  const out = (text: string | Uint8Array): void => {
    bar?.hide();
    if (screen !== undefined) screen.foreign(textOf(text), (t) => io.stdout.write(t));
    else io.stdout.write(text);
    if (text.length > 0 && io.stdout.isTTY === true) lineOpen = screen === undefined && !endsLine(text);
  };
  // --results NAME.csv|.tsv|.json: a table of every job, in a file (made now: one that cannot be
  // is said before anything runs) or on stdout (`-.csv`); nothing else of the jobs is printed.
  const format = options.results === undefined ? undefined : tableFormat(options.results);
  const tableToStdout = format !== undefined && tableOnStdout(options.results as string);
  // Files written that are FIFOs wait here for their readers, where an interrupt is heard (see
  // waitForFifoReaders): the joblog (appended to or not: a FIFO is written), the --results table
  // and the --trace (written at the end; its FIFO is opened now, and held). Each FIFO's probe
  // stays open until the file is opened (released below).
  const appendJoblog = options.resume !== 'off' || options.retryFailed || options.joblogAppend;
  // --joblog /dev/stdout (or the file stdout goes to), /dev/stderr: written as `-` is, in step
  // with the outputs on that stream (see standardStreamOf).
  const joblogStream = options.joblog === '-' ? 'stdout' : options.joblog === undefined ? undefined : standardStreamOf(options.joblog);
  const joblogPath = joblogStream === undefined ? options.joblog : '-';
  const probes = await waitForFifoReaders(
    [
      { path: format !== undefined && !tableToStdout ? options.results : undefined, what: '--results' },
      { path: joblogPath === '-' ? undefined : joblogPath, what: '--joblog' },
      { path: options.trace, what: '--trace' },
    ],
    {
      // An interrupt ends the wait, and so does a SIGHUP (nothing has started: nothing runs).
      ...(stopSignal !== undefined ? { signal: stopSignal } : {}),
      onWait: ({ path, what }) => err(`spm-shell: waiting for a reader of the FIFO \`${path}\` (${what}) before starting\n`),
    },
  );
  const stoppedWaiting = stoppedBeforeStart();
  if (stoppedWaiting !== undefined) {
    probes.release();
    rl?.close();
    return stoppedWaiting;
  }
  let tableFd: number | undefined;
  if (format !== undefined && !tableToStdout) {
    try {
      tableFd = openSync(options.results as string, 'w');
    } catch (error) {
      probes.release();
      rl?.close();
      io.stderr.write(`spm-shell: cannot write the --results table \`${options.results}\`: ${(error as Error).message}\n`);
      return 255;
    }
  }
  // A pipe or FIFO is written through the event loop (PipeWriter): a reader that stops reading
  // must not put the hub's thread to sleep in write(2), deaf to signals.
  const tablePipe =
    tableFd !== undefined && isPipe(tableFd)
      ? new PipeWriter(tableFd, (error) => {
          unwritten = true;
          err(`spm-shell: cannot write the --results table \`${options.results}\`: ${error.message}\n`);
          stopNow('the --results table cannot be written');
        })
      : undefined;
  /** Closes the table's file; a pipe once its reader has taken every row (the promise). */
  const closeTable = (): Promise<void> => {
    if (tablePipe !== undefined) return tablePipe.end();
    if (tableFd !== undefined) closeSync(tableFd);
    tableFd = undefined;
    return Promise.resolve();
  };
  const writeTable = (text: string): void => {
    if (format === undefined) return;
    if (tableToStdout) {
      out(text);
      return;
    }
    if (tablePipe !== undefined) {
      tablePipe.write(text);
      return;
    }
    if (tableFd === undefined) return;
    try {
      writeSync(tableFd, text);
    } catch (error) {
      // As a job log that cannot be written: said once, the run stopped, exit 255.
      unwritten = true;
      err(`spm-shell: cannot write the --results table \`${options.results}\`: ${(error as Error).message}\n`);
      void closeTable();
      stopNow('the --results table cannot be written');
    }
  };
  const table = format === undefined ? undefined : new ResultsTable(format, writeTable, hubHost, () => headerNames);
  // -v: a job's command before its output — with it (the printer), or, for output printed as it
  // comes (-u, --line-buffer), as the command starts (onNews).
  const echoAsStarted = options.echoCommands && (options.lineBuffer || options.ungroup) && !options.json && table === undefined;
  const printer = new OutputPrinter(
    // -u: output as it comes, -k and --tag aside (GNU parallel's).
    {
      keepOrder: options.keepOrder && !options.ungroup,
      tag: options.tag && !options.ungroup,
      // -u, --files: no colours (GNU parallel's: --files prints each file's name bare, tagged).
      color: options.color && !options.ungroup && !options.files,
      colorFailed: options.colorFailed && !options.ungroup && !options.files,
      json: options.json,
      // (--files: only the file's name, as GNU parallel prints it.)
      // (-v with --files or --results DIR: the command goes at the head of the stdout file, as GNU parallel puts it.)
      echoCommands: options.echoCommands && !options.files && (options.results === undefined || format !== undefined),
      // --latest-line: the jobs' lines go to its rows (or its last lines), never here as they come.
      lineBuffer: (options.lineBuffer || options.ungroup) && !options.latestLine,
      // -k --line-buffer: a later job's lines wait in memory up to --max-output, the rest on disk.
      liveHoldBytes: options.maxOutputBytes,
      spillDir: () => spillDir,
      ...(table !== undefined ? { table } : {}),
    },
    {
      out,
      err,
      backlog: () => backlogOf(io.stdout) ?? backlogOf(io.stderr),
      gone: (stream) => ((stream === 'out' ? io.stdout : io.stderr) as { destroyed?: boolean }).destroyed === true,
      // Output past --max-output that could not be read back is lost: as output that cannot be written, exit 255.
      lost: () => {
        unwritten = true;
      },
    },
  );
  // With -k, the jobs passed over by --resume have no turn to wait for.
  const printing = printer;
  /** A job that will never print: its turn (-k) passes; its --latest-line row, if any, is over. */
  const noTurn = (seq: number): void => {
    printing.skip(seq);
    screen?.skip(seq);
    latestLines?.delete(seq);
  };
  for (const seq of [...resumed, ...notRunAgain]) noTurn(seq);
  // Jobs {choose_k} or {uniq} passed over: those read so far now, the later ones as they are read.
  for (const seq of passedOverEarly) noTurn(seq);
  onPassedOver = noTurn;
  let joblog: Joblog | undefined;
  try {
    joblog =
      joblogPath === undefined
        ? undefined
        : new Joblog(joblogPath, hubHost, { write: (text) => (joblogStream === 'stderr' ? printer.writeErr(text) : printer.write(text)) }, appendJoblog, (error) => {
            // A pipe's reader went away: as a row that cannot be written (see writeJoblog).
            if (!unwritten) err(`spm-shell: cannot write the joblog \`${options.joblog}\`: ${error.message}\n`);
            unwritten = true;
            stopNow('the joblog cannot be written');
          });
  } catch (error) {
    probes.release();
    rl?.close();
    void closeTable();
    io.stderr.write(`spm-shell: cannot write the joblog \`${options.joblog}\`: ${(error as Error).message}\n`);
    return 255;
  }
  // A trace that cannot be written is said now, like a joblog, not after every command has run.
  // A FIFO is opened now and held to the end (opened then, its reader would have had its end of
  // file from this check's close).
  let traceFd: number | undefined;
  if (options.trace !== undefined) {
    try {
      if (probes.fifos.has(options.trace)) traceFd = openSync(options.trace, 'w');
      else writeFileSync(options.trace, '');
    } catch (error) {
      probes.release();
      rl?.close();
      void joblog?.close();
      void closeTable();
      io.stderr.write(`spm-shell: cannot write the trace \`${options.trace}\`: ${(error as Error).message}\n`);
      return 255;
    }
  }
  probes.release();
  const trace = options.trace === undefined ? undefined : new ChromeTrace(`spm-shell hub (${hubHost})`);

  // ─── State ───────────────────────────────────────────────────────────────────────────────
  let succeeded = 0;
  let failed = 0;
  // Commands started, each --retries run counted, and jobs not run (refused) once each: a --halt
  // percentage's exit status is a share of these (never past 100 %: every failed job is here).
  let started = 0;
  // --timeout N%: the runtimes of the jobs that succeeded, whose median the running commands' limit is a share of.
  const runtimes = options.timeoutShare === undefined ? undefined : new Remedian();
  let killed = 0;
  /** SIGHUP came: no more jobs, and no held one is started (see onWindDown). */
  let windingDown = false;
  let halted: JobOutcome | undefined;
  // GNU parallel's exit status after a halt counts the failures up to the halt, not those after.
  let failedAtHalt = 0;
  let fatal: Error | undefined;
  // The job log, the trace or a job's --results could not be written (a full disk): the run's record is incomplete.
  let unwritten = false;
  const inflight = new Map<number, Job>();
  // Runs of a job's earlier tasks (its `--retries`), each counting the re-runs after lost spokes.
  const earlierRuns = new Map<number, number>();
  // Dispatched and not concluded: running, or held by a spoke behind its running command.
  const running = new Set<TaskId>();
  const runningNow = (): number => Math.min(running.size, spokesLeased);
  let firstDispatch: number | undefined;
  const controller = new AbortController();
  // No more jobs; --round-robin: no more blocks either (the running jobs' stdin ends).
  const stopFeeding = (): void => {
    // (-p: a question waiting is answered no.)
    asker?.close();
    feed.stop();
    roundRobin?.stop();
  };

  const stopNow = (why: string): void => {
    stopFeeding();
    if (!controller.signal.aborted) {
      trace?.instant(why);
      controller.abort(why);
    }
  };
  // Set when an interrupt stops the commands before the invocation (inproc spokes).
  let stopping = false;
  let stopTimer: NodeJS.Timeout | undefined;
  const onInterruptNow = (): void => {
    const n = runningNow();
    if (!callerFailed()) err(`spm-shell: ${interrupted ?? 'interrupted'}: killing ${n} running command${n === 1 ? '' : 's'}\n`);
    if (batchMax > 1 && !callerFailed()) {
      // Aborting the invocation would drop the reports of tasks whose commands finished before
      // the interrupt: a batch's (it reports once, for all its commands), and any command's whose
      // exit was still unread in this thread (a busy thread; then it counted as killed, neither
      // printed nor logged). So the commands are stopped first (inproc spokes: they are in this
      // thread), every task concludes with what it has — a command that exited, with its exit —
      // and only what is still out after stopGraceMs is aborted.
      stopping = true;
      stopFeeding();
      trace?.instant(`interrupted by ${interrupted ?? 'a signal'}: stopping the commands`);
      void stopCommandsInThisThread();
      stopTimer = setTimeout(() => stopNow(`interrupted by ${interrupted ?? 'a signal'}`), stopGraceMs);
      return;
    }
    // Thread and process spokes: the abort's grace (abortGrace) has their spokes cancel the
    // evaluations — the running command killed, the held ones never started — and every task
    // reports what it has. Aborting at once dropped them all: the held commands then ran while
    // the spokes were being relaunched (6 of 6 per interrupt at -j2 in a spec), neither printed
    // nor logged, and a command that had just finished lost its report.
    if (!callerFailed()) stopping = true;
    stopNow(`interrupted by ${interrupted ?? 'a signal'}`);
  };
  // SIGHUP (GNU parallel's): no more jobs; the running ones go on, and the run ends as usual.
  // Inproc spokes give back the commands they hold (they are in this thread), which then count
  // as never started; thread and process spokes run theirs.
  const onWindDown = (reason?: string): void => {
    if (stopping || controller.signal.aborted) return;
    const why = reason ?? String(io.windDown?.reason ?? 'SIGHUP');
    const n = runningNow();
    err(`spm-shell: ${why}: starting no more jobs; waiting for ${n} running (SIGINT or SIGTERM stops them now)\n`);
    trace?.instant(`${why}: starting no more jobs`);
    windingDown = true;
    stopFeeding();
    if (options.transport === 'inproc') windDownInThisThread();
  };
  const onSighup = (): void => onWindDown();
  /** --limit: why it could not be asked, once it could not (the run then starts no more jobs and exits 255). */
  let limitFailed: Error | undefined;
  const limitBroke = (error: Error): void => {
    if (limitFailed !== undefined) return;
    limitFailed = error;
    onWindDown(error.message);
  };
  /** Closes the job log; a pipe once its reader has taken every row (the promise). */
  const closeJoblog = (): Promise<void> => {
    const log = joblog;
    joblog = undefined;
    try {
      return log?.close() ?? Promise.resolve();
    } catch (error) {
      if (!unwritten) err(`spm-shell: cannot write the joblog \`${options.joblog}\`: ${(error as Error).message}\n`);
      unwritten = true;
      return Promise.resolve();
    }
  };
  // A job log row that cannot be written loses the run's record: say so once and stop as `--halt
  // now` would (like an output that cannot be written) rather than run commands nobody logs.
  const writeJoblog = (outcome: JobOutcome): void => {
    try {
      joblog?.write(outcome);
    } catch (error) {
      unwritten = true;
      err(`spm-shell: cannot write the joblog \`${options.joblog}\`: ${(error as Error).message}\n`);
      void closeJoblog();
      stopNow('the joblog cannot be written');
    }
  };

  // --cat: the files holding the blocks of the jobs not over yet, by seq (see nextJob).
  const catFiles = new Map<number, string>();
  const dropCatFile = (seq: number): void => {
    const file = catFiles.get(seq);
    if (file === undefined) return;
    catFiles.delete(seq);
    try {
      rmSync(file, { force: true });
    } catch {
      // Left for the run's directory to take with it at the end.
    }
  };
  // --tee, --round-robin, --fifo: a job over takes no more of its stdin; its FIFO goes.
  const dropFeed = (seq: number): void => {
    stdinFeeds.get(seq)?.drop();
    stdinFeeds.delete(seq);
  };
  // A job stopped unfinished (killed, or never started): counted (but one never started on SIGHUP), neither printed nor logged.
  const stopped = (seq: number, unstarted = false): void => {
    dropCatFile(seq);
    dropFeed(seq);
    if (!unstarted) killed += 1;
    noTurn(seq);
    feed.settle();
  };
  // Per task that told news (ShellNews): the seqs it told of — concluded then, or given back —
  // which its result (or a run of it again, after its spoke was lost) does not conclude again.
  const toldOf = new Map<TaskId, Set<number>>();
  const onStatus = (report: StatusReport): void => {
    running.delete(report.taskId);
    const commands = (report.record as ShellTask).commands;
    const results = report.ok ? (report.value as readonly ShellResult[]) : undefined;
    const told = toldOf.get(report.taskId);
    if (told !== undefined) {
      toldOf.delete(report.taskId);
      if (stuck.delete(report.taskId)) updateHolding();
    }
    for (let i = 0; i < commands.length; i++) {
      const seq = (commands[i] as ShellCommand).seq;
      if (told?.has(seq) === true) continue;
      const result = results?.[i];
      if (result?.returned === true) {
        // Its spoke is busy with a long command: no holding until the next short streak.
        if (shortStreak > 0) {
          shortStreak = 0;
          updateHolding();
        }
        giveBack(seq, report.spokeId);
      } else onJobStatus(seq, result, report);
    }
  };
  // A command a spoke gave back without running it (it waited behind a long one): it runs on
  // another spoke, as the same run of its job.
  const giveBack = (seq: number, spokeId: string | undefined): void => {
    const job = inflight.get(seq);
    if (job === undefined) return;
    inflight.delete(seq);
    // Stopping: a command that never started is not started now.
    if (stopping || controller.signal.aborted || halted !== undefined) return stopped(seq);
    // SIGHUP: a command not started is not started now.
    if (windingDown) return stopped(seq, true);
    if (options.verbose) err(`#: spm-shell: job ${seq} waited behind a long command on spoke ${spokeId ?? '?'}; handing it out again\n`);
    feed.retry(job);
  };
  // A task's news, before it ends (it runs long: see GIVE_BACK_MS): its commands that finished
  // are concluded now; those it gave back run on another spoke (the same run of the job: it
  // never started). Until it ends, no spoke holds commands.
  const onNews = (news: ShellNews, from: MessageSource): void => {
    // -t: the commands that started (a job run again is shown again, as GNU parallel's retries are);
    // -v with -u or --line-buffer: on stdout too, tagged (the others' come with their output).
    for (const { seq, command } of news.started ?? []) {
      const job = inflight.get(seq);
      if (job === undefined) continue;
      if (options.showCommands) printer.writeErr(`${command}\n`);
      // (-u: untagged, as GNU parallel prints it there.)
      if (!echoAsStarted) continue;
      // --line-buffer: as the first of the job's lines — tagged and coloured as they are, and with
      // -k held for its turn (it was printed bare, at once: before earlier jobs' output).
      if (options.lineBuffer && !options.ungroup && !options.latestLine) printer.live(seq, tagOn(job.tag, from.spokeId, slotWidth), 'stdout', `${command}\n`);
      else printer.write(`${options.tag && !options.ungroup ? `${tagOn(job.tag, from.spokeId, slotWidth)}\t` : ''}${command}\n`);
    }
    // --line-buffer: running commands' lines (a job run again prints its lines again) — also
    // those that come after a `--halt now`, written before the kill reached their command: a job
    // that ends meanwhile is logged, so its lines are printed whole (dropping them, as session 47
    // did for a while, logged jobs with part of their output).
    for (const piece of news.output ?? []) {
      const job = inflight.get(piece.seq);
      if (job === undefined) continue;
      const tag = tagOn(job.tag, from.spokeId, slotWidth);
      // (--latest-line's pieces are text; the others, bytes as the command wrote them.)
      if (screen !== undefined) screen.piece(piece.seq, rowTag(tag), textOf(piece.data));
      else if (latestLines !== undefined) {
        let latest = latestLines.get(piece.seq);
        if (latest === undefined) latestLines.set(piece.seq, (latest = new LatestLine()));
        latest.take(textOf(piece.data));
      } else printer.live(piece.seq, tag, piece.stream, piece.data);
    }
    // Output alone says nothing of a command's length: holding stays as it is.
    if (news.finished.length === 0 && news.returned.length === 0) return;
    let told = toldOf.get(from.taskId);
    if (told === undefined) toldOf.set(from.taskId, (told = new Set()));
    if (!stuck.has(from.taskId)) {
      stuck.add(from.taskId);
      shortStreak = 0;
      updateHolding();
    }
    const report: JobReport = { attempt: from.attempt, spokeId: from.spokeId, host: from.host, error: undefined };
    for (const { seq, result } of news.finished) {
      if (told.has(seq) || !inflight.has(seq)) continue;
      told.add(seq);
      onJobStatus(seq, result, report);
    }
    for (const seq of news.returned) {
      if (told.has(seq)) continue;
      told.add(seq);
      giveBack(seq, from.spokeId);
    }
  };
  const onMessage = (body: unknown, from: MessageSource): unknown => {
    if (from.kind === 'request') {
      // --timeout N%, --memfree: a running command asks whether it may go on (ShellWatchQuestion).
      const question = body as Partial<ShellWatchQuestion> | null;
      if (question?.watch === true && typeof question.seq === 'number') return watchAnswer(question.seq);
      // --line-buffer, -u: a task whose commands print live asks whether this hub is behind printing (ShellRoomQuestion).
      if ((body as Partial<ShellRoomQuestion> | null)?.room === true) return { ...(outputBehind() ? { behind: true } : {}) } satisfies ShellRoomAnswer;
      // A task run again after its spoke was lost asks what it must not run (ShellSkipQuestion).
      return [...(toldOf.get(from.taskId) ?? [])];
    }
    onNews(body as ShellNews, from);
    return undefined;
  };
  const onJobStatus = (seq: number, result: ShellResult | undefined, report: JobReport): void => {
    // Killed for memory (--memfree) or as --limit said, its run is over: the next question reads
    // the memory (or asks the limit) afresh, now that it is gone, to see whether another must go.
    if (seq === victim) {
      victim = undefined;
      freeMemory = undefined;
    }
    suspended.delete(seq);
    const job = inflight.get(seq) as Job;
    inflight.delete(seq);
    // Stopped by the interrupt or a halt (killed, or never started) — also one that exited with a
    // code of its own *after* the kill reached it (a `trap … TERM` that exits 0 was logged a
    // success, and `--resume-failed` then skipped it). A command that exited with a code before the
    // kill is reported, though: its exit may have been on its way to this thread when the stop
    // came (its result then says `aborted` all the same, but not `killed`).
    if ((stopping || controller.signal.aborted) && result?.aborted === true && (result.exitCode === null || result.killed === true)) return stopped(seq);
    // Killed by --halt now or an interrupt: not finished, so neither printed nor logged (GNU parallel does the same).
    if (controller.signal.aborted && result === undefined && report.error instanceof SPMTaskDropped && !(report.error instanceof SPMTaskTimeout)) return stopped(seq);
    // A task is re-dispatched by the manager when its spoke is lost under it: report.attempt.
    const runs = (earlierRuns.get(seq) ?? 0) + report.attempt;
    const outcome = outcomeOf(job, result, report, runs, slotWidth);
    // (Not after SIGHUP either: no more runs start.)
    if (!outcome.ok && job.attempt < options.tries && halted === undefined && !controller.signal.aborted && !stopping && !windingDown) {
      if (options.verbose) err(`#: spm-shell: job ${seq} failed (run ${job.attempt} of ${options.tries}); running it again: ${outcome.command}\n`);
      trace?.instant(`job ${seq} failed (run ${job.attempt} of ${options.tries}): running it again (--retries)`);
      earlierRuns.set(seq, runs);
      feed.retry({ ...job, attempt: job.attempt + 1 });
      return;
    }
    earlierRuns.delete(seq);
    conclude(outcome);
  };

  // --wd: the directory a job runs in (its replacement strings filled), absolute: the spokes need not share this cwd.
  const workdirOf = (job: Job): string => {
    const dir = named(options.workdir as string);
    return resolve(hasReplacement(dir) ? withoutSlot(fillPath(dir, job.args ?? [job.tag], job.seq, job.perl)) : dir);
  };

  // --results: a job's output goes to its files; what the printer then gets (a --json line
  // keeps the output). Files that cannot be written: said, the output printed — nothing lost —
  // and the exit status 255, as for a job log that cannot be written.
  const intoResults = (outcome: JobOutcome): JobOutcome => {
    if (options.results === undefined || format !== undefined || outcome.job.refused !== undefined) return outcome;
    try {
      writeResults(named(options.results), options.echoCommands && !options.json ? { ...outcome, stdout: `${outcome.command}\n${outcome.stdout}` } : outcome, headerNames);
    } catch (error) {
      err(`spm-shell: job ${outcome.job.seq}: its --results ${(error as Error).message}; its output is printed instead\n`);
      // As a job log that cannot be written: the run exits 255 (the commands' statuses stand in the job log).
      unwritten = true;
      return outcome;
    }
    if (options.json) return outcome;
    for (const file of [outcome.stdoutFile, outcome.stderrFile]) if (file !== undefined) rmSync(file, { force: true });
    return { ...outcome, stdout: '', stderr: '', stdoutFile: undefined, stderrFile: undefined };
  };

  // `--files`: its stdout goes to a file of its own, whose name is printed in its place.
  const intoFiles = (outcome: JobOutcome): JobOutcome => {
    if (!options.files || outcome.job.refused !== undefined) return outcome;
    let path: string | undefined;
    try {
      path = newOutputFile(options.tmpdir ?? tmpdir());
      writeStream(path, options.echoCommands ? `${outcome.command}\n${outcome.stdout}` : outcome.stdout, outcome.stdoutFile);
    } catch (error) {
      err(`spm-shell: job ${outcome.job.seq}: its --files output ${path === undefined ? 'file cannot be made' : `\`${path}\` cannot be written`} (${(error as Error).message}); its output is printed instead\n`);
      unwritten = true;
      return outcome;
    }
    if (outcome.stdoutFile !== undefined) rmSync(outcome.stdoutFile, { force: true });
    return { ...outcome, stdout: `${path}\n`, stdoutFile: undefined };
  };

  // A job's last word: counted, logged, printed, and checked against --halt.
  // --timeout N%: how long a command may run now, in ms — the share of the median runtime of the
  // jobs that succeeded so far (at least 1 ms); none before the first has.
  const limitNowMs = (): number | undefined => {
    const median = runtimes?.median;
    return median === undefined || options.timeoutShare === undefined ? undefined : Math.max(1, options.timeoutShare * median);
  };
  // --memfree, --limit: the job being killed (for memory, or as --limit said), until its run is over.
  let victim: number | undefined;
  /** --limit: the jobs killed because it said "way over" (2), for their message. */
  const killedForLimit = new Set<number>();
  /**
   * The youngest command running — the highest seq handed out and not over (with --memfree or
   * --limit a spoke holds none beyond its running one), as GNU parallel picks it — is to be killed
   * when it next asks; one at a time, so that the next is picked only if it is still needed once
   * that one is gone.
   */
  const killYoungest = (why: 'memory' | 'limit'): void => {
    if (victim !== undefined) return;
    for (const running of inflight.keys()) if (victim === undefined || running > victim) victim = running;
    if (victim !== undefined && why === 'limit') killedForLimit.add(victim);
  };
  /** --memsuspend: the jobs whose commands are to be stopped now. */
  const suspended = new Set<number>();
  /** --memsuspend: when a stopped command was last let go on (performance.now()). */
  let resumedAt = -Infinity;
  /**
   * --memsuspend, GNU parallel's rule: below twice SIZE free, the oldest running commands go on —
   * 1 + ⌊1 / (2 − free / SIZE)⌋ of them (1 below SIZE, 3 at 1.5 × SIZE, 5 at 1.75 × SIZE) — and
   * the younger ones are stopped; at twice SIZE or more, the oldest stopped one goes on again,
   * one every MEMSUSPEND_RESUME_MS (each may take memory back as it does).
   */
  const suspendRule = (size: number): void => {
    const free = freeMemoryBytes();
    if (free < 2 * size) {
      const running = [...inflight.keys()].sort((a, b) => a - b);
      const go = Math.min(running.length, 1 + Math.floor(1 / (2 - free / size)));
      for (const [i, seq] of running.entries()) {
        if (i < go) {
          if (suspended.delete(seq) && options.verbose) err(`#: spm-shell: job ${seq} goes on (${free} bytes free, below twice --memsuspend ${size}: the ${go} oldest run)\n`);
        } else if (!suspended.has(seq)) {
          suspended.add(seq);
          if (options.verbose) err(`#: spm-shell: job ${seq} is stopped (${free} bytes free, below twice --memsuspend ${size}: the ${go} oldest run)\n`);
          trace?.instant(`job ${seq} stopped (--memsuspend)`);
        }
      }
      return;
    }
    if (suspended.size === 0 || performance.now() - resumedAt < MEMSUSPEND_RESUME_MS) return;
    const oldest = Math.min(...suspended);
    suspended.delete(oldest);
    resumedAt = performance.now();
    if (options.verbose) err(`#: spm-shell: job ${oldest} goes on (${free} bytes free, twice --memsuspend ${size} or more)\n`);
    trace?.instant(`job ${oldest} continued (--memsuspend)`);
  };
  // --timeout N%, --memfree, --limit, --memsuspend: a running command's question (ShellWatchQuestion) answered.
  const watchAnswer = (seq: number): ShellWatchAnswer => {
    const limitMs = limitNowMs();
    const answer: ShellWatchAnswer = limitMs === undefined ? {} : { limitMs };
    if (memSuspend !== undefined) suspendRule(memSuspend);
    // Under half of --memfree free: one to kill.
    if (memFree !== undefined && victim === undefined && freeMemoryBytes() < memFree / 2) killYoungest('memory');
    // --limit, while commands run: asked again once LIMIT_POLL_MS passed since the last asking
    // (GNU parallel's loop asks at most every second too); its "way over" picks one to kill.
    if (limiter !== undefined && limitFailed === undefined && victim === undefined && performance.now() - (limiter.lastAt ?? -Infinity) >= LIMIT_POLL_MS) void askLimit();
    if (victim === seq) return { ...answer, lowMemory: true };
    return suspended.has(seq) ? { ...answer, suspend: true } : answer;
  };
  const timedOutAfter = (outcome: JobOutcome): string =>
    outcome.limitMs === undefined
      ? `${(options.timeoutMs ?? 0) / 1000} s`
      : `${Math.round(outcome.limitMs) / 1000} s (--timeout ${Math.round((options.timeoutShare ?? 0) * 1e6) / 1e4}%: of the median runtime of the jobs that succeeded)`;

  /** --latest-line off a terminal: what a job printed is its last line. */
  const withLastLine = (outcome: JobOutcome): JobOutcome => {
    if (latestLines === undefined) return outcome;
    const last = latestLines.get(outcome.job.seq)?.last;
    latestLines.delete(outcome.job.seq);
    return last === undefined ? outcome : { ...outcome, stdout: `${last}\n${outcome.stdout}` };
  };
  /** `-x`: the job whose command was too long, which stopped the run. */
  let tooLong: number | undefined;
  const conclude = (given: JobOutcome): void => {
    lastOutcome = given;
    const seq = given.job.seq;
    // --tee, --round-robin, --shard, --bin: the job log's Send is what its command's stdin took.
    // --pipe-part: its part's size, header included (GNU parallel's jobs read the file themselves: 0).
    const part = fileParts.get(seq);
    const sent = part !== undefined ? part.header.length + part.end - part.start : options.tee || options.roundRobin || options.shard !== undefined ? stdinFeeds.get(seq)?.sent : undefined;
    const outcome = sent === undefined ? given : { ...given, sent };
    dropCatFile(seq);
    dropFeed(seq);
    feed.settle();
    pipelineAfter(outcome);
    started += outcome.job.refused === undefined ? outcome.job.attempt : 1;
    if (outcome.ok) {
      succeeded += 1;
      if (outcome.job.refused === undefined) runtimes?.add(outcome.durationMs);
    } else failed += 1;
    screen?.finished(seq, rowTag(outcome.job.tag), !outcome.ok);
    printer.finished(intoFiles(intoResults(withLastLine(outcome))));
    // After the output (printed now, or held for its turn with -k): `--joblog -` puts the row
    // after it, as GNU parallel does.
    writeJoblog(outcome);
    const forLimit = killedForLimit.delete(seq);
    if (outcome.job.refused !== undefined) err(notRunNotice(outcome.job, outcome.command));
    else if (outcome.timedOut) {
      err(`spm-shell: job ${seq} timed out after ${timedOutAfter(outcome)}; its process tree was killed: ${outcome.command}\n`);
      trace?.instant(`job ${seq} timed out after ${timedOutAfter(outcome)}`);
    }
    else if (outcome.lowMemory === true && forLimit) err(`spm-shell: job ${seq} was killed, the youngest command when --limit \`${limitText(options.limit as LimitRule)}\` exited 2 (way over the limit); its process tree was killed: ${outcome.command}\n`);
    else if (outcome.lowMemory === true) err(`spm-shell: job ${seq} was killed, the youngest command while the machine had less than half of --memfree ${memFree ?? 0} bytes free; its process tree was killed: ${outcome.command}\n`);
    else if (outcome.error !== undefined) err(`spm-shell: job ${seq} ended without an exit status (${outcome.error}): ${outcome.command}\n`);
    // (With --json too, on stderr: its line says `"truncated": true`, and nothing said why until session 47.)
    if (outcome.truncated) {
      err(`spm-shell: job ${seq} wrote ${outcome.stdoutBytes} bytes to stdout and ${outcome.stderrBytes} to stderr; only the first ${options.maxOutputBytes} of each were kept (--max-output; the rest could not be written to a temporary file)\n`);
    }
    if (outcome.job.oversize === true && options.exitTooLong && tooLong === undefined) {
      // -x: as GNU parallel (and xargs -x) stop at a command too long — but the running ones finish.
      tooLong = seq;
      err(`spm-shell: stopping (-x) at job ${seq}, its command too long: starting no more jobs; waiting for ${runningNow()} running\n`);
      trace?.instant('-x');
      stopFeeding();
    }
    if (halted === undefined && haltReached(options.halt, { failed, succeeded }, haltTotal())) {
      halted = outcome;
      failedAtHalt = failed;
      const others = runningNow();
      const what = options.halt.when === 'now' ? `killing ${others} running command${others === 1 ? '' : 's'}` : `starting no more jobs; waiting for ${others} running`;
      err(`spm-shell: halting (--halt ${formatHalt(options.halt)}) after job ${seq}: ${what}\n`);
      if (options.halt.when === 'now') stopNow(`--halt ${formatHalt(options.halt)}`);
      else {
        trace?.instant(`--halt ${formatHalt(options.halt)}`);
        stopFeeding();
      }
    }
  };

  // Jobs become task records on their way out of the feed; the hub keeps each job by its seq.
  const feedIterator = feed[Symbol.asyncIterator]();
  // The feed's step a batch stopped waiting for: the next task's first job.
  let pendingStep: Promise<IteratorResult<Job>> | undefined;
  /**
   * --fifo: whether job `seq`'s FIFO from a run before is kept for this one — its
   * command never opened it, so it still holds the job's input. Else that FIFO is dropped (if
   * any) and the caller makes a new one.
   */
  const keepsFeed = (seq: number): boolean => {
    const before = stdinFeeds.get(seq);
    if (before !== undefined && !before.over && !before.open) return true;
    before?.drop();
    return false;
  };
  const nextJob = async (): Promise<IteratorResult<Job>> => {
    // The step a batch stopped waiting for is taken now, at the call, once: the batch may set
    // `pendingStep` to this very call while it waits (see `tasks`). Cleared only after the wait,
    // it wiped that out when the call ended before the next task was asked for — its job never
    // ran, nor was it logged, and the run exited 0 (seen once a slow reader held the next task
    // back, 2 of 6 runs of 100 jobs; until session 46). The call's later turns read the feed.
    let given = pendingStep;
    pendingStep = undefined;
    for (;;) {
      const step = await (given ?? feedIterator.next());
      given = undefined;
      if (step.done === true) return step;
      const job = step.value;
      // A refused input line is a job that fails at once, never sent to a spoke.
      if (job.refused !== undefined) {
        conclude(refusedOutcome(job, job.refused));
        continue;
      }
      // --pipe-part: the command's stdin is its part of the file, copied by its spoke's fork
      // server as the command reads it (see commandOf): the bytes never pass through the hub.
      const part = fileParts.get(job.seq);
      if (part !== undefined && !options.dryRun) {
        // Opened now (and closed): a file gone or unreadable fails the job before it runs, with
        // the reason. (Gone between now and the command's start: the run fails, exit 126.)
        try {
          await (await openPart(part)).close();
        } catch (error) {
          conclude(refusedOutcome(job, `its --pipe-part file \`${part.path}\` cannot be read: ${(error as Error).message}`));
          continue;
        }
        return step;
      }
      // --fifo: the block to its FIFO, written once the command opens it. A run again gets a new
      // one (see keepsFeed).
      if (options.fifo && job.input !== undefined) {
        if (keepsFeed(job.seq)) return step;
        try {
          const [made] = await fifos.feeds(1, 'fifo-');
          const fifo = made as FifoFeed;
          fifo.write(job.input);
          fifo.end();
          stdinFeeds.set(job.seq, fifo);
        } catch (error) {
          conclude(refusedOutcome(job, `its --fifo ${(error as Error).message}`));
          continue;
        }
        return step;
      }
      // --cat: the block to its file, once (a run again finds it there). The job keeps the block
      // only for the job log's Send, as GNU parallel counts it.
      if (!options.cat || job.input === undefined || catFiles.has(job.seq)) return step;
      const file = spillDir === undefined ? undefined : join(spillDir, `cat-${job.seq}`);
      try {
        if (file === undefined) throw new Error('no temporary directory could be made');
        writeFileSync(file, job.input, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        conclude(refusedOutcome(job, `its --cat file${file === undefined ? '' : ` \`${file}\``} could not be written: ${(error as Error).message}`));
        continue;
      }
      catFiles.set(job.seq, file);
      return step;
    }
  };
  const NOT_YET = Symbol('not yet');
  // --cat: each job's block in a file of the run's temporary directory, written when the job
  // leaves the feed (see nextJob) and deleted when the job is over; the command gets its name,
  // not the block.
  // --fifo: the same, through a FIFO (its name in the same variable). --tee, --round-robin: the
  // command's stdin through a FIFO its shell opens first.
  // --pipe-part: the job's stdin is its part — the header (`input`), then the file's range.
  const partOf = (seq: number): Pick<ShellCommand, 'input' | 'inputFile'> => {
    const part = fileParts.get(seq);
    if (part === undefined) return {};
    const inputFile = { path: resolve(part.path), offset: part.start, length: part.end - part.start };
    return part.header.length > 0 ? { input: part.header, inputFile } : { inputFile };
  };
  // --template: each job's files (names and texts filled; `{%}` by the spoke), written by the
  // spoke before the command runs. With --header, the columns' names are read in them once known.
  const filesOf = (job: Job): NonNullable<ShellCommand['files']> => {
    const args = job.args ?? [job.tag];
    return options.templates.map((t) => ({ path: resolve(fillPath(named(t.name), args, job.seq, job.perl)), content: fillPath(named(t.content), args, job.seq, job.perl) }));
  };

  const commandOf = (job: Job): ShellCommand => {
    const fed = stdinFeeds.get(job.seq);
    const file = catFiles.get(job.seq) ?? (options.fifo ? fed?.path : undefined);
    return {
      seq: job.seq,
      command: job.command,
      ...(job.input !== undefined && file === undefined ? { input: job.input } : {}),
      ...(options.workdir !== undefined ? { cwd: workdirOf(job) } : {}),
      ...(options.templates.length > 0 ? { files: filesOf(job) } : {}),
      // Absolute: a relative --tmpdir named it from here, and a job run elsewhere (--wd) could not open it.
      ...(file !== undefined ? { env: { PARALLEL_TMP: resolve(file) } } : {}),
      ...(fed !== undefined && !options.fifo ? { stdinFrom: fed.path } : {}),
      ...partOf(job.seq),
    };
  };

  // Output a reader slower than the commands has not taken yet waits in this process: past a
  // bound, no job starts until it has drained (as GNU parallel, blocked writing, starts none), so
  // that memory holds at most the bound and the running jobs' outputs — not every job's output,
  // as until session 46 (1,000 jobs of 1 MB to a paused reader: ~1 GB). An interrupt or a SIGHUP
  // ends the wait.
  const outputBound = Math.max(OUTPUT_QUEUE_BOUND, options.maxOutputBytes);
  /** More than the bound waits for the reader on `stream`. */
  const pastBound = (stream: ShellIO['stdout']): boolean => ((stream as { writableLength?: number }).writableLength ?? 0) > outputBound;
  /** More than the bound waits for the reader, on stdout or stderr. */
  const outputBehind = (): boolean => pastBound(io.stdout) || pastBound(io.stderr);
  const outputRoom = async (): Promise<void> => {
    for (const stream of [io.stdout, io.stderr]) {
      if (!pastBound(stream)) continue;
      const backlog = backlogOf(stream);
      if (backlog !== undefined) await Promise.race([backlog, stopReading]);
    }
  };
  const tasks: AsyncIterable<ShellTask> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<ShellTask>> => {
        await outputRoom();
        const first = await nextJob();
        if (first.done === true) return { value: undefined, done: true };
        const jobs = [first.value];
        let bytes = jobBytes(first.value);
        // While commands are short, the jobs that are at hand join the first one's task; a job
        // not there by the next turn of the event loop (a slow input, the feed's window) is not
        // waited for: it starts the next task.
        const turn = batch > 1 ? new Promise<typeof NOT_YET>((resolve) => setImmediate(resolve, NOT_YET)) : undefined;
        while (jobs.length < batch) {
          const step = nextJob();
          const got = await Promise.race([step, turn as Promise<typeof NOT_YET>]);
          if (got === NOT_YET || got.done === true) {
            pendingStep = step;
            break;
          }
          const more = jobBytes(got.value);
          if (bytes + more > batchBytes) {
            // Its outputs might not fit in this batch's report: it starts the next task.
            pendingStep = step;
            break;
          }
          bytes += more;
          jobs.push(got.value);
        }
        // Oldest first: a job given back (or failed, with --retries) while this batch was being
        // gathered joins it behind newer ones, yet it has waited longest and -k prints nothing
        // past it until it is done. A batch runs its commands one after another, in this order.
        if (jobs.length > 1) jobs.sort((a, b) => a.seq - b.seq);
        for (const job of jobs) inflight.set(job.seq, job);
        const timeoutMs = options.timeoutMs ?? 0;
        // The backstop: every command this task and those a spoke holds ahead of it may run, each to its timeout and kill grace.
        const backstopMs = BACKSTOP_MS + (timeoutMs + killGraceOf(options)) * (everHeld ? HELD_JOBS_MAX : 1);
        return {
          value: {
            commands: jobs.map((job) => (job.input === undefined && options.workdir === undefined && options.templates.length === 0 && !stdinFeeds.has(job.seq) && !options.pipePart ? { seq: job.seq, command: job.command } : commandOf(job))),
            timeoutMs,
            ...(options.killSequence !== undefined ? { killSequence: options.killSequence } : {}),
            maxOutputBytes: options.maxOutputBytes,
            ...(spillDir !== undefined ? { spillDir } : {}),
            ...(options.lineBuffer || options.ungroup || options.latestLine ? { lineBuffer: true } : {}),
            ...(options.latestLine ? { returnEndsLine: true } : {}),
            ...(options.ungroup ? { ungroup: true } : {}),
            ...(options.showCommands || echoAsStarted ? { showStarts: true } : {}),
            ...(options.nice !== undefined ? { nice: options.nice } : {}),
            ...(shell !== DEFAULT_SHELL ? { shell } : {}),
            ...(options.shellQuote > 0 ? { shellQuote: options.shellQuote } : {}),
            ...(slotWidth > 1 ? { slotWidth } : {}),
            ...(options.cleanup ? { removeFiles: true } : {}),
            ...(options.timeoutShare !== undefined || memToStart !== undefined || options.limit !== undefined ? { watchedByHub: true } : {}),
            pid: process.pid,
            ...(options.slotVariable !== undefined ? { slotVariable: options.slotVariable } : {}),
            ...(options.openTty ? { terminal: true } : {}),
            ...(timeoutMs > 0 ? { spm: { meta: { timeout: after({ ms: backstopMs }) } } } : {}),
          },
          done: false,
        };
      },
      return: async (): Promise<IteratorResult<ShellTask>> => {
        await feedIterator.return?.();
        return { value: undefined, done: true };
      },
    }),
  };

  // A dispatched command is running, or held by its spoke behind the running one (pipelining):
  // `runningNow` caps the count at one per spoke. Listening to `dispatch` rather than `started`
  // spares the spokes a message per command.
  const onDispatched = (e: { taskId: TaskId }): void => {
    firstDispatch ??= Date.now();
    running.add(e.taskId);
  };
  const onAttemptLost = (e: { taskId: TaskId }): void => void running.delete(e.taskId);
  // A spoke lost under a command (a process spoke killed, a thread that crashed): the manager
  // runs the command again on another spoke. Said with --verbose; --json counts the runs.
  const onSpokeLost = (e: { taskId: TaskId; spokeId: string; reason: string }): void => {
    onAttemptLost(e);
    if (options.verbose) err(`#: spm-shell: spoke ${e.spokeId} was lost under a running command (${e.reason}); running that command again\n`);
  };
  shellCommand.on('dispatch', onDispatched);
  shellCommand.on('retry', onSpokeLost);
  shellCommand.on('timeout', onAttemptLost);

  let cloud: VirtualCloud | undefined;
  let detachTrace: (() => void) | undefined;
  // -j FILE: read again every second while the run goes on (GNU parallel's procfile).
  const jobsFile = options.jobsFile === undefined ? undefined : new JobsFileWatch(options.jobsFile, options.jobs, '-j', options.jobsBase);
  /** Provisioners of the spokes -j FILE added. */
  let addedProvisioners = 0;
  const followJobsFile = (tracker: VirtualCloud['tracker']): void => {
    jobsFile?.start(
      (given) => {
        // 0: as many as there are jobs (those known so far), at most as many as may run at once.
        const total = countedTotal();
        const wanted = given === 0 ? Math.min(total ?? allAtOnce, allAtOnce) : given;
        slotsNow = wanted;
        if (options.verbose) err(`#: spm-shell: the -j file \`${options.jobsFile as string}\` gives ${describeSlots(given)}: ${wanted} from now on\n`);
        trace?.instant(`-j file: ${wanted} job slots`);
        // More spokes, if jobs may still start (no more than there are jobs, when that is known).
        const more = Math.min(wanted, total ?? Infinity) - spokesLeased;
        if (more > 0 && !stopping && !windingDown && !controller.signal.aborted) {
          const provisioner = local({ name: `local-j${++addedProvisioners}`, kind: options.transport, spokes: more, numberFrom: spokesLeased + 1, ...(frameBytes !== undefined ? { maxFrameBytes: frameBytes } : {}) });
          spokesLeased += more;
          // A spoke that cannot start is the tracker's to report (the lease just does not get it); a closed tracker (the run ended) needs none.
          tracker.addProvisioner(provisioner).catch(() => undefined);
        }
        updateHolding();
      },
      (reason) => err(`spm-shell: ${reason}\n`),
    );
  };
  // An earlier run in this process may have been interrupted (runShell called from code).
  resumeCommandsInThisThread();
  // Output past --max-output goes to files here (the printer streams and deletes them): nothing
  // is lost, and memory holds at most --max-output per stream and command. Removed at the end,
  // and at the process's exit (a second Ctrl-C exits at once). Without it (no temporary
  // directory can be made), output past the cap is dropped, and each job it happens to says so.
  try {
    spillDir = mkdtempSync(join(options.tmpdir ?? tmpdir(), runDirPrefix('spill')));
  } catch {
    spillDir = undefined;
  }
  // The directories of runs killed with SIGKILL (which could not remove theirs): removed in the
  // background, off the run's path (see reapDeadRunDirs); waited for at the end.
  const reaped = reapDeadRunDirs(options.tmpdir ?? tmpdir());
  const removeSpill = (): void => {
    try {
      if (spillDir !== undefined) rmSync(spillDir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // A process spoke still writing into it as the bin exits (a second Ctrl-C): what it leaves is
      // in the system's temporary directory, which is cleaned by the system.
    }
  };
  process.once('exit', removeSpill);
  try {
    cloud = await VirtualCloud.start({ local: { kind: options.transport, spokes, ...(frameBytes !== undefined ? { maxFrameBytes: frameBytes } : {}) } });
    const tracker = cloud.tracker;
    detachTrace = trace?.attach(
      shellCommand,
      (report) => {
        const commands = (report.record as ShellTask).commands;
        const values = report.ok ? (report.value as readonly ShellResult[]) : undefined;
        const shownOf = (i: number): string => values?.[i]?.command ?? withSlot((commands[i] as ShellCommand).command, '{%}');
        const short = (text: string): string => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
        const detail = (i: number): Record<string, unknown> => {
          const value = values?.[i];
          return { seq: (commands[i] as ShellCommand).seq, command: shownOf(i), exitCode: value?.exitCode ?? null, signal: value?.signal ?? null, timedOut: value?.timedOut ?? report.error instanceof SPMTaskTimeout };
        };
        const inner = (i: number, name: string) => {
          const value = values?.[i];
          // Nothing to draw for a command that never ran (refused, or stopped before it started).
          const ran = value !== undefined && value.error === undefined && value.returned !== true && !(value.aborted && value.durationMs === 0);
          return ran ? [{ name, startMs: value.startMs, durationMs: value.durationMs, ...(commands.length > 1 ? { args: detail(i) } : {}) }] : [];
        };
        // A command given back (it waited behind a long one) is drawn where it ran.
        if (commands.length === 1) return { name: short(shownOf(0)), args: { ...detail(0), ...(values?.[0]?.returned === true ? { returned: [commands[0]?.seq] } : {}) }, inner: inner(0, 'sh -c') };
        // A batch: one span for the task, one inside it per command.
        const seqs = commands.map((c) => c.seq);
        const given = seqs.filter((_, i) => values?.[i]?.returned === true);
        return {
          name: `${commands.length} commands (jobs ${seqs[0]}–${seqs[seqs.length - 1]})`,
          args: { seqs, ...(given.length > 0 ? { returned: given } : {}), ...(report.ok ? {} : { error: report.error?.message ?? 'failed' }) },
          inner: commands.flatMap((_, i) => inner(i, short(shownOf(i)))),
        };
      },
      (spokeId) => tracker.snapshot(spokeId)?.host,
    );
    // Not drawn by itself over a terminal the commands are given (--tty, -o): only when asked for.
    if (options.progress === 'on' || (options.progress === 'auto' && io.stderr.isTTY === true && !options.openTty && !options.interactive)) {
      const began = Date.now();
      bar = new ProgressBar(
        io.stderr,
        () => ({
          done: succeeded + failed,
          failed,
          running: runningNow(),
          total: barTotal(),
          elapsedMs: Date.now() - (firstDispatch ?? began),
        }),
        undefined,
        () => lineOpen,
      );
      bar.draw(); // at once, not a tick later: a short run still shows it
    }
    if (interrupted !== undefined) onInterruptNow();
    else interrupt?.addEventListener('abort', onInterruptNow, { once: true });
    if (io.windDown?.aborted === true) onWindDown();
    else io.windDown?.addEventListener('abort', onSighup, { once: true });
    followJobsFile(tracker);
    await shellCommand.manage({
      pool: cloud.pool.intraAll(),
      tasks,
      onStatus,
      onMessage,
      ...(options.verbose ? { onMetaStatus: (status) => err(`${formatMetaStatus(status)}\n`) } : {}),
      nSpokesMin: 1,
      timeoutWaitForSpokes: after({ seconds: 60 }),
      // How many commands a spoke holds is the task feed's window (see PIPELINE_BELOW_MS).
      policy: SHELL_POLICY,
      signal: controller.signal,
      // An abort (an interrupt on thread or process spokes, --halt now) first has the spokes stop
      // the commands, and takes the reports of what finished (see STOP_SLACK_MS).
      abortGrace: stopGraceMs,
    });
  } catch (error) {
    // An abort we asked for (halt now, an interrupt) rejects manage(): that is the plan, not a failure.
    if (!controller.signal.aborted) fatal = error as Error;
  } finally {
    if (stopTimer !== undefined) clearTimeout(stopTimer);
    jobsFile?.stop();
    interrupt?.removeEventListener('abort', onInterruptNow);
    interrupt?.removeEventListener('abort', onInterrupt);
    io.windDown?.removeEventListener('abort', onSighup);
    shellCommand.off('dispatch', onDispatched);
    shellCommand.off('retry', onSpokeLost);
    shellCommand.off('timeout', onAttemptLost);
    detachTrace?.();
    bar?.stop();
    screen?.stop();
    rl?.close();
    asker?.close();
    await printer.flush();
    removeSpill();
    process.off('exit', removeSpill);
    await reaped;
    // (A pipe's reader may still be taking rows: waited for, as for stdout — a second signal ends the wait.)
    await closeJoblog();
    await closeTable();
    try {
      if (trace !== undefined && traceFd !== undefined && isPipe(traceFd)) {
        const pipe = new PipeWriter(traceFd, (error) => {
          unwritten = true;
          io.stderr.write(`spm-shell: cannot write the trace \`${options.trace}\`: ${error.message}\n`);
        });
        traceFd = undefined; // the writer's now
        pipe.write(`${JSON.stringify(trace.toJSON())}\n`);
        await pipe.end();
      } else trace?.write(traceFd ?? (options.trace as string));
    } catch (error) {
      unwritten = true;
      io.stderr.write(`spm-shell: cannot write the trace \`${options.trace}\`: ${(error as Error).message}\n`);
    } finally {
      if (traceFd !== undefined) closeSync(traceFd);
    }
    if (cloud !== undefined) {
      // An abort relaunches the spokes whose commands it killed; closing the cloud while one is
      // still starting makes that spoke complain on stderr. Let them come up first (bounded).
      if (controller.signal.aborted) await settleSpokes(cloud, SETTLE_SPOKES_MS);
      await cloud.close();
    }
  }
  if (options.verbose && killed > 0) {
    // Once spokes held commands, some of those stopped had not started: not all were running.
    const what = everHeld ? `unfinished command${killed === 1 ? ' was' : 's were'} stopped (running ones killed, held ones never started)` : `running command${killed === 1 ? ' was' : 's were'} killed`;
    io.stderr.write(`#: spm-shell: ${killed} ${what}\n`);
  }
  if (interrupted !== undefined) return interruptStatus();
  if (fatal !== undefined) {
    io.stderr.write(`spm-shell: ${fatal.message}\n`);
    return 255;
  }
  if (unwritten || feedFailed !== undefined || limitFailed !== undefined || tooLong !== undefined) return 255;
  if (halted !== undefined) {
    // As GNU parallel: a success=N halt exits 0; fail=1 and done=1 exit with the status of the job
    // that halted the run; other halts with the number of failures when the halt came.
    // A percentage: the share of all the jobs that failed by the halt, in percent, rounded up
    // (GNU parallel's; and, as there, the halting job's status when the share came to 1 job).
    if (options.halt.why === 'success') return 0;
    const total = haltTotal();
    if (haltThreshold(options.halt, total) === 1) return jobExitStatus(halted);
    if (options.halt.percent !== undefined) return Math.min(Math.ceil((failedAtHalt / Math.max(total, 1)) * 100), 101);
    return Math.min(failedAtHalt, 101);
  }
  // --semaphore (GNU parallel's sem): its one command's own status (a signal's as 128 + its number).
  if (options.semaphore !== undefined && lastOutcome !== undefined) return jobExitStatus(lastOutcome);
  // A --halt percentage never reached (fail= or success=): the share of the commands started
  // (each --retries run counted) that failed, in percent, rounded up, as GNU parallel's.
  if (options.halt.percent !== undefined && failed > 0) return Math.min(Math.ceil((failed / Math.max(started, 1)) * 100), 101);
  return Math.min(failed, 101);
}
