import { isPlainPrototype } from '@spm/exceptions';

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

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${key}`), 'message');
}

/**
 * The first object met twice on `path` from `root`: where the value refers back (`at`) and the
 * ancestor it refers to (`to`); undefined when the path holds no cycle.
 */
function cycleOn(root: unknown, path: readonly (string | number)[]): { at: (string | number)[]; to: (string | number)[] } | undefined {
  const seen: unknown[] = [root];
  let item = root;
  for (let i = 0; i < path.length; i++) {
    item = (item as Record<string | number, unknown>)[path[i] as string | number];
    const j = seen.indexOf(item);
    if (j >= 0) return { at: path.slice(0, i + 1), to: path.slice(0, j) };
    seen.push(item);
  }
  return undefined;
}

/**
 * Checks, before encoding, that `value` is data in the sense of `WireValue`: `null`,
 * booleans, numbers, strings, `Uint8Array`s, arrays and plain objects, nested at most
 * `maxDepth` deep. `undefined` is allowed (dropped from objects, `null` in arrays). Throws
 * {@link NotDataError} naming the path of the first offender, because msgpackr would
 * otherwise silently turn a function into `null`, an `Error` into an array and a
 * `Float64Array` into bytes.
 */
export function checkData(value: unknown, maxDepth: number): void {
  // The path is a stack of keys, formatted only when something is wrong: this runs on every send.
  const path: (string | number)[] = [];
  const fail = (what: string): never => {
    throw new NotDataError(`\`${formatPath(path)}\` ${what}`);
  };
  const visit = (item: unknown, depth: number): void => {
    switch (typeof item) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'undefined':
        return;
      case 'bigint':
        fail('is a bigint, which is not data (send a number or a string)');
        return;
      case 'function':
      case 'symbol':
        fail(`is a ${typeof item}, which is not data`);
        return;
      default:
        break;
    }
    if (item === null || ArrayBuffer.isView(item) && Object.prototype.toString.call(item) === '[object Uint8Array]') return;
    if (depth > maxDepth) {
      // Found at the limit only (nothing is tracked on the way: this runs on every send).
      const cycle = cycleOn(value, path);
      if (cycle !== undefined) throw new NotDataError(`\`${formatPath(cycle.at)}\` refers back to \`${formatPath(cycle.to)}\`: a cycle is not data`);
      fail(`is nested deeper than ${maxDepth}`);
    }
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        path.push(i);
        visit(item[i], depth + 1);
        path.pop();
      }
      return;
    }
    if (!isPlainPrototype(Object.getPrototypeOf(item))) fail(`is ${kind(item as object)}, which is not data (send a plain object)`);
    for (const key in item as object) {
      if (key === '__proto__' || key === 'constructor') fail(`has the key \`${key}\`, which a receiver refuses`);
      path.push(key);
      visit((item as Record<string, unknown>)[key], depth + 1);
      path.pop();
    }
  };
  visit(value, 1);
}
