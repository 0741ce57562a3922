import { describe, it, expect, afterAll } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupStopped, liveDescendants, processState, waitFor } from '@spm/testing';

const dir = mkdtempSync(join(tmpdir(), 'group-stopped-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A program that leads its own group and vforks a child which stops itself before its exec: the
 * parent then waits uninterruptibly (D) for an exec that comes only after a SIGCONT — what a shell
 * that vforks its commands (dash) looks like when its group is stopped at that moment.
 */
function vforkStopper(): string {
  const source = join(dir, 'vfork-stop.c');
  const binary = join(dir, 'vfork-stop');
  writeFileSync(
    source,
    [
      '#include <signal.h>',
      '#include <sys/wait.h>',
      '#include <unistd.h>',
      'int main(void) {',
      '  pid_t child = vfork();',
      '  if (child == 0) { kill(getpid(), SIGSTOP); execlp("sleep", "sleep", "300", (char *)0); _exit(127); }',
      '  int status;',
      '  waitpid(child, &status, 0);',
      '  return 0;',
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('cc', ['-o', binary, source]);
  return binary;
}

describe('groupStopped', () => {
  it('counts a group stopped when its members are in T, or in D waiting for a vfork child stopped before its exec', async () => {
    const leader = spawn(vforkStopper(), [], { detached: true, stdio: 'ignore' });
    const pgid = leader.pid as number;
    const exited = new Promise((resolve) => leader.once('exit', resolve));
    try {
      await waitFor(() => liveDescendants(pgid).some((pid) => processState(pid) === 'T'), 10_000, 'the vfork child to stop itself');
      // The leader is not in T, yet nothing of the group can run.
      expect(processState(pgid)).toBe('D');
      expect(groupStopped(pgid)).toBe(true);
      // Continued: the child execs its sleep, the leader waits for it (S).
      process.kill(-pgid, 'SIGCONT');
      await waitFor(() => processState(pgid) === 'S', 10_000, 'the leader to wait for its child');
      expect(groupStopped(pgid)).toBe(false);
      process.kill(-pgid, 'SIGSTOP');
      await waitFor(() => groupStopped(pgid), 10_000, 'the group to stop');
      expect(processState(pgid)).toBe('T');
    } finally {
      process.kill(-pgid, 'SIGKILL');
      await exited;
    }
  });

  it('is false for a group that has no live member', () => {
    // Its own pid leads no group (Jest's worker shares its parent's).
    expect(groupStopped(process.pid)).toBe(false);
  });
});
