import { SPMTransportError } from '@spm/exceptions';

/** The default largest frame payload: 4 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** The default deepest nesting of arrays and maps in a message (the message itself is depth 1). */
export const DEFAULT_MAX_DEPTH = 64;

/** What a channel's codec accepts. Both sides of a channel should use the same limits. */
export interface FrameLimits {
  /**
   * Largest frame payload, in bytes, accepted from the wire or sent. A larger frame (or a
   * length prefix announcing one) closes the channel with `SPMTransportError`.
   * @default 4194304 (4 MiB)
   */
  readonly maxFrameBytes?: number;
  /**
   * Deepest nesting of arrays and maps in a message; deeper closes the channel.
   * @default 64
   */
  readonly maxDepth?: number;
}

/** {@link FrameLimits} with defaults applied. */
export type ResolvedFrameLimits = Required<FrameLimits>;

function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

/** Applies defaults to `limits` and validates them. Throws `SPMTransportError` on a bad limit. */
export function resolveFrameLimits(limits: FrameLimits = {}): ResolvedFrameLimits {
  const maxFrameBytes = limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  // The length prefix is a u32; 64 bytes is room for the smallest useful message.
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 64 || maxFrameBytes > 0xffffffff) {
    throw new SPMTransportError(`Expected \`maxFrameBytes\` to be an integer between 64 and 4294967295, got ${describe(limits.maxFrameBytes)}`);
  }
  if (!Number.isInteger(maxDepth) || maxDepth < 2 || maxDepth > 1000) {
    throw new SPMTransportError(`Expected \`maxDepth\` to be an integer between 2 and 1000, got ${describe(limits.maxDepth)}`);
  }
  return { maxFrameBytes, maxDepth };
}
