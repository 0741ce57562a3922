import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuTopology } from './cpu-topology.js';

describe('cpuTopology', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cpu-topology-spec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A kernel CPU directory: thread i in package packages[i], its sibling set siblings[i]. */
  function sysCpu(name: string, packages: readonly number[], siblings: readonly string[]): string {
    const root = join(dir, name);
    packages.forEach((pkg, i) => {
      const topology = join(root, `cpu${i}`, 'topology');
      mkdirSync(topology, { recursive: true });
      writeFileSync(join(topology, 'physical_package_id'), `${pkg}\n`);
      writeFileSync(join(topology, 'thread_siblings'), `${siblings[i]}\n`);
    });
    return root;
  }

  it('counts the kernel’s topology: packages, sibling sets, threads (up to the first missing cpuN)', () => {
    // 2 sockets × 2 cores × 2 threads; cpu9 exists past a gap, as an offline CPU would leave it.
    const root = sysCpu('sys-2x2x2', [0, 0, 0, 0, 1, 1, 1, 1], ['03', '03', '0c', '0c', '30', '30', 'c0', 'c0']);
    mkdirSync(join(root, 'cpu9', 'topology'), { recursive: true });
    writeFileSync(join(root, 'cpu9', 'topology', 'physical_package_id'), '2\n');
    writeFileSync(join(root, 'cpu9', 'topology', 'thread_siblings'), '200\n');
    expect(cpuTopology({ sysCpu: root, active: 64 })).toEqual({ sockets: 2, cores: 4, threads: 8 });
  });

  it('caps every count at the threads this process may run on (taskset)', () => {
    const root = sysCpu('sys-1x4x2', [0, 0, 0, 0, 0, 0, 0, 0], ['11', '22', '44', '88', '11', '22', '44', '88']);
    expect(cpuTopology({ sysCpu: root, active: 3 })).toEqual({ sockets: 1, cores: 3, threads: 3 });
    expect(cpuTopology({ sysCpu: root, active: 8 })).toEqual({ sockets: 1, cores: 4, threads: 8 });
  });

  it('reads /proc/cpuinfo when the kernel’s directory cannot be read; no core ids: a core per thread', () => {
    const cpuinfo = join(dir, 'cpuinfo');
    const entry = (processor: number, physical: number, core: number): string => `processor\t: ${processor}\nmodel name\t: Test CPU\nphysical id\t: ${physical}\ncore id\t\t: ${core}\n\n`;
    writeFileSync(cpuinfo, [entry(0, 0, 0), entry(1, 0, 1), entry(2, 0, 0), entry(3, 0, 1), entry(4, 1, 0), entry(5, 1, 0)].join(''));
    expect(cpuTopology({ sysCpu: join(dir, 'none'), cpuinfo, active: 64 })).toEqual({ sockets: 2, cores: 3, threads: 6 });
    const bare = join(dir, 'cpuinfo-bare');
    writeFileSync(bare, 'processor\t: 0\n\nprocessor\t: 1\n\nprocessor\t: 2\n');
    expect(cpuTopology({ sysCpu: join(dir, 'none'), cpuinfo: bare, active: 64 })).toEqual({ sockets: 1, cores: 3, threads: 3 });
  });

  it('falls back to Node’s count of CPUs for all three when neither can be read', () => {
    const counts = cpuTopology({ sysCpu: join(dir, 'none'), cpuinfo: join(dir, 'none'), active: 1024 });
    expect(counts.sockets).toBe(counts.threads);
    expect(counts.cores).toBe(counts.threads);
    expect(counts.threads).toBeGreaterThan(0);
  });
});
