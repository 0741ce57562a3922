import { messageOfThrown } from '@spm/exceptions';

/** As deep as a value is searched for the read that threw (the wire's own limit is 64). */
const MAX_DEPTH = 64;

/**
 * Why a task's return value could not be sent to the hub, said of the value — `` `value.x` is a
 * function, which is not data`` — from the error its `status` message was refused with. The
 * transport names the path in the message (`` `message.value.x` ``), words a frame that is too
 * large without the option that sets the limit, and passes on a getter's throw with no path at
 * all: each is said here as the user wrote it.
 */
export function whyUnsendable(error: unknown, value: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (cause?.name === 'NotDataError') return cause.message.replace(/`message\.value(?=[`.[])/g, '`value');
  const size = /^expected its frame to be at most (\d+) bytes, got (\d+)$/.exec(cause?.message ?? '');
  if (size !== null) {
    return `\`value\` is too large: its report is a frame of ${size[2]} bytes, over the ${size[1]} a channel to the hub takes (the channel's \`maxFrameBytes\`: a local spoke's is set with \`local({ maxFrameBytes })\`, a TCP spoke's is the transport's default)`;
  }
  const read = throwingRead(value);
  if (read !== undefined) return `\`${read.path}\` threw when read: ${messageOfThrown(read.error)}`;
  return messageOfThrown(cause ?? error);
}

/** The first field of `value` whose read throws (a getter, a Proxy trap), in the order the wire reads them. */
function throwingRead(value: unknown): { path: string; error: unknown } | undefined {
  const seen = new Set<object>();
  const visit = (item: unknown, path: string, depth: number): { path: string; error: unknown } | undefined => {
    if (typeof item !== 'object' || item === null || seen.has(item) || depth > MAX_DEPTH) return undefined;
    seen.add(item);
    const keys: (string | number)[] = [];
    try {
      if (Array.isArray(item)) for (let i = 0; i < item.length; i++) keys.push(i);
      else for (const key in item) keys.push(key);
    } catch (error) {
      return { path, error };
    }
    for (const key of keys) {
      const at = typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
      let child: unknown;
      try {
        child = (item as Record<string | number, unknown>)[key];
      } catch (error) {
        return { path: at, error };
      }
      const found = visit(child, at, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(value, 'value', 0);
}
