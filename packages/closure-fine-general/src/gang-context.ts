import type { ClosureSpec } from '@spm/closure-core';
import type { ReduceOp } from './reduce-op.js';

/** What a spoke gives an evaluation (the core's `EvaluationContext`). */
export type EvaluationContext = Parameters<ClosureSpec<unknown, unknown>['evaluate']>[1];

/**
 * Plain data, the same on every path: null, boolean, number, string, `Uint8Array`, and arrays
 * and plain objects of those (what crosses a process boundary). Send a `Float64Array` as
 * `new Uint8Array(f64.buffer, f64.byteOffset, f64.byteLength)`. Every path delivers it as the
 * wire does: `undefined` properties dropped, `-0` as `0`; `undefined` elsewhere (the body, an
 * array element) and an array's hole are refused.
 */
export type PeerData = Parameters<EvaluationContext['hub']['request']>[0];

/** A message tag: any string or number; `send` uses `0` unless told otherwise. */
export type Tag = string | number;

/** A message as `recv` returns it. */
export interface PeerMessage<T = PeerData> {
  /** The rank that sent it. */
  readonly from: number;
  /** Its tag. */
  readonly tag: Tag;
  /** What was sent, as the wire delivers it (`undefined` properties dropped, `-0` as `0`). */
  readonly body: T;
}

/** Which messages `recv` takes: the first that arrived matching both (either may be left out). Any other key is refused. */
export interface RecvOptions {
  /** Only from this rank. @default any rank */
  readonly from?: number;
  /** Only with this tag. @default any tag */
  readonly tag?: Tag;
}

/**
 * What a rank of a gang sees (the second argument of a gang's `evaluate`): the spoke's
 * evaluation context plus its rank, the gang's size, point-to-point messages and collectives.
 *
 * Every collective (`barrier`, `broadcast`, `allreduce`, `allgather`) must be called by every
 * rank, in the same order. Every call that waits rejects with `SPMGangError` as soon as the
 * gang fails (another rank threw, was lost or timed out; the gang is being terminated), and when
 * it waits for a rank that has already returned — it never blocks forever.
 */
export interface GangContext extends EvaluationContext {
  /** This rank: 0 … size − 1 (the task id of its rank in the core). */
  readonly rank: number;
  /** How many ranks the gang has. */
  readonly size: number;
  /** 1 for the gang's first run, 2 after one relaunch of the whole gang, … */
  readonly gangAttempt: number;
  /**
   * Sends `body` to rank `to` (itself included), with `tag` (default `0`). Returns at once: the
   * message is buffered at the receiver until it calls `recv`. Messages from one rank to another
   * arrive in the order they were sent. Throws `SPMError` for a bad rank or data that is not
   * plain, `SPMGangError` once the gang has failed.
   */
  send(to: number, body: PeerData, tag?: Tag): void;
  /** The first message that arrived matching `options` (or waits for one). */
  recv<T extends PeerData = PeerData>(options?: RecvOptions): Promise<PeerMessage<T>>;
  /** Resolves when every rank has called `barrier()`. */
  barrier(): Promise<void>;
  /** Every rank gets `value` of rank `root` (default 0); other ranks' `value` is ignored. */
  broadcast<T extends PeerData>(value: T, root?: number): Promise<T>;
  /** Every rank's `value`, indexed by rank. */
  allgather<T extends PeerData>(value: T): Promise<T[]>;
  /**
   * The ranks' values combined by `op` in rank order (see `ReduceOp`): every rank gets the same
   * result.
   */
  allreduce<T extends PeerData>(value: T, op: ReduceOp<T>): Promise<T>;
}
