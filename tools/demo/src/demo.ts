import type { SPMError } from '@spm/exceptions';
import { VirtualCloud, type SpokeInfo } from '@spm/tracker';
import { createRecord, parse, tie, validateRecord, after, withSpmComponent } from '@spm/typedef';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Virtual servers. */
  readonly servers: number;
  /** Spokes per server. */
  readonly spokesPerServer: number;
  /** How spokes run. */
  readonly kind: 'inproc' | 'thread' | 'process';
  /** Where lines go. */
  readonly out: (line: string) => void;
}

// The seed's Fig. 16 typedef (prime counting), as a user would write it.
const FIG16 = `
task<list>::struct {
    spm::struct {
        meta::struct {
            label      ::scalar<stringSnippet> = deferred;
            timeout    ::scalar<timeout>      = deferred;
        };
    };
    nMin      ::scalar<auto>      = deferred;
    nMax      ::scalar<auto>      = deferred;
};`;

function table(spokes: readonly SpokeInfo[]): string[] {
  return spokes.map((s) => `  ${s.id.padEnd(9)} ${s.host.padEnd(14)} core ${s.coreIndex}  ${s.kind.padEnd(7)} ${s.state.padEnd(7)} pid ${s.pid ?? '-'}  incarnation ${s.incarnation}`);
}

/** Runs the tour; resolves with the process exit code. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { out } = options;
  out('# 1. The seed’s typedef (Fig. 16), parsed; one task record per bucket, validated');
  const schema = withSpmComponent(parse(FIG16));
  const buckets = 10;
  const nMax = 502_347;
  for (let i = 0; i < buckets; i += 1) {
    const record = createRecord(schema);
    const hdl = tie(schema, record);
    hdl.spm.meta.label = `bucket ${i}`;
    hdl.spm.meta.timeout = after({ seconds: 10 });
    hdl.nMin = Math.floor((i * nMax) / buckets);
    hdl.nMax = Math.floor(((i + 1) * nMax) / buckets);
    validateRecord(schema, record);
    if (i < 2 || i === buckets - 1) out(`  ${JSON.stringify({ label: hdl.spm.meta.label, nMin: hdl.nMin, nMax: hdl.nMax })}`);
  }
  try {
    const bad = createRecord(schema);
    validateRecord(schema, bad);
  } catch (error) {
    out(`  an incomplete record is refused: ${(error as SPMError).message}`);
  }

  out(`\n# 2. A virtual cloud: ${options.servers} server(s) × ${options.spokesPerServer} ${options.kind} spoke(s)`);
  const cloud = await VirtualCloud.start({ local: { kind: options.kind, servers: options.servers, spokesPerServer: options.spokesPerServer } });
  try {
    for (const line of table(cloud.spokes())) out(line);

    out('\n# 3. Pools are handles, not contents (seed Fig. 13)');
    for (const [name, pool] of [
      ['intraAll', cloud.pool.intraAll()],
      ['intraOnePerServer', cloud.pool.intraOnePerServer()],
      ['inter', cloud.pool.inter()],
      ['interOnePerServer', cloud.pool.interOnePerServer()],
    ] as const) {
      const lease = await cloud.tracker.lease({ pool, owner: 'demo', timeoutWaitForSpokesMs: 2000 });
      out(`  ${name.padEnd(18)} → ${lease.spokeIds.join(', ')}`);
      await lease.release();
    }

    if (options.kind === 'process') {
      out('\n# 4. Every lost spoke is noticed: SIGKILL one, watch it come back');
      const victim = cloud.spokes()[0] as SpokeInfo;
      const t0 = Date.now();
      const lost = new Promise<string>((resolve) => cloud.tracker.once('spoke-lost', (_s, reason) => resolve(reason.reason)));
      const back = new Promise<SpokeInfo>((resolve) => cloud.tracker.on('spoke-ready', (s) => s.id === victim.id && resolve(s)));
      process.kill(victim.pid as number, 'SIGKILL');
      out(`  lost after ${Date.now() - t0} ms: ${await lost}`);
      const again = await back;
      out(`  relaunched after ${Date.now() - t0} ms as pid ${again.pid}, incarnation ${again.incarnation}`);
    }
  } finally {
    await cloud.close();
  }
  out('\n# 5. Closed: every spoke stopped');
  for (const line of table(cloud.spokes())) out(line);
  return 0;
}
