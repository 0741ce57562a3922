import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { VirtualCloud } from '@spm/tracker';

/** The spoke kinds the task-manager benchmarks run on. */
export type BenchSpokeKind = 'thread' | 'process' | 'tcp';

/** A cloud of spokes for a benchmark, and how to take it down. */
export interface BenchCloud {
  readonly cloud: VirtualCloud;
  readonly kind: BenchSpokeKind;
  readonly spokes: number;
  /** Closes the cloud and kills every process it started; resolves when they are gone. */
  close(): Promise<void>;
}

// The spm-spoke bin of @spm/spoke, started as a user would start it on another host.
const SPM_SPOKE = createRequire(import.meta.url).resolve('@spm/spoke/package.json').replace(/package\.json$/, 'dist/bin/spm-spoke.js');

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `spokes` spokes of `kind` on this machine: `thread` and `process` through the local
 * provisioner; `tcp` as a hub that admits joined spokes plus that many `spm-spoke` processes
 * joining it over loopback with a fresh secret (passed in `SPM_SECRET`, never on the command
 * line). TCP spokes may still be joining when this resolves: lease with `nSpokesMin` to wait.
 */
export async function startBenchCloud(kind: BenchSpokeKind, spokes: number): Promise<BenchCloud> {
  if (kind !== 'tcp') {
    const cloud = await VirtualCloud.start({ hubHost: 'hub', local: { kind, spokes } });
    return { cloud, kind, spokes, close: () => cloud.close() };
  }
  const secret = randomBytes(24).toString('hex');
  const cloud = await VirtualCloud.start({ hubHost: 'hub', join: { secret } });
  const children: ChildProcess[] = [];
  for (let i = 0; i < spokes; i++) {
    children.push(spawn(process.execPath, [SPM_SPOKE, '--hub', cloud.joinUrl], { env: { ...process.env, SPM_SECRET: secret, SPM_SPOKE_ID: `tcp:${i + 1}` }, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  return {
    cloud,
    kind,
    spokes,
    close: async () => {
      await cloud.close();
      // The spokes exit when the hub closes their channel; the kill covers one that is stuck.
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map(exited));
    },
  };
}
