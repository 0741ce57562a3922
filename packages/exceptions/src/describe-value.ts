const MAX_QUOTED = 40;
const MAX_KEYS_SHOWN = 4;

function clip(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nothing (undefined)';
    case 'string':
      // A long string says its length: it may differ from others only there.
      return value.length > MAX_QUOTED ? `\`${clip(JSON.stringify(value))}\` (a string of ${value.length} characters)` : `\`${JSON.stringify(value)}\` (string)`;
    case 'number':
      return `\`${Object.is(value, -0) ? '-0' : String(value)}\` (number)`;
    case 'boolean':
      return `\`${String(value)}\` (boolean)`;
    case 'bigint':
      return `\`${clip(String(value))}n\` (bigint)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return value.name ? `a function (\`${clip(value.name)}\`)` : 'a function';
    default:
      break;
  }
  if (value === null) return '`null`';
  if (typeof value !== 'object') return 'a value of an unknown type';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, MAX_KEYS_SHOWN).map((key) => clip(key)).join(', ');
    return `an object with keys ${shown}${keys.length > MAX_KEYS_SHOWN ? ', …' : ''}`;
  }
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object that is not plain';
}

/**
 * What a value is, for the "found" part of an error message — one shape across the workspace:
 * `` `0` (number) ``, `` `"ten"` (string) ``, `an array of length 3`, `an instance of Map`,
 * `nothing (undefined)`. Never throws, whatever the value (proxies and getters included).
 */
export function describeValue(value: unknown): string {
  try {
    return describe(value);
  } catch {
    return 'a value that cannot be inspected';
  }
}
