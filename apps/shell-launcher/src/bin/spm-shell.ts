#!/usr/bin/env node
// spm-shell: run commands in parallel on spm-ts spokes (GNU parallel's habits). See --help.
import { programsUnder, signalPrograms, type ProgramRef } from '@spm/coprocess';
import { SPMError } from '@spm/exceptions';
import { main } from '../main.js';
import { notUtf8Arguments } from '../not-utf8-arguments.js';

// Signals a GNU parallel user may send that Node would act on itself: SIGUSR1 (GNU parallel's
// "list the running jobs") started Node's inspector, listening on 127.0.0.1:9229 for any local
// user to run code as this one; SIGUSR2 (its "toggle the progress") and SIGALRM (which it
// ignores) ended the run with no word said (status 140, 142). Until session 44; now heard and
// ignored, as a listener keeps Node's own action away (no word on stderr: it may be the output).
for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const) process.on(signal, () => undefined);

// Ctrl-Z (SIGTSTP), as GNU parallel: the running commands stop (SIGSTOP) and so does spm-shell;
// `fg` or `bg` (SIGCONT) continues them with it. The commands run in sessions of their own, out of
// the terminal's reach: until session 44 only spm-shell stopped, and they ran on. Looked for twice
// (a command a fork server started as the one before it ended, between the two, is stopped too).
// Spokes, fork servers and watchdogs go on: a `kill -9` of the stopped spm-shell still has its
// commands swept (SIGKILL ends a stopped process). A --timeout keeps counting meanwhile.
let stoppedPrograms: ProgramRef[] = [];
let stopping = false;
process.on('SIGTSTP', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    try {
      for (let look = 0; look < 2; look += 1) {
        const found = (await programsUnder()).filter((p) => !stoppedPrograms.some((q) => q.pid === p.pid && q.start === p.start));
        signalPrograms(found, 'SIGSTOP');
        stoppedPrograms.push(...found);
      }
    } finally {
      stopping = false;
      process.kill(process.pid, 'SIGSTOP');
    }
  })();
});
process.on('SIGCONT', () => {
  signalPrograms(stoppedPrograms, 'SIGCONT');
  stoppedPrograms = [];
});

const interrupt = new AbortController();
const windDown = new AbortController();
let signals = 0;
// First SIGINT/SIGTERM: stop cleanly (running commands killed, joblog kept, cloud closed). A
// second one while that is under way: leave at once; the spokes see their channel close and
// exit, and their coprocess watchdogs kill what the commands left. These and SIGHUP are
// listened for once the options are read (main calls this): until then nothing has started, and
// a read that blocks (a `--template` FIFO no one writes) must not make the process deaf to them —
// their default action ends it.
const listen = (): void => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      signals += 1;
      if (signals > 1) process.exit(signal === 'SIGTERM' ? 143 : 130);
      interrupt.abort(signal);
    });
  }
  // SIGHUP, as GNU parallel: start no more jobs, let the running ones finish (again: no change).
  process.on('SIGHUP', () => windDown.abort('SIGHUP'));
};
// A reader that went away (`spm-shell … | head`) is the shell's SIGPIPE: stop everything. Any
// other failure to write stdout (a full disk, /dev/full) loses output: say so once, stop
// everything the same way, and exit 255 (GNU parallel's "other error") whatever the run did.
let outputFailed = false;
const onOutputError = (error: NodeJS.ErrnoException): void => {
  if (error.code === 'EPIPE') {
    interrupt.abort('SIGPIPE');
    return;
  }
  if (outputFailed) return;
  outputFailed = true;
  process.stderr.write(`spm-shell: cannot write the output: ${error.message}\n`);
  interrupt.abort(new SPMError(`cannot write the output: ${error.message}`, { cause: error }));
};
process.stdout.on('error', onOutputError);
// stderr carries spm-shell's notices and progress (and the commands' stderr): a failure to write
// it (2>/dev/full, a closed pipe) cannot be reported anywhere, and must not change the outcome.
process.stderr.on('error', () => undefined);

// No top-level await (bundles load this as a CommonJS module).
async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  // Node decoded the arguments, each byte that is not UTF-8 as U+FFFD: which were so, from their bytes.
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, interrupt: interrupt.signal, windDown: windDown.signal, onOptionsRead: listen };
  let status = await main(argv, io, notUtf8Arguments(argv));
  // Output to a pipe whose reader is slow is queued in this process: wait until it has been
  // written (the callback of an empty write comes after every earlier one), then exit. Exiting
  // at once would drop it. Nothing queued, no empty write: on /dev/full even a write(2) of 0 bytes
  // fails (ENOSPC).
  const drained = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => (stream.destroyed || stream.writableLength === 0 ? resolve() : stream.write('', () => resolve())));
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  // A failed write's 'error' event comes a tick (or more) after it: the last write's may still be
  // on its way, and would be lost to process.exit.
  if (process.stdout.errored !== null) onOutputError(process.stdout.errored);
  // A SIGINT or SIGTERM that came while the run could not hear it — its last step was synchronous
  // (a `{= =}` expression that Ctrl-C ended, its perl killed by the same SIGINT) — still says how
  // the run ended. (One turn of the event loop first: a signal that came meanwhile is heard in
  // its poll phase.)
  await new Promise((resolve) => setImmediate(resolve));
  const reason: unknown = interrupt.signal.reason;
  if (interrupt.signal.aborted && (reason === 'SIGINT' || reason === 'SIGTERM')) status = reason === 'SIGTERM' ? 143 : 130;
  process.exit(outputFailed ? 255 : status);
}
void run();
