/** Reads `record.a.b.c` of plain data, `undefined` where a level is missing. */
export function readPath(record: unknown, ...path: string[]): unknown {
  let value = record;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
