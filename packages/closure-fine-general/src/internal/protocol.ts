// What ranks and the hub say to each other through the core's request/notify hook, and what
// ranks in one process say to each other directly. Plain data only (it crosses the wire).
import type { WireError } from '@spm/exceptions';
import type { Tag } from '../gang-context.js';

/** The key that marks a gang's own messages to the hub. */
export const GANG_KEY = 'spmGang';

/** How ranks reach each other: `auto` takes the direct path between ranks in one process. */
export type PeerPaths = 'auto' | 'hub';

/** What the hub puts in each rank's task record, beside the user's task. */
export interface RankInfo {
  /** Unique per gang run (relaunches get a new one): names the direct channels. */
  readonly id: string;
  readonly rank: number;
  readonly size: number;
  readonly attempt: number;
  readonly peers: PeerPaths;
}

/** The record a rank's core task carries. */
export interface RankRecord {
  readonly gang: RankInfo;
  readonly task: unknown;
}

/** A peer message on its way: `t` the rank it goes to (rank → hub) or `f` the rank it came from. */
export interface Entry {
  /** Point to point (`p`) or collective (`c`). */
  readonly k: 'p' | 'c';
  /** The tag (point to point) or the collective's sequence number. */
  readonly x: Tag;
  /** The collective's operation (`allgather`, `broadcast`, …). */
  readonly o?: string;
  /** The body. */
  readonly b: unknown;
}
/** An entry a rank hands the hub. */
export type OutEntry = Entry & { readonly t: number };
/** An entry the hub hands a rank, or a rank posts to a peer directly. */
export type InEntry = Entry & { readonly f: number };

/**
 * Rank → hub, request: here I am — in process `process` (its host name and process id: ranks with
 * the same one share a process, so a direct channel), thread `thread`. Repeated until the table is
 * complete.
 */
export interface JoinMessage {
  readonly spmGang: 'join';
  readonly process: string;
  readonly thread: number;
}
/** Rank → hub, notify: messages for ranks without a direct path. */
export interface OutMessage {
  readonly spmGang: 'out';
  readonly m: readonly OutEntry[];
}
/** Rank → hub, request: messages out (optional), and whatever waits for me. */
export interface PollMessage {
  readonly spmGang: 'poll';
  readonly m?: readonly OutEntry[];
}
/** Rank → hub, request: my evaluation threw (sent before peers are told, so the hub knows first). */
export interface FailedMessage {
  readonly spmGang: 'failed';
  readonly error: WireError;
}
/** Rank → hub, request or notify: a message for the user's `onMessage`. */
export interface UserMessage {
  readonly spmGang: 'user';
  readonly b: unknown;
}
/** Everything a rank sends the hub. */
export type ToHub = JoinMessage | OutMessage | PollMessage | FailedMessage | UserMessage;

/** The gang's failure as ranks learn it. */
export interface FailureNotice {
  /** The rank whose failure failed the gang (absent when the gang was stopped as a whole). */
  readonly rank?: number;
  readonly message: string;
}

/** Hub → rank, reply to `join`: the table once every rank joined, else `wait`. */
export type JoinReply = { readonly table: readonly (readonly [string, number])[] } | { readonly wait: true; readonly fail?: FailureNotice };
/** Hub → rank, reply to `poll`. */
export interface PollReply {
  readonly m: readonly InEntry[];
  /** Ranks that returned (their report reached the hub after all their messages). */
  readonly fin: readonly number[];
  readonly fail?: FailureNotice;
}
/** Hub → rank, reply to a user request: the handler's reply, or that there is no handler. */
export type UserReply = { readonly r: unknown } | { readonly none: string };

/** Rank → rank over a direct channel: an entry, "I returned", or "I failed". */
export type Direct = (InEntry & { readonly d?: undefined }) | { readonly d: 'done'; readonly f: number } | { readonly d: 'fail'; readonly f: number; readonly message: string };

/** True when `body` is one of the gang's own messages. */
export function isToHub(body: unknown): body is ToHub {
  return typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)[GANG_KEY] === 'string';
}
