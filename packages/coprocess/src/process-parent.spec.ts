import { describe, it, expect } from '@jest/globals';
import { parentProcessOf } from './process-parent.js';

describe('parentProcessOf', () => {
  it('is the parent of a live process, and undefined for one that is not there', () => {
    expect(parentProcessOf(process.pid)).toBe(process.ppid);
    expect(parentProcessOf(2 ** 22 + 7)).toBeUndefined();
  });
});
