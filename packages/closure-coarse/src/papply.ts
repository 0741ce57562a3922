import { checkOptionKeys, defineClosure, type Closure } from '@spm/closure-core';
import { SPMError, describeValue } from '@spm/exceptions';
import {
  isTimeout,
  parse,
  toMs,
  type TaskSchema,
  type Timeout,
} from '@spm/typedef';
import type { EvaluationContext } from './api-method.js';
import { apiMethodNames, findApiMethod } from './api-method-registry.js';
import { readPath } from './internal/record-path.js';

/** What `list.papply.define` declares: a list whose tasks each apply an API method. */
export interface PapplySpec {
  /** Unique within the module. */
  readonly signature: string;
  /** The declaring module: pass `import.meta.url`. Spokes import it (and so register its API methods). */
  readonly module: string;
  /**
   * The task schema (seed Fig. 11). The standard `spm` component is added. @default a schema
   * whose `spm.meta.api` and `spm.meta.apiArgs` are `deferred` (required), everything else `None`.
   */
  readonly typedef?: string | TaskSchema;
  /** Modules every spoke imports before the closure's module (e.g. ones that register API methods). */
  readonly preload?: readonly string[];
}

/** A `list.papply` task as a user writes it: which API method, its arguments, and optionally a timeout. */
export interface PapplyTask {
  readonly spm: {
    readonly meta: {
      /** The API method's name, e.g. `coprocess.shell.policyA`. */
      readonly api: string;
      /** Its arguments (seed: keyword arguments). */
      readonly apiArgs: Readonly<Record<string, unknown>>;
      /** The task's timeout (`after({ seconds: 10 })` or ms); the core kills the task past it. */
      readonly timeout?: Timeout | number | null;
      /** A label for people (seed Fig. 11). */
      readonly label?: string | null;
    };
    readonly core?: {
      readonly relaunchPre?: boolean | null;
      readonly relaunchPost?: boolean | null;
    };
  };
  /** The user's own fields, if their typedef declares any. */
  readonly [field: string]: unknown;
}

// Only what papply needs is required; the rest of the SPM component is merged in as `None`.
const DEFAULT_TYPEDEF = `
task<list> :: struct {
  spm :: struct {
    meta :: struct {
      api     :: scalar<ApiMethod>  = deferred;
      apiArgs :: dict<string,mixed> = deferred;
    };
  };
};`;
let defaultSchema: TaskSchema | undefined;

/**
 * The spoke side of papply (seed Fig. 12): `apply(task.spm.meta.api, (), task.spm.meta.apiArgs)`.
 * An unknown API name or a malformed `apiArgs` throws, so it is that task's `SPMTaskEval`.
 */
export function applyApiMethod(
  task: unknown,
  context: EvaluationContext,
): unknown {
  const api = readPath(task, 'spm', 'meta', 'api');
  if (typeof api !== 'string')
    throw new SPMError(
      `Expected \`spm.meta.api\` to name an API method (e.g. coprocess.shell.policyA), got ${describeValue(api)}`,
    );
  const method = findApiMethod(api);
  if (method === undefined) {
    throw new SPMError(
      `Unknown API method \`${api}\`: none is registered under that name on spoke ${context.spokeId} (known: ${apiMethodNames().join(', ')}). ` +
        'Register it with registerApiMethod() at the top level of the closure’s module or of one of its preloads, so every spoke has it',
    );
  }
  const apiArgs = readPath(task, 'spm', 'meta', 'apiArgs');
  if (
    typeof apiArgs !== 'object' ||
    apiArgs === null ||
    Array.isArray(apiArgs)
  ) {
    throw new SPMError(
      `Expected \`spm.meta.apiArgs\` of a \`${api}\` task to be a dict of arguments, got ${describeValue(apiArgs)}`,
    );
  }
  const timeout = readPath(task, 'spm', 'meta', 'timeout');
  return method(apiArgs as Record<string, unknown>, {
    api,
    task: task as Record<string, unknown>,
    taskTimeoutMs: isTimeout(timeout)
      ? toMs(timeout)
      : typeof timeout === 'number'
        ? timeout
        : undefined,
    signal: context.signal,
    context,
  });
}

/**
 * Declares a `papply` list closure (seed Figs. 11–13, `pclosure.macro.papply.list.grainCoarse`):
 * each task applies the API method named by its `spm.meta.api` to its `spm.meta.apiArgs` on a
 * spoke, and what the method returns is the task's return value. Offline only (a module's top
 * level), like every closure.
 */
export function definePapply<R = unknown>(
  spec: PapplySpec,
): Closure<PapplyTask, R> {
  if (typeof spec !== 'object' || spec === null)
    throw new SPMError(
      `Expected a papply closure definition (an object), got ${describeValue(spec)}`,
    );
  // `evaluate` and `pipelined` are papply's own: given, they were silently dropped.
  checkOptionKeys('list.papply.define()', spec, ['signature', 'module', 'typedef', 'preload']);
  const typedef = spec.typedef ?? (defaultSchema ??= parse(DEFAULT_TYPEDEF));
  return defineClosure<PapplyTask, R>({
    family: 'list',
    signature: spec.signature,
    module: spec.module,
    typedef,
    ...(spec.preload !== undefined ? { preload: spec.preload } : {}),
    evaluate: (task, context) =>
      applyApiMethod(task, context) as R | Promise<R>,
  });
}
