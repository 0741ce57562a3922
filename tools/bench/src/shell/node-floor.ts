// The floor under any launcher written in Node on this machine, for the spm-shell benchmark: a
// Node process that does next to nothing per command. It reads the commands, hands every one of
// them at once to JOBS fork servers (the binary @spm/coprocess builds and spm-shell uses), each
// chained to start when the one before it in its slot exits, and only counts their exits. No
// timeouts, no output, no process-tree cleanup, no tasks: no launcher anyone should use, but what
// Node's own start and the fork servers cost by themselves — how close to `xargs -P` a launcher
// in Node can come here at all. Exit status: the number of commands that did not exit 0 (≤ 101);
// 102, with a message, when fewer exits than commands were reported (a fork server died: its
// slot's commands are lost, and the others' servers are told to quit).
// Usage: node node-floor.js JOBS FORK_SERVER < commands
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const jobs = Number(process.argv[2]);
const server = process.argv[3];
if (!Number.isInteger(jobs) || jobs < 1 || server === undefined) throw new Error('Usage: node node-floor.js JOBS FORK_SERVER < commands');
const commands = readFileSync(0, 'utf8')
  .split('\n')
  .filter((line) => line !== '');
const token = randomBytes(16).toString('hex');

/** One frame of the fork server's protocol (fork-server.c): a length, then NUL-separated fields. */
function frame(fields: readonly string[]): Buffer {
  const payload = Buffer.from(fields.join('\0'));
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** The exit status when a fork server died before reporting every exit of its slot. */
const LOST_EXIT_CODE = 102;
let exited = 0;
let failed = 0;
let finished = false;
const servers = Array.from({ length: Math.min(jobs, commands.length) }, (_, slot) => {
  const child = spawn(server, [token, '2'], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  let pending: Buffer = Buffer.alloc(0);
  child.stdout.on('data', (chunk: Buffer) => {
    let buffer: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (buffer.length >= 9) {
      const length = buffer.readUInt32BE(0);
      if (buffer.length < 4 + length) break;
      if (buffer[4] === 0x58) {
        // X: `code signal clean eof mono`
        exited += 1;
        if (buffer.toString('latin1', 9, 4 + length).split(' ')[0] !== '0') failed += 1;
        if (exited === commands.length) finish();
      }
      buffer = buffer.subarray(4 + length);
    }
    pending = buffer;
  });
  // A server killed with commands still to be written would fail the write (EPIPE): its close says why.
  child.stdin.on('error', () => undefined);
  child.on('close', (code, signal) => {
    if (finished) return;
    // A server that ends before every exit is reported takes its slot's commands with it.
    process.stderr.write(`node-floor: the fork server of slot ${slot} ended (${signal ?? `exit ${String(code)}`}) with ${exited} of ${commands.length} commands' exits reported\n`);
    finish();
  });
  // Slot `slot` runs commands slot, slot + jobs, …: each starts once the one before it exits.
  const frames: Buffer[] = [];
  for (let i = slot, id = 1; i < commands.length; i += jobs, id++) {
    // id cwd cookie limit grace sig n-or-"-" file args… (fork-server.c's "R"; sig: SIGTERM's 15).
    const fields = [String(id), '', `${token}.${slot}.${id}`, '0', '2000', '15', '-', '/bin/sh', '-c', commands[i] as string];
    frames.push(frame(id === 1 ? ['R', ...fields] : ['A', String(id - 1), ...fields]));
  }
  child.stdin.write(Buffer.concat(frames));
  return child;
});

function finish(): void {
  if (finished) return;
  finished = true;
  // End of its stdin: each server sweeps (nothing is left) and exits.
  for (const child of servers) child.stdin.end();
  if (exited < commands.length) {
    process.stderr.write(`node-floor: ${exited} of ${commands.length} commands reported their exit\n`);
    process.exitCode = LOST_EXIT_CODE;
  } else {
    process.exitCode = Math.min(failed, 101);
  }
}
if (commands.length === 0) finish();
