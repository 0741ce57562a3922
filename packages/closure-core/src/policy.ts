import { SPMError, describeValue } from '@spm/exceptions';
import { checkOptionKeys } from './option-keys.js';

/**
 * How a task manager treats failures and schedules (the seed's `policyA`, …). A library author
 * adds a policy with {@link definePolicy}; the core reads only these fields.
 */
export interface Policy {
  /** Name for messages. */
  readonly name: string;
  /**
   * How many times a task whose spoke was lost mid-task is dispatched again before it is
   * reported `SPMTaskDropped`. Execution is then at-least-once: a retried task may have run
   * partly (or wholly, if its report was lost) before.
   */
  readonly retriesOnSpokeLoss: number;
  /**
   * Tasks sent to a spoke ahead of the one it evaluates, so it never waits for a round trip
   * (pipelining; 0 = one at a time). Tasks with `relaunchPre`/`relaunchPost` always go alone.
   */
  readonly prefetch: number;
  /**
   * When a hub callback throws, the lease's spokes are forcibly terminated; `true` relaunches
   * them (the cloud keeps its size), `false` leaves them stopped.
   */
  readonly relaunchOnHubCallbackError: boolean;
}

/** The default: fault-tolerant (2 retries on spoke loss), FIFO, pipelined, spokes relaunched. */
export const policyA: Policy = Object.freeze({ name: 'policyA', retriesOnSpokeLoss: 2, prefetch: 2, relaunchOnHubCallbackError: true });

/** Fail fast: no retry on spoke loss (a lost spoke's task is reported `SPMTaskDropped` at once). */
export const policyB: Policy = Object.freeze({ name: 'policyB', retriesOnSpokeLoss: 0, prefetch: 2, relaunchOnHubCallbackError: true });

function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SPMError(`Expected policy \`${name}\` to be an integer ≥ ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** The fields of {@link Policy}. */
const POLICY_KEYS: readonly string[] = ['name', 'retriesOnSpokeLoss', 'prefetch', 'relaunchOnHubCallbackError'];

/** Throws unless `policy` is a complete, valid policy (every field, right types and ranges, and no other). */
export function checkPolicy(policy: Policy): Policy {
  const merged = policy;
  checkOptionKeys('a policy', merged, POLICY_KEYS);
  if (typeof merged.name !== 'string' || merged.name === '') throw new SPMError(`Expected policy \`name\` to be a non-empty string, got ${describeValue(merged.name)}`);
  integer('retriesOnSpokeLoss', merged.retriesOnSpokeLoss, 0);
  integer('prefetch', merged.prefetch, 0);
  if (typeof merged.relaunchOnHubCallbackError !== 'boolean') {
    throw new SPMError(`Expected policy \`relaunchOnHubCallbackError\` to be a boolean, got ${describeValue(merged.relaunchOnHubCallbackError)}`);
  }
  return merged;
}

/** A new policy: `base` (default {@link policyA}) with `overrides`, validated. */
export function definePolicy(overrides: Partial<Policy> & { readonly name: string }, base: Policy = policyA): Policy {
  return Object.freeze(checkPolicy({ ...base, ...overrides }));
}
