import { readFileSync } from 'node:fs';
import type { SPMTransportError } from '@spm/exceptions';
import type { Channel, Message } from '@spm/transport';

/** Rejects after `ms` with `what` in the message; a guard for every wait in these specs. */
function guard<T>(ms: number, what: string, start: (resolve: (value: T) => void, cleanup: (fn: () => void) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanups: Array<() => void> = [];
    const timer = setTimeout(() => {
      for (const fn of cleanups) fn();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    start(
      (value) => {
        clearTimeout(timer);
        for (const fn of cleanups) fn();
        resolve(value);
      },
      (fn) => cleanups.push(fn),
    );
  });
}

/** The next message on `channel` for which `accept` is true. */
export function nextMessage(channel: Channel, accept: (message: Message) => boolean = () => true, ms = 5000): Promise<Message> {
  return guard(ms, `a message on ${channel.label}`, (resolve, cleanup) => {
    const listener = (message: Message): void => {
      if (accept(message)) resolve(message);
    };
    channel.on('message', listener);
    cleanup(() => channel.off('message', listener));
  });
}

/** Resolves with the error (or undefined) `channel` closes with. */
export function closeOf(channel: Channel, ms = 5000): Promise<SPMTransportError | undefined> {
  return guard(ms, `${channel.label} to close`, (resolve, cleanup) => {
    const listener = (error?: SPMTransportError): void => resolve(error);
    channel.once('close', listener);
    cleanup(() => channel.off('close', listener));
  });
}

/** Sends a heartbeat and waits for the peer's echo of the same seq. */
export async function roundTrip(channel: Channel, seq: number, ms = 5000): Promise<void> {
  const echoed = nextMessage(channel, (m) => m.type === 'heartbeat' && m.seq === seq, ms);
  channel.send({ type: 'heartbeat', v: 3, seq });
  await echoed;
}

/** Polls `predicate` every 10 ms until it holds. */
export function waitFor(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  return guard(ms, what, (resolve, cleanup) => {
    if (predicate()) {
      resolve(undefined);
      return;
    }
    const poll = setInterval(() => {
      if (predicate()) resolve(undefined);
    }, 10);
    cleanup(() => clearInterval(poll));
  });
}

/** True while `pid` runs (a zombie, dead but not yet reaped, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILLs a process group (or process), ignoring one that is already gone. */
export function killQuietly(pid: number | undefined, group = true): void {
  if (pid === undefined) return;
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
