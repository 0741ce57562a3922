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
process.exit(status);
