import { SPMError, unknownOptionMessage } from '@spm/exceptions';

/**
 * Throws `SPMError` when `options` has an own key that is not one of `known`, naming it (and the
 * known key it most likely meant): a misspelt option (`timeoutExecuton`) would otherwise be
 * ignored, and what it asked for silently not done. `what` names the options in the message
 * (`manage()`, `a policy`). Keys whose value is `undefined` are let pass (a spread of optional fields).
 */
export function checkOptionKeys(what: string, options: object, known: readonly string[]): void {
  const message = unknownOptionMessage(what, options, known);
  if (message !== undefined) throw new SPMError(message);
}
