import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import type { MemoryInput, MemoryResult } from '../src/internal/memory-run.js';
import type { RateResult } from '../src/internal/measure-rate.js';
import { runChild } from '../src/internal/run-child.js';
import type { Subject, ThroughputInput } from '../src/internal/subject.js';

// The benchmarks' measuring children, built, run as the benchmarks run them, on a few tasks:
// each must finish with one ok report per task (the spm children check that themselves and
// exit non-zero otherwise). No figure is asserted: only that a rate was measured.
const THROUGHPUT = fileURLToPath(new URL('../dist/entries/throughput-subject.js', import.meta.url));
const MEMORY = fileURLToPath(new URL('../dist/entries/memory-subject.js', import.meta.url));

// Thread spokes are left out here: the hub can crash on them (see docs/benchmarks.md), and a
// spec must not fail at random; the throughput benchmark runs them and reports crashes.
const subjects: [string, Subject][] = [
  ['the spm list on process spokes', { type: 'spm', spokeKind: 'process', spokes: 2, prefetch: 8 }],
  ['the spm list on TCP spokes (spm-spoke processes joining over loopback)', { type: 'spm', spokeKind: 'tcp', spokes: 2, prefetch: 8 }],
  ['Piscina', { type: 'peer', peer: { library: 'piscina', workers: 2, concurrentTasksPerWorker: 4 } }],
  ['tinypool in child processes', { type: 'peer', peer: { library: 'tinypool', workers: 2, runtime: 'process' } }],
  ['workerpool in threads', { type: 'peer', peer: { library: 'workerpool', workers: 2 } }],
];

describe('throughput children', () => {
  it.each(subjects)('measure %s: one rate per run, the best of them', async (_name, subject) => {
    const input: ThroughputInput = { subject, tasks: 300, runs: 2, warmupTasks: 50, window: 64 };
    const result = await runChild<RateResult>(THROUGHPUT, input, { timeoutMs: 25_000 });
    expect(result.samples).toHaveLength(2);
    expect(result.best).toBe(Math.max(...result.samples));
    expect(result.best).toBeGreaterThan(0);
  });
});

describe('memory child', () => {
  it('streams its tasks through the list and reports one ok report per task with the hub’s peaks', async () => {
    const input: MemoryInput = { spokeKind: 'process', spokes: 2, tasks: 5_000, sampleMs: 10 };
    const result = await runChild<MemoryResult>(MEMORY, input, { timeoutMs: 25_000, execArgv: ['--expose-gc'] });
    expect(result).toMatchObject({ tasks: 5_000, reports: 5_000, ok: 5_000, policy: 'policyA', prefetch: 2 });
    expect(result.peak.samples).toBeGreaterThanOrEqual(2);
    expect(result.peak.rss).toBeGreaterThanOrEqual(result.peak.heapTotal);
    expect(result.peak.heapUsed).toBeGreaterThan(0);
    expect(result.after.heapUsed).toBeGreaterThan(0);
  });
});
