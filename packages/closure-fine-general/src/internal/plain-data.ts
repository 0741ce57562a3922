import { SPMError, isPlainPrototype } from '@spm/exceptions';

/**
 * The deepest nesting a message body may have. The wire allows 64 levels per frame; a body
 * travels inside an envelope a few levels deep, so it gets a little less.
 */
export const MAX_BODY_DEPTH = 48;

/** What `value` is, for the message, and what to send instead (if there is a simple answer). */
function kindOf(value: unknown): { kind: string; hint: string } {
  if (typeof value === 'object' && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    const name = typeof proto === 'object' && proto !== null ? (proto as { constructor?: { name?: unknown } }).constructor?.name : undefined;
    if (ArrayBuffer.isView(value)) return { kind: `a ${typeof name === 'string' ? name : 'typed array'}`, hint: ' (send a typed array as a Uint8Array over its buffer)' };
    return { kind: typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a foreign prototype', hint: ' (send a plain object)' };
  }
  return { kind: `a ${typeof value}`, hint: '' };
}

function isUint8Array(value: object): boolean {
  // A Uint8Array from another realm (a vm context, a worker's clone) is still one.
  return value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/**
 * Checks that `value` is plain data that every path carries the same way — null, boolean,
 * finite or not number, string, Uint8Array, arrays and plain objects of those (what msgpackr
 * carries between processes) — so a gang that works on threads works on processes too (serial
 * parity). Returns an estimate of its encoded size in bytes. Throws `SPMError` naming the path.
 */
export function checkPlainData(value: unknown, what: string): number {
  let bytes = 0;
  const visit = (v: unknown, path: string, depth: number): void => {
    if (depth > MAX_BODY_DEPTH) throw new SPMError(`Expected ${what} nested at most ${MAX_BODY_DEPTH} levels deep, found deeper at \`${path}\``);
    if (v === null || typeof v === 'boolean') {
      bytes += 1;
      return;
    }
    if (typeof v === 'number') {
      bytes += 9;
      return;
    }
    if (typeof v === 'string') {
      bytes += 5 + v.length * 3;
      return;
    }
    if (typeof v === 'object') {
      if (isUint8Array(v)) {
        bytes += 5 + (v as Uint8Array).byteLength;
        return;
      }
      if (Array.isArray(v)) {
        bytes += 5;
        v.forEach((item: unknown, i) => visit(item, `${path}[${i}]`, depth + 1));
        return;
      }
      if (isPlainPrototype(Object.getPrototypeOf(v))) {
        bytes += 5;
        for (const [key, item] of Object.entries(v)) {
          if (item === undefined) continue; // dropped on every path, as JSON does
          // The wire refuses these keys (a receiver would take them for the object's prototype).
          if (key === '__proto__' || key === 'constructor') throw new SPMError(`Expected ${what} to be plain data, found the key \`${key}\` at \`${path}\`, which a receiver refuses`);
          bytes += 5 + key.length * 3;
          visit(item, `${path}.${key}`, depth + 1);
        }
        return;
      }
    }
    const { kind, hint } = kindOf(v);
    throw new SPMError(`Expected ${what} to be plain data (null, boolean, number, string, Uint8Array, arrays and plain objects of those), found ${kind} at \`${path}\`${hint}`);
  };
  visit(value, 'body', 0);
  return bytes;
}
