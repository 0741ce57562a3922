/**
 * @spm/closure-coarse — coarse-grain task managers built on `@spm/closure-core` alone: `list`
 * (the Partition/List pattern: `define`/`pinterp` evaluate a closure's own code, `papply`
 * applies an API method such as `coprocess.shell.policyA`) and `dag` (tasks with dependencies).
 * @packageDocumentation
 */
export { list, type ListFamily, type ListSpec } from './list.js';
export { type PapplySpec, type PapplyTask } from './papply.js';
export { registerApiMethod, apiMethodNames } from './api-method-registry.js';
export type { ApiMethodFn, ApiCall, EvaluationContext } from './api-method.js';
export {
  dag,
  DagClosure,
  type DagFamily,
  type DagSpec,
  type DagTask,
  type DagManageCall,
} from './dag.js';
