import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { commandShell, describeShell, PROC, type ProcessView } from './command-shell.js';

/** A process tree: pid → [parent, argv[0]]. */
function tree(processes: Readonly<Record<number, readonly [number, string]>>): ProcessView {
  return { parentOf: (pid) => processes[pid]?.[0], nameOf: (pid) => processes[pid]?.[1] };
}

const env = (more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: '/usr/bin:/bin', ...more });

describe('commandShell (GNU parallel’s choice of the shell that runs the commands)', () => {
  it('takes $PARALLEL_SHELL first (a path, or a program on $PATH), refusing one not found or not of Bourne syntax', () => {
    const view = tree({ 10: [9, '-bash'], 9: [1, 'login'] });
    expect(commandShell(env({ PARALLEL_SHELL: '/bin/sh' }), 10, view)).toEqual({ path: '/bin/sh', source: 'PARALLEL_SHELL' });
    expect(commandShell(env({ PARALLEL_SHELL: 'bash' }), 10, view).path).toMatch(/^\/(usr\/)?bin\/bash$/);
    expect(() => commandShell(env({ PARALLEL_SHELL: 'no-such-shell' }), 10, view)).toThrow(SPMError);
    expect(() => commandShell(env({ PARALLEL_SHELL: 'no-such-shell' }), 10, view)).toThrow('Expected $PARALLEL_SHELL to name a shell (an executable file, or a program on $PATH), got `no-such-shell`: not found');
    expect(() => commandShell(env({ PARALLEL_SHELL: '/etc/passwd' }), 10, view)).toThrow(/got `\/etc\/passwd`: not found/);
    expect(() => commandShell(env({ PARALLEL_SHELL: '/bin/true', PATH: '/bin' }), 10, tree({}))).not.toThrow();
  });

  it('else the nearest ancestor that is a shell, a login shell’s `-bash` too, passing over other programs', () => {
    // spm-shell (100) ← node launcher (50) ← bash (40) ← sshd (2)
    const view = tree({ 100: [50, 'node'], 50: [40, '/usr/bin/node'], 40: [2, '-bash'], 2: [1, 'sshd: me@pts/0'] });
    const shell = commandShell(env({ SHELL: '/bin/sh' }), 100, view);
    expect(shell).toEqual({ path: expect.stringMatching(/\/bash$/), source: 'parent', detail: '40' });
    expect(describeShell(shell)).toMatch(/^commands run in \/.*bash \(the shell spm-shell was started from, pid 40; \$PARALLEL_SHELL chooses another\)$/);
    // A path as the shell was called.
    expect(commandShell(env(), 100, tree({ 100: [7, 'node'], 7: [6, '/bin/sh'], 6: [1, 'bash'] }))).toEqual({ path: '/bin/sh', source: 'parent', detail: '7' });
    // sh -c from npm, nearer than the user's bash: sh, as GNU parallel would take it.
    expect(commandShell(env(), 100, tree({ 100: [8, 'node'], 8: [7, 'sh'], 7: [6, 'npm exec'], 6: [1, 'bash'] })).detail).toBe('8');
  });

  it('stops at a shell of other syntax (tcsh, fish: spm-shell writes Bourne shell), running /bin/sh, not $SHELL', () => {
    const shell = commandShell(env({ SHELL: '/bin/bash' }), 100, tree({ 100: [5, 'node'], 5: [4, '-tcsh'], 4: [1, 'bash'] }));
    expect(shell).toEqual({ path: '/bin/sh', source: 'default', detail: 'tcsh' });
    expect(describeShell(shell)).toBe("commands run in /bin/sh (spm-shell was started from tcsh, whose syntax is not Bourne shell's; $PARALLEL_SHELL chooses another)");
    expect(commandShell(env(), 100, tree({ 100: [5, 'node'], 5: [1, 'fish'] })).detail).toBe('fish');
    expect(() => commandShell(env({ PARALLEL_SHELL: '/bin/csh' }), 100, tree({}))).toThrow(/not found|Bourne syntax/);
  });

  it('else $SHELL (a Bourne one found), else /bin/sh; a tree that loops or ends is no hang', () => {
    expect(commandShell(env({ SHELL: '/bin/bash' }), 100, tree({ 100: [50, 'node'], 50: [1, 'systemd'] }))).toEqual({ path: '/bin/bash', source: 'SHELL' });
    expect(commandShell(env({ SHELL: '/usr/bin/fish' }), 100, tree({ 100: [50, 'node'] }))).toEqual({ path: '/bin/sh', source: 'default' });
    expect(commandShell(env({ SHELL: '/nonexistent/bash' }), 100, tree({}))).toEqual({ path: '/bin/sh', source: 'default' });
    expect(commandShell(env(), 100, tree({ 100: [50, 'node'], 50: [100, 'node'] }))).toEqual({ path: '/bin/sh', source: 'default' });
    expect(describeShell({ path: '/bin/sh', source: 'default' })).toBe('commands run in /bin/sh');
  });

  it('reads this machine’s /proc: this process’s parent and its name', () => {
    expect(PROC.parentOf(process.pid)).toBe(process.ppid);
    expect(PROC.nameOf(process.pid)).toBe(process.argv0);
    expect(PROC.parentOf(2 ** 22 + 7)).toBeUndefined();
  });
});
