import type { GangClosure } from '@spm/closure-fine-general';

/** The problem: a generated graph and the power iteration's parameters. */
export interface PageRankTask {
  readonly vertices: number;
  readonly edges: number;
  readonly seed?: number;
  readonly iterations?: number;
  readonly damping?: number;
  /** Rank that throws on the first run only (for the relaunch test), at superstep `failSuperstep`. */
  readonly failRank?: number;
  readonly failSuperstep?: number;
}
/** What one rank returns: its block [lo, hi) of the ranks as float64 bytes, and the last residual. */
export interface PageRankBlock {
  readonly rank: number;
  readonly lo: number;
  readonly hi: number;
  readonly ranks: Uint8Array;
  readonly residual: number;
}

export declare function makeGraph(options: { vertices: number; edges: number; seed: number }): { vertices: number; from: Int32Array; to: Int32Array };
export declare function block(vertices: number, rank: number, size: number): [number, number];
export declare function pageRankSerial(task: Required<Omit<PageRankTask, 'failRank' | 'failSuperstep'>>): Float64Array;
export declare function assemble(values: readonly PageRankBlock[], vertices: number): Float64Array;
export declare const pageRank: GangClosure<PageRankTask, PageRankBlock>;
