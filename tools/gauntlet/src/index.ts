/**
 * @spm/gauntlet — the reliability and security gauntlet (docs/RELIABILITY.md): fault-injection
 * and bad-input specs in `test/`, and here what they share — a seeded random generator for
 * replayable chaos, a sieve to check counts by, and the figures files the specs write and
 * `npx nx run @spm/gauntlet:figures` renders into the document.
 * @packageDocumentation
 */
export { seededRandom } from './seeded-random.js';
export { primesBelow } from './sieve.js';
export {
  saveFigures,
  loadFigures,
  renderFiguresTable,
  replaceFiguresBlock,
  FIGURES_DIR,
  FIGURES_ORDER,
  type ScenarioFigures,
  type FiguresFile,
} from './figures.js';
