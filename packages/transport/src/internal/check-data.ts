/** Why an outgoing value is not data; the caller wraps it in an `SPMTransportError`. */
export class NotDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotDataError';
  }
}

function kind(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  const name = typeof proto === 'object' && proto !== null ? (proto as { constructor?: { name?: unknown } }).constructor?.name : undefined;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a foreign prototype';
}

/**
 * Checks, before encoding, that `value` is data in the sense of `WireValue`: `null`,
 * booleans, numbers, strings, `Uint8Array`s, arrays and plain objects (prototype
 * `Object.prototype` or `null`), nested at most `maxDepth` deep. `undefined` is allowed (it is
 * dropped from objects and sent as `null` in arrays). Throws {@link NotDataError} naming the
 * path of the first offender, because msgpackr would otherwise silently turn a function into
 * `null`, an `Error` into an array and a `Float64Array` into bytes.
 */
export function checkData(value: unknown, maxDepth: number, path = 'message', depth = 1): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return;
    case 'bigint':
      throw new NotDataError(`\`${path}\` is a bigint, which is not data (send a number or a string)`);
    case 'function':
    case 'symbol':
      throw new NotDataError(`\`${path}\` is a ${typeof value}, which is not data`);
    case 'object':
      break;
  }
  if (value === null || value instanceof Uint8Array) return;
  if (depth > maxDepth) throw new NotDataError(`\`${path}\` is nested deeper than ${maxDepth} (or is part of a cycle)`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkData(value[i], maxDepth, `${path}[${i}]`, depth + 1);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new NotDataError(`\`${path}\` is ${kind(value)}, which is not data (send a plain object)`);
  for (const key in value) {
    if (key === '__proto__' || key === 'constructor') throw new NotDataError(`\`${path}\` has the key \`${key}\`, which a receiver refuses`);
    checkData((value as Record<string, unknown>)[key], maxDepth, `${path}.${key}`, depth + 1);
  }
}
