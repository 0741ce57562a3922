#!/usr/bin/env node
// spm-shell: run commands in parallel on spm-ts spokes (GNU parallel's habits). See --help.
import { main } from '../main.js';

const interrupt = new AbortController();
let signals = 0;
// First SIGINT/SIGTERM: stop cleanly (running commands killed, joblog kept, cloud closed). A
// second one while that is under way: leave at once; the spokes see their channel close and
// exit, and their coprocess watchdogs kill what the commands left.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130);
    interrupt.abort(signal);
  });
}
// A reader that went away (`spm-shell … | head`) is the shell's SIGPIPE: stop everything.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') interrupt.abort('SIGPIPE');
  else throw error;
});

const status = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, interrupt: interrupt.signal });
// Output to a pipe whose reader is slow is queued in this process: wait until it has been
// written (the callback of an empty write comes after every earlier one), then exit. Exiting
// at once would drop it.
const drained = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => (stream.destroyed ? resolve() : stream.write('', () => resolve())));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(status);
