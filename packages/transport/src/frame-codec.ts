// The codec alone (msgpackr's `index.js` under Node), not the package's Node entry: that one also
// loads its struct and stream extensions (unused here) and looks for the optional native
// extractor, ~2-3 ms of every engine's start-up (the hub's and each thread spoke's).
import type { Options as PackrOptions } from 'msgpackr';
import { Packr, RESERVE_START_SPACE } from 'msgpackr/pack';
import { Unpackr } from 'msgpackr/unpack';
import { SPMTransportError, messageOfThrown } from '@spm/exceptions';
import type { Message } from './protocol.js';
import { resolveFrameLimits, type FrameLimits, type ResolvedFrameLimits } from './frame-limits.js';
import { checkData } from './internal/check-data.js';
import { scanMsgpack, ScanError } from './internal/scan-msgpack.js';
import { validateMessage } from './internal/validate-message.js';

/** Bytes of the big-endian length that precedes every frame's payload. */
export const FRAME_HEADER_BYTES = 4;

// One encoder and one decoder for the whole package: msgpackr keeps its decoder state in
// module globals anyway, and these options hold no per-channel state.
// `skipValues` exists in msgpackr 1.11+ but is missing from its typings.
const packrOptions: PackrOptions & { readonly skipValues: readonly unknown[] } = {
  // Plain maps, never msgpackr's record extension: the peer refuses extensions.
  useRecords: false,
  // `undefined` is not data: drop such properties (as JSON does), send `null` in arrays.
  skipValues: [undefined],
  encodeUndefinedAsNil: true,
};
const packr = new Packr(packrOptions);
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  // 64-bit integers only come from foreign encoders (msgpackr writes large numbers as
  // float64); a bigint is not a WireValue.
  int64AsType: 'number',
  // A binary field must not keep a whole received chunk alive, nor alias it.
  copyBuffers: true,
});

/**
 * The wire codec: each message is one MessagePack map, sent as a frame `[u32 BE length][payload]`.
 * Decoding accepts data only — no MessagePack extension types, no `__proto__`/`constructor`
 * keys, bounded nesting, at most `maxFrameBytes` — and checks the result is a valid
 * {@link Message} of this protocol version. Anything else is an `SPMTransportError`.
 *
 * A frame of length 0 is the transport's own end-of-channel marker (a clean close), never a message.
 */
export class FrameCodec {
  /** The limits this codec enforces, defaults applied. */
  readonly limits: ResolvedFrameLimits;

  constructor(limits: FrameLimits = {}) {
    this.limits = resolveFrameLimits(limits);
  }

  /**
   * Encodes one message as a complete frame (length prefix included). Throws
   * `SPMTransportError` if the message is not a valid message, holds something that is not
   * data (a `Date`, a `Map`, a class instance, a function, a bigint…), or its frame would
   * exceed `maxFrameBytes`.
   */
  encode(message: Message, channel?: string): Uint8Array {
    let frame: Uint8Array;
    try {
      // The sender checks what the receiver will check, so that a message that is not data
      // fails here, with a stack pointing at the culprit, instead of closing the peer's channel.
      validateMessage(message, { normalize: false });
      checkData(message, this.limits.maxDepth);
      frame = packr.pack(message, RESERVE_START_SPACE | FRAME_HEADER_BYTES);
    } catch (error) {
      throw this.refuseSend(message, channel, error);
    }
    const length = frame.length - FRAME_HEADER_BYTES;
    if (length > this.limits.maxFrameBytes) {
      const why = new Error(`expected its frame to be at most ${this.limits.maxFrameBytes} bytes, got ${length}`);
      throw new SPMTransportError(`Cannot send a \`${message.type}\` message${channel ? ` on ${channel}` : ''}: ${why.message}`, { channel, cause: why });
    }
    new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES).setUint32(0, length);
    return frame;
  }

  /**
   * Decodes one frame's payload (without its length prefix) into messages: one, or the
   * contents of a `batch`. Throws `SPMTransportError` on anything that is not a valid message.
   */
  decodePayload(payload: Uint8Array, channel?: string): Message[] {
    if (payload.length > this.limits.maxFrameBytes) {
      throw new SPMTransportError(`Refused a frame${channel ? ` on ${channel}` : ''}: expected at most ${this.limits.maxFrameBytes} bytes, got ${payload.length}`, { channel });
    }
    let value: unknown;
    try {
      scanMsgpack(payload, 0, payload.length, this.limits);
      value = unpackr.unpack(payload);
    } catch (error) {
      const reason = error instanceof ScanError ? `${error.message} at byte ${error.offset}` : `malformed MessagePack (${messageOfThrown(error)})`;
      throw new SPMTransportError(`Refused a frame${channel ? ` on ${channel}` : ''}: ${reason}`, { channel, cause: error });
    }
    let message: Message;
    try {
      message = validateMessage(value, { normalize: true });
    } catch (error) {
      throw new SPMTransportError(`Refused a frame${channel ? ` on ${channel}` : ''}: ${messageOfThrown(error)}`, { channel, cause: error });
    }
    return message.type === 'batch' ? [...message.messages] : [message];
  }

  private refuseSend(message: Message, channel: string | undefined, error: unknown): SPMTransportError {
    const type = typeof (message as { type?: unknown }).type === 'string' ? `a \`${(message as { type: string }).type}\` message` : 'a message';
    const reason = messageOfThrown(error);
    return new SPMTransportError(`Cannot send ${type}${channel ? ` on ${channel}` : ''}: ${reason}`, { channel, cause: error });
  }
}

/**
 * Encodes one message as a length-prefixed frame with the given limits (see {@link FrameCodec}).
 */
export function encodeFrame(message: Message, limits: FrameLimits = {}): Uint8Array {
  return new FrameCodec(limits).encode(message);
}
