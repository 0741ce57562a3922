// The hub of the BSP PageRank example:
// `node examples/pagerank/main.mjs [ranks] [kind] [vertices] [edges]` (after
// `npx nx build @spm/closure-fine-general`). Runs the gang, checks it against the serial
// computation, and prints the top pages.
import { VirtualCloud } from '@spm/tracker';
import { assemble, pageRank, pageRankSerial } from './pagerank.mjs';

const size = Number(process.argv[2] ?? 2);
const kind = process.argv[3] ?? 'process';
const problem = { vertices: Number(process.argv[4] ?? 20_000), edges: Number(process.argv[5] ?? 100_000), seed: 1, iterations: 20, damping: 0.85 };

const cloud = await VirtualCloud.start({ local: { kind, spokes: size } });
try {
  const started = Date.now();
  const summary = await pageRank.manage({ pool: cloud.pool.intraAll(), size, task: problem });
  const gangMs = Date.now() - started;
  const pr = assemble(summary.values, problem.vertices);
  const t = Date.now();
  const serial = pageRankSerial(problem);
  const serialMs = Date.now() - t;
  let worst = 0;
  for (let v = 0; v < pr.length; v += 1) worst = Math.max(worst, Math.abs(pr[v] - serial[v]));
  const top = [...pr.keys()].sort((a, b) => pr[b] - pr[a]).slice(0, 5);
  console.log(`${problem.vertices} vertices, ${problem.edges} edges, ${problem.iterations} supersteps on ${size} ${kind} ranks: ${gangMs} ms (serial: ${serialMs} ms)`);
  console.log(`peer links: ${summary.links.direct} direct, ${summary.links.hub} through the hub; last residual ${summary.values[0].residual.toExponential(2)}`);
  console.log(`top pages: ${top.map((v) => `${v} (${pr[v].toExponential(3)})`).join(', ')}`);
  console.log(`largest difference from the serial computation: ${worst.toExponential(2)}`);
  process.exitCode = worst <= 1e-12 ? 0 : 1;
} finally {
  await cloud.close();
}
