import { describe, it, expect } from '@jest/globals';
import { SPMError, SPMInvariantError, SPMTaskLoad } from '@spm/exceptions';
import { declareClosure, findClosure, requireClosure } from './closure-registry.js';
import { runInSequence } from './sequence-context.js';
import { SequenceMachine } from './sequence-machine.js';

// The registry is per realm and lives for the whole spec file: each test uses its own module.
let counter = 0;
const freshModule = (): string => `/virtual/registry-spec/m${++counter}.js`;

function online(role: 'hub' | 'spoke'): SequenceMachine {
  const machine = new SequenceMachine(role);
  machine.apply(role === 'hub' ? { type: 'manage', id: 'mgr-1' } : { type: 'evaluate', id: 'task-1#1' });
  return machine;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('declaring a closure while offline', () => {
  it('is found again by module and signature, by path or by URL', () => {
    const module = freshModule();
    const closure = { kind: 'list', evaluate: (n: number) => n + 1 };
    const ref = declareClosure(module, 'prime-count:main', closure);
    expect(ref).toEqual({ module: `file://${module}`, signature: 'prime-count:main' });
    expect(findClosure<typeof closure>(module, 'prime-count:main')).toBe(closure);
    expect(findClosure(`file://${module}`, 'prime-count:main')).toBe(closure);
    expect(requireClosure<typeof closure>(`file://${module}?v=1`, 'prime-count:main').evaluate(1)).toBe(2);
  });

  it('keeps signatures apart per module', () => {
    const a = freshModule();
    const b = freshModule();
    declareClosure(a, 'same', 'closure-a');
    declareClosure(b, 'same', 'closure-b');
    expect(findClosure(a, 'same')).toBe('closure-a');
    expect(findClosure(b, 'same')).toBe('closure-b');
  });

  it('is legal on an offline spoke (module preload)', () => {
    const module = freshModule();
    runInSequence(new SequenceMachine('spoke'), () => declareClosure(module, 'on-spoke', 7));
    expect(findClosure(module, 'on-spoke')).toBe(7);
  });
});

describe('refusals', () => {
  it('refuses a duplicate signature in one module, naming both declaration sites', () => {
    const module = freshModule();
    declareClosure(module, 'dup', 'first');
    const error = thrownBy(() => declareClosure(module, 'dup', 'second'));
    expect(error).toBeInstanceOf(SPMInvariantError);
    expect(error).toMatchObject({ code: 'SPM_INVARIANT', role: 'hub', from: 'offline', to: 'declare closure dup' });
    const message = (error as Error).message;
    expect(message).toMatch(/^Closure signature `dup` is declared twice in module `file:\/\/\/virtual\/registry-spec\/m\d+\.js`: first at /);
    // Both sites point into this spec, at two different lines.
    const sites = /first at [^←]*closure-registry\.spec\.ts:(\d+):\d+.*, again at [^←]*closure-registry\.spec\.ts:(\d+):\d+/.exec(message);
    expect(sites).not.toBeNull();
    expect(sites?.[1]).not.toBe(sites?.[2]);
    // The first declaration stands.
    expect(findClosure(module, 'dup')).toBe('first');
  });

  it.each(['hub', 'spoke'] as const)('refuses a declaration while the %s is online', (role) => {
    const module = freshModule();
    const error = thrownBy(() => runInSequence(online(role), () => declareClosure(module, 'late', 1)));
    expect(error).toBeInstanceOf(SPMInvariantError);
    expect(error).toMatchObject({ role, from: 'online', to: 'declare closure late' });
    expect((error as Error).message).toContain(`Expected the ${role} to be offline to declare closure \`late\` of module \`file://${module}\`, but it is online (since`);
    expect(findClosure(module, 'late')).toBeUndefined();
  });

  it('refuses a malformed signature or module', () => {
    expect(() => declareClosure(freshModule(), '  ', 1)).toThrow(SPMError);
    expect(() => declareClosure(freshModule(), '  ', 1)).toThrow('Expected `signature` to be a non-empty string unique within its module, got `"  "` (string)');
    expect(() => declareClosure('relative/m.js', 'x', 1)).toThrow('Expected `module` to be a module URL');
  });
});

describe('looking a closure up', () => {
  it('finds nothing for an unknown signature', () => {
    expect(findClosure(freshModule(), 'nope')).toBeUndefined();
  });

  it('requireClosure lists what the module did declare', () => {
    const module = freshModule();
    declareClosure(module, 'b:second', 2);
    declareClosure(module, 'a:first', 1);
    const error = thrownBy(() => requireClosure(module, 'c:third'));
    expect(error).toBeInstanceOf(SPMTaskLoad);
    expect((error as Error).message).toBe(`No closure \`c:third\` is declared in module \`file://${module}\`: it declares \`a:first\`, \`b:second\``);
  });

  it('requireClosure says when the module declared nothing here', () => {
    const module = freshModule();
    expect(() => requireClosure(module, 'x')).toThrow(`No closure \`x\` is declared in module \`file://${module}\`: it declared none here (was it imported in this thread?)`);
  });
});
