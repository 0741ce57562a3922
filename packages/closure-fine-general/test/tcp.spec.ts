import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { expectSequencePoint, liveDescendants, waitFor } from '@spm/testing';
import { VirtualCloud } from '@spm/tracker';
import { after } from '@spm/typedef';
import { assemble, pageRank, pageRankSerial } from '../examples/pagerank/pagerank.mjs';
import { kit } from './fixtures/gangs.mjs';

// The spm-spoke bin, started as a user would start it on another host.
const SPM_SPOKE = createRequire(import.meta.url).resolve('@spm/spoke/package.json').replace(/package\.json$/, 'dist/bin/spm-spoke.js');
const SIZE = 2;

// TCP spokes joined over loopback: separate processes with no direct path, so every peer message
// goes through the hub, as it would between hosts.
describe('a gang on tcp spokes', () => {
  let cloud: VirtualCloud;
  let baseline: number[];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const secret = randomBytes(24).toString('hex');
    cloud = await VirtualCloud.start({ hubHost: 'hub', join: { secret } });
    for (let i = 1; i <= SIZE; i += 1) {
      children.push(spawn(process.execPath, [SPM_SPOKE, '--hub', cloud.joinUrl], { env: { ...process.env, SPM_SECRET: secret, SPM_SPOKE_ID: `tcp:${i}` }, stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    await waitFor(() => cloud.spokes().filter((s) => s.state === 'idle').length === SIZE, 20_000, `${SIZE} tcp spokes joined`);
    baseline = liveDescendants();
  });

  afterAll(async () => {
    await cloud.close();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  });

  it('runs every primitive through the hub', async () => {
    const summary = await kit.manage({ pool: cloud.pool.inter(), size: SIZE, task: { mode: 'tour' }, timeoutWaitForSpokes: after({ seconds: 10 }) });
    expect(summary.links).toEqual({ direct: 0, hub: 1 });
    expect(summary.values.map((v) => (v as { sum: number; concat: string }).sum)).toEqual([3, 3]);
    expect(summary.values.map((v) => (v as { concat: string }).concat)).toEqual(['01', '01']);
    await expectSequencePoint(cloud, baseline, () => 0);
  });

  it('computes the BSP PageRank equal to the serial computation', async () => {
    const problem = { vertices: 20_000, edges: 100_000, seed: 3, iterations: 8, damping: 0.85 };
    const summary = await pageRank.manage({ pool: cloud.pool.inter(), size: SIZE, task: problem });
    const pr = assemble(summary.values, problem.vertices);
    const serial = pageRankSerial(problem);
    let worst = 0;
    for (let v = 0; v < pr.length; v += 1) worst = Math.max(worst, Math.abs((pr[v] as number) - (serial[v] as number)));
    expect(worst).toBeLessThanOrEqual(1e-15);
    await expectSequencePoint(cloud, baseline, () => 0);
  });
});
