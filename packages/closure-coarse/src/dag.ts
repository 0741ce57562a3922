import {
  checkOptionKeys,
  Closure,
  resolveManageOptions,
  type ClosureSpec,
  type ManageCall,
  type ManageSummary,
  type StatusReport,
} from '@spm/closure-core';
import { SPMError, SPMTypedefError, type TaskId, describeValue } from '@spm/exceptions';
import { isTaskSchema, parse, type TaskSchema } from '@spm/typedef';
import { planDag, type DagPlan } from './internal/dag-plan.js';
import { DagSource } from './internal/dag-source.js';

/** What `dag.define` declares: the core's closure spec, family `dag`. */
export type DagSpec<T, R> = Omit<ClosureSpec<T, R>, 'family'>;

/**
 * A task of a DAG as given to `manage()`: its record's fields plus the DAG's own keys `id` and
 * `after`, which are taken off before the record is built (a DAG's typedef may not declare them).
 */
export type DagTask<T> = T & {
  /** Unique within the invocation: a non-empty string or a safe integer. It is the report's `taskId`. */
  readonly id: TaskId;
  /** The ids of the tasks that must succeed before this one runs. @default [] */
  readonly after?: readonly TaskId[];
};

/** `manage()` options of a DAG: the core's, with `tasks` a whole graph (an array or a finite iterable). */
export interface DagManageCall<T, R> extends Omit<ManageCall<T, R>, 'tasks'> {
  /** The tasks, in submission order (the order ready tasks go out in). */
  readonly tasks: readonly DagTask<T>[] | Iterable<DagTask<T>>;
}

/**
 * A DAG closure: tasks with dependencies. A task is dispatched once every task it names in
 * `after` has succeeded (and that report reached the hub); when one fails, every task that waits
 * for it, transitively, is reported `SPMTaskDropped` (attempt 0, never ran) with the failure as
 * its `cause`. The graph is checked whole before anything runs: a cycle is refused with an
 * `SPMError` naming it.
 */
export class DagClosure<T = unknown, R = unknown> extends Closure<T, R> {
  /**
   * Runs the DAG over spokes of `pool`; one report per task, as the core delivers them. Rejects
   * before anything runs on bad options, a bad graph (duplicate or unknown id, a cycle) or a bad
   * record; otherwise as the core's `manage()`.
   */
  override manage(call: DagManageCall<T, R>): Promise<ManageSummary> {
    let plan: DagPlan;
    try {
      resolveManageOptions(call); // the core validates again; here it must come before the graph
      plan = planDag(call.tasks, this.schema);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    let source: DagSource | undefined;
    // The source learns each outcome, with its error (the `cause` of dropped dependents), from
    // the report as it is delivered, before the user's callback sees it.
    const onStatus = (report: StatusReport<R>): void | Promise<void> => {
      source?.reported(report as StatusReport);
      return call.onStatus?.(report);
    };
    return this.run(
      { ...call, onStatus },
      (hooks) => (source = new DagSource(plan, hooks)),
    );
  }

  /** The reports as an async iterator (see the core's `reports()`), for a DAG's tasks. */
  override reports(
    call: Omit<DagManageCall<T, R>, 'onStatus'>,
  ): AsyncIterableIterator<StatusReport<R>> {
    return super.reports(call as Omit<ManageCall<T, R>, 'onStatus'>);
  }
}

/** The keys of a {@link DagSpec}: any other is refused, naming it (a misspelt one was ignored). */
const SPEC_KEYS = ['signature', 'module', 'typedef', 'preload', 'evaluate', 'pipelined'];

/** The schema of typedef text or a schema; undefined for anything else (the core refuses it, naming it). */
function schemaOf(typedef: unknown): TaskSchema | undefined {
  if (typeof typedef === 'string') return parse(typedef);
  return isTaskSchema(typedef) ? typedef : undefined;
}

function defineDag<T = unknown, R = unknown>(
  spec: DagSpec<T, R>,
): DagClosure<T, R> {
  if (typeof spec !== 'object' || spec === null)
    throw new SPMError(
      `Expected a DAG closure definition (an object), got ${describeValue(spec)}`,
    );
  checkOptionKeys('dag.define()', spec, SPEC_KEYS);
  // Checked before the closure is declared, so a refused definition leaves no declaration behind.
  // Not a schema (nor text): the core's check refuses it, naming it.
  const reserved = schemaOf(spec.typedef)?.root.fields.find(
    (f) => f.name === 'id' || f.name === 'after',
  );
  if (reserved !== undefined) {
    throw new SPMTypedefError(
      `Expected the typedef of DAG closure \`${String(spec.signature)}\` not to declare \`${reserved.name}\`: \`id\` and \`after\` are the DAG's own task keys, taken off before the record is built`,
      {
        path: reserved.name,
      },
    );
  }
  return new DagClosure<T, R>({ ...spec, family: 'dag' });
}

/** The DAG family's entry points (see {@link dag}). */
export interface DagFamily {
  /** Declares a DAG closure; offline only (a module's top level), signature unique in the module. */
  define<T = unknown, R = unknown>(spec: DagSpec<T, R>): DagClosure<T, R>;
}

/**
 * The coarse-grain DAG family: tasks with dependencies (`{ id, after: [ids…], …record }`), each
 * evaluated on one spoke when all its dependencies succeeded.
 */
export const dag: DagFamily = Object.freeze({ define: defineDag });
