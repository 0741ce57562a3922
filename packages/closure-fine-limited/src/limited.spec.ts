import { describe, it, expect } from '@jest/globals';
import { Closure } from '@spm/closure-core';
import { SPMError, SPMInvariantError } from '@spm/exceptions';
import { limited, LimitedClosure, type MessageHandler } from './limited.js';

describe('limited.define', () => {
  it('declares a core closure of family `fine-limited` that keeps its handler', () => {
    const onMessage: MessageHandler = () => 'answer';
    const closure = limited.define({ signature: 'unit:with-handler', module: import.meta.url, evaluate: () => 1, onMessage });
    expect(closure).toBeInstanceOf(LimitedClosure);
    expect(closure).toBeInstanceOf(Closure);
    expect(closure.family).toBe('fine-limited');
    expect(closure.onMessage).toBe(onMessage);
    expect(closure.ref).toEqual({ module: expect.stringContaining('limited.spec'), signature: 'unit:with-handler' });
  });

  it('refuses a handler that is not a function, and a definition that is not an object', () => {
    expect(() => limited.define({ signature: 'unit:bad-handler', module: import.meta.url, evaluate: () => 1, onMessage: 42 as never })).toThrow(
      new SPMError('Expected `onMessage` of closure `unit:bad-handler` to be a function, got `42` (number)'),
    );
    expect(() => limited.define(null as never)).toThrow('Expected a fine-limited closure definition (an object), got `null`');
    expect(() => limited.define({ signature: 'unit:misspelt', module: import.meta.url, evaluate: () => 1, onmessage: () => 1 } as never)).toThrow(
      /^Unknown option `onmessage` of limited.define\(\) \(did you mean `onMessage`\?\)/,
    );
  });

  it('refuses a signature declared twice in one module (the core’s registry)', () => {
    limited.define({ signature: 'unit:twice', module: import.meta.url, evaluate: () => 1 });
    expect(() => limited.define({ signature: 'unit:twice', module: import.meta.url, evaluate: () => 1 })).toThrow(SPMInvariantError);
  });

  it('rejects manage() options that are not an object before anything runs', async () => {
    const closure = limited.define({ signature: 'unit:manage', module: import.meta.url, evaluate: () => 1 });
    await expect(closure.manage(undefined as never)).rejects.toThrow('Expected manage() options (an object), got nothing (undefined)');
  });
});
