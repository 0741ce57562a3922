/** Describes a value for an error message: `0` (number), `"x"` (string), an object, … */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (value === null) return '`null`';
  if (value === undefined) return 'nothing (undefined)';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `\`${String(value)}\` (${typeof value})`;
}
