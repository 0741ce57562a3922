import type { FrameLimits } from './frame-limits.js';

/** Options every channel accepts. Both ends of a channel should use the same frame limits. */
export interface ChannelOptions extends FrameLimits {
  /** The channel's label, used in errors and logs. @default a name for the transport and peer */
  readonly label?: string;
}
