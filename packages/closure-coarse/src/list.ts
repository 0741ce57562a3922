import {
  checkOptionKeys,
  defineClosure,
  type Closure,
  type ClosureSpec,
} from '@spm/closure-core';
import { SPMError, describeValue } from '@spm/exceptions';
import { definePapply, type PapplySpec, type PapplyTask } from './papply.js';

/** What `list.define` (`list.pinterp`) declares: the core's closure spec, family `list`. */
export type ListSpec<T, R> = Omit<ClosureSpec<T, R>, 'family'>;

/** The keys of a {@link ListSpec}: any other is refused, naming it (a misspelt one was ignored). */
const SPEC_KEYS = ['signature', 'module', 'typedef', 'preload', 'evaluate', 'pipelined'];

function defineList<T = unknown, R = unknown>(
  spec: ListSpec<T, R>,
): Closure<T, R> {
  if (typeof spec !== 'object' || spec === null)
    throw new SPMError(
      `Expected a list closure definition (an object), got ${describeValue(spec)}`,
    );
  checkOptionKeys('list.define()', spec, SPEC_KEYS);
  return defineClosure<T, R>({ ...spec, family: 'list' });
}

/** The list family's entry points (see {@link list}). */
export interface ListFamily {
  /**
   * Declares a coarse-grain list closure whose tasks evaluate its own `evaluate` on spokes
   * (the Partition/List pattern, seed Figs. 14–16). Offline only, signature unique in the module.
   */
  define<T = unknown, R = unknown>(spec: ListSpec<T, R>): Closure<T, R>;
  /** `define`, under the seed's name (`pclosure.macro.pinterp.list.grainCoarse`). */
  pinterp<T = unknown, R = unknown>(spec: ListSpec<T, R>): Closure<T, R>;
  /** Lists whose tasks apply an API method to their `spm.meta.apiArgs` (seed Figs. 11–13). */
  readonly papply: {
    /** Declares a papply list closure; see {@link PapplySpec}. */
    define<R = unknown>(spec: PapplySpec): Closure<PapplyTask, R>;
  };
}

/**
 * The coarse-grain list family (the seed's Partition/List pattern): tasks in submission order,
 * each evaluated on one spoke; a task's failure is that task's status report, the others carry on.
 */
export const list: ListFamily = Object.freeze({
  define: defineList,
  pinterp: defineList,
  papply: Object.freeze({ define: definePapply }),
});
