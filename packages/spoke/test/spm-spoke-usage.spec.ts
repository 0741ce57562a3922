// spm-spoke's usage errors exit 2 with the reason and the usage, before anything connects: a
// `--hub` whose port is missing or out of range exited 1 from the connect until session 47
// (found by an exploratory tester), unlike every other usage error.
import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../dist/bin/spm-spoke.js', import.meta.url));

describe('spm-spoke given a bad --hub', () => {
  it.each([
    ['http://127.0.0.1:4100', 'expected --hub tcp://HOST:PORT, got `http://127.0.0.1:4100`'],
    ['tcp://127.0.0.1:99999', 'Expected a URL of the form `tcp://host:port` (port 1–65535), got `tcp://127.0.0.1:99999`'],
    ['tcp://127.0.0.1', 'Expected a URL of the form `tcp://host:port` (port 1–65535), got `tcp://127.0.0.1`'],
    ['tcp://127.0.0.1:0', 'Expected a URL of the form `tcp://host:port` (port 1–65535), got `tcp://127.0.0.1:0`'],
  ])('%s: exits 2 saying why, with the usage', (hub, why) => {
    const r = spawnSync(process.execPath, [bin, '--hub', hub], { env: { ...process.env, SPM_SECRET: 'x'.repeat(32) }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`spm-spoke: ${why}\n`);
    expect(r.stderr).toContain('usage: spm-spoke --hub tcp://HOST:PORT');
  });
});
