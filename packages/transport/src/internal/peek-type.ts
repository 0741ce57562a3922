import { FRAME_HEADER_BYTES } from '../frame-codec.js';

// `type` as a MessagePack fixstr: 0xa4 't' 'y' 'p' 'e'.
const TYPE_KEY = [0xa4, 0x74, 0x79, 0x70, 0x65] as const;

/**
 * The `type` of the message in `frame` (length prefix included), read from its first bytes
 * without decoding: when the payload is a map whose first key is `type` and whose value is a
 * short string — the way every message of this protocol is encoded (`type` comes first).
 * Otherwise, or for a frame too short to say, `undefined`. Nothing is validated: this tells a
 * relay where a frame goes, and its receiver decodes and checks it.
 */
export function peekType(frame: Uint8Array): string | undefined {
  let at = FRAME_HEADER_BYTES;
  const head = frame[at];
  if (head === undefined) return undefined;
  if (head >= 0x80 && head <= 0x8f) at += 1; // fixmap
  else if (head === 0xde) at += 3; // map16
  else if (head === 0xdf) at += 5; // map32
  else return undefined;
  for (const byte of TYPE_KEY) if (frame[at++] !== byte) return undefined;
  const str = frame[at++];
  if (str === undefined || str < 0xa0 || str > 0xbf) return undefined;
  const length = str - 0xa0;
  if (at + length > frame.length) return undefined;
  let type = '';
  for (let i = 0; i < length; i++) {
    const c = frame[at + i] ?? 0;
    if (c > 0x7e || c < 0x20) return undefined; // message types are ASCII
    type += String.fromCharCode(c);
  }
  return type;
}
