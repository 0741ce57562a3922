import { gang as gangFamily } from '@spm/closure-fine-general';
import { limited as limitedFamily } from '@spm/closure-fine-limited';
import type { RequestWindow } from './union-rate.js';
// The spm side of the fine-grain benchmarks: a fine-limited closure whose task asks the hub in a
// loop, and a gang whose two ranks exchange messages and reduce. The hub imports this module to
// manage them; every spoke imports the same built file (by its URL) to evaluate them.
//
/** The part of a spoke's evaluation context these tasks use. */
interface HubLink {
  request(body: unknown): Promise<unknown>;
}
/** The part of a gang rank's context these tasks use. */
export interface RankContext {
  readonly rank: number;
  send(to: number, body: unknown, tag?: string | number): void;
  recv(options?: { from?: number; tag?: string | number }): Promise<{ body: unknown }>;
  barrier(): Promise<void>;
  allreduce(value: number, op: 'sum'): Promise<number>;
}
/** Enough of a closure's `manage()` for the benchmark. */
export interface BenchClosure<C, S> {
  manage(call: C): Promise<S>;
}

/** What a fine-limited ask task does: `warmup` requests, then `n` timed ones. */
export interface AskTask {
  readonly n: number;
  readonly warmup: number;
}
/** What a gang benchmark rank does. */
export interface GangTask {
  /** `allreduce`: n sums; `pingpong`: n send+recv round trips; `stream`: rank 0 sends n messages of `bytes` (0: a number) to rank 1. */
  readonly mode: 'allreduce' | 'pingpong' | 'stream';
  readonly n: number;
  readonly warmup: number;
  readonly bytes: number;
}

// The benchmark's own narrow views of the two families (the few members it uses).
type Family = { define(spec: { signature: string; module: string; evaluate: (task: never, context: never) => unknown }): unknown };
const limited = limitedFamily as unknown as Family;
const gang = gangFamily as unknown as Family;

/**
 * Requests answered by the hub, one in flight, timed on the spoke: the task's timed window, in
 * ms since the epoch, so that the windows of tasks on other spokes can be joined (`unionRate`).
 */
export const askHub = limited.define({
  signature: 'bench:fine:ask',
  module: import.meta.url,
  evaluate: async (task: AskTask, ctx: { hub: HubLink }): Promise<RequestWindow> => {
    for (let i = 0; i < task.warmup; i += 1) await ctx.hub.request(i);
    const started = performance.now();
    for (let i = 0; i < task.n; i += 1) await ctx.hub.request(i);
    const ended = performance.now();
    return { requests: task.n, startedMs: performance.timeOrigin + started, endedMs: performance.timeOrigin + ended };
  },
}) as BenchClosure<{ pool: unknown; tasks: AskTask[]; onMessage: (body: unknown) => unknown; onStatus: (report: { returnValue(): RequestWindow }) => void }, unknown>;

async function exchange(ctx: RankContext, mode: GangTask['mode'], n: number, body: unknown): Promise<void> {
  const other = 1 - ctx.rank;
  if (mode === 'allreduce') {
    for (let i = 0; i < n; i += 1) await ctx.allreduce(i, 'sum');
  } else if (mode === 'pingpong') {
    for (let i = 0; i < n; i += 1) {
      if (ctx.rank === 0) {
        ctx.send(other, body);
        await ctx.recv({ from: other });
      } else {
        await ctx.recv({ from: other });
        ctx.send(other, body);
      }
    }
  } else if (ctx.rank === 0) {
    for (let i = 0; i < n; i += 1) ctx.send(other, body);
    await ctx.recv({ from: other }); // the receiver's ack: every message arrived
  } else {
    for (let i = 0; i < n; i += 1) await ctx.recv({ from: other });
    ctx.send(other, 'ack');
  }
}

/** Seconds per operation, timed on each rank between two barriers; the slower rank counts. */
export const gangBench = gang.define({
  signature: 'bench:fine:gang',
  module: import.meta.url,
  evaluate: async (task: GangTask, ctx: RankContext): Promise<number> => {
    const body = task.bytes === 0 ? 1 : new Uint8Array(task.bytes);
    await exchange(ctx, task.mode, task.warmup, body);
    await ctx.barrier();
    const started = performance.now();
    await exchange(ctx, task.mode, task.n, body);
    return (performance.now() - started) / 1000 / task.n;
  },
}) as BenchClosure<{ pool: unknown; size: number; task: GangTask; peers: 'auto' | 'hub' }, { values: number[]; links: { direct: number; hub: number } }>;
