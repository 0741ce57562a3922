import type { TaskId } from '@spm/exceptions';
import type { WireValue } from '@spm/transport';

/** The hub as a task sees it: spoke-initiated messages only (seed, fine grain limited). */
export interface HubLink {
  /** Sends `body` to the hub's `onMessage` and resolves with its reply. */
  request(body: WireValue): Promise<WireValue>;
  /** Sends `body` to the hub's `onMessage`; no reply. */
  notify(body: WireValue): void;
}

/** What an evaluation knows about where and as what it runs. */
export interface EvaluationContext {
  /** The task's id within its manager invocation. */
  readonly taskId: TaskId;
  /** 1 for the first dispatch, 2 for the first retry, … */
  readonly attempt: number;
  /** This spoke's id in the tracker. */
  readonly spokeId: string;
  /** This spoke's server (host name). */
  readonly host: string;
  /** Aborted when the evaluation must stop (the spoke is shutting down or being relaunched). */
  readonly signal: AbortSignal;
  /** Messages to the hub (fine-grain closures; coarse ones do not use it). */
  readonly hub: HubLink;
}
