import { SPMError, SPMInvariantError, SPMTaskLoad, describeValue } from '@spm/exceptions';
import { globalSlot } from './internal/global-slot.js';
import { moduleKey } from './module-key.js';
import { currentSequence } from './sequence-context.js';

/** Where a closure was declared: what a task names so a spoke can find it again. Plain data. */
export interface ClosureRef {
  /** The module's key, as {@link moduleKey} normalises it (a URL string). */
  readonly module: string;
  /** The closure's signature, unique within its module. */
  readonly signature: string;
}

interface Declaration {
  readonly closure: unknown;
  /** A few stack frames of the declaring call, for the message of a duplicate. */
  readonly site: string;
}

// One registry per realm (thread), shared by every copy of this package: the copy a user's
// module imports and the copy the spoke looks closures up with must be the same table.
const registry = globalSlot('@spm/sequence.closures', () => new Map<string, Map<string, Declaration>>());

// `import.meta.url` is standard ESM; typed by hand because this package loads no DOM or Node types.
const OWN_URL = (import.meta as { readonly url?: string }).url ?? '\0';
// Stack frames name this file by URL, or by path once source-mapped (Jest): skip both forms.
const OWN_PATH = OWN_URL.replace(/^file:\/\//, '');

// The caller's frames, minus this file's: `define (…/list.js:10:3) ← …/primes.js:5:1`.
function declarationSite(): string {
  const stack = new Error().stack ?? '';
  const frames = stack
    .split('\n')
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((line) => line !== '' && !line.startsWith('Error') && !line.includes(OWN_URL) && !line.includes(OWN_PATH));
  return frames.length === 0 ? 'an unknown site' : frames.slice(0, 2).join(' ← ');
}

function checkSignature(signature: string): void {
  if (typeof signature !== 'string' || signature.trim() === '') {
    throw new SPMError(`Expected \`signature\` to be a non-empty string unique within its module, got ${describeValue(signature)}`);
  }
}

/**
 * Declares `closure` under `signature` in `module` (its `import.meta.url` or absolute path),
 * for this thread, and returns the reference a task carries. Seed: declaration is legal only
 * while the current sequence is offline — a hub before or between managers, a spoke while it
 * preloads modules — so the natural place is a module's top level.
 *
 * Throws `SPMInvariantError` when the current sequence is online (`from: 'online'`), or when
 * `signature` is already declared in the module (the message names both declaration sites),
 * and `SPMError` for a malformed module or signature. The closure itself is opaque here.
 */
export function declareClosure<T>(module: string, signature: string, closure: T): ClosureRef {
  const key = moduleKey(module);
  checkSignature(signature);
  const sequence = currentSequence();
  const to = `declare closure ${signature}`;
  if (sequence.state !== 'offline') {
    const since = sequence.since === undefined ? '' : ` (since \`${sequence.since.type}\`, id \`${sequence.since.id}\`)`;
    throw new SPMInvariantError(
      `Expected the ${sequence.role} to be offline to declare closure \`${signature}\` of module \`${key}\`, but it is online${since}: declare closures at a module's top level, before any manager runs`,
      { role: sequence.role, from: sequence.state, to },
    );
  }
  let declarations = registry.get(key);
  const site = declarationSite();
  const existing = declarations?.get(signature);
  if (existing !== undefined) {
    throw new SPMInvariantError(
      `Closure signature \`${signature}\` is declared twice in module \`${key}\`: first at ${existing.site}, again at ${site}. A signature must be unique within its module`,
      { role: sequence.role, from: sequence.state, to },
    );
  }
  if (declarations === undefined) {
    declarations = new Map();
    registry.set(key, declarations);
  }
  declarations.set(signature, { closure, site });
  return { module: key, signature };
}

/**
 * The closure declared under `signature` in `module` in this thread, or `undefined`. On a
 * spoke, it is found once the spoke has imported the module (which declares it). The type
 * parameter is the caller's claim about what was declared: it is not checked.
 */
export function findClosure<T = unknown>(module: string, signature: string): T | undefined {
  checkSignature(signature);
  return registry.get(moduleKey(module))?.get(signature)?.closure as T | undefined;
}

/**
 * Like {@link findClosure} but throws `SPMTaskLoad` when nothing is declared under that
 * signature, listing the signatures the module did declare (or saying it declared none, as
 * when it was never imported in this thread).
 */
export function requireClosure<T = unknown>(module: string, signature: string): T {
  checkSignature(signature);
  const key = moduleKey(module);
  const declarations = registry.get(key);
  const declaration = declarations?.get(signature);
  if (declaration !== undefined) return declaration.closure as T;
  const known =
    declarations === undefined || declarations.size === 0
      ? 'it declared none here (was it imported in this thread?)'
      : `it declares ${[...declarations.keys()]
          .sort()
          .map((s) => `\`${s}\``)
          .join(', ')}`;
  throw new SPMTaskLoad(`No closure \`${signature}\` is declared in module \`${key}\`: ${known}`);
}
