import { SPMError, describeValue } from '@spm/exceptions';
import type { ApiMethodFn } from './api-method.js';
import { shellPolicyA } from './internal/shell-policy-a.js';

// Dotted identifiers, as the typedef's `scalar<ApiMethod>` accepts them.
const API_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

/** Built in, in every thread that loads this package; never replaced. */
const BUILT_INS: ReadonlyMap<string, ApiMethodFn> = new Map<
  string,
  ApiMethodFn
>([['coprocess.shell.policyA', shellPolicyA]]);

// One table per realm (thread), shared by every copy of this package, so a method registered by
// a user's module is found by the copy that evaluates the task.
const SLOT = Symbol.for('@spm/closure-coarse.api-methods');
function table(): Map<string, ApiMethodFn> {
  const holder = globalThis as { [SLOT]?: Map<string, ApiMethodFn> };
  holder[SLOT] ??= new Map();
  return holder[SLOT];
}

/**
 * Registers an API method under a dotted name (`myLab.render`), for `list.papply` tasks whose
 * `spm.meta.api` names it. The registry is per thread: call this at the top level of a module
 * that spokes import (the closure's module, or one of its `preload`s), so every spoke that
 * evaluates the task has it. Registering a name again with another function, or a built-in
 * name (`coprocess.shell.policyA`), throws `SPMError`; the same function again is a no-op.
 */
export function registerApiMethod(name: string, method: ApiMethodFn): void {
  if (typeof name !== 'string' || !API_NAME.test(name)) {
    throw new SPMError(
      `Expected an API method name to be a dotted name such as \`myLab.render\`, got ${describeValue(name)}`,
    );
  }
  if (typeof method !== 'function')
    throw new SPMError(
      `Expected API method \`${name}\` to be a function, got ${describeValue(method)}`,
    );
  if (BUILT_INS.has(name))
    throw new SPMError(
      `API method \`${name}\` is built in and cannot be replaced`,
    );
  const existing = table().get(name);
  if (existing !== undefined && existing !== method)
    throw new SPMError(
      `API method \`${name}\` is already registered (with another function): names are unique per thread`,
    );
  table().set(name, method);
}

/** The names of every API method this thread knows, built-ins first, then in registration order. */
export function apiMethodNames(): string[] {
  return [...BUILT_INS.keys(), ...table().keys()];
}

/** @internal The method registered under `name`, or undefined. */
export function findApiMethod(name: string): ApiMethodFn | undefined {
  return BUILT_INS.get(name) ?? table().get(name);
}
