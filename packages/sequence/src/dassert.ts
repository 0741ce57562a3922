import { describeValue, SPMError, SPMInvariantError } from '@spm/exceptions';
import { functionName } from './internal/function-name.js';
import { currentSequence } from './sequence-context.js';

/** A check of the current sequence, e.g. {@link amOffline}; must return exactly `true` to pass. */
export type SequencePredicate = () => boolean;

/**
 * What `dassert(predicate)` returns: a standard (TS 5) method decorator that is also a plain
 * function wrapper, so both `@dassert(amHub) main() {}` and `dassert(amHub)(main)` work.
 */
export type DassertDecorator = <This, A extends unknown[], R>(
  method: (this: This, ...args: A) => R,
  context?: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
) => (this: This, ...args: A) => R;

/**
 * The seed's `@spm.util.dassert(predicateCb = …)`: wraps `fn` so that every call first checks
 * `predicate` against the current sequence and throws `SPMInvariantError` (fields `role`,
 * `from` = the current state, `to` = `call <name>`) naming the predicate, the function, the
 * role and the state when it does not return `true`. The check happens at call time, not when
 * wrapping. `this` and the arguments pass through unchanged; so does a returned promise.
 *
 * @example
 * const main = dassert(amOffline, dassert(amHub, function main() {  }));
 * class Demo { @dassert(amOnline) @dassert(amHub) onStatus() {  } }
 */
export function dassert<This, A extends unknown[], R>(predicate: SequencePredicate, fn: (this: This, ...args: A) => R): (this: This, ...args: A) => R;
export function dassert(predicate: SequencePredicate): DassertDecorator;
export function dassert<This, A extends unknown[], R>(
  predicate: SequencePredicate,
  fn?: (this: This, ...args: A) => R,
): ((this: This, ...args: A) => R) | DassertDecorator {
  if (typeof predicate !== 'function') {
    throw new SPMError(`Expected \`predicate\` to be a function such as \`amOffline\`, got ${describeValue(predicate)}`);
  }
  if (fn !== undefined) return guard(predicate, fn, typeof fn === 'function' ? fn.name : '');
  return <T, B extends unknown[], S>(
    method: (this: T, ...args: B) => S,
    context?: ClassMethodDecoratorContext<T, (this: T, ...args: B) => S>,
  ): ((this: T, ...args: B) => S) => {
    const name = context === undefined ? method.name : typeof context.name === 'symbol' ? context.name.toString() : context.name;
    return guard(predicate, method, name);
  };
}

function guard<This, A extends unknown[], R>(predicate: SequencePredicate, fn: (this: This, ...args: A) => R, name: string): (this: This, ...args: A) => R {
  if (typeof fn !== 'function') {
    throw new SPMError(`Expected the function to guard with \`${functionName(predicate)}\` to be a function, got ${describeValue(fn)}`);
  }
  const label = name === '' ? '(anonymous)' : name;
  const guarded = function (this: This, ...args: A): R {
    if (predicate() !== true) {
      const sequence = currentSequence();
      const since = sequence.since === undefined ? '' : ` since \`${sequence.since.type}\` (id \`${sequence.since.id}\`)`;
      throw new SPMInvariantError(
        `\`${label}\` requires \`${functionName(predicate)}()\`, but the current sequence is ${sequence.role} \`${sequence.name}\`, ${sequence.state}${since}`,
        { role: sequence.role, from: sequence.state, to: `call ${label}` },
      );
    }
    return fn.apply(this, args);
  };
  // Stack traces and a second dassert keep the original name.
  Object.defineProperty(guarded, 'name', { value: name, configurable: true });
  return guarded;
}
