import { SPM_ERROR_CODES, type SPMErrorCode } from './codes.js';

/**
 * `Symbol.for` keys, so that two copies of this package (a hub bundle and a spoke's
 * node_modules, say) recognise each other's errors: `instanceof` is decided by brand and
 * code lineage, not by object identity of the class.
 */
const BRAND = Symbol.for('@spm/exceptions.brand');
const LINEAGE = Symbol.for('@spm/exceptions.lineage');

/** What a remote error looked like where it was thrown: kept as text, never re-thrown as is. */
export interface RemoteErrorInfo {
  /** The remote error's class name, e.g. `TypeError`. */
  readonly name: string;
  /** The remote error's message. */
  readonly message: string;
  /** The remote stack trace, as text. */
  readonly stack?: string;
  /** The remote error's own `code`, if it had a string one (e.g. `ENOENT`). */
  readonly code?: string;
}

/** A plain value a field of an error may hold; every field crosses the wire as is. */
export type ErrorFieldValue = string | number | boolean | null;

/** Options shared by every error of the hierarchy. */
export interface SPMErrorOptions {
  /** The error that caused this one. */
  readonly cause?: unknown;
  /** Where a remote error came from, when this error stands for one (see `fromWire`). */
  readonly remote?: RemoteErrorInfo;
}

/** Keys that are never copied from options or the wire onto an error. */
const RESERVED = new Set(['name', 'message', 'stack', 'code', 'cause', 'remote', '__proto__', 'constructor', 'prototype']);

/**
 * The root of the SPM error hierarchy (DESIGN.md, "Parallel exceptions"). Every error has a
 * stable {@link SPMError.code}, an optional `cause`, and, where it stands for an error thrown
 * elsewhere (a spoke, a coprocess), the {@link SPMError.remote} name, message and stack.
 *
 * Subclasses declare `static readonly code`; `instanceof` works across copies of the package.
 */
export class SPMError extends Error {
  /** The stable code of this class. */
  static readonly code: SPMErrorCode = SPM_ERROR_CODES.SPMError;

  /** The stable code of this error's class. */
  readonly code: SPMErrorCode;
  /** The remote error this one stands for, if any. */
  declare readonly remote?: RemoteErrorInfo;

  constructor(message: string, options: SPMErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof SPMError;
    this.name = ctor.name;
    this.code = ctor.code;
    if (options.remote !== undefined) {
      Object.defineProperty(this, 'remote', { value: options.remote, enumerable: false, writable: false, configurable: true });
    }
  }

  /** Copies the scalar fields of `fields` onto the error (used by subclasses and `fromWire`). */
  protected assignFields(fields: object): void {
    for (const [key, value] of Object.entries(fields)) {
      if (RESERVED.has(key) || value === undefined) continue;
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        Object.defineProperty(this, key, { value, enumerable: true, writable: false, configurable: true });
      }
    }
  }

  /** The scalar fields of this error (task id, field path, …), as plain data. */
  fields(): Record<string, ErrorFieldValue> {
    const out: Record<string, ErrorFieldValue> = {};
    for (const [key, value] of Object.entries(this)) {
      if (RESERVED.has(key)) continue;
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    }
    return out;
  }

  /** Brand check: true for errors of this class (or a subclass) from any copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    const candidate = value as { [BRAND]?: unknown; [LINEAGE]?: unknown };
    if (candidate[BRAND] !== true) return false;
    const lineage = candidate[LINEAGE];
    return Array.isArray(lineage) && lineage.includes(this.code);
  }
}

// The brand and lineage live on the prototype: computed from the class chain, so errors
// rebuilt with Object.create(Class.prototype) carry them too.
Object.defineProperty(SPMError.prototype, BRAND, { value: true, enumerable: false });
Object.defineProperty(SPMError.prototype, LINEAGE, {
  enumerable: false,
  get(this: SPMError): SPMErrorCode[] {
    const codes: SPMErrorCode[] = [];
    let ctor = this.constructor as typeof SPMError | undefined;
    while (ctor && typeof ctor.code === 'string') {
      if (!codes.includes(ctor.code)) codes.push(ctor.code);
      ctor = Object.getPrototypeOf(ctor) as typeof SPMError | undefined;
    }
    return codes;
  },
});

/** True when `value` is an error of the SPM hierarchy, from any copy of this package. */
export function isSPMError(value: unknown): value is SPMError {
  return value instanceof SPMError;
}
