/**
 * Whether `proto` is the prototype of a plain object: `Object.prototype`, none (`null`), or
 * another realm's `Object.prototype` (a vm context, as under Jest), recognised by shape, not
 * identity. A class instance's is not: a structured clone would flatten it (its prototype,
 * getters and methods lost), where the wire refuses it. The one test of "plain data" the wire's
 * codec and the gang's message check share.
 *
 * @example
 * isPlainPrototype(Object.getPrototypeOf({ a: 1 })); // true
 * isPlainPrototype(Object.getPrototypeOf(new Map())); // false
 */
export function isPlainPrototype(proto: unknown): boolean {
  if (proto === Object.prototype || proto === null) return true;
  return (
    typeof proto === 'object' &&
    Object.getPrototypeOf(proto) === null &&
    typeof (proto as { constructor?: unknown }).constructor === 'function' &&
    (proto as { constructor: { name?: unknown } }).constructor.name === 'Object'
  );
}
