import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { SPMTransportError } from '@spm/exceptions';
import { encodeFrame } from './frame-codec.js';
import { FrameDecoder } from './frame-decoder.js';
import type { Message } from './protocol.js';

const MESSAGES: readonly Message[] = [
  { type: 'heartbeat', v: 3, seq: 1 },
  { type: 'task', v: 3, taskId: 3, attempt: 1, module: 'm.js', signature: 's', preload: [], record: { n: [1, 2, 3], s: 'é✓' } },
  { type: 'shutdown', v: 3, reason: 'done' },
];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const STREAM = concat(MESSAGES.map((m) => encodeFrame(m)));

function header(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

describe('FrameDecoder streaming', () => {
  it('decodes frames that come in many small pieces — a byte at a time, or any split — exactly, the bytes after them kept', () => {
    // Past a few pieces a frame is gathered into one buffer (a byte-at-a-time frame used to cost
    // time growing with the square of its pieces: a peer could hold the hub's thread for minutes).
    const big: Message = { type: 'task', v: 3, taskId: 9, attempt: 1, module: 'm.js', signature: 's', preload: [], record: { blob: 'x'.repeat(100_000), n: [1, 2] } };
    const stream = concat([STREAM, encodeFrame(big), STREAM]);
    const expected = [...MESSAGES, big, ...MESSAGES];
    const byteAtATime = new FrameDecoder();
    const got: Message[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...byteAtATime.push(stream.subarray(i, i + 1)));
    expect(got).toEqual(expected);
    expect(byteAtATime.buffered).toBe(0);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 400 }), (sizes) => {
        const decoder = new FrameDecoder();
        const out: Message[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = sizes[i % sizes.length] as number;
          out.push(...decoder.push(stream.subarray(at, at + size)));
          at += size;
        }
        expect(out).toEqual(expected);
        expect(decoder.buffered).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a stream cut at every possible point into the same messages', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(STREAM.subarray(0, cut)), ...decoder.push(STREAM.subarray(cut))];
      expect(got).toEqual(MESSAGES);
      expect(decoder.buffered).toBe(0);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const got: Message[] = [];
    for (const byte of STREAM) got.push(...decoder.push(Uint8Array.of(byte)));
    expect(got).toEqual(MESSAGES);
  });

  it('stops at a zero-length frame (the peer’s goodbye) and ignores what follows', () => {
    const decoder = new FrameDecoder();
    const got = decoder.push(concat([encodeFrame(MESSAGES[0] as Message), header(0), Uint8Array.of(0xde, 0xad)]));
    expect(got).toEqual([MESSAGES[0]]);
    expect(decoder.ended).toBe(true);
    expect(decoder.push(encodeFrame(MESSAGES[2] as Message))).toEqual([]);
  });
});

describe('FrameDecoder limits', () => {
  it('refuses a 4 GiB length prefix as soon as it arrives, buffering nothing for it', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(
      expect.objectContaining({ code: 'SPM_TRANSPORT', message: expect.stringContaining('announces 4294967295 bytes, expected at most 4194304') }),
    );
    expect(decoder.buffered).toBe(0);
  });

  it('refuses a frame over its own maxFrameBytes, and stays broken after the first error', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 100 }, 'test:1');
    const big = encodeFrame({ type: 'shutdown', v: 3, reason: 'z'.repeat(200) });
    let first: unknown;
    try {
      decoder.push(big);
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(SPMTransportError);
    expect((first as SPMTransportError).message).toContain('on test:1');
    expect((first as SPMTransportError & { channel?: string }).channel).toBe('test:1');
    expect(() => decoder.push(encodeFrame(MESSAGES[0] as Message))).toThrow(first as Error);
  });
});

describe('FrameDecoder fuzzing', () => {
  /** Decodes `chunks`; returns messages, or the error, which must be an SPMTransportError. */
  function run(chunks: readonly Uint8Array[]): Message[] | SPMTransportError {
    const decoder = new FrameDecoder({ maxFrameBytes: 4096, maxDepth: 16 });
    const out: Message[] = [];
    try {
      for (const chunk of chunks) out.push(...decoder.push(chunk));
    } catch (error) {
      if (error instanceof SPMTransportError) return error;
      throw error; // any other exception fails the property
    }
    return out;
  }

  it('turns random bytes into messages or an SPMTransportError, never another exception', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        run(chunks);
      }),
      { numRuns: 2000 },
    );
  });

  it('turns mutated valid frames into messages or an SPMTransportError, never another exception', () => {
    const mutation = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      cut: fc.nat(),
      insert: fc.uint8Array({ maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat(), (mutations, split) => {
        const bytes = Uint8Array.from(STREAM);
        for (const { at, byte } of mutations) bytes[4 + (at % (bytes.length - 4))] = byte;
        const { cut, insert } = mutations[0] ?? { cut: 0, insert: new Uint8Array() };
        const where = 4 + (cut % (bytes.length - 4));
        const mutated = concat([bytes.subarray(0, where), insert, bytes.subarray(where)]);
        const at = split % (mutated.length + 1);
        const result = run([mutated.subarray(0, at), mutated.subarray(at)]);
        // Whatever the split, the decoder reaches the same verdict.
        const whole = run([mutated]);
        if (result instanceof SPMTransportError) expect(whole).toBeInstanceOf(SPMTransportError);
        else expect(whole).toEqual(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes arbitrary JSON-like records exactly, or refuses them at the sender for a forbidden key', () => {
    const record = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(record, (value) => {
        const message = { type: 'notify', v: 3, taskId: 1, attempt: 1, body: value } as Message;
        let frame: Uint8Array;
        try {
          frame = encodeFrame(message);
        } catch (error) {
          expect(error).toBeInstanceOf(SPMTransportError);
          expect((error as Error).message).toMatch(/has the key `(__proto__|constructor)`/u);
          return;
        }
        const [back] = new FrameDecoder().push(frame);
        // -0 travels as 0 in MessagePack integers; compare as JSON does.
        expect(JSON.stringify(back)).toBe(JSON.stringify(message));
      }),
      { numRuns: 500 },
    );
  });
});
