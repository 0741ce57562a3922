// The bins' first run on a fresh clone (`npm ci` builds nothing): build the app's bundle through
// Nx, once. Callers started together (a loop of `spm-sem … &`) must not each start a build of
// the same files: the first takes a lock (a directory, made atomically, holding its pid) and
// builds; the others wait for it — for the bundle to appear, or for the lock to go (a builder
// that died leaves its lock behind: taken over once its pid is gone).
// CommonJS and synchronous, as the bins that require it.
'use strict';
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', '..');
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function nxBuild(target) {
  return spawnSync('npx', ['nx', 'run', target, '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  }).status;
}

/**
 * Makes sure `entry` (a bundle's file) exists, building it with `npx nx run <target>` if not
 * (`build(target)`, returning an exit status, does it instead when given).
 * `name` prefixes what is said on stderr. Exits the process (status 1) when the build fails.
 */
function ensureBuilt(name, entry, target, build = nxBuild) {
  if (existsSync(entry)) return;
  const lock = join(root, 'tmp', `first-run-${target.replace(/[^A-Za-z0-9_-]/g, '_')}.lock`);
  mkdirSync(join(root, 'tmp'), { recursive: true });
  let said = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (!said) process.stderr.write(`${name}: waiting for the first-run build another ${name} started…\n`);
    said = true;
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      // Made a moment ago, its pid not yet written: look again.
    }
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
    else pause(200);
    if (existsSync(entry)) return;
  }
  try {
    if (existsSync(entry)) return; // built by the holder just before us
    process.stderr.write(`${name}: building the workspace once (first run)…\n`);
    if (build(target) !== 0 || !existsSync(entry)) {
      process.stderr.write(`${name}: the build failed (run \`npx nx run ${target}\` to see why)\n`);
      process.exit(1);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

module.exports = { ensureBuilt };
