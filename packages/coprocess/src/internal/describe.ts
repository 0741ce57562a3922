/** A value for an error message: `` `0` (number) ``, `` `"x"` (string) ``, `an object`. */
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
      return 'a function';
    case 'symbol':
      return `\`${value.toString()}\` (symbol)`;
    default:
      return Array.isArray(value) ? `an array of length ${value.length}` : 'an object';
  }
}
