import type {
  SourceTask,
  StatusReport,
  TaskSource,
  TaskSourceHooks,
} from '@spm/closure-core';
import {
  SPMTaskDropped,
  type SPMTaskError,
  type TaskId,
} from '@spm/exceptions';
import type { DagNode, DagPlan } from './dag-plan.js';
import { formatId } from './format-id.js';
import { IndexHeap } from './index-heap.js';

type State =
  | 'blocked' // waits for dependencies
  | 'ready' // every dependency succeeded; queued
  | 'dropping' // a dependency failed; its drop is queued
  | 'out' // handed to the manager
  | 'ok'
  | 'failed';

interface Entry {
  readonly node: DagNode;
  state: State;
  /** Dependencies whose success has not been reported yet. */
  waiting: number;
  /** Why it is dropped (state `dropping`), or its error once it failed. */
  error: SPMTaskError | undefined;
  /** The task whose failure dropped it (itself when it failed). */
  root: DagNode | undefined;
}

/**
 * The DAG family's task source. A task goes out when every dependency's final report has been
 * delivered to the hub (the `report` event and `onStatus` saw it first); ready tasks go out in
 * submission order. When a task fails, every task that waits for it, transitively, goes out as
 * an `SPMTaskDropped` whose `cause` is the error of the dependency that failed or was dropped;
 * drops go out before ready tasks, breadth-first from the failed task.
 *
 * It learns outcomes from {@link DagSource.reported} (its closure wraps `onStatus`), not from
 * `settled(taskId, ok)`, because that call carries no error to set as the `cause`.
 */
export class DagSource implements TaskSource {
  readonly #hooks: TaskSourceHooks;
  readonly #entries = new Map<TaskId, Entry>();
  readonly #ready = new IndexHeap<Entry>((e) => e.node.index);
  /**
   * Drops to hand out, from `#dropsHead` on. A head index, not `shift()`: shifting a large array
   * moves every element, so dropping the N dependents of one failed task was O(N²) (100k: 5 s,
   * 200k: 21 s, the hub blocked throughout — an exploratory tester).
   */
  #drops: Entry[] = [];
  #dropsHead = 0;
  #handedOut = 0;
  #closed = false;
  #notifying = false;

  constructor(plan: DagPlan, hooks: TaskSourceHooks) {
    this.#hooks = hooks;
    for (const node of plan.nodes) {
      const entry: Entry = {
        node,
        state: 'blocked',
        waiting: node.after.length,
        error: undefined,
        root: undefined,
      };
      this.#entries.set(node.id, entry);
      if (entry.waiting === 0) this.#enqueue(entry);
    }
  }

  next(): SourceTask | 'wait' | 'done' {
    if (this.#closed) return 'done';
    const drop = this.#takeDrop();
    if (drop !== undefined)
      return this.#handOut(drop, drop.error as SPMTaskDropped);
    const ready = this.#ready.pop();
    if (ready !== undefined) return this.#handOut(ready, undefined);
    return this.#handedOut === this.#entries.size ? 'done' : 'wait';
  }

  settled(): void {
    // Outcomes arrive with their errors through reported(), once the report is delivered.
  }

  /** A task's final report was delivered to the hub: release or drop what waits for it. */
  reported(report: StatusReport): void {
    const entry = this.#entries.get(report.taskId);
    if (this.#closed || entry === undefined || entry.state !== 'out') return;
    if (report.ok) {
      entry.state = 'ok';
      for (const dependent of entry.node.dependents) {
        const next = this.#entries.get(dependent.id) as Entry;
        next.waiting -= 1;
        if (next.waiting === 0 && next.state === 'blocked') this.#enqueue(next);
      }
    } else {
      const dropped = entry.error !== undefined; // one of ours: its dependents are dropped already
      entry.state = 'failed';
      if (!dropped) {
        entry.error = report.error;
        entry.root = entry.node;
        this.#dropDependents(entry);
      }
    }
    this.#notify();
  }

  /**
   * Every task not handed out yet (waiting, ready, or about to be dropped), in submission order:
   * the manager reports them all when it must drop every unfinished task (`timeoutExecution`,
   * no spoke left). A DAG is finite, so it always can.
   */
  drain(): SourceTask[] {
    const rest: SourceTask[] = [];
    for (const entry of this.#entries.values()) {
      if (
        entry.state === 'blocked' ||
        entry.state === 'ready' ||
        entry.state === 'dropping'
      )
        rest.push(this.#handOut(entry, undefined));
    }
    this.#drops = [];
    this.#dropsHead = 0;
    while (this.#ready.pop() !== undefined);
    return rest;
  }

  close(): void {
    this.#closed = true;
  }

  #handOut(entry: Entry, drop: SPMTaskDropped | undefined): SourceTask {
    entry.state = 'out';
    this.#handedOut += 1;
    return drop === undefined
      ? { taskId: entry.node.id, input: entry.node.input }
      : { taskId: entry.node.id, input: entry.node.input, drop };
  }

  /** The oldest queued drop, in O(1) (amortized). */
  #takeDrop(): Entry | undefined {
    if (this.#dropsHead === this.#drops.length) return undefined;
    const drop = this.#drops[this.#dropsHead] as Entry;
    this.#dropsHead += 1;
    if (this.#dropsHead === this.#drops.length) {
      this.#drops = [];
      this.#dropsHead = 0;
    } else if (
      this.#dropsHead >= 1024 &&
      this.#dropsHead * 2 >= this.#drops.length
    ) {
      // Drops queued while others go out: the handed-out half is let go, in one copy.
      this.#drops = this.#drops.slice(this.#dropsHead);
      this.#dropsHead = 0;
    }
    return drop;
  }

  #enqueue(entry: Entry): void {
    entry.state = 'ready';
    this.#ready.push(entry);
  }

  // Breadth-first, so each dropped task's cause (its dependency's error) exists before it.
  #dropDependents(failed: Entry): void {
    const queue: Entry[] = [failed];
    for (let head = 0; head < queue.length; head += 1) {
      const from = queue[head] as Entry;
      const root = from.root as DagNode;
      for (const dependent of from.node.dependents) {
        const entry = this.#entries.get(dependent.id) as Entry;
        if (entry.state !== 'blocked') continue; // dropped already, by this failure or another
        const cause = from.error as SPMTaskError;
        const why =
          from === failed
            ? `its dependency \`${formatId(from.node.id)}\` failed with ${cause.name}`
            : `its dependency \`${formatId(from.node.id)}\` was dropped (task \`${formatId(root.id)}\` failed with ${(this.#entries.get(root.id) as Entry).error?.name ?? 'an error'})`;
        entry.error = new SPMTaskDropped(
          `Task ${formatId(entry.node.id)} was dropped: ${why}`,
          { taskId: entry.node.id, attempt: 0, cause },
        );
        entry.root = root;
        entry.state = 'dropping';
        this.#drops.push(entry);
        queue.push(entry);
      }
    }
  }

  // The manager pulls again on `available`; never from inside its own call into us.
  #notify(): void {
    if (this.#notifying || this.#closed) return;
    this.#notifying = true;
    queueMicrotask(() => {
      this.#notifying = false;
      if (!this.#closed) this.#hooks.available();
    });
  }
}
