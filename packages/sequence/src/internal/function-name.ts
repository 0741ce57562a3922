/** Names a function for a message, falling back to a placeholder for anonymous ones. */
export function functionName(fn: { readonly name: string }): string {
  return fn.name === '' ? '(anonymous)' : fn.name;
}
