import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { isAlive, liveDescendants, waitFor } from './proc.js';

describe('leftover-process checks', () => {
  it('see a grandchild, and stop seeing it once it is dead (zombies count as gone)', async () => {
    const child = spawn('sh', ['-c', 'sleep 1000.4242 & wait'], { stdio: 'ignore' });
    const pid = child.pid as number;
    await waitFor(() => liveDescendants().length >= 2, 5000, 'the shell and its sleep');
    const tree = liveDescendants();
    expect(tree).toContain(pid);
    const grandchild = liveDescendants(pid)[0] as number;
    expect(isAlive(grandchild)).toBe(true);
    process.kill(grandchild, 'SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => !isAlive(grandchild) && !isAlive(pid), 5000, 'both gone');
    expect(liveDescendants()).not.toContain(pid);
  });

  it('waitFor rejects with what it waited for when the bound passes', async () => {
    await expect(waitFor(() => false, 30, 'the impossible')).rejects.toThrow(/waiting for the impossible/);
  });
});
