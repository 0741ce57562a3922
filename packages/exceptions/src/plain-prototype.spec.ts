import { describe, it, expect } from '@jest/globals';
import { runInNewContext } from 'node:vm';
import { isPlainPrototype } from './plain-prototype.js';

describe('isPlainPrototype', () => {
  it('takes a plain object’s, a null-prototype object’s and another realm’s Object.prototype', () => {
    expect(isPlainPrototype(Object.getPrototypeOf({}))).toBe(true);
    expect(isPlainPrototype(Object.getPrototypeOf(Object.create(null)))).toBe(true);
    expect(isPlainPrototype(Object.getPrototypeOf(runInNewContext('({ a: 1 })')))).toBe(true);
  });

  it('refuses a class instance’s, a Map’s, an array’s and a non-object', () => {
    class P {}
    expect(isPlainPrototype(Object.getPrototypeOf(new P()))).toBe(false);
    expect(isPlainPrototype(Object.getPrototypeOf(new Map()))).toBe(false);
    expect(isPlainPrototype(Object.getPrototypeOf([]))).toBe(false);
    expect(isPlainPrototype(42)).toBe(false);
  });
});
