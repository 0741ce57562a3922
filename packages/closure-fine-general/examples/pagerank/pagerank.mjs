// A BSP PageRank on @spm/closure-fine-general: a gang whose ranks each own a block of vertices.
//
// Every superstep, each rank spreads the rank of its own vertices along their out-edges, sends
// each peer the contributions to the peer's block (`send`/`recv`), sums what reaches its block,
// and agrees with the others on the dangling mass and the residual (`allreduce`). The graph is
// generated from a seed on every rank, so a task is a handful of numbers, not 100k edges.
//
// This module is imported by the hub (to manage the gang) and by every spoke (to evaluate a
// rank): it declares the gang at its top level and does nothing else there.
import { gang } from '@spm/closure-fine-general';

/** A seeded PRNG (mulberry32): the same graph on every rank, every run, every machine. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A directed graph of `vertices` vertices and `edges` edges (no self-loops): sources uniform,
 * targets skewed towards low ids (a few popular pages), some vertices without out-edges.
 * As two Int32Arrays, `from` and `to`.
 */
export function makeGraph({ vertices, edges, seed }) {
  const next = random(seed);
  const from = new Int32Array(edges);
  const to = new Int32Array(edges);
  for (let e = 0; e < edges; ) {
    const u = Math.floor(next() * vertices);
    const v = Math.floor(next() * next() * vertices);
    if (u === v) continue;
    from[e] = u;
    to[e] = v;
    e += 1;
  }
  return { vertices, from, to };
}

/** The block of vertices rank `rank` of `size` owns: [lo, hi). */
export function block(vertices, rank, size) {
  return [Math.floor((vertices * rank) / size), Math.floor((vertices * (rank + 1)) / size)];
}

/** The serial computation the gang must agree with: `iterations` power-iteration steps. */
export function pageRankSerial({ vertices, edges, seed, iterations, damping }) {
  const { from, to } = makeGraph({ vertices, edges, seed });
  const outDegree = new Int32Array(vertices);
  for (const u of from) outDegree[u] += 1;
  let pr = new Float64Array(vertices).fill(1 / vertices);
  for (let it = 0; it < iterations; it += 1) {
    const sum = new Float64Array(vertices);
    let dangling = 0;
    for (let u = 0; u < vertices; u += 1) if (outDegree[u] === 0) dangling += pr[u];
    for (let e = 0; e < from.length; e += 1) sum[to[e]] += pr[from[e]] / outDegree[from[e]];
    const next = new Float64Array(vertices);
    for (let v = 0; v < vertices; v += 1) next[v] = (1 - damping) / vertices + damping * (sum[v] + dangling / vertices);
    pr = next;
  }
  return pr;
}

const bytesOf = (f64) => new Uint8Array(f64.buffer, f64.byteOffset, f64.byteLength);
const floatsOf = (bytes) => new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** One rank of the BSP PageRank; returns its block of the ranks (as float64 bytes) and the last residual. */
async function pageRankRank(task, ctx) {
  const { vertices, edges, seed, iterations, damping, failRank, failSuperstep } = task;
  const { rank, size } = ctx;
  const { from, to } = makeGraph({ vertices, edges, seed });
  const blocks = Array.from({ length: size }, (_, r) => block(vertices, r, size));
  const [lo, hi] = blocks[rank];
  // This rank's vertices' out-edges (CSR) and degrees.
  const outDegree = new Int32Array(hi - lo);
  for (const u of from) if (u >= lo && u < hi) outDegree[u - lo] += 1;
  const start = new Int32Array(hi - lo + 1);
  for (let i = 0; i < hi - lo; i += 1) start[i + 1] = start[i] + outDegree[i];
  const targets = new Int32Array(start[hi - lo]);
  const fill = start.slice(0, hi - lo);
  for (let e = 0; e < from.length; e += 1) if (from[e] >= lo && from[e] < hi) targets[fill[from[e] - lo]++] = to[e];

  let pr = new Float64Array(hi - lo).fill(1 / vertices);
  let residual = 0;
  for (let step = 0; step < iterations; step += 1) {
    if (ctx.gangAttempt === 1 && rank === failRank && step === failSuperstep) throw new Error(`rank ${rank} fails at superstep ${step} (first run only)`);
    const contribution = new Float64Array(vertices);
    let dangling = 0;
    for (let i = 0; i < hi - lo; i += 1) {
      if (outDegree[i] === 0) {
        dangling += pr[i];
        continue;
      }
      const share = pr[i] / outDegree[i];
      for (let k = start[i]; k < start[i + 1]; k += 1) contribution[targets[k]] += share;
    }
    // Superstep: each peer gets the contributions to its block; this block's arrive from all.
    for (let peer = 0; peer < size; peer += 1) {
      if (peer !== rank) ctx.send(peer, bytesOf(contribution.subarray(blocks[peer][0], blocks[peer][1])), step);
    }
    const sum = contribution.slice(lo, hi);
    for (let peer = 0; peer < size; peer += 1) {
      if (peer === rank) continue;
      const incoming = floatsOf((await ctx.recv({ from: peer, tag: step })).body);
      for (let i = 0; i < sum.length; i += 1) sum[i] += incoming[i];
    }
    const totalDangling = await ctx.allreduce(dangling, 'sum');
    const next = new Float64Array(hi - lo);
    let moved = 0;
    for (let i = 0; i < next.length; i += 1) {
      next[i] = (1 - damping) / vertices + damping * (sum[i] + totalDangling / vertices);
      moved += Math.abs(next[i] - pr[i]);
    }
    pr = next;
    residual = await ctx.allreduce(moved, 'sum');
  }
  return { rank, lo, hi, ranks: bytesOf(pr), residual };
}

export const pageRank = gang.define({
  signature: 'example:pagerank-bsp',
  module: import.meta.url,
  typedef: `
    task<gang> :: struct {
      vertices      :: scalar<int>   = deferred;
      edges         :: scalar<int>   = deferred;
      seed          :: scalar<int>   = 1;
      iterations    :: scalar<int>   = 20;
      damping       :: scalar<float> = 0.85;
      failRank      :: scalar<int>   = -1;
      failSuperstep :: scalar<int>   = -1;
    };`,
  evaluate: pageRankRank,
});

/** Puts the ranks' blocks back together (by rank) into one vector. */
export function assemble(values, vertices) {
  const pr = new Float64Array(vertices);
  for (const { lo, ranks } of values) pr.set(floatsOf(ranks), lo);
  return pr;
}
