import { describeValue as describeAny } from '@spm/exceptions';
const MAX_QUOTED = 40;

function clip(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

/**
 * What a value is, for the `found` part of an error: ``"ten" (string)``, `` `0` (number) ``,
 * `an instance of Map`. Never throws, whatever the value (proxies and getters included).
 */
export function describeValue(value: unknown): string {
  try {
    return describe(value);
  } catch {
    return 'a value that cannot be inspected';
  }
}

function describe(value: unknown): string {
  // The typedef language's own words for the two "no value" cases and its string style; every
  // other value is described as everywhere else in the workspace.
  if (value === undefined) return 'nothing (unset)';
  if (value === null) return '`None` (null)';
  if (typeof value === 'string') {
    // A long string says its length: a snippet over the cap differs from others only so.
    return value.length > MAX_QUOTED ? `${clip(JSON.stringify(value))} (a string of ${value.length} UTF-16 code units)` : `${JSON.stringify(value)} (string)`;
  }
  return describeAny(value);
}
