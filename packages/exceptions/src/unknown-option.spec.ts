import { describe, it, expect } from '@jest/globals';
import { unknownOptionMessage } from './unknown-option.js';

describe('unknownOptionMessage', () => {
  const known = ['timeoutMs', 'killGraceMs', 'cwd'];

  it('is undefined when every key is known, or unknown keys hold undefined (a spread of optional fields)', () => {
    expect(unknownOptionMessage('f()', { timeoutMs: 1, cwd: '/' }, known)).toBeUndefined();
    expect(unknownOptionMessage('f()', { timeoutMs: 1, extra: undefined }, known)).toBeUndefined();
    expect(unknownOptionMessage('f()', {}, known)).toBeUndefined();
  });

  it('names the first unknown key, whose options they are, and every known key', () => {
    expect(unknownOptionMessage('f()', { cwd: '/', colour: 'red' }, known)).toBe('Unknown option `colour` of f(); expected one of `timeoutMs`, `killGraceMs`, `cwd`');
  });

  it('names the known key a few edits away: missing letters, a swap, another case', () => {
    expect(unknownOptionMessage('f()', { timeout: 5 }, known)).toMatch(/^Unknown option `timeout` of f\(\) \(did you mean `timeoutMs`\?\); /);
    expect(unknownOptionMessage('f()', { kilGraceMs: 5 }, known)).toContain('(did you mean `killGraceMs`?)');
    expect(unknownOptionMessage('f()', { tiemoutMs: 5 }, known)).toContain('(did you mean `timeoutMs`?)');
    expect(unknownOptionMessage('f()', { CWD: '/' }, known)).toContain('(did you mean `cwd`?)');
  });

  it('prefers, of keys as near, one the unknown key begins', () => {
    // `relaunch` is 2 edits from both: the plural was meant, not the callback.
    expect(unknownOptionMessage('define()', { relaunch: 2 }, ['onRelaunch', 'relaunches'])).toContain('(did you mean `relaunches`?)');
  });

  it('guesses nothing when no known key is near', () => {
    expect(unknownOptionMessage('f()', { verbose: true }, known)).not.toContain('did you mean');
  });
});
