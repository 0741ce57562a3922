import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { descendantCpuMicros } from './descendant-cpu.js';

describe('descendantCpuMicros', () => {
  it('counts the CPU a busy child (and its own child) burns, and nothing of this process', async () => {
    const before = descendantCpuMicros();
    // A child whose own child spins until it has used 300 ms of CPU (not wall time: the machine
    // may be loaded), says so, and stays alive until killed.
    const spin = 'const c = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; const t = c(); while (c() - t < 300); process.stdout.write("done\\n"); setInterval(() => {}, 1000);';
    const child = spawn(process.execPath, ['-e', `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: ['ignore', 'inherit', 'ignore'] }); process.on('SIGTERM', () => { c.kill('SIGKILL'); process.exit(0); }); setInterval(() => {}, 1000);`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('done') && resolve()));
      const used = descendantCpuMicros() - before;
      expect(used).toBeGreaterThanOrEqual(200_000); // the grandchild's spin, at tick resolution
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('is 0 for a process without descendants', () => {
    expect(descendantCpuMicros(process.pid + 10_000_000)).toBe(0);
  });
});
