import { describe, it, expect } from '@jest/globals';
import { messageOfThrown } from './message-of-thrown.js';

describe('messageOfThrown', () => {
  it("gives an Error's message (with its name when asked), a string as it is", () => {
    expect(messageOfThrown(new TypeError('bad'))).toBe('bad');
    expect(messageOfThrown(new TypeError('bad'), true)).toBe('TypeError: bad');
    expect(messageOfThrown('plain')).toBe('plain');
  });

  it('describes values that are not errors as data', () => {
    expect(messageOfThrown(undefined)).toBe('undefined');
    expect(messageOfThrown(null)).toBe('null');
    expect(messageOfThrown(42)).toBe('42');
    expect(messageOfThrown(10n)).toBe('10n');
    expect(messageOfThrown({ code: 7 })).toBe('{"code":7}');
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    expect(messageOfThrown(cycle)).toBe('{"self":"[Circular]"}');
    expect(messageOfThrown(function named() {
      return 1;
    })).toBe('a function (`named`)');
    expect(messageOfThrown('x'.repeat(5000))).toMatch(/^x{2000}… \[3000 more characters\]$/);
  });

  it('never throws where String() would: a null-prototype object, throwing getters and toString, a revoked proxy', () => {
    expect(messageOfThrown(Object.create(null))).toBe('{}');
    expect(() => String(Object.create(null))).toThrow(TypeError);
    const getterThrows = new Error('x');
    Object.defineProperty(getterThrows, 'message', {
      get() {
        throw new Error('no message for you');
      },
    });
    expect(typeof messageOfThrown(getterThrows)).toBe('string');
    expect(messageOfThrown({ toString: () => { throw new Error('no'); }, get bad() { throw new Error('no'); } })).toBe('[unserializable object]');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(messageOfThrown(proxy)).toBe('[unserializable object]');
    expect(messageOfThrown(Symbol('s'))).toBe('Symbol(s)');
  });
});
