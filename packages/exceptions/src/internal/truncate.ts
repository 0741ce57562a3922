/** Caps `text` at `max` characters, saying how much was cut so a reader knows it was. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** A short, safe description of any thrown value (never throws, bounded output). */
export function describeThrown(value: unknown, max: number): string {
  if (typeof value === 'string') return truncate(value, max);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    const seen = new WeakSet<object>();
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
    return truncate(json ?? String(value), max);
  } catch {
    return '[unserializable object]';
  }
}
