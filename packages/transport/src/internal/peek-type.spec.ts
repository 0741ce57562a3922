import { describe, it, expect } from '@jest/globals';
import { encodeFrame } from '../frame-codec.js';
import type { Message } from '../protocol.js';
import { peekType } from './peek-type.js';

describe('peekType', () => {
  it('reads the type of every message the codec encodes', () => {
    const messages: Message[] = [
      { type: 'task', v: 3, taskId: 'a', attempt: 1, module: 'm', signature: 's', preload: [], record: null },
      { type: 'reply', v: 3, taskId: 1, attempt: 2, requestId: 3, ok: true, body: [1] },
      { type: 'shutdown', v: 3, reason: 'bye' },
      { type: 'batch', v: 3, messages: [{ type: 'heartbeat', v: 3, seq: 1 }] },
    ];
    expect(messages.map((m) => peekType(encodeFrame(m)))).toEqual(['task', 'reply', 'shutdown', 'batch']);
  });

  it('says nothing of a frame that does not start with a `type` key and a short string', () => {
    const frame = (...bytes: number[]): Uint8Array => new Uint8Array([0, 0, 0, bytes.length, ...bytes]);
    expect(peekType(frame(0x81, 0xa1, 0x76, 0x01))).toBeUndefined(); // { v: 1 }
    expect(peekType(frame(0x92, 0x01, 0x02))).toBeUndefined(); // an array
    expect(peekType(frame(0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0x01))).toBeUndefined(); // { type: 1 }
    expect(peekType(frame(0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa4, 0x74))).toBeUndefined(); // truncated
    expect(peekType(frame())).toBeUndefined();
  });
});
