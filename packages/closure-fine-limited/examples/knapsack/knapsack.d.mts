import type { LimitedClosure, MessageHandler } from '@spm/closure-fine-limited';

/** A 0/1 knapsack instance. */
export interface KnapsackInstance {
  readonly weights: number[];
  readonly values: number[];
  readonly capacity: number;
}
/** One subproblem: the instance with the first `depth` decisions fixed by the bits of `prefix`. */
export interface Subproblem extends KnapsackInstance {
  readonly depth: number;
  readonly prefix: number;
}
/** What one subproblem's search returns. */
export interface SubproblemResult {
  readonly prefix: number;
  readonly nodes: number;
  readonly questions: number;
  readonly best: { readonly value: number; readonly take: number[] } | null;
}
/** The hub's incumbent. */
export interface Incumbent {
  value: number;
  take: number[];
  improvements: number;
  questions: number;
}

export declare function makeInstance(n: number, seed?: number): KnapsackInstance;
export declare function solveSerial(instance: KnapsackInstance): number;
export declare function subproblems(instance: KnapsackInstance, depth: number): Subproblem[];
export declare function newIncumbent(): { state: Incumbent; onMessage: MessageHandler };
export declare const knapsack: LimitedClosure<Subproblem, SubproblemResult>;
