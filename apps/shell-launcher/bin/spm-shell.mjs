#!/usr/bin/env node
// The `spm-shell` bin. On a fresh clone (`npm ci` builds nothing) it builds the app first,
// through Nx so every package it depends on is built too, and bundles it (tools/scripts/bundle.mjs:
// a few files load much faster than the ~110 modules of dist/), then runs the bundled entry.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../bundle/bin/spm-shell.js', import.meta.url);
if (!existsSync(entry)) {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  process.stderr.write('spm-shell: building the workspace once (first run)…\n');
  const built = spawnSync('npx', ['nx', 'run', 'shell-launcher:bundle', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (built.status !== 0 || !existsSync(entry)) {
    process.stderr.write('spm-shell: the build failed (run `npx nx run shell-launcher:bundle` to see why)\n');
    process.exit(1);
  }
}
await import(entry.href);
