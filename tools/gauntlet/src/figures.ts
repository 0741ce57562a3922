import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Percentiles } from '@spm/testing';

/** What one gauntlet scenario measured (a row of docs/RELIABILITY.md's table). */
export interface ScenarioFigures {
  /** What was done, e.g. `SIGKILL random process spokes during a 1,000-task prime count`. */
  readonly scenario: string;
  /** Independent runs (each a fresh invocation). */
  readonly runs: number;
  /** Faults injected (signals sent, attacks made). */
  readonly faults: number;
  /** Tasks submitted in all runs (0 where the scenario has none). */
  readonly tasks: number;
  /** Tasks without a final report. */
  readonly lost: number;
  /** Tasks with more than one final report. */
  readonly duplicateReports: number;
  /** Executions beyond the first of their task (at-least-once, counted). */
  readonly duplicateExecutions: number;
  /** Fault → the tracker declared the spoke lost, ms. */
  readonly detection?: Percentiles;
  /** Fault → the spoke's next incarnation ready (or the process gone, where that is the recovery), ms. */
  readonly recovery?: Percentiles;
  /** Processes left running afterwards. */
  readonly leftovers: number;
  /** What the recovery column means here, if not a respawn; other remarks. */
  readonly note?: string;
}

/** A figures file: one spec file's scenarios, with when and where they were measured. */
export interface FiguresFile {
  readonly source: string;
  readonly measuredAt: string;
  readonly machine: string;
  readonly scenarios: readonly ScenarioFigures[];
}

/** Where the specs write their figures: `tools/gauntlet/test-output/figures/` (an Nx output of `test`). */
export const FIGURES_DIR = fileURLToPath(new URL('../test-output/figures/', import.meta.url));

/** Writes `scenarios` measured by `source` (a spec file name) to `<FIGURES_DIR>/<name>.json`. */
export function saveFigures(name: string, source: string, scenarios: readonly ScenarioFigures[]): string {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const file: FiguresFile = {
    source,
    measuredAt: new Date().toISOString(),
    machine: `${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1) ?? '?'} at the end`,
    scenarios,
  };
  const path = `${FIGURES_DIR}${name}.json`;
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** Every figures file written so far, by name (file name without `.json`), in name order. */
export function loadFigures(dir = FIGURES_DIR): Map<string, FiguresFile> {
  const out = new Map<string, FiguresFile>();
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return out;
  }
  for (const name of names) out.set(name.slice(0, -'.json'.length), JSON.parse(readFileSync(`${dir}${name}`, 'utf8')) as FiguresFile);
  return out;
}

const ms = (p: Percentiles | undefined): string => (p === undefined || p.count === 0 ? '—' : `${p.p50 ?? '?'} / ${p.p99 ?? '?'}`);

/** The order of the table: chaos first, then each kind of fault, then bad input; others after, by name. */
export const FIGURES_ORDER: readonly string[] = ['chaos', 'soak-chaos', 'windows', 'hub-kill', 'hub-callbacks', 'tcp-attacks', 'fuzz'];

/** The markdown table of docs/RELIABILITY.md, one row per scenario, with where each set came from. */
export function renderFiguresTable(unordered: ReadonlyMap<string, FiguresFile>): string {
  const rank = (name: string): number => (FIGURES_ORDER.includes(name) ? FIGURES_ORDER.indexOf(name) : FIGURES_ORDER.length);
  const files = new Map([...unordered].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
  const lines = [
    '| scenario | runs | faults | tasks | lost | duplicate reports | duplicate executions | detection p50 / p99 (ms) | recovery p50 / p99 (ms) | leftovers |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  for (const file of files.values()) {
    for (const s of file.scenarios) {
      // A note shared by several rows is one footnote.
      const index = s.note === undefined ? -1 : notes.includes(s.note) ? notes.indexOf(s.note) + 1 : notes.push(s.note);
      const note = index < 0 ? '' : ` [${index}]`;
      lines.push(
        `| ${s.scenario}${note} | ${s.runs} | ${s.faults} | ${s.tasks} | ${s.lost} | ${s.duplicateReports} | ${s.duplicateExecutions} | ${ms(s.detection)} | ${ms(s.recovery)} | ${s.leftovers} |`,
      );
    }
  }
  const sources = [...files.entries()].map(([name, f]) => `\`${name}\` (${f.source}): ${f.measuredAt.slice(0, 16).replace('T', ' ')} UTC, ${f.machine}`);
  return [...lines, '', ...notes.map((n, i) => `[${i + 1}] ${n}`), ...(notes.length > 0 ? [''] : []), `Measured: ${sources.join('; ')}.`].join('\n');
}

/** Replaces what lies between `<!-- figures:start -->` and `<!-- figures:end -->` in `markdown`. */
export function replaceFiguresBlock(markdown: string, table: string): string {
  const start = '<!-- figures:start -->';
  const end = '<!-- figures:end -->';
  const i = markdown.indexOf(start);
  const j = markdown.indexOf(end);
  if (i < 0 || j < i) throw new Error(`Expected the markers ${start} and ${end} in the document`);
  return `${markdown.slice(0, i + start.length)}\n${table}\n${markdown.slice(j)}`;
}
