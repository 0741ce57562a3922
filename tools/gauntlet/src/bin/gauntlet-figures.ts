#!/usr/bin/env node
// `npx nx run @spm/gauntlet:figures` — runs the gauntlet (a fresh Jest run of tools/gauntlet,
// known bugs excluded), then rewrites the figures table of docs/RELIABILITY.md from what the
// specs measured. `npx nx run @spm/gauntlet:soak` runs the chaos spec 100 times instead
// (`--runs N` to change it) and rewrites the table with the soak row. `--no-run` only
// re-renders the table from the figures already written.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FIGURES_DIR, loadFigures, renderFiguresTable, replaceFiguresBlock } from '../figures.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const doc = `${root}docs/RELIABILITY.md`;
const { values } = parseArgs({ options: { soak: { type: 'boolean', default: false }, runs: { type: 'string' }, 'no-run': { type: 'boolean', default: false } } });

let status = 0;
if (!values['no-run']) {
  const soak = values.soak === true;
  const runs = values.runs ?? (soak ? '100' : undefined);
  if (runs !== undefined && !/^[1-9]\d*$/.test(runs)) {
    process.stderr.write(`gauntlet-figures: expected --runs to be a positive integer, got \`${runs}\`\n`);
    process.exit(2);
  }
  // Figures of the scenarios about to run are measured again; the other set is kept.
  let names: string[] = [];
  try {
    names = readdirSync(FIGURES_DIR);
  } catch {
    // nothing measured yet
  }
  for (const name of names) if (name.startsWith('soak-') === soak) rmSync(`${FIGURES_DIR}${name}`, { force: true });
  const jest = spawnSync(
    process.execPath,
    [`${root}node_modules/jest/bin/jest.js`, '-c', `${root}tools/gauntlet/jest.config.cjs`, ...(soak ? ['--testPathPatterns', 'tools/gauntlet/test/chaos\\.spec\\.ts'] : [])],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
        ...(runs !== undefined ? { SPM_GAUNTLET_CHAOS_RUNS: runs } : {}),
        ...(soak ? { SPM_GAUNTLET_CHAOS_FIGURES: 'soak-chaos' } : {}),
      },
    },
  );
  status = jest.status ?? 1;
  if (status !== 0) process.stderr.write(`gauntlet-figures: the gauntlet failed (status ${status}); the table shows what it measured anyway\n`);
}
const figures = loadFigures();
if (figures.size === 0) {
  process.stderr.write(`gauntlet-figures: no figures in ${FIGURES_DIR}: run without --no-run first\n`);
  process.exit(1);
}
writeFileSync(doc, replaceFiguresBlock(readFileSync(doc, 'utf8'), renderFiguresTable(figures)));
process.stdout.write(`gauntlet-figures: wrote the figures of ${[...figures.keys()].join(', ')} to docs/RELIABILITY.md\n`);
process.exit(status);
