import { describeValue } from './describe-value.js';
import { describeThrown, truncate } from './internal/truncate.js';

/** The longest message {@link messageOfThrown} gives, in characters (the rest is said to be cut). */
const MAX_MESSAGE = 2000;

/**
 * The message of anything thrown, for an error that wraps it: an error's `message` (any object
 * with a string `message`, so errors of another realm too; its `name` first when `withName`), a
 * string as it is, anything else described as data (JSON,
 * `[Circular]` for cycles, bounded). **Never throws** — where `String(value)` or
 * `` `${value}` `` would (an `Object.create(null)`, a `message` or `toString` that throws, a
 * revoked proxy), it gives a description, so a callback's odd throw cannot take down the code
 * reporting it.
 */
export function messageOfThrown(value: unknown, withName = false): string {
  try {
    // Duck-typed: errors of another realm (a vm context) are not this realm's `Error`s.
    if (typeof value === 'object' && value !== null) {
      const { message, name } = value as { message?: unknown; name?: unknown };
      if (typeof message === 'string') return truncate(withName && typeof name === 'string' && name !== '' ? `${name}: ${message}` : message, MAX_MESSAGE);
    }
  } catch {
    // A getter threw: described as any other object below.
  }
  try {
    if (value === undefined) return 'undefined';
    // (Not its source text.)
    if (typeof value === 'function') return describeValue(value);
    return describeThrown(value, MAX_MESSAGE);
  } catch {
    return 'a thrown value that cannot be inspected';
  }
}
