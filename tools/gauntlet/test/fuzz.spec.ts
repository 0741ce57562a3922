// Fuzzing the two parsers that read what the outside world writes — the frame decoder (bytes
// from spokes and strangers) and the typedef parser (text from users) — with fast-check,
// bounded for CI: whatever comes in, the answer is a result or one of our error classes, never
// another exception, never a hang (Jest's timeout is the bound), never a polluted prototype.
// The packages' own suites fuzz random bytes and mutated valid frames (transport) and mutated
// typedef text (typedef); these add structured msgpack with hostile shapes cut into random
// chunks, and token soup and huge inputs for the parser.
import { describe, it, expect, afterAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { pack, Packr } from 'msgpackr';
import { SPMTransportError, SPMTypedefError } from '@spm/exceptions';
import { encodeFrame, FrameDecoder, type Message } from '@spm/transport';
import { parse } from '@spm/typedef';
import { saveFigures } from '@spm/gauntlet';

const RUNS = Number(process.env['SPM_GAUNTLET_FUZZ_RUNS'] ?? 400);
const inputs = { decoder: 0, parser: 0 };

afterAll(() => {
  saveFigures('fuzz', 'fuzz.spec.ts', [
    {
      scenario: `fuzzed frames fed to the frame decoder (${inputs.decoder}) and texts to the typedef parser (${inputs.parser})`,
      runs: 1,
      faults: inputs.decoder + inputs.parser,
      tasks: 0,
      lost: 0,
      duplicateReports: 0,
      duplicateExecutions: 0,
      leftovers: 0,
      note: 'faults = hostile inputs; every one answered with a result or our own error class (SPMTransportError, SPMTypedefError), never another exception or a hang',
    },
  ]);
});
const seedFig11 = readFileSync(new URL('./fixtures/seed-fig11.typedef', import.meta.url), 'utf8');

function frameOf(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** Feeds `bytes` to a fresh decoder in `cuts` pieces; returns what came out, or the error thrown. */
function decode(bytes: Uint8Array, cuts: readonly number[]): { messages: Message[]; error: unknown } {
  const decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 });
  const messages: Message[] = [];
  let at = 0;
  try {
    for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
      messages.push(...decoder.push(bytes.subarray(at, Math.max(at, cut))));
      at = Math.max(at, cut);
    }
  } catch (error) {
    // A broken decoder stays broken, with the same error.
    expect(() => decoder.push(new Uint8Array([0]))).toThrow(error as Error);
    return { messages, error };
  }
  return { messages, error: undefined };
}

/** msgpack values with the shapes an attacker reaches for. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.constantFrom(new Date(0), Number.NaN, -0, 2 ** 53 + 2, Number.MAX_VALUE),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'v')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A message-shaped map (so the value check, not only the byte scan, is reached) with hostile fields. */
const hostileMessage = fc.record({
  type: fc.oneof(fc.constantFrom('hello', 'task', 'status', 'heartbeat', 'batch', 'request', 'reply'), fc.string()),
  v: fc.oneof(fc.constant(1), fc.integer()),
  seq: hostileValue,
  taskId: hostileValue,
  attempt: hostileValue,
  body: hostileValue,
  messages: fc.array(hostileValue, { maxLength: 3 }),
});

const records = new Packr({ useRecords: true });
const encodings: ((value: unknown) => Uint8Array)[] = [(value) => pack(value), (value) => records.pack(value)];

/** Byte-level damage: flip a bit, cut the tail, splice in random bytes, or rewrite the length prefix. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('length' as const), length: fc.nat({ max: 0xffffffff }) }),
  fc.constant({ kind: 'none' as const }),
);

type Damage = typeof damage extends fc.Arbitrary<infer D> ? D : never;

function applyDamage(frame: Uint8Array, d: Damage): Uint8Array {
  const out = Uint8Array.from(frame);
  switch (d.kind) {
    case 'flip': {
      const at = d.at % out.length;
      out[at] = (out[at] ?? 0) ^ (1 << d.bit);
      return out;
    }
    case 'truncate':
      return out.subarray(0, d.at % out.length);
    case 'splice': {
      const at = d.at % out.length;
      return Uint8Array.from([...out.subarray(0, at), ...d.bytes, ...out.subarray(at)]);
    }
    case 'length':
      new DataView(out.buffer).setUint32(0, d.length);
      return out;
    default:
      return out;
  }
}

describe('fuzzing the frame decoder', () => {
  it('answers structured hostile msgpack, damaged and cut anywhere, with messages or SPMTransportError only', () => {
    let refused = 0;
    let decoded = 0;
    fc.assert(
      fc.property(hostileMessage, fc.nat({ max: 1 }), damage, fc.array(fc.nat(), { maxLength: 6 }), (message, encoding, d, cuts) => {
        let payload: Uint8Array;
        try {
          payload = (encodings[encoding] as (value: unknown) => Uint8Array)(message);
        } catch {
          return; // msgpackr cannot encode it (a bigint out of range): nothing to send
        }
        inputs.decoder += 1;
        const { messages, error } = decode(applyDamage(frameOf(payload), d), cuts);
        if (error !== undefined) {
          expect(error).toBeInstanceOf(SPMTransportError);
          refused += 1;
        } else {
          decoded += messages.length;
          for (const m of messages) expect(typeof m.type).toBe('string');
        }
      }),
      { numRuns: RUNS, seed: 0x6a7e },
    );
    process.stdout.write(`frame decoder fuzz: ${refused} inputs refused with SPMTransportError, ${decoded} messages decoded\n`);
    expect(refused).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('answers valid frames of every message type, damaged and cut anywhere, the same way', () => {
    const valid: Message[] = [
      { type: 'hello', v: 3, spokeId: 's', host: 'h', pid: 1, tags: ['a'] },
      { type: 'heartbeat', v: 3, seq: 7 },
      { type: 'task', v: 3, taskId: 3, attempt: 1, module: 'file:///m.mjs', signature: 'x', preload: [], record: { nMin: 1, nested: { a: [1, 'b', null] } } },
      { type: 'status', v: 3, taskId: 'id', attempt: 2, ok: true, value: { big: 'x'.repeat(300) } },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), damage, fc.array(fc.nat(), { maxLength: 6 }), (message, d, cuts) => {
        inputs.decoder += 1;
        const { error } = decode(applyDamage(encodeFrame(message), d), cuts);
        if (error !== undefined) expect(error).toBeInstanceOf(SPMTransportError);
      }),
      { numRuns: RUNS, seed: 0x6a7f },
    );
  });

  it('refuses 1,000,000-deep nesting without running out of stack, and decodes 200,000 frames pushed at once', () => {
    const deep = frameOf(Uint8Array.from([0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, ...new Uint8Array(1_000_000).fill(0x91), 0x00]));
    expect(decode(deep, []).error).toBeInstanceOf(SPMTransportError);
    const tiny = encodeFrame({ type: 'heartbeat', v: 3, seq: 1 });
    const many = new Uint8Array(tiny.length * 200_000);
    for (let i = 0; i < 200_000; i += 1) many.set(tiny, i * tiny.length);
    const { messages, error } = decode(many, [many.length >> 1]);
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(200_000);
  });
});

const TOKENS = [
  'task', '<', 'list', '>', '::', 'struct', '{', '}', ';', '=', 'deferred', 'None', 'scalar', 'int', 'string', 'auto', 'bool',
  'float', 'tuple', 'dict', 'mixed', 'record', 'timeout', 'stringSnippet', ',', 'spm', 'meta', 'core', 'stat', 'nMin', 'a', 'b', '#c\n',
  '"s"', '"\\n"', '"unterminated', '12', '-3.5', '1e400', 'true', 'false', '[', ']', '(', ')', ' ', '\n', '\t', '@', '\\', '\u0000', '\u{1F600}', '\uD800',
];

describe('fuzzing the typedef parser', () => {
  function parsesOrRefuses(text: string): 'parsed' | 'refused' {
    inputs.parser += 1;
    try {
      parse(text);
      return 'parsed';
    } catch (error) {
      expect(error).toBeInstanceOf(SPMTypedefError);
      expect((error as SPMTypedefError).message).toMatch(/line \d+, column \d+|Expected|Task|typedef/);
      return 'refused';
    }
  }

  it('answers token soup with a schema or SPMTypedefError only', () => {
    const outcomes = { parsed: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        outcomes[parsesOrRefuses(tokens.join(' '))] += 1;
      }),
      { numRuns: RUNS * 2, seed: 0x7d },
    );
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('answers the seed’s Figure 11 typedef with tokens deleted, repeated or replaced the same way, and still parses it whole', () => {
    expect(parsesOrRefuses(seedFig11)).toBe('parsed');
    const words = seedFig11.split(/(\s+)/);
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'repeat', 'replace'), token: fc.constantFrom(...TOKENS) }), { minLength: 1, maxLength: 5 }),
        (edits) => {
          const text = [...words];
          for (const { at, op, token } of edits) {
            const i = at % text.length;
            if (op === 'delete') text.splice(i, 1);
            else if (op === 'repeat') text.splice(i, 0, text[i] ?? '');
            else text[i] = token;
          }
          parsesOrRefuses(text.join(''));
        },
      ),
      { numRuns: RUNS, seed: 0x7e },
    );
  });

  it('refuses huge inputs in bounded time (a megabyte of `{`, of `<`, of a comment) and parses 20,000 fields', () => {
    expect(parsesOrRefuses('{'.repeat(1 << 20))).toBe('refused');
    expect(parsesOrRefuses(`task<list> :: struct { a :: ${'list<'.repeat(1 << 18)}int${'>'.repeat(1 << 18)}; };`)).toBe('refused');
    expect(parsesOrRefuses(`#${'x'.repeat(1 << 20)}`)).toBe('refused');
    const fields = Array.from({ length: 20_000 }, (_, i) => `f${i} :: scalar<int> = ${i};`).join('\n');
    expect(parsesOrRefuses(`task<list> :: struct { ${fields} };`)).toBe('parsed');
  });
});
