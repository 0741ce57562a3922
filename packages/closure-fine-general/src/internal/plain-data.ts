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

/** A body checked by {@link plainData}: what every path delivers, and its estimated encoded size. */
export interface PlainData {
  /**
   * `value` as the wire delivers it: the same reference when nothing changes, else a copy
   * without the `undefined` properties and with `-0` as `0`.
   */
  readonly value: unknown;
  /** An estimate of its encoded size in bytes. */
  readonly bytes: number;
}

/**
 * Checks that `value` is plain data that every path carries the same way — null, boolean,
 * finite or not number, string, Uint8Array, arrays and plain objects of those (what msgpackr
 * carries between processes) — so a gang that works on threads works on processes too (serial
 * parity), and returns it as the wire delivers it, for the paths that do not cross the wire (a
 * direct channel, a rank's own slot): `undefined` properties dropped, `-0` as `0`. What the wire
 * would change in another way is refused: `undefined` itself, in an array or as the body (the
 * wire would deliver `null`), and an array's hole (the same). Throws `SPMError` naming the path.
 */
export function plainData(value: unknown, what: string): PlainData {
  let bytes = 0;
  const refuse = (found: string, path: string, hint = ''): never => {
    throw new SPMError(`Expected ${what} to be plain data (null, boolean, number, string, Uint8Array, arrays and plain objects of those), found ${found} at \`${path}\`${hint}`);
  };
  // Returns `v` as delivered: `v` itself unless something in it changes (copy on write;
  // compared with Object.is, as -0 === 0).
  const visit = (v: unknown, path: string, depth: number): unknown => {
    if (depth > MAX_BODY_DEPTH) throw new SPMError(`Expected ${what} nested at most ${MAX_BODY_DEPTH} levels deep, found deeper at \`${path}\``);
    if (v === null || typeof v === 'boolean') {
      bytes += 1;
      return v;
    }
    if (typeof v === 'number') {
      bytes += 9;
      // msgpackr writes -0 as the integer 0; a structured clone would keep it.
      return Object.is(v, -0) ? 0 : v;
    }
    if (typeof v === 'string') {
      bytes += 5 + v.length * 3;
      return v;
    }
    if (v === undefined) return refuse('undefined', path, ' (the wire delivers it as null: send null)');
    if (typeof v === 'object') {
      if (isUint8Array(v)) {
        bytes += 5 + (v as Uint8Array).byteLength;
        return v;
      }
      if (Array.isArray(v)) {
        bytes += 5;
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i += 1) {
          const item: unknown = v[i];
          // A hole reads as undefined; both would arrive as null through the hub.
          if (item === undefined) refuse(i in v ? 'undefined' : 'a hole (a missing element)', `${path}[${i}]`, ' (the wire delivers it as null: put null there)');
          const delivered = visit(item, `${path}[${i}]`, depth + 1);
          if (!Object.is(delivered, item)) out ??= v.slice(0, i) as unknown[];
          if (out !== undefined) out.push(delivered);
        }
        return out ?? v;
      }
      if (isPlainPrototype(Object.getPrototypeOf(v))) {
        bytes += 5;
        const entries = Object.entries(v);
        let out: Record<string, unknown> | undefined;
        // The entries before `upTo`, all delivered as they are (a change would have begun the copy).
        const copy = (upTo: number): Record<string, unknown> => {
          const o: Record<string, unknown> = {};
          for (let j = 0; j < upTo; j += 1) {
            const [key, item] = entries[j] as [string, unknown];
            o[key] = item;
          }
          return o;
        };
        for (let j = 0; j < entries.length; j += 1) {
          const [key, item] = entries[j] as [string, unknown];
          if (item === undefined) {
            // Dropped on every path, as the wire (and JSON) does.
            out ??= copy(j);
            continue;
          }
          // The wire refuses these keys (a receiver would take them for the object's prototype).
          if (key === '__proto__' || key === 'constructor') throw new SPMError(`Expected ${what} to be plain data, found the key \`${key}\` at \`${path}\`, which a receiver refuses`);
          bytes += 5 + key.length * 3;
          const delivered = visit(item, `${path}.${key}`, depth + 1);
          if (!Object.is(delivered, item)) out ??= copy(j);
          if (out !== undefined) out[key] = delivered;
        }
        return out ?? v;
      }
    }
    const { kind, hint } = kindOf(v);
    return refuse(kind, path, hint);
  };
  const delivered = visit(value, 'body', 0);
  return { value: delivered, bytes };
}

/** {@link plainData}'s check alone: the estimated encoded size of `value`, or `SPMError`. */
export function checkPlainData(value: unknown, what: string): number {
  return plainData(value, what).bytes;
}
