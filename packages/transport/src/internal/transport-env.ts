import type { ResolvedFrameLimits } from '../frame-limits.js';

/**
 * The environment variable through which `spawnThread`/`spawnProcess` tell the spoke's
 * `connectToParent()` how to reach its hub (and with which frame limits). It carries no
 * secret. `connectToParent()` deletes it, so the spoke's own children do not inherit it.
 */
export const TRANSPORT_ENV = 'SPM_TRANSPORT';

/** What {@link TRANSPORT_ENV} holds, as JSON. */
export interface TransportEnv {
  readonly kind: 'thread' | 'process';
  /** The spoke's end of the socketpair (process only). */
  readonly fd?: number;
  readonly label: string;
  readonly maxFrameBytes: number;
  readonly maxDepth: number;
  readonly batch: boolean;
}

export function encodeTransportEnv(env: TransportEnv): string {
  return JSON.stringify(env);
}

/** Parses the variable; `undefined` when absent or not ours. */
export function decodeTransportEnv(text: string | undefined): TransportEnv | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const env = value as Record<string, unknown>;
    if (env['kind'] !== 'thread' && env['kind'] !== 'process') return undefined;
    if (typeof env['label'] !== 'string' || typeof env['maxFrameBytes'] !== 'number' || typeof env['maxDepth'] !== 'number') return undefined;
    if (env['kind'] === 'process' && typeof env['fd'] !== 'number') return undefined;
    return {
      kind: env['kind'],
      fd: typeof env['fd'] === 'number' ? env['fd'] : undefined,
      label: env['label'],
      maxFrameBytes: env['maxFrameBytes'],
      maxDepth: env['maxDepth'],
      batch: env['batch'] !== false,
    };
  } catch {
    return undefined;
  }
}

export function limitsOf(env: TransportEnv): ResolvedFrameLimits {
  return { maxFrameBytes: env.maxFrameBytes, maxDepth: env.maxDepth };
}
