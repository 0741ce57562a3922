/**
 * A value shared by every copy of this package loaded in one JavaScript realm (a hub bundle
 * and a spoke's node_modules, say). Module-level state would be split in two; a `Symbol.for`
 * key on `globalThis` is not. The first copy to ask creates the value.
 */
export function globalSlot<T>(key: string, create: () => T): T {
  const symbol = Symbol.for(key);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  const existing = holder[symbol];
  if (existing !== undefined) return existing;
  const created = create();
  Object.defineProperty(holder, symbol, { value: created, enumerable: false, writable: false, configurable: false });
  return created;
}
