import { describe, it, expect } from '@jest/globals';
import { SPM_ERROR_CODES } from './codes.js';
import {
  SPMExecutionTimeout,
  SPMGangError,
  SPMHubCallbackError,
  SPMInvariantError,
  SPMManagerBusy,
  SPMManagerError,
  SPMTaskDropped,
  SPMTaskError,
  SPMTaskEval,
  SPMTaskLoad,
  SPMTaskTimeout,
  SPMTransportError,
  SPMTypedefError,
  SPMWaitForSpokesTimeout,
} from './errors.js';
import { SPMError, isSPMError } from './spm-error.js';

// [class, its parent, its stable code]: DESIGN.md's hierarchy, checked class by class.
const hierarchy = [
  [SPMError, Error, 'SPM_ERROR'],
  [SPMInvariantError, SPMError, 'SPM_INVARIANT'],
  [SPMTypedefError, SPMError, 'SPM_TYPEDEF'],
  [SPMTaskError, SPMError, 'SPM_TASK'],
  [SPMTaskDropped, SPMTaskError, 'SPM_TASK_DROPPED'],
  [SPMTaskTimeout, SPMTaskDropped, 'SPM_TASK_TIMEOUT'],
  [SPMTaskLoad, SPMTaskError, 'SPM_TASK_LOAD'],
  [SPMTaskEval, SPMTaskError, 'SPM_TASK_EVAL'],
  [SPMManagerError, SPMError, 'SPM_MANAGER'],
  [SPMHubCallbackError, SPMManagerError, 'SPM_HUB_CALLBACK'],
  [SPMWaitForSpokesTimeout, SPMManagerError, 'SPM_WAIT_FOR_SPOKES_TIMEOUT'],
  [SPMExecutionTimeout, SPMManagerError, 'SPM_EXECUTION_TIMEOUT'],
  [SPMManagerBusy, SPMManagerError, 'SPM_MANAGER_BUSY'],
  [SPMGangError, SPMManagerError, 'SPM_GANG'],
  [SPMTransportError, SPMError, 'SPM_TRANSPORT'],
] as const;

describe('the hierarchy', () => {
  it.each(hierarchy.map(([cls, parent, code]) => [cls.name, cls, parent, code] as const))(
    '%s has its stable code, name and parent',
    (name, cls, parent, code) => {
      const error = new (cls as typeof SPMError)('boom');
      expect(error.code).toBe(code);
      expect((cls as typeof SPMError).code).toBe(code);
      expect(error.name).toBe(name);
      expect(error.message).toBe('boom');
      expect(error).toBeInstanceOf(parent);
      expect(error).toBeInstanceOf(Error);
      expect(isSPMError(error)).toBe(true);
      expect(SPM_ERROR_CODES[name as keyof typeof SPM_ERROR_CODES]).toBe(code);
    },
  );

  it('has one class per code and no code twice', () => {
    const codes = Object.values(SPM_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toHaveLength(hierarchy.length);
  });

  it('does not confuse siblings', () => {
    const eval_ = new SPMTaskEval('x');
    expect(eval_).not.toBeInstanceOf(SPMTaskDropped);
    expect(eval_).not.toBeInstanceOf(SPMManagerError);
    expect(new SPMTaskDropped('x')).not.toBeInstanceOf(SPMTaskTimeout);
    expect(isSPMError(new Error('plain'))).toBe(false);
    expect(isSPMError('SPM_ERROR')).toBe(false);
  });
});

describe('context fields', () => {
  it('keeps the task context on task errors', () => {
    const error = new SPMTaskTimeout('timed out after 10 s', { taskId: 7, attempt: 2, spokeId: 's3', host: 'lusaka' });
    expect(error).toMatchObject({ taskId: 7, attempt: 2, spokeId: 's3', host: 'lusaka' });
    expect(error.fields()).toEqual({ taskId: 7, attempt: 2, spokeId: 's3', host: 'lusaka' });
  });

  it('keeps the cause', () => {
    const original = new TypeError('callback bug');
    const error = new SPMHubCallbackError('onStatus threw', { cause: original });
    expect(error.cause).toBe(original);
  });

  it('keeps where a typedef error is', () => {
    const error = new SPMTypedefError('bad', { path: 'spm.meta.timeout', expected: 'scalar<timeout>', found: '"10" (string)' });
    expect(error.fields()).toEqual({ path: 'spm.meta.timeout', expected: 'scalar<timeout>', found: '"10" (string)' });
    const syntax = new SPMTypedefError('bad', { line: 3, column: 7 });
    expect(syntax.fields()).toEqual({ line: 3, column: 7 });
  });

  it('keeps role and states of an invariant error, the rank of a gang error and the channel of a transport error', () => {
    expect(new SPMInvariantError('x', { role: 'hub', from: 'online', to: 'declare' }).fields()).toEqual({ role: 'hub', from: 'online', to: 'declare' });
    expect(new SPMGangError('x', { rank: 3 }).rank).toBe(3);
    expect(new SPMTransportError('x', { channel: 'tcp://127.0.0.1:1' }).channel).toBe('tcp://127.0.0.1:1');
    expect(new SPMTransportError('x', { channel: 'c', transient: true }).fields()).toEqual({ channel: 'c', transient: true });
    expect(new SPMTransportError('x').transient).toBeUndefined();
  });

  it('never lets options overwrite reserved properties', () => {
    const error = new SPMTypedefError('real message', { path: 'a', ...({ message: 'fake', code: 'X' } as object) });
    expect(error.message).toBe('real message');
    expect(error.code).toBe('SPM_TYPEDEF');
  });
});
