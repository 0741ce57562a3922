import { SPM_ERROR_CODES, type SPMErrorCode } from './codes.js';
import * as errors from './errors.js';
import { describeThrown, truncate } from './internal/truncate.js';
import { SPMError, type ErrorFieldValue, type RemoteErrorInfo } from './spm-error.js';

/** Version of the {@link WireError} shape. */
export const WIRE_ERROR_VERSION = 1;

/**
 * An error as plain data: what crosses a channel. `code` is one of ours, or `null` for a
 * foreign error (a plain `Error`, a thrown string or object), whose original is in `remote`.
 */
export interface WireError {
  readonly v: typeof WIRE_ERROR_VERSION;
  readonly name: string;
  readonly code: SPMErrorCode | null;
  readonly message: string;
  readonly stack?: string;
  readonly fields?: Readonly<Record<string, ErrorFieldValue>>;
  readonly remote?: RemoteErrorInfo;
  readonly cause?: WireError;
}

/** Size caps applied by {@link toWire} (and again by {@link fromWire} on untrusted input). */
export interface WireErrorLimits {
  /** Longest message kept, in characters. @default 8192 */
  readonly maxMessage?: number;
  /** Longest stack kept, in characters. @default 16384 */
  readonly maxStack?: number;
  /** Most fields kept per error. @default 32 */
  readonly maxFields?: number;
  /** Longest string field or name kept, in characters. @default 1024 */
  readonly maxField?: number;
  /** Deepest `cause` chain kept. @default 4 */
  readonly maxCauseDepth?: number;
}

const DEFAULT_LIMITS: Required<WireErrorLimits> = {
  maxMessage: 8192,
  maxStack: 16384,
  maxFields: 32,
  maxField: 1024,
  maxCauseDepth: 4,
};

type SPMErrorClass = typeof SPMError;

const CLASS_BY_CODE: ReadonlyMap<string, SPMErrorClass> = new Map<string, SPMErrorClass>([
  [SPM_ERROR_CODES.SPMError, SPMError],
  ...Object.values(errors)
    .filter((value): value is SPMErrorClass => typeof value === 'function' && value.prototype instanceof SPMError)
    .map((cls) => [cls.code, cls] as [string, SPMErrorClass]),
]);

/** The class of our hierarchy that has `code`, if any. */
export function errorClassForCode(code: string): SPMErrorClass | undefined {
  return CLASS_BY_CODE.get(code);
}

function resolveLimits(limits: WireErrorLimits): Required<WireErrorLimits> {
  return { ...DEFAULT_LIMITS, ...limits };
}

function capFields(fields: Record<string, unknown>, l: Required<WireErrorLimits>): Record<string, ErrorFieldValue> {
  const out: Record<string, ErrorFieldValue> = {};
  let n = 0;
  for (const [key, value] of Object.entries(fields)) {
    if (n >= l.maxFields) break;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype' || key.length > l.maxField) continue;
    if (typeof value === 'string') out[key] = truncate(value, l.maxField);
    else if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[key] = value;
    else continue;
    n += 1;
  }
  return out;
}

function stringProp(value: unknown, key: string): string | undefined {
  try {
    const v = (value as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined; // a throwing getter on a thrown object
  }
}

/** A property that a getter may refuse to give (it throws): undefined then. */
function safeProp(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function causeOf(error: Error, l: Required<WireErrorLimits>, depth: number): WireError | undefined {
  const cause = depth < l.maxCauseDepth ? safeProp(error, 'cause') : undefined;
  return cause !== undefined ? toWireAt(cause, l, depth + 1) : undefined;
}

function toWireAt(error: unknown, l: Required<WireErrorLimits>, depth: number): WireError {
  try {
    return toWireUnsafe(error, l, depth);
  } catch (failure) {
    // Whatever the thrown value's getters, traps or `fields()` do, the error still crosses.
    const message = `an error that could not be read (${describeThrown(failure, 200)})`;
    return { v: WIRE_ERROR_VERSION, name: 'Error', code: null, message, remote: { name: 'Error', message } };
  }
}

function toWireUnsafe(error: unknown, l: Required<WireErrorLimits>, depth: number): WireError {
  if (error instanceof SPMError) {
    const cause = causeOf(error, l, depth);
    return {
      v: WIRE_ERROR_VERSION,
      name: truncate(error.name, l.maxField),
      code: error.code,
      message: truncate(error.message, l.maxMessage),
      ...(error.stack !== undefined ? { stack: truncate(error.stack, l.maxStack) } : {}),
      fields: capFields(error.fields(), l),
      ...(error.remote !== undefined ? { remote: capRemote(error.remote, l) } : {}),
      ...(cause !== undefined ? { cause } : {}),
    };
  }
  if (error instanceof Error) {
    const cause = causeOf(error, l, depth);
    const code = stringProp(error, 'code');
    const remote: RemoteErrorInfo = capRemote(
      { name: stringProp(error, 'name') ?? 'Error', message: stringProp(error, 'message') ?? '', stack: stringProp(error, 'stack'), code },
      l,
    );
    return {
      v: WIRE_ERROR_VERSION,
      name: remote.name,
      code: null,
      message: remote.message,
      ...(remote.stack !== undefined ? { stack: remote.stack } : {}),
      remote,
      ...(cause !== undefined ? { cause } : {}),
    };
  }
  // A thrown string, number, object, null…: its type is its name, its text its message.
  const name = error === null ? 'null' : typeof error;
  const message = describeThrown(error, l.maxMessage);
  return { v: WIRE_ERROR_VERSION, name, code: null, message, remote: { name, message } };
}

function capRemote(remote: RemoteErrorInfo, l: Required<WireErrorLimits>): RemoteErrorInfo {
  return {
    name: truncate(remote.name, l.maxField),
    message: truncate(remote.message, l.maxMessage),
    ...(remote.stack !== undefined ? { stack: truncate(remote.stack, l.maxStack) } : {}),
    ...(remote.code !== undefined ? { code: truncate(remote.code, l.maxField) } : {}),
  };
}

/**
 * Turns any thrown value into plain, size-capped data that msgpackr (or JSON) can carry.
 * Our errors keep class (by code), message, stack, fields and cause; a foreign `Error`, string
 * or object keeps its name, message and stack as text in `remote`. Never throws.
 */
export function toWire(error: unknown, limits: WireErrorLimits = {}): WireError {
  return toWireAt(error, resolveLimits(limits), 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readRemote(value: unknown, l: Required<WireErrorLimits>): RemoteErrorInfo | undefined {
  if (!isRecord(value)) return undefined;
  const name = typeof value['name'] === 'string' ? value['name'] : 'Error';
  const message = typeof value['message'] === 'string' ? value['message'] : '';
  const stack = typeof value['stack'] === 'string' ? value['stack'] : undefined;
  const code = typeof value['code'] === 'string' ? value['code'] : undefined;
  return capRemote({ name, message, ...(stack !== undefined ? { stack } : {}), ...(code !== undefined ? { code } : {}) }, l);
}

function define(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

function fromWireAt(data: unknown, l: Required<WireErrorLimits>, depth: number): SPMError {
  if (!isRecord(data) || typeof data['message'] !== 'string') {
    return new SPMError(`Malformed wire error: expected an object with a string \`message\`, got ${describeThrown(data, 200)}`);
  }
  const code = typeof data['code'] === 'string' ? data['code'] : null;
  const cls = code === null ? undefined : CLASS_BY_CODE.get(code);
  const remote = readRemote(data['remote'], l);
  // Foreign errors, and codes this copy does not know, come back as our base class.
  const target: SPMErrorClass = cls ?? SPMError;
  const error = Object.create(target.prototype) as SPMError;
  define(error, 'message', truncate(data['message'], l.maxMessage), false);
  define(error, 'name', target.name, false);
  define(error, 'code', target.code, true);
  const stack = typeof data['stack'] === 'string' ? truncate(data['stack'], l.maxStack) : undefined;
  define(error, 'stack', stack ?? `${target.name}: ${data['message']}\n    at <remote>`, false);
  const remoteInfo =
    remote ?? (cls === undefined && typeof data['name'] === 'string' ? { name: truncate(data['name'], l.maxField), message: error.message } : undefined);
  if (remoteInfo !== undefined) define(error, 'remote', remoteInfo, false);
  if (isRecord(data['fields'])) {
    for (const [key, value] of Object.entries(capFields(data['fields'], l))) {
      if (['name', 'message', 'stack', 'code', 'cause', 'remote'].includes(key)) continue;
      define(error, key, value, true);
    }
  }
  if (data['cause'] !== undefined && depth < l.maxCauseDepth) define(error, 'cause', fromWireAt(data['cause'], l, depth + 1), false);
  return error;
}

/**
 * Rebuilds an error from {@link WireError} data, as a class of *our* hierarchy only: the class
 * named by `code`, or {@link SPMError} for a foreign or unknown one (its original name, message
 * and stack in `remote`). Input is treated as untrusted: shape checked, sizes capped, no
 * prototype keys honoured. Never throws.
 */
export function fromWire(data: unknown, limits: WireErrorLimits = {}): SPMError {
  return fromWireAt(data, resolveLimits(limits), 0);
}
