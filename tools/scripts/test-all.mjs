#!/usr/bin/env node
// The README's test command (`npm test`): lint, typecheck and test every project through
// Nx (with its cache), then print the totals summed from each project's Jest results as one
// plain line `N passed, N failed`, so a run that executed no test is visible.
// Extra arguments are passed to `nx run-many` (e.g. `npm test -- --projects=@spm/typedef`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const groups = ['packages', 'apps', 'tools'];

function resultFiles() {
  const files = [];
  for (const group of groups) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, 'test-output', 'jest', 'results.json');
      files.push({ project: `${group}/${name}`, file });
    }
  }
  return files;
}

// Stale results must not be counted; Nx restores them from its cache for cached runs.
for (const { file } of resultFiles()) rmSync(file, { force: true });

const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--parallel=2', '--outputStyle=stream', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } },
);

let passed = 0;
let failed = 0;
let projects = 0;
const failures = [];
for (const { project, file } of resultFiles()) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  projects += 1;
  passed += r.numPassedTests;
  // A suite that failed to load counts as one failure even though it ran no test.
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  process.stdout.write(`  ${project}: ${r.numPassedTests} passed, ${r.numFailedTests} failed\n`);
  for (const f of r.failures ?? []) failures.push({ ...f, where: `${project}/${f.where}` });
}
// Failures again at the very end, so that a log's tail names them (Nx streams every project's
// output interleaved, and a failing spec's message may be thousands of lines above).
for (const f of failures) {
  const message = f.message.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, 12).join('\n    ');
  process.stdout.write(`FAILED ${f.where} › ${f.title}\n    ${message}\n`);
}
const status = nx.status ?? 1;
if (status !== 0) process.stdout.write(`nx run-many exited with status ${status} (a lint, typecheck, build or test target failed)\n`);
process.stdout.write(`${projects} projects tested\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(status !== 0 ? status : passed === 0 ? 1 : 0);
