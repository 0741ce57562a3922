import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { gang, GangClosure } from './gang.js';

describe('gang.define', () => {
  it('declares a gang on a core closure of family `gang`, with its typedef and handler', () => {
    const onMessage = (): string => 'answer';
    const g = gang.define({ signature: 'unit:gang', module: import.meta.url, typedef: 'task<gang> :: struct { n :: scalar<int> = 1; };', evaluate: (_, ctx) => ctx.rank, onMessage });
    expect(g).toBeInstanceOf(GangClosure);
    expect(g.signature).toBe('unit:gang');
    expect(g.core.family).toBe('gang');
    expect(g.core.ref).toEqual({ module: expect.stringContaining('gang.spec'), signature: 'unit:gang' });
    expect(g.onMessage).toBe(onMessage);
    expect(g.schema).toBeDefined();
  });

  it('refuses a definition without evaluate, or with a handler that is not a function', () => {
    expect(() => gang.define({ signature: 'unit:no-eval', module: import.meta.url } as never)).toThrow(new SPMError('Expected `evaluate` of gang `unit:no-eval` to be a function, got nothing (undefined)'));
    expect(() => gang.define({ signature: 'unit:bad-handler', module: import.meta.url, evaluate: () => 1, onMessage: 'x' as never })).toThrow(
      'Expected `onMessage` of gang `unit:bad-handler` to be a function, got `"x"` (string)',
    );
    expect(() => gang.define(7 as never)).toThrow('Expected a gang definition (an object), got `7` (number)');
    // A misspelt key was ignored, and what it asked for silently not done.
    expect(() => gang.define({ signature: 'unit:misspelt', module: import.meta.url, evaluate: () => 1, onMesage: () => 1 } as never)).toThrow(
      /^Unknown option `onMesage` of gang.define\(\) \(did you mean `onMessage`\?\)/,
    );
    // Not a schema: an SPMTypedefError naming it, not a TypeError from inside the typedef package.
    expect(() => gang.define({ signature: 'unit:not-schema', module: import.meta.url, evaluate: () => 1, typedef: {} as never })).toThrow(SPMError);
    // It used to name an internal function (withSpmComponent()) and not the option.
    expect(() => gang.define({ signature: 'unit:typedef-42', module: import.meta.url, evaluate: () => 1, typedef: 42 as never })).toThrow(
      new SPMError('Expected `typedef` of gang `unit:typedef-42` to be typedef text or a schema from @spm/typedef (parse(), t.task()), got `42` (number)'),
    );
  });

  it('rejects manage() options that are not an object', async () => {
    const g = gang.define({ signature: 'unit:manage', module: import.meta.url, evaluate: () => 1 });
    await expect(g.manage(null as never)).rejects.toThrow('Expected gang manage() options (an object), got `null`');
  });

  it('names the option that sets the size when there are no ranks', async () => {
    const g = gang.define({ signature: 'unit:size', module: import.meta.url, evaluate: () => 1 });
    // `tasks: []` was refused as "Expected `size` to be an integer ≥ 1, got `0`", though no size was given.
    await expect(g.manage({ pool: undefined as never, tasks: [] })).rejects.toThrow(new SPMError('Expected `tasks` to hold one task per rank, at least one, got an empty array'));
    await expect(g.manage({ pool: undefined as never, task: {} })).rejects.toThrow(new SPMError('Expected `size` (how many ranks) or `tasks` (one per rank), got neither'));
    await expect(g.manage({ pool: undefined as never, size: 0, task: {} })).rejects.toThrow(new SPMError('Expected `size` to be an integer ≥ 1, got `0` (number)'));
  });
});
