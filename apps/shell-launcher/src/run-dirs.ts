import { readdir, rm, stat } from 'node:fs/promises';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The run's PID namespace (the inode of `/proc/self/ns/pid`), or undefined where it cannot be
 * read: a pid names the same process only within one namespace (containers sharing a `/tmp`).
 */
function pidNamespace(): string | undefined {
  try {
    return /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
  } catch {
    return undefined;
  }
}

const NAMESPACE = pidNamespace();

/**
 * The prefix of a temporary directory this run makes (`mkdtemp` adds 6 characters):
 * `spm-shell-` (output spilled past `--max-output`) or `spm-shell-fifo-` (`--tee`, `--fifo`…
 * FIFOs), then the PID namespace and the hub's pid — so that a later run can tell a dead run's
 * directory ({@link reapDeadRunDirs}).
 */
export function runDirPrefix(kind: 'spill' | 'fifo'): string {
  return `spm-shell-${kind === 'fifo' ? 'fifo-' : ''}${NAMESPACE ?? 'x'}-${process.pid}-`;
}

/** A run's directory name: its PID namespace and pid. */
const RUN_DIR = /^spm-shell-(?:fifo-)?(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

/** Whether process `pid` (of this PID namespace) is gone. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes, in `parent`, the temporary directories of runs that are gone: made by a hub of this
 * user and PID namespace whose process no longer exists. A hub removes its own at its end, and
 * at its exit; a hub killed with SIGKILL cannot — and its spill files can be large (an output
 * past `--max-output` goes there as it comes: gigabytes of `yes` in a few seconds). GNU parallel
 * unlinks its files as soon as it has them open; spm-shell's spokes and hub share them by name,
 * so the next run cleans up instead. A directory whose hub's pid is alive (any process: a pid
 * reused is a leak, never a loss) or of another namespace or user is left. Resolves with the
 * number removed; never rejects.
 */
export async function reapDeadRunDirs(parent: string): Promise<number> {
  if (NAMESPACE === undefined) return 0;
  let removed = 0;
  try {
    for (const name of await readdir(parent)) {
      const match = RUN_DIR.exec(name);
      if (match === null || match[1] !== NAMESPACE) continue;
      const pid = Number(match[2]);
      if (pid === process.pid || !gone(pid)) continue;
      const dir = join(parent, name);
      try {
        const info = await stat(dir);
        if (!info.isDirectory() || info.uid !== process.getuid?.()) continue;
        await rm(dir, { recursive: true, force: true });
        removed += 1;
      } catch {
        // gone meanwhile, or not ours to remove
      }
    }
  } catch {
    // the parent cannot be read: nothing to do
  }
  return removed;
}
