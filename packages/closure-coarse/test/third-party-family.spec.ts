import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePolicy, type StatusReport } from '@spm/closure-core';
import { expectSequencePoint, liveDescendants } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { countdown } from './fixtures/reversed.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The module specifiers a source file imports (static `import … from '…'` and `export … from '…'`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
  ].map((m) => m[1] as string);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
      ? [path]
      : [];
  });
}

describe('writing your own closure family', () => {
  it('needs @spm/closure-core alone: the reverse-list fixture imports nothing else', () => {
    expect(importsOf(join(here, 'fixtures/reverse-list.mjs'))).toEqual([
      '@spm/closure-core',
    ]);
  });

  it('is the path list and dag take too: this package imports packages by name only, none but its four', () => {
    const allowed = new Set([
      '@spm/closure-core',
      '@spm/exceptions',
      '@spm/typedef',
      '@spm/coprocess',
    ]);
    const external = sourceFiles(join(here, '../src'))
      .flatMap(importsOf)
      .filter((s) => !s.startsWith('.'));
    expect(external.length).toBeGreaterThan(0);
    expect(external.filter((s) => !allowed.has(s))).toEqual([]);
  });
});

describe.each(['inproc', 'process'] as const)(
  'a third-party family (reverse list) on %s spokes',
  (kind) => {
    let cloud: VirtualCloud;
    let baseline: number[];

    beforeAll(async () => {
      baseline = liveDescendants();
      cloud = await VirtualCloud.start({
        hubHost: 'hub',
        local: { kind, spokes: 2 },
      });
    });

    afterAll(async () => {
      await cloud.close();
    });

    it('dispatches in its own order and keeps the core’s guarantees (reports, typedef, sequence point)', async () => {
      const dispatched: unknown[] = [];
      const onDispatch = (e: { taskId: unknown }): void =>
        void dispatched.push(e.taskId);
      countdown.on('dispatch', onDispatch);
      const reports: StatusReport[] = [];
      try {
        const summary = await countdown.manage({
          pool: cloud.pool.intraAll(),
          tasks: [10, 20, 30, 40, 50].map((n) => ({ n })),
          policy: definePolicy({ name: 'one-ahead', prefetch: 1 }),
          onStatus: (r) => void reports.push(r),
        });
        expect(summary).toMatchObject({ reports: 5, ok: 5, failed: 0 });
      } finally {
        countdown.off('dispatch', onDispatch);
      }
      expect(countdown.family).toBe('reverse-list');
      expect(dispatched).toEqual([4, 3, 2, 1, 0]);
      for (const report of reports) {
        expect(report).toMatchObject({ ok: true, attempt: 1, host: 'hub' });
        expect(report.returnValue()).toEqual({
          n: (Number(report.taskId) + 1) * 10,
          taskId: report.taskId,
          spokeId: report.spokeId,
        });
      }
      // The core completed and checked records with the family's typedef, as for list and dag.
      const error = await countdown
        .manage({
          pool: cloud.pool.intraAll(),
          tasks: [{ n: 'ten' as unknown as number }],
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SPM_TYPEDEF', path: 'n' });
      await expectSequencePoint(cloud, baseline, () => reports.length);
    });
  },
);
