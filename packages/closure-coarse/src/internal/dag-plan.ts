import { prepareTask } from '@spm/closure-core';
import { SPMError, SPMHubCallbackError, messageOfThrown, type TaskId } from '@spm/exceptions';
import type { TaskSchema } from '@spm/typedef';
import { describeValue } from '@spm/exceptions';
import { formatId } from './format-id.js';

/** One task of a DAG, with its edges resolved. */
export interface DagNode {
  readonly id: TaskId;
  /** Its position in submission order (the tie-breaker among ready tasks). */
  readonly index: number;
  /** The task without `id` and `after`: what the typedef completes. */
  readonly input: unknown;
  /** The tasks it waits for (distinct, in the order `after` names them). */
  readonly after: readonly DagNode[];
  /** The tasks that wait for it, in submission order. */
  readonly dependents: DagNode[];
}

/** A checked DAG: every id unique, every dependency known, no cycle, every record valid. */
export interface DagPlan {
  readonly nodes: readonly DagNode[];
}

function isId(value: unknown): value is TaskId {
  return (
    (typeof value === 'string' && value !== '') ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}

function materialize(tasks: unknown): readonly unknown[] {
  if (Array.isArray(tasks)) return tasks;
  if (typeof tasks === 'object' && tasks !== null) {
    if (Symbol.asyncIterator in tasks) {
      throw new SPMError(
        'Expected `tasks` of a DAG to be an array or a finite iterable (a DAG is checked whole before anything runs), got an async iterable',
      );
    }
    if (Symbol.iterator in tasks) {
      try {
        return [...(tasks as Iterable<unknown>)];
      } catch (error) {
        // The user's code threw, as a list's tasks iterable can: said the same way.
        throw new SPMHubCallbackError(`The tasks iterable threw: ${messageOfThrown(error)}`, { cause: error });
      }
    }
  }
  throw new SPMError(
    `Expected \`tasks\` of a DAG to be an array of { id, after?, …record }, got ${describeValue(tasks)}`,
  );
}

/**
 * Checks a DAG before anything runs and resolves its edges. Refuses, with `SPMError`, a task
 * that is not an object, an id that is not a non-empty string or a safe integer, a duplicate id, an
 * `after` that is not an array of known ids, and a cycle (naming it: `a → b → c → a`, each
 * arrow read "waits for"). Every record is checked too (`SPMTypedefError` naming the task and
 * the field): with a schema, completed and validated; without one, what the runtime reads of it
 * (`spm.meta.timeout`, `spm.core.relaunchPre`/`relaunchPost`).
 */
export function planDag(
  tasks: unknown,
  schema: TaskSchema | undefined,
): DagPlan {
  const items = materialize(tasks);
  const byId = new Map<TaskId, DagNode>();
  const afters: unknown[][] = [];
  const nodes: DagNode[] = items.map((item, index) => {
    if (typeof item !== 'object' || item === null) {
      throw new SPMError(
        `Expected \`tasks[${index}]\` to be a task { id, after?, …record }, got ${describeValue(item)}`,
      );
    }
    let fields: Record<string, unknown>;
    try {
      // Array.isArray throws too, on a revoked Proxy: inside the try, refused naming the index.
      if (Array.isArray(item)) {
        throw new SPMError(
          `Expected \`tasks[${index}]\` to be a task { id, after?, …record }, got ${describeValue(item)}`,
        );
      }
      fields = { ...(item as Record<string, unknown>) };
    } catch (error) {
      if (error instanceof SPMError) throw error;
      throw new SPMError(`Expected \`tasks[${index}]\` to be a task whose fields can be read, got one that threw: ${messageOfThrown(error)}`, { cause: error });
    }
    const { id, after, ...input } = fields;
    if (!isId(id))
      throw new SPMError(
        `Expected \`tasks[${index}].id\` to be a non-empty string or a safe integer (at most 2^53 - 1 either way), got ${describeValue(id)}`,
      );
    const first = byId.get(id);
    if (first !== undefined)
      throw new SPMError(
        `Expected task ids to be unique, got \`${formatId(id)}\` for tasks[${first.index}] and tasks[${index}]`,
      );
    if (after !== undefined && !Array.isArray(after)) {
      throw new SPMError(
        `Expected \`tasks[${index}].after\` (task \`${formatId(id)}\`) to be an array of task ids, got ${describeValue(after)}`,
      );
    }
    afters.push((after as unknown[] | undefined) ?? []);
    const node: DagNode = { id, index, input, after: [], dependents: [] };
    byId.set(id, node);
    return node;
  });
  for (const node of nodes) {
    const after = node.after as DagNode[];
    // A Set, not after.includes(): a task waiting for 100,000 others took seconds (quadratic).
    const seen = new Set<DagNode>();
    for (const dep of afters[node.index] ?? []) {
      const target = isId(dep) ? byId.get(dep) : undefined;
      if (target === undefined) {
        throw new SPMError(
          `Expected every id in \`tasks[${node.index}].after\` (task \`${formatId(node.id)}\`) to be the id of a task of this invocation, got ${describeValue(dep)}`,
        );
      }
      if (seen.has(target)) continue;
      seen.add(target);
      after.push(target);
      target.dependents.push(node); // nodes are visited in submission order, so dependents are too
    }
  }
  const cycle = findCycle(nodes);
  if (cycle !== undefined) {
    throw new SPMError(
      `Expected the tasks' \`after\` dependencies to form a DAG, found a cycle, so none of its tasks could ever run: ${cycle.map((n) => formatId(n.id)).join(' → ')} (each waits for the next)`,
    );
  }
  // Every record, with a typedef or without (`spm.meta.timeout`, fields that throw when read):
  // an untyped one was checked only when read, after the tasks before it had run.
  for (const node of nodes) prepareTask(schema, node.id, node.input);
  return { nodes };
}

/**
 * The first cycle a depth-first search meets, starting from tasks in submission order and
 * following `after` in the order written; the path closes on its first task. Iterative, so a
 * chain of a million tasks does not overflow the stack.
 */
function findCycle(nodes: readonly DagNode[]): DagNode[] | undefined {
  const state = new Map<DagNode, 'open' | 'done'>();
  for (const root of nodes) {
    if (state.has(root)) continue;
    const path: DagNode[] = [root];
    const next: number[] = [0];
    state.set(root, 'open');
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top] as DagNode;
      const i = next[top] as number;
      if (i >= node.after.length) {
        state.set(node, 'done');
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const dep = node.after[i] as DagNode;
      const seen = state.get(dep);
      if (seen === 'open') return [...path.slice(path.indexOf(dep)), dep];
      if (seen === undefined) {
        state.set(dep, 'open');
        path.push(dep);
        next.push(0);
      }
    }
  }
  return undefined;
}
