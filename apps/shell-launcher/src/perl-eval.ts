/**
 * GNU parallel's `{= perl expression =}` evaluated by Perl itself: one `perl` coprocess per run,
 * asked synchronously (commands are filled synchronously, in job-source.ts and elsewhere).
 *
 * How a synchronous question reaches an asynchronous child: a worker thread owns the `perl`
 * process and its pipes (fd 3 its requests, fd 4 its replies; its stdout and stderr are ours, as
 * GNU parallel's are, so `print STDERR` in an expression is seen). The hub posts a request on a
 * MessagePort and sleeps in `Atomics.wait` until the worker has a whole reply (or the coprocess
 * has died: said, never waited for forever), then takes it with `receiveMessageOnPort`. A round
 * trip costs ~60 µs here; one is made per job (every expression of every template at once).
 *
 * The expressions run as GNU parallel 20221122 runs them: compiled once each as
 * `sub { no strict; no warnings; my $job = shift; CODE }` in package `Arg`, `$_` the argument
 * (its value after the code is the replacement), package variables kept from job to job, with
 * its helpers: `Q()`, `pQ()`, `uq()`, `hash()`, `total_jobs()`, `seq()`, `skip()`, `@arg`
 * (`$arg[1]` the first argument), `$job->seq()`, `$job->skip()`, the time functions, and
 * `::make_regexp_ungreedy`, `::uniq`, `$Global::max_jobs_running` its `--rpl` examples use.
 * `slot()` and `$job->slot()`: a job's slot is known only when it starts (on the spoke that runs
 * it), and its command is filled before. So an expression whose code names `slot` is evaluated
 * once for each slot the job may get, 1 to `-j` (`$Global::max_jobs_running`), and its value is
 * a choice among those ({@link PerlValue.bySlot}; command-template.ts' slot choice mark), made
 * by the spoke as it fills `{%}`. Elsewhere (`--filter`, code that calls it without naming it)
 * `slot()` dies, saying so.
 */

import { isMainThread, receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { SPMError } from '@spm/exceptions';
import type { Job } from './job-outcome.js';
import { badByteAt, firstInvalidUtf8 } from './input-lines.js';

/** One `{= =}` (or `--rpl` string) of a template: what it runs, and on which argument. */
export interface PerlExpression {
  /**
   * Its position, as written after `{=` (`{=2 …=}`: `'2'`): the argument it is evaluated on.
   * `''` or `'0'`: each argument in turn, as `{}` (GNU parallel's Perl truth of the number).
   */
  readonly position: string;
  /** The Perl code, `$$1`… of an `--rpl` string already set. */
  readonly code: string;
  /** As written in the template (`{= s/a/b/ =}`, `{odd}`), for messages. */
  readonly written: string;
  /** Where it was written, for messages (`the command`, `` `--tagstring` ``). */
  readonly where: string;
}

/**
 * True when a Perl string of this `position` is evaluated on one argument, not on each one: GNU
 * parallel's Perl truth of the number (`''` and `'0'` are each argument).
 */
export function isPositional(position: string): boolean {
  return position !== '' && position !== '0';
}

/**
 * The first of `expressions` whose code names `name` (`total_jobs`: the jobs are then counted
 * before the first runs; `skip`: they are made once more to count those passed over), if any.
 */
export function codeNaming(expressions: readonly PerlExpression[], name: string): PerlExpression | undefined {
  return expressions.find((expression) => expression.code.includes(name));
}

/**
 * The first place the run's Perl code — its `{= =}` expressions, then its `--filter`s (`text` as
 * kept, `written` as given) — names `name`, if any: the code as written, and where it is.
 */
export function perlCodeNaming(expressions: readonly PerlExpression[], filters: readonly { readonly written: string; readonly text: string }[], name: string): PerlExpression | undefined {
  return codeNaming([...expressions, ...filters.map((f) => ({ position: '', code: f.text, written: f.written, where: '`--filter`' }))], name);
}

/** `made` with its Perl strings' values: refused when one died, passed over when one called `skip()`. */
export function withPerlValues(made: Job, perl: PerlJob | undefined): Job {
  if (perl === undefined) return made;
  return { ...made, perl, ...(perl.failed !== undefined ? { refused: perl.failed } : {}), ...(perl.skipped ? { skipped: true } : {}) };
}

/** What one expression made of one argument. */
export interface PerlValue {
  /** The value; of an expression naming `slot`, the expression as written (shown before the job runs). */
  readonly text: string;
  /** `uq()` was called: the value goes in as it is, not shell-quoted. */
  readonly bare: boolean;
  /**
   * An expression naming `slot`: its value in each job slot, 1 to `-j` (index 0 is slot 1's),
   * one of which is chosen where the job runs.
   */
  readonly bySlot?: readonly { readonly text: string; readonly bare: boolean }[];
}

/** Every expression's values for one job (see {@link PerlEvaluator.valuesOf}). */
export interface PerlJob {
  /** A non-positional expression's value for argument `i` (0-based; no arguments: `i` 0 is of `""`). */
  at(expression: number, i: number): PerlValue | undefined;
  /** A positional expression's value (undefined: there is no argument at its position: empty). */
  positional(expression: number): PerlValue | undefined;
  /** `skip()` was called: the job is passed over (as `{choose_k}` passes one over). */
  readonly skipped: boolean;
  /** Why an expression died, when one did: the job is not run. */
  readonly failed?: string;
}

/**
 * How long Perl code may take before spm-shell says on stderr that the run waits for it (once
 * per request): 10 s, or `$SPM_SHELL_PERL_NOTICE_MS` (for tests).
 */
function perlNoticeMs(): number {
  const given = Number(process.env['SPM_SHELL_PERL_NOTICE_MS']);
  return Number.isFinite(given) && given > 0 ? given : 10_000;
}

/**
 * prctl's system call number on this machine (Linux), for the coprocess' parent-death signal
 * (see PERL_SCRIPT); `''` where it is not known: the coprocess then goes without it.
 */
const PRCTL_SYSCALL: string =
  process.platform !== 'linux' ? '' : ({ x64: '157', arm64: '167', riscv64: '167', loong64: '167', ia32: '172', arm: '172', s390x: '172', ppc64: '171' } as Record<string, string>)[process.arch] ?? '';

/**
 * A thread asleep in `Atomics.wait` runs no signal listener: a SIGTERM to the hub is heard only
 * when the expression returns — never, for one that loops. So once a request has run past the
 * notice time (the notice says SIGTERM stops it), the main thread's SIGTERM listeners are set
 * aside (SIGTERM then ends the process, as with none: the coprocess dies with it, its parent-death
 * signal; commands running on fork servers are killed by their lifelines) and put back, in order,
 * by the function returned. Not sooner: a SIGTERM that came before is dropped with the listeners'
 * signal handle (libuv's), so a slow expression that does return would not stop the run on it
 * (it is heard as it returns, for the clean stop, while the listeners stay). Ctrl-C needs none of
 * this: a terminal's SIGINT reaches perl too (same process group), and the hub hears it when
 * perl dies.
 */
function setSigtermAside(): () => void {
  const held = process.rawListeners('SIGTERM') as ((signal: NodeJS.Signals) => void)[];
  if (held.length === 0) return () => undefined;
  process.removeAllListeners('SIGTERM');
  return () => {
    for (const listener of held) process.on('SIGTERM', listener);
  };
}

/** The values of a run with no Perl strings (`--filter` alone). */
const NO_VALUES: PerlJob = { skipped: false, at: () => undefined, positional: () => undefined };

/** The coprocess: reads length-framed requests on fd 3, writes length-framed replies on fd 4. */
const PERL_SCRIPT = String.raw`
no strict; no warnings;
use POSIX ();
# While it evaluates a request, perl dies with the thread that started it (Linux's parent-death
# signal, SIGKILL, set through prctl's syscall number, given as the first argument): a hub killed
# while an expression runs for ever leaves no perl spinning. Idle, it waits for its requests to
# end (end-of-file) as before, so that what it printed is flushed when the run ends.
$SPM::prctl = 0 + (shift(@ARGV) || 0);
$SPM::ppid = getppid();
sub SPM::guard {
  my ($on) = @_;
  return unless $SPM::prctl;
  syscall($SPM::prctl, 1, $on ? 9 : 0);
  # The hub died before the signal was set: nothing would send it.
  POSIX::_exit(0) if $on && getppid() != $SPM::ppid;
}
# --filter's code, compiled where none of this script's own variables are seen, under strict as
# GNU parallel's is; its messages say where ("at --filter line 1.").
sub Arg::SPM_filter { return eval("package Arg; use strict; no warnings;\n#line 1 \"--filter\"\n" . $_[0]); }
open(my $in, '<&=', 3) or die "spm-shell: perl cannot read fd 3: $!\n";
open(my $out, '>&=', 4) or die "spm-shell: perl cannot write fd 4: $!\n";
binmode $in; binmode $out;
sub SPM::readn { my ($n) = @_; my $buf = ''; while (length($buf) < $n) { my $got = read($in, $buf, $n - length($buf), length($buf)); return undef unless $got; } return $buf; }
sub SPM::fields { my ($p) = @_; my @f; my $at = 0; while ($at < length $p) { my $l = unpack('N', substr($p, $at, 4)); push @f, substr($p, $at + 4, $l); $at += 4 + $l; } return @f; }
# Each field as bytes, as print would write it: a string of characters up to 0xFF as those bytes
# (chr(233) is the byte 0xe9), one holding wider characters as UTF-8 (Perl's "Wide character").
# Their lengths are then counted in bytes: until 2026-11-24 a wide character's was counted as
# one, the reply overran its frame, and the hub waited for ever on the next.
sub SPM::bytes { my $f = "$_[0]"; utf8::encode($f) if utf8::is_utf8($f) && !utf8::downgrade($f, 1); return $f; }
sub SPM::reply { my $p = join('', map { my $f = SPM::bytes($_); pack('N', length $f) . $f } @_); STDOUT->flush(); SPM::guard(0); print $out pack('N', length $p) . $p; $out->flush(); }

package main;
sub shell_quote_scalar { my $a = $_[0]; if ($a =~ /[^-_.+a-z0-9\/]/i) { $a =~ s/'/'"'"'/g; $a = "'$a'"; $a =~ s/^''//; $a =~ s/''$//; return $a; } return $a eq '' ? "''" : $a; }
sub Q { return shell_quote_scalar($_[0]); }
sub perl_quote_scalar { my $a = $_[0]; if (defined $a) { $a =~ s/[\\\"\$\@]/\\$&/go; } return $a; }
sub pQ { return perl_quote_scalar($_[0]); }
sub uniq { return keys %{{ map { $_ => 1 } @_ }}; }
sub make_regexp_ungreedy {
  my $regexp = shift; my ($class_state, $escape_state, $found, $ungreedy) = (0, 0, 0, '');
  for my $c (split(//, $regexp)) {
    if ($found) { if ($c ne '?') { $ungreedy .= '?'; } $found = 0; }
    $ungreedy .= $c;
    if ($escape_state) { $escape_state = 0; next; }
    if ($c eq "\\") { $escape_state = 1; next; }
    if ($c eq '[') { $class_state = 1; next; }
    if ($class_state) { if ($c eq ']') { $class_state = 0; } next; }
    if ($c =~ /[*}+]/) { $found = 1; }
  }
  if ($found) { $ungreedy .= '?'; }
  return $ungreedy;
}

package SPM::Job;
sub seq { return $_[0]{seq}; }
sub slot { return $_[0]{slot} if defined $_[0]{slot}; die "slot() is not known here: only an expression naming slot() in the command, --tagstring or a --template is given the job slot (use {%} elsewhere)\n"; }
sub skip { $_[0]{skip} = 1; }

package Arg;
sub Q { return ::Q($_[0]); }
sub pQ { return ::pQ($_[0]); }
sub hash { $Global::use{"B"} ||= eval "use B; 1;"; return B::hash(@_); }
sub total_jobs { return $SPM::total if defined $SPM::total; die "total_jobs() is not known here (--pipe: give --total-jobs N)\n"; }
sub skip { $SPM::job->skip(); }
sub slot { $SPM::job->slot(); }
sub seq { return $SPM::job->seq(); }
sub uq { $SPM::unquote = 1; }
sub yyyy_mm_dd_hh_mm_ss { return POSIX::strftime("%Y-%m-%dT%H:%M:%S", localtime(time())); }
sub yyyy_mm_dd_hh_mm { return POSIX::strftime("%Y-%m-%dT%H:%M", localtime(time())); }
sub yyyy_mm_dd { return POSIX::strftime("%Y-%m-%d", localtime(time())); }
sub hh_mm_ss { return POSIX::strftime("%H:%M:%S", localtime(time())); }
sub hh_mm { return POSIX::strftime("%H:%M", localtime(time())); }
sub yyyymmddhhmmss { return POSIX::strftime("%Y%m%d%H%M%S", localtime(time())); }
sub yyyymmddhhmm { return POSIX::strftime("%Y%m%d%H%M", localtime(time())); }
sub yyyymmdd { return POSIX::strftime("%Y%m%d", localtime(time())); }
sub hhmmss { return POSIX::strftime("%H%M%S", localtime(time())); }
sub hhmm { return POSIX::strftime("%H%M", localtime(time())); }
sub SPM_compile { return eval('sub { no strict; no warnings; my $job = shift; ' . $_[0] . ' }'); }

package main;
# exit() in an expression would end the coprocess: it dies instead (the job is not run).
BEGIN { *CORE::GLOBAL::exit = sub { die "exit() ends no job here: the expression died\n"; }; }
my (@compiled, @position, @slotted);
while (defined(my $length = SPM::readn(4))) {
  my $request = SPM::readn(unpack('N', $length));
  last unless defined $request;
  SPM::guard(1);
  my ($kind, @f) = SPM::fields($request);
  if ($kind eq 'C') {
    $Global::max_jobs_running = shift @f;
    $SPM::slots = $Global::max_jobs_running;
    my @failed;
    while (@f) {
      my ($position, $code, $slotted) = splice(@f, 0, 3);
      my $sub = Arg::SPM_compile($code);
      if (!$sub) { @failed = (scalar(@compiled), "$@"); last; }
      push @compiled, $sub; push @position, $position; push @slotted, $slotted;
    }
    SPM::reply(@failed);
    next;
  }
  my ($seq, $total, @args) = @f;
  $SPM::total = $total eq '' ? undef : $total;
  $SPM::job = bless { seq => $seq, skip => 0 }, 'SPM::Job';
  if ($kind eq 'F') {
    # --filter: each code in turn (@args here), until one is false or dies.
    my ($pass, $failed) = ('1', '');
    for my $i (0 .. $#args) {
      local $@;
      my $true = Arg::SPM_filter($args[$i]);
      if ($@ ne '') { ($pass, $failed) = ('0', "$i\0$@"); last; }
      if (!$true) { $pass = '0'; last; }
    }
    SPM::reply($SPM::job->{skip} ? '0' : $pass, $failed);
    next;
  }
  @Arg::arg = (undef, @args);
  my @given = @args ? @args : ('');
  my $n = scalar(@given);
  my ($failed, @values) = ('');
  EXPRESSION: for my $e (0 .. $#compiled) {
    my $position = $position[$e];
    my @which;
    if ($position ne '' && $position ne '0') { my $k = $position > 0 ? $position - 1 : $n + $position; @which = (['p', $given[$k]]) if defined $given[$k]; }
    else { @which = map { [$_, $given[$_]] } 0 .. $n - 1; }
    # An expression naming slot: once in each job slot, 1 to -j (each a group of values).
    for my $slot ($slotted[$e] ? (1 .. $SPM::slots) : (undef)) {
      $SPM::job->{slot} = $slot;
      push @values, scalar(@which);
      for my $w (@which) {
        local $_ = $w->[1];
        $SPM::unquote = 0;
        if (!eval { $compiled[$e]->($SPM::job); 1 }) { $failed = "$e\0$@"; last EXPRESSION; }
        push @values, $w->[0], ($SPM::unquote ? '1' : '0'), (defined $_ ? "$_" : '');
      }
    }
  }
  delete $SPM::job->{slot};
  SPM::reply($SPM::job->{skip} ? '1' : '0', $failed, $failed eq '' ? @values : ());
}
`;

/** The worker thread that owns the coprocess (CommonJS, run from this text: no file to find in a bundle). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.shared);
const port = workerData.port;
const wake = () => { Atomics.add(flag, 0, 1); Atomics.notify(flag, 0); };
let gone = false;
const died = (why) => { if (gone) return; gone = true; port.postMessage({ died: why }); wake(); };
// Whatever fails here is said to the hub waiting for a reply, never left for it to wait on — the
// body's own text too (compiled here, so that an error in it is caught, not the worker's end:
// the hub, asleep in Atomics.wait, would never hear of that).
process.on('uncaughtException', (error) => died('its worker failed: ' + (error && error.message || error)));
try {
  new Function('require', 'workerData', 'port', 'wake', 'died', workerData.body)(require, workerData, port, wake, died);
} catch (error) {
  died('its worker failed to start: ' + (error && error.message || error));
}
`;

/** What the worker runs (compiled by {@link WORKER_SOURCE}): the perl coprocess and its pipes. */
const WORKER_BODY = `
const { spawn } = require('node:child_process');
let perl;
try {
  perl = spawn(workerData.perl, ['-e', workerData.script, workerData.prctl], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] });
} catch (error) {
  died(String(error && error.message || error));
}
// A request unanswered after workerData.noticeMs (an expression that loops, say) is said once on
// stderr, from here (the hub's thread sleeps until the answer): the run waits for it, and why.
let slow;
const noticeIfSlow = (request) => {
  clearTimeout(slow);
  const kindLength = request.readUInt32BE(4);
  const kind = request.toString('utf8', 8, 8 + kindLength);
  const at = 8 + kindLength;
  const seq = kind === 'C' ? undefined : request.toString('utf8', at + 4, at + 4 + request.readUInt32BE(at));
  slow = setTimeout(() => {
    const what = seq === undefined ? "the run's Perl code ({= =}, --rpl, --filter) has been compiling" : 'job ' + seq + "'s Perl code ({= =}, --rpl, --filter) has run";
    try {
      require('node:fs').writeSync(2, 'spm-shell: ' + what + ' for ' + workerData.noticeMs / 1000 + ' s and goes on: the run waits for it (Ctrl-C or SIGTERM stops it)\\n');
    } catch {
      // stderr gone: nothing to say it on.
    }
  }, workerData.noticeMs);
  slow.unref();
};
if (perl !== undefined) {
  // A reply's chunks are joined once it is whole, not at each chunk: a value of hundreds of MB
  // came in 64 KiB chunks, each copying all before it (until session 44: 64 MB took 20 s).
  let chunks = [];
  let have = 0;
  perl.stdio[4].on('data', (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    while (have >= 4) {
      if (chunks[0].length < 4) chunks = [Buffer.concat(chunks, have)];
      const length = chunks[0].readUInt32BE(0);
      if (have < 4 + length) break;
      const held = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
      port.postMessage(held.subarray(4, 4 + length));
      const rest = held.subarray(4 + length);
      chunks = rest.length === 0 ? [] : [rest];
      have = rest.length;
      clearTimeout(slow);
      wake();
    }
  });
  perl.stdio[3].on('error', () => undefined);
  perl.on('error', (error) => died(error.code === 'ENOENT' ? 'perl is not installed (not found on PATH)' : error.message));
  perl.on('exit', (code, signal) => died(signal !== null ? 'perl was killed by ' + signal : 'perl exited with status ' + code));
  port.on('message', (request) => {
    if (gone) return;
    perl.stdio[3].write(request);
    noticeIfSlow(Buffer.from(request.buffer, request.byteOffset, request.byteLength));
  });
  port.on('close', () => perl.stdio[3].end());
}
`;

/** A request: its fields, each 4-byte length then bytes, the whole framed by its length. */
function framed(fields: readonly string[]): Buffer {
  const parts = fields.flatMap((field) => {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  });
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/** A reply's fields as text, and which of them are not UTF-8 (Perl's values are bytes). */
interface Reply {
  readonly fields: readonly string[];
  /** By field index: the first byte of a field that is not UTF-8 (its text has U+FFFD there), and its offset in the field. */
  readonly notUtf8: ReadonlyMap<number, { readonly byte: number; readonly at: number }>;
}

/** A reply's fields (its frame already taken off by the worker). */
function fieldsOf(reply: Uint8Array): Reply {
  const bytes = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  const fields: string[] = [];
  const notUtf8 = new Map<number, { byte: number; at: number }>();
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const text = bytes.toString('utf8', at + 4, at + 4 + length);
    // (A decode that replaced bytes left U+FFFD: only then are the bytes looked at.)
    if (text.includes('\uFFFD')) {
      const field = bytes.subarray(at + 4, at + 4 + length);
      const bad = firstInvalidUtf8(field);
      if (bad < field.length) notUtf8.set(fields.length, { byte: field[bad] as number, at: bad });
    }
    fields.push(text);
    at += 4 + length;
  }
  return { fields, notUtf8 };
}

/**
 * True when `expression`'s code names `slot` (`slot()`, `$job->slot()`): it is then evaluated once
 * for each job slot the job may run in (see {@link PerlValue.bySlot}).
 */
export function namesSlot(expression: PerlExpression): boolean {
  return NAMES_SLOT.test(expression.code);
}

/** `slot` as a sub's name (`slot()`, `slot`, `$job->slot()`), not a variable's (`$slot`, `@slots`). */
const NAMES_SLOT = /(?<![$@%\w])slot\b|->\s*slot\b/;

/** How an expression is named in messages: as written, and where. */
function named(expression: PerlExpression): string {
  return `\`${expression.written}\` (in ${expression.where})`;
}

/** A run's Perl coprocess: start it with {@link PerlEvaluator.start}, ask it per job, close it at the end. */
export class PerlEvaluator {
  readonly #expressions: readonly PerlExpression[];
  /** Per expression: its code names `slot`, so it is evaluated in each of {@link #slots} job slots. */
  readonly #slotted: readonly boolean[];
  readonly #slots: number;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  /** When a request's slowness is said (by the worker) and its SIGTERM set aside (here). */
  readonly #noticeMs: number;
  #dead: string | undefined;
  /** `total_jobs()`: the number of jobs, once counted (else it dies, naming `--total-jobs`). */
  total: number | undefined;

  private constructor(expressions: readonly PerlExpression[], slots: number, perl: string, noticeMs: number) {
    this.#expressions = expressions;
    this.#slotted = expressions.map(namesSlot);
    this.#slots = slots;
    this.#noticeMs = noticeMs;
    const shared = new SharedArrayBuffer(4);
    this.#flag = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, port: port2, perl, script: PERL_SCRIPT, prctl: PRCTL_SYSCALL, noticeMs, body: WORKER_BODY }, transferList: [port2] });
    this.#worker.unref();
    this.#worker.on('error', (error) => {
      this.#dead ??= error.message;
      Atomics.add(this.#flag, 0, 1);
      Atomics.notify(this.#flag, 0);
    });
  }

  /**
   * Starts `perl` (`$SPM_PERL`, else `perl` on the PATH) and compiles `expressions`; `maxJobs` is
   * `$Global::max_jobs_running`, and the job slots an expression naming `slot` is evaluated in.
   * Throws an SPMError naming the expression that does not compile (Perl's own message), or
   * saying why Perl cannot be run. A request still unanswered after
   * `noticeMs` is said once on stderr (the run waits for it; Ctrl-C or SIGTERM stops it).
   */
  static start(expressions: readonly PerlExpression[], maxJobs: number, perl = process.env['SPM_PERL'] ?? 'perl', noticeMs = perlNoticeMs()): PerlEvaluator {
    const evaluator = new PerlEvaluator(expressions, maxJobs, perl, noticeMs);
    try {
      const failed = evaluator.#ask(['C', String(maxJobs), ...expressions.flatMap((expression, e) => [expression.position, expression.code, evaluator.#slotted[e] === true ? '1' : ''])]).fields;
      if (failed.length > 0) {
        const expression = expressions[Number(failed[0])] as PerlExpression;
        throw new SPMError(`Expected ${named(expression)} to be Perl code, got: ${(failed[1] ?? '').trim()}`);
      }
    } catch (error) {
      evaluator.close();
      throw error;
    }
    return evaluator;
  }

  /**
   * Every expression's values for job `seq` of `args` (non-positional ones for each argument; with
   * none, for `""`), in one round trip. An expression that dies makes the job {@link PerlJob.failed}.
   */
  valuesOf(seq: number, args: readonly string[]): PerlJob {
    // (No expressions, only `--filter`s: nothing to ask.)
    if (this.#expressions.length === 0) return NO_VALUES;
    let answer: Reply;
    try {
      answer = this.#ask(['J', String(seq), this.total === undefined ? '' : String(this.total), ...args]);
    } catch (error) {
      // The coprocess is gone (killed): this job, and each one after it, is not run — said, not thrown.
      return { skipped: false, failed: (error as Error).message, at: () => undefined, positional: () => undefined };
    }
    const reply = answer.fields;
    const skipped = reply[0] === '1';
    const failure = reply[1] ?? '';
    if (failure !== '') {
      const cut = failure.indexOf('\0');
      const expression = this.#expressions[Number(failure.slice(0, cut))] as PerlExpression;
      return { skipped, failed: `its perl expression ${named(expression)} died: ${failure.slice(cut + 1).trim()}`, at: () => undefined, positional: () => undefined };
    }
    const each = this.#expressions.map(() => new Map<string, PerlValue>());
    let at = 2;
    /** Why the first value that cannot go in a command cannot (not UTF-8, a NUL), if one was made. */
    let refused: string | undefined;
    for (const [e, values] of each.entries()) {
      // A value per argument (`p`: the positional one); of an expression naming slot, a group of them per job slot.
      const groups = this.#slotted[e] === true ? this.#slots : 1;
      for (let group = 0; group < groups; group += 1) {
        const count = Number(reply[at++]);
        for (let k = 0; k < count; k += 1, at += 3) {
          const [key, value] = [reply[at] as string, { bare: reply[at + 1] === '1', text: reply[at + 2] as string }];
          if (refused === undefined) {
            const bad = answer.notUtf8.get(at + 2);
            const expression = this.#expressions[e] as PerlExpression;
            // Decoded, its bytes would be U+FFFD: another file's name, say (Perl's chr(233) is the byte 0xe9, not `é`).
            if (bad !== undefined) refused = `its perl expression ${named(expression)} made a value that is not valid UTF-8 (${badByteAt(bad.byte, bad.at)}); spm-shell passes commands to the shell as UTF-8 text`;
            else if (value.text.includes('\0')) refused = `its perl expression ${named(expression)} made a value holding NUL (a command cannot hold one)`;
          }
          if (groups === 1) values.set(key, value);
          else {
            if (!values.has(key)) values.set(key, { text: (this.#expressions[e] as PerlExpression).written, bare: true, bySlot: [] });
            ((values.get(key) as PerlValue).bySlot as PerlValue[]).push(value);
          }
        }
      }
    }
    // A NUL cannot be in a command (a C string), nor in a name or a tag; nor bytes that are not UTF-8 (as an input line's).
    if (refused !== undefined) return { skipped, failed: refused, at: () => undefined, positional: () => undefined };
    return { skipped, at: (expression, i) => each[expression]?.get(String(i)), positional: (expression) => each[expression]?.get('p') };
  }

  /**
   * `--filter`: whether job `seq` runs, each of `codes` (its filters, filled) being true as Perl
   * code (`use strict`), asked in order until one is false. A filter that dies (or the coprocess
   * gone) is said in `failed`, naming it by `written` (the filters as given): the job is not run.
   */
  passes(seq: number, codes: readonly string[], written: readonly string[]): { readonly pass: boolean; readonly failed?: string } {
    let reply: readonly string[];
    try {
      reply = this.#ask(['F', String(seq), this.total === undefined ? '' : String(this.total), ...codes]).fields;
    } catch (error) {
      return { pass: false, failed: (error as Error).message };
    }
    const failure = reply[1] ?? '';
    if (failure === '') return { pass: reply[0] === '1' };
    const cut = failure.indexOf('\0');
    return { pass: false, failed: `its \`--filter ${written[Number(failure.slice(0, cut))] ?? ''}\` died: ${failure.slice(cut + 1).trim()}` };
  }

  /** Stops the coprocess (its requests' pipe closed: it exits) and the worker. */
  close(): void {
    this.#port.close();
    void this.#worker.terminate();
  }

  /**
   * One request, its reply's fields; throws an SPMError when the coprocess is gone. Past the
   * notice time, the main thread's SIGTERM has its default action until the reply.
   */
  #ask(fields: readonly string[]): Reply {
    if (this.#dead !== undefined) throw new SPMError(`Expected perl to evaluate the run’s Perl code ({= =}, --filter), but ${this.#dead}`);
    this.#port.postMessage(framed(fields));
    const aside: { restore?: () => void } = {};
    try {
      return this.#reply(() => (aside.restore = setSigtermAside()));
    } finally {
      aside.restore?.();
    }
  }

  /** Waits for the reply to the request just sent; `long()` is called once it has run past the notice time. */
  #reply(long: () => void): Reply {
    // (The main thread's only: a worker's listeners are not the process's.)
    let longAt = isMainThread ? performance.now() + this.#noticeMs : Infinity;
    for (;;) {
      const seen = Atomics.load(this.#flag, 0);
      const got = receiveMessageOnPort(this.#port) as { message: Uint8Array | { died: string } } | undefined;
      if (got !== undefined) {
        if ('died' in got.message) {
          this.#dead = got.message.died;
          throw new SPMError(`Expected perl to evaluate the run’s Perl code ({= =}, --filter), but ${this.#dead}`);
        }
        return fieldsOf(got.message);
      }
      if (this.#dead !== undefined) throw new SPMError(`Expected perl to evaluate the run’s Perl code ({= =}, --filter), but ${this.#dead}`);
      const left = longAt - performance.now();
      if (left <= 0) {
        long();
        longAt = Infinity;
      } else Atomics.wait(this.#flag, 0, seen, left);
    }
  }
}
