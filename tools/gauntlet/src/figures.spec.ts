import { describe, it, expect } from '@jest/globals';
import { renderFiguresTable, replaceFiguresBlock, type FiguresFile } from './figures.js';

const file = (source: string, scenario: string, extra: Partial<FiguresFile['scenarios'][number]> = {}): FiguresFile => ({
  source,
  measuredAt: '2026-01-02T03:04:05.000Z',
  machine: '2 cores',
  scenarios: [{ scenario, runs: 2, faults: 3, tasks: 2000, lost: 0, duplicateReports: 0, duplicateExecutions: 1, leftovers: 0, ...extra }],
});

describe('renderFiguresTable', () => {
  it('prints one row per scenario in the table’s order, p50 / p99 or a dash, notes as footnotes, and where each set came from', () => {
    const table = renderFiguresTable(
      new Map([
        ['windows', file('windows.spec.ts', 'a window', { note: 'what recovery means' })],
        ['hub-kill', file('hub-kill.spec.ts', 'another', { note: 'what recovery means' })],
        ['chaos', file('chaos.spec.ts', 'chaos', { detection: { count: 3, p50: 5, p99: 9, max: 9 }, recovery: { count: 3, p50: 200, p99: 400, max: 400 } })],
      ]),
    );
    const lines = table.split('\n');
    expect(lines[2]).toBe('| chaos | 2 | 3 | 2000 | 0 | 0 | 1 | 5 / 9 | 200 / 400 | 0 |');
    expect(lines[3]).toBe('| a window [1] | 2 | 3 | 2000 | 0 | 0 | 1 | — | — | 0 |');
    expect(lines[4]).toBe('| another [1] | 2 | 3 | 2000 | 0 | 0 | 1 | — | — | 0 |');
    expect(table).toContain('[1] what recovery means');
    expect(table).not.toContain('[2]');
    expect(table).toContain('`chaos` (chaos.spec.ts): 2026-01-02 03:04 UTC, 2 cores; `windows` (windows.spec.ts)');
  });
});

describe('replaceFiguresBlock', () => {
  it('replaces what lies between the markers and keeps the rest', () => {
    const doc = 'intro\n<!-- figures:start -->\nold\n<!-- figures:end -->\noutro\n';
    expect(replaceFiguresBlock(doc, 'new')).toBe('intro\n<!-- figures:start -->\nnew\n<!-- figures:end -->\noutro\n');
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceFiguresBlock('no markers', 'x')).toThrow('Expected the markers <!-- figures:start --> and <!-- figures:end --> in the document');
  });
});
