import { describe, it, expect } from '@jest/globals';
import * as built from '@spm/sequence';
import * as source from '../src/index.js';

// The built package (dist, as another package's spoke would load it) and the source (compiled
// by Jest) are two copies of the module graph in one realm: they must share one registry and
// one notion of the current sequence.
describe('two copies of the package', () => {
  it('are really two copies', () => {
    expect(built.SequenceMachine).not.toBe(source.SequenceMachine);
  });

  it('share the closure registry', () => {
    const ref = source.declareClosure('/virtual/two-copies/m.js', 'shared', 'closure');
    expect(built.findClosure(ref.module, ref.signature)).toBe('closure');
    expect(() => built.declareClosure('/virtual/two-copies/m.js', 'shared', 'again')).toThrow(/declared twice/);
  });

  it('share the current sequence, so one copy’s guards see the other’s scope', () => {
    const spoke = new source.SequenceMachine('spoke');
    spoke.apply({ type: 'evaluate', id: 'task-1#1' });
    expect(source.runInSequence(spoke, () => [built.amSpoke(), built.amOnline(), built.currentSequence() === spoke])).toEqual([true, true, true]);
    expect(built.amHub()).toBe(true);
    expect(built.currentSequence()).toBe(source.currentSequence());
  });
});
