/**
 * A structural pre-scan of one MessagePack value, run on untrusted bytes *before* msgpackr
 * decodes them. msgpackr has no option to turn its extensions off (its extension table is
 * module-global: timestamps, records `0x72`, structured-clone references, typed arrays…),
 * its reader is recursive, and it allocates `new Array(n)` for whatever `n` a header claims.
 * This scan refuses all of that up front, without allocating, so that what msgpackr then sees
 * is plain data: nil, booleans, numbers, strings, binary, arrays and string-keyed maps.
 */

/** Why a scan failed; the caller wraps it in an `SPMTransportError`. */
export class ScanError extends Error {
  constructor(
    message: string,
    /** Offset of the offending byte within the scanned range. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ScanError';
  }
}

/** What a scan may accept. */
export interface ScanLimits {
  /** Deepest nesting of arrays and maps (the top-level map is depth 1). */
  readonly maxDepth: number;
}

// Map keys that would reach an object's prototype chain when assigned, as UTF-8 bytes.
const FORBIDDEN_KEYS: readonly Uint8Array[] = ['__proto__', 'constructor'].map((key) => new TextEncoder().encode(key));

function isForbiddenKey(buf: Uint8Array, at: number, length: number): boolean {
  for (const key of FORBIDDEN_KEYS) {
    if (key.length !== length) continue;
    let same = true;
    for (let i = 0; i < length; i++) {
      if (buf[at + i] !== key[i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * The longest string msgpackr decodes with its own UTF-8 reader (longer ones go to
 * `TextDecoder`, which never reads past the string).
 */
const JS_DECODED_MAX = 64;

/**
 * Throws unless every UTF-8 sequence of the string at `buf[at, at + length)` ends inside it, as
 * msgpackr's own reader (strings of up to 64 bytes) counts sequences: from its lead byte, 2, 3
 * or 4 bytes, whatever follows. A truncated sequence at a string's end made that reader read on
 * into the next value: the same bytes then decoded differently from one frame to the next (its
 * key cache remembers what the first read made of them). Valid UTF-8 always passes.
 */
function checkStringEnd(buf: Uint8Array, at: number, length: number, header: number, start: number): void {
  if (length > JS_DECODED_MAX) return;
  let i = 0;
  while (i < length) {
    const b = buf[at + i] ?? 0;
    const width = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 1;
    if (i + width > length) throw new ScanError(`a string ends inside a UTF-8 sequence (lead byte ${hex(b)} at its byte ${i} of ${length})`, header - start);
    i += width;
  }
}

/**
 * Checks that `buf[start, end)` holds exactly one MessagePack value made of data only, nested
 * at most `limits.maxDepth` deep, whose map keys are strings other than `__proto__` and
 * `constructor`. Throws {@link ScanError} otherwise. Iterative: depth costs no stack.
 */
// remaining[d]: items still to read at depth d; inMap[d]: 1 when depth d is a map, whose items
// alternate key, value (a key is read when its remaining count is even). Shared by every
// scan (a scan is synchronous and never re-entered); 2 × 2^32 items fit a float64.
const remaining = new Float64Array(1002);
const inMap = new Uint8Array(1002);

export function scanMsgpack(buf: Uint8Array, start: number, end: number, limits: ScanLimits): void {
  const u16 = (at: number): number => ((buf[at] ?? 0) << 8) | (buf[at + 1] ?? 0);
  const u32 = (at: number): number => (((buf[at] ?? 0) << 24) >>> 0) + ((buf[at + 1] ?? 0) << 16) + ((buf[at + 2] ?? 0) << 8) + (buf[at + 3] ?? 0);
  let top = 0;
  remaining[0] = 1;
  inMap[0] = 0;
  let pos = start;

  const need = (bytes: number, what: string): void => {
    if (end - pos < bytes) throw new ScanError(`truncated ${what}: needs ${bytes} more byte(s), ${end - pos} left`, pos - start);
  };
  const open = (count: number, map: boolean, at: number): void => {
    const items = map ? count * 2 : count;
    // Every item takes at least one byte: a header claiming more items than bytes left is a
    // lie that would otherwise make the decoder allocate a huge array.
    if (items > end - pos) throw new ScanError(`${map ? 'map' : 'array'} claims ${count} entries but only ${end - pos} byte(s) remain`, at - start);
    if (top >= limits.maxDepth) throw new ScanError(`nesting deeper than ${limits.maxDepth}`, at - start);
    top++;
    remaining[top] = items;
    inMap[top] = map ? 1 : 0;
  };

  while (top >= 0) {
    const left = remaining[top] ?? 0;
    if (left === 0) {
      top--;
      continue;
    }
    const isKey = inMap[top] === 1 && left % 2 === 0;
    remaining[top] = left - 1;
    need(1, 'value');
    const at = pos;
    const b = buf[pos++] ?? 0;

    if (isKey) {
      let length: number;
      if (b >= 0xa0 && b <= 0xbf) length = b - 0xa0;
      else if (b === 0xd9) {
        need(1, 'str8 length');
        length = buf[pos++] ?? 0;
      } else if (b === 0xda) {
        need(2, 'str16 length');
        length = u16(pos);
        pos += 2;
      } else if (b === 0xdb) {
        need(4, 'str32 length');
        length = u32(pos);
        pos += 4;
      } else throw new ScanError(`map key must be a string, found type byte ${hex(b)}`, at - start);
      need(length, 'map key');
      checkStringEnd(buf, pos, length, at, start);
      if (isForbiddenKey(buf, pos, length)) {
        throw new ScanError(`forbidden map key \`${new TextDecoder().decode(buf.subarray(pos, pos + length))}\``, at - start);
      }
      pos += length;
      continue;
    }

    if (b <= 0x7f || b >= 0xe0) continue; // positive / negative fixint
    if (b <= 0x8f) {
      open(b - 0x80, true, at);
      continue;
    }
    if (b <= 0x9f) {
      open(b - 0x90, false, at);
      continue;
    }
    if (b <= 0xbf) {
      const length = b - 0xa0;
      need(length, 'fixstr');
      checkStringEnd(buf, pos, length, at, start);
      pos += length;
      continue;
    }
    switch (b) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        continue;
      case 0xc4: // bin8
      case 0xd9: {
        // str8
        need(1, 'length');
        const length = buf[pos++] ?? 0;
        need(length, b === 0xc4 ? 'bin8' : 'str8');
        if (b === 0xd9) checkStringEnd(buf, pos, length, at, start);
        pos += length;
        continue;
      }
      case 0xc5: // bin16
      case 0xda: {
        // str16
        need(2, 'length');
        const length = u16(pos);
        pos += 2;
        need(length, b === 0xc5 ? 'bin16' : 'str16');
        if (b === 0xda) checkStringEnd(buf, pos, length, at, start);
        pos += length;
        continue;
      }
      case 0xc6: // bin32
      case 0xdb: {
        // str32
        need(4, 'length');
        const length = u32(pos);
        pos += 4;
        need(length, b === 0xc6 ? 'bin32' : 'str32');
        if (b === 0xdb) checkStringEnd(buf, pos, length, at, start);
        pos += length;
        continue;
      }
      case 0xcc: // uint8
      case 0xd0: // int8
        need(1, 'int8');
        pos += 1;
        continue;
      case 0xcd:
      case 0xd1:
        need(2, 'int16');
        pos += 2;
        continue;
      case 0xca: // float32
      case 0xce:
      case 0xd2:
        need(4, '32-bit number');
        pos += 4;
        continue;
      case 0xcb: // float64
      case 0xcf:
      case 0xd3:
        need(8, '64-bit number');
        pos += 8;
        continue;
      case 0xdc: {
        need(2, 'array16 length');
        const count = u16(pos);
        pos += 2;
        open(count, false, at);
        continue;
      }
      case 0xdd: {
        need(4, 'array32 length');
        const count = u32(pos);
        pos += 4;
        open(count, false, at);
        continue;
      }
      case 0xde: {
        need(2, 'map16 length');
        const count = u16(pos);
        pos += 2;
        open(count, true, at);
        continue;
      }
      case 0xdf: {
        need(4, 'map32 length');
        const count = u32(pos);
        pos += 4;
        open(count, true, at);
        continue;
      }
      case 0xc1:
        throw new ScanError('reserved type byte 0xc1', at - start);
      default:
        // 0xc7–0xc9 ext8/16/32 and 0xd4–0xd8 fixext: never accepted from the wire.
        throw new ScanError(`extension type (byte ${hex(b)}) is not data`, at - start);
    }
  }
  if (pos !== end) throw new ScanError(`${end - pos} trailing byte(s) after the value`, pos - start);
}
