/**
 * A short description of a value for error messages: `` `0` (number) ``, `` `"x"` (string) ``.
 * The shape follows CONVENTIONS.md ("Expected … , got `0` (number)").
 */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  switch (typeof value) {
    case 'string':
      return `\`${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}\` (string)`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `\`${String(value)}\` (${typeof value})`;
    case 'function':
      return `function \`${value.name || '(anonymous)'}\``;
    case 'symbol':
      return `\`${value.toString()}\` (symbol)`;
    default:
      return Array.isArray(value) ? `an array of length ${value.length}` : 'an object';
  }
}

/** Names a function for a message, falling back to a placeholder for anonymous ones. */
export function functionName(fn: { readonly name: string }): string {
  return fn.name === '' ? '(anonymous)' : fn.name;
}
