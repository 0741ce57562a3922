/** A task id as messages print it: `a`, `3`, or `"two words"` when it would be ambiguous. */
export function formatId(id: string | number): string {
  return typeof id === 'string' &&
    /^[A-Za-z0-9_.:/-]+$/.test(id) &&
    !/^-?\d/.test(id)
    ? id
    : JSON.stringify(id);
}
