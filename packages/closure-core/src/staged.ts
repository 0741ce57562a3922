import { SPMError, SPMInvariantError } from '@spm/exceptions';
import { currentSequence } from '@spm/sequence';
import type { EvaluationContext } from '@spm/spoke';
import { createRecord, parse, tie, validateRecord, withSpmComponent, type Field, type StructType, type TaskSchema, type TypeNode } from '@spm/typedef';
import { defineClosure, type Closure } from './closure.js';
import type { ManagerEvents, ManageSummary } from './manager-events.js';
import type { ManageOptions } from './manage-options.js';
import type { StatusReport } from './status-report.js';
import type { EventEmitter } from 'eventemitter3';

/** A handle over a record (the seed's `tie()`): attribute access that refuses unknown names. */
export type RecordHandle = Record<string, unknown> & { Has(attr: string | { readonly attr: string }): boolean };

/** The seed's `pc` as the status callback (stage 1, on the hub) sees it. */
export interface Stage1View {
  readonly stage1: {
    readonly payload: {
      /** The task's record; throws the task's parallel exception when it has no return value. */
      tie(): RecordHandle;
    };
    readonly event: {
      /** Tells the manager this report is handled (seed: `pc.stage1.event.done()`). */
      done(): void;
    };
  };
  /** The report itself, for the idiomatic reader. */
  readonly report: StatusReport;
}

/** The seed's `pc` as the task evaluator (stage 2, on a spoke) sees it. */
export interface Stage2View {
  readonly stage2: {
    readonly payload: {
      /** The task's record; set `spm.stat.returnValue` on it. */
      tie(): RecordHandle;
    };
    readonly event: {
      /** Tells the manager the evaluation is complete (seed: `pc.stage2.event.done()`). */
      done(): void;
    };
  };
  /** Where the evaluation runs. */
  readonly context: EvaluationContext;
}

/** What `defun` takes (seed: `…list.grainCoarse.policyA.defun(signature = …, stage1Cb = …)`). */
export interface StagedSpec {
  /** Unique within the module. */
  readonly signature: string;
  /** The declaring module: `import.meta.url`. */
  readonly module: string;
  /** Modules spokes import first. */
  readonly preload?: readonly string[];
  /** Stage 1, on the hub, online: called with each task's status. */
  readonly stage1Cb?: (pc: Stage1View) => void | Promise<void>;
  /** Stage 2, on a spoke, online: evaluates one task by setting `spm.stat.returnValue`. */
  readonly stage2Cb?: (pc: Stage2View) => void | Promise<void>;
}

/** The options of the seed's `stage0.event.manage(...)`. */
export type StagedManageOptions = Omit<ManageOptions, 'onStatus'>;

/** A closure in the seed's staged form (Figures 11–16), over the same machinery as `manage()`. */
export interface StagedClosure {
  /** The underlying closure (events, signature). */
  readonly closure: Closure<Record<string, unknown>, unknown>;
  readonly stage0: {
    readonly init: {
      /** Sets the task typedef (seed: `stage0.init.main(typedef = …)`); hub, offline. */
      main(options: { readonly typedef: string | TaskSchema }): void;
    };
    readonly payload: {
      /** A handle on a fresh record; `hdl.Push()` validates and queues a copy of it. */
      tie(): RecordHandle & { Push(): void };
    };
    readonly event: {
      /** Runs the pushed tasks (seed: `stage0.event.manage(pool = …, …)`) and clears them. */
      manage(options: StagedManageOptions): Promise<ManageSummary>;
    };
  };
  /** The closure's events. */
  readonly events: EventEmitter<ManagerEvents>;
}

function requireHubOffline(what: string): void {
  const sequence = currentSequence();
  if (sequence.role !== 'hub' || sequence.state !== 'offline') {
    throw new SPMInvariantError(`\`${what}\` is for the hub while offline; called on the ${sequence.role} while ${sequence.state}`, { role: sequence.role, from: sequence.state, to: what });
  }
}

// On a spoke the typedef is not known (the hub set it); a schema read off the record itself
// still refuses names the record does not have, which is what the seed's handle promises.
function schemaOf(record: Record<string, unknown>): TaskSchema {
  const struct = (value: Record<string, unknown>): StructType => ({
    kind: 'struct',
    fields: Object.entries(value).map(([name, v]): Field => ({ name, type: nodeOf(v), default: { kind: 'none' } })),
  });
  const nodeOf = (value: unknown): TypeNode =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
      ? struct(value as Record<string, unknown>)
      : { kind: 'scalar', scalar: 'auto' };
  return { kind: 'task', container: 'list', root: struct(record) } as TaskSchema;
}

// A deep copy of a validated record (plain data). Not structuredClone: its objects may come
// from another realm (a VM context, a test runner), whose Object.prototype records refuse.
function copyRecord<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => copyRecord(v)) as T;
  if (value instanceof Uint8Array) return value.slice() as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = copyRecord(v);
    return out as T;
  }
  return value;
}

/**
 * The seed's staged form (`defun`), a thin layer over {@link defineClosure}: stage 0 builds and
 * pushes task records on the hub and invokes the manager; stage 1 reads each status on the hub;
 * stage 2 evaluates each task on a spoke. Declared offline, like any closure.
 */
export function defun(spec: StagedSpec): StagedClosure {
  let schema: TaskSchema | undefined;
  let pushed: Record<string, unknown>[] = [];
  const stage2Cb = spec.stage2Cb;
  const closure = defineClosure<Record<string, unknown>, unknown>({
    family: 'list',
    signature: spec.signature,
    module: spec.module,
    ...(spec.preload ? { preload: spec.preload } : {}),
    evaluate: async (record, context) => {
      if (stage2Cb === undefined) throw new SPMError(`Closure \`${spec.signature}\` has no stage2Cb to evaluate tasks with`);
      await stage2Cb({
        stage2: { payload: { tie: () => tie(schemaOf(record), record) as unknown as RecordHandle }, event: { done: () => undefined } },
        context,
      });
      const spm = record['spm'] as { stat?: { returnValue?: unknown } } | undefined;
      return spm?.stat?.returnValue ?? null;
    },
  });
  return {
    closure,
    events: closure,
    stage0: {
      init: {
        main: ({ typedef }) => {
          requireHubOffline('stage0.init.main');
          schema = withSpmComponent(typeof typedef === 'string' ? parse(typedef) : typedef);
          pushed = [];
        },
      },
      payload: {
        tie: () => {
          const current = schema;
          if (current === undefined) throw new SPMError(`Call \`stage0.init.main({ typedef })\` of \`${spec.signature}\` before \`stage0.payload.tie()\``);
          const record = createRecord(current) as Record<string, unknown>;
          return tie(current, record as never, {
            methods: {
              Push: (): void => {
                validateRecord(current, record);
                pushed.push(copyRecord(record));
              },
            },
          }) as unknown as RecordHandle & { Push(): void };
        },
      },
      event: {
        manage: async (options) => {
          requireHubOffline('stage0.event.manage');
          const tasks = pushed;
          pushed = [];
          const stage1Cb = spec.stage1Cb;
          return closure.manage({
            ...options,
            tasks,
            ...(stage1Cb
              ? {
                  onStatus: (report: StatusReport) =>
                    stage1Cb({
                      report,
                      stage1: {
                        payload: {
                          tie: () => {
                            report.returnValue(); // throws the task's parallel exception
                            const record = report.record as Record<string, unknown>;
                            return tie(schema ?? schemaOf(record), record as never) as unknown as RecordHandle;
                          },
                        },
                        event: { done: () => undefined },
                      },
                    }),
                }
              : {}),
          });
        },
      },
    },
  };
}
