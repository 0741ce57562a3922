import { describe, it, expect } from '@jest/globals';
import { SPMHubCallbackError, SPMTaskEval, SPMTaskTimeout, SPMTypedefError } from './errors.js';
import { SPMError } from './spm-error.js';
import { fromWire, toWire, type WireError } from './wire.js';

/** What crossing a real channel does: the data becomes plain JSON-able values. */
function cross(error: unknown): SPMError {
  return fromWire(JSON.parse(JSON.stringify(toWire(error))) as unknown);
}

describe('our errors across the wire', () => {
  it('keep class, code, message, fields and the remote stack', () => {
    const original = new SPMTaskTimeout('task 7 timed out', { taskId: 7, attempt: 2, spokeId: 's1', host: 'h1' });
    const back = cross(original);
    expect(back).toBeInstanceOf(SPMTaskTimeout);
    expect(back.code).toBe('SPM_TASK_TIMEOUT');
    expect(back.name).toBe('SPMTaskTimeout');
    expect(back.message).toBe('task 7 timed out');
    expect(back.stack).toBe(original.stack);
    expect(back).toMatchObject({ taskId: 7, attempt: 2, spokeId: 's1', host: 'h1' });
  });

  it('keep the cause chain', () => {
    const original = new SPMHubCallbackError('onStatus threw', { cause: new SPMTypedefError('bad field', { path: 'a.b' }) });
    const back = cross(original);
    expect(back).toBeInstanceOf(SPMHubCallbackError);
    expect(back.cause).toBeInstanceOf(SPMTypedefError);
    expect((back.cause as SPMTypedefError).path).toBe('a.b');
  });

  it('keep the remote error a task error stands for', () => {
    const remote = { name: 'RangeError', message: 'bad n', stack: 'RangeError: bad n\n    at ctRange (primes.js:3:9)' };
    const back = cross(new SPMTaskEval('evaluate threw', { remote, taskId: 'a' }));
    expect(back).toBeInstanceOf(SPMTaskEval);
    expect(back.remote).toEqual(remote);
  });
});

describe('foreign thrown values come back as our base class', () => {
  it('a plain Error keeps name, message, stack and code as text', () => {
    const original = Object.assign(new TypeError('x is not a function'), { code: 'ERR_X' });
    const back = cross(original);
    expect(back).toBeInstanceOf(SPMError);
    expect(back.constructor).toBe(SPMError);
    expect(back.code).toBe('SPM_ERROR');
    expect(back.message).toBe('x is not a function');
    expect(back.remote).toEqual({ name: 'TypeError', message: 'x is not a function', stack: original.stack, code: 'ERR_X' });
    expect(back.stack).toBe(original.stack);
  });

  it.each([
    ['a string', 'boom', 'string', 'boom'],
    ['a number', 42, 'number', '42'],
    ['null', null, 'null', 'null'],
    ['undefined', undefined, 'undefined', 'undefined'],
    ['an object', { reason: 'nope', n: 1 }, 'object', '{"reason":"nope","n":1}'],
  ])('%s', (_what, thrown, name, message) => {
    const back = cross(thrown);
    expect(back).toBeInstanceOf(SPMError);
    expect(back.message).toBe(message);
    expect(back.remote?.name).toBe(name);
  });

  it('a circular object or a throwing getter does not break toWire', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = circular;
    expect(cross(circular).message).toContain('[Circular]');
    const hostile = new Error('h');
    Object.defineProperty(hostile, 'code', { get: () => { throw new Error('getter'); } });
    expect(cross(hostile).message).toBe('h');
  });

  it('a cause getter that throws, or a proxy that refuses everything, does not break toWire', () => {
    // An evaluation that threw such an error crashed an inproc hub (its report could not be made).
    const badCause = new Error('outer');
    Object.defineProperty(badCause, 'cause', { get: () => { throw new Error('getter'); } });
    expect(toWire(badCause)).toMatchObject({ message: 'outer' });
    expect(toWire(badCause).cause).toBeUndefined();
    const wall = new Proxy(new Error('proxied'), { getPrototypeOf: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } });
    expect(toWire(wall)).toMatchObject({ name: 'Error', code: null, message: expect.stringMatching(/^an error that could not be read/) });
  });
});

describe('size caps', () => {
  it('cap a huge message and stack and say so', () => {
    const huge = new Error('x'.repeat(1_000_000));
    const wire = toWire(huge);
    expect(wire.message.length).toBeLessThan(9000);
    expect(wire.message).toMatch(/more characters\]$/);
    expect(JSON.stringify(wire).length).toBeLessThan(50_000);
  });

  it('cap a deep cause chain', () => {
    let error: Error = new Error('root');
    for (let i = 0; i < 100; i += 1) error = new SPMError(`level ${i}`, { cause: error });
    let wire: WireError | undefined = toWire(error);
    let depth = 0;
    while (wire) {
      depth += 1;
      wire = wire.cause;
    }
    expect(depth).toBe(5);
  });
});

describe('fromWire treats its input as untrusted', () => {
  it.each([['null', null], ['a string', 'x'], ['an array', [1]], ['no message', { code: 'SPM_TASK' }]])('%s gives a malformed-wire SPMError', (_w, data) => {
    const back = fromWire(data);
    expect(back).toBeInstanceOf(SPMError);
    expect(back.message).toMatch(/^Malformed wire error/);
  });

  it('an unknown code comes back as SPMError keeping the remote name', () => {
    const back = fromWire({ v: 1, name: 'SPMFutureError', code: 'SPM_FUTURE', message: 'from a newer version' });
    expect(back.constructor).toBe(SPMError);
    expect(back.remote?.name).toBe('SPMFutureError');
  });

  it('ignores __proto__ and reserved keys in fields', () => {
    const data = JSON.parse('{"v":1,"name":"SPMTaskEval","code":"SPM_TASK_EVAL","message":"m","fields":{"__proto__":{"polluted":true},"code":"HACK","taskId":3}}') as unknown;
    const back = fromWire(data);
    expect(back.code).toBe('SPM_TASK_EVAL');
    expect((back as SPMTaskEval).taskId).toBe(3);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((back as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
