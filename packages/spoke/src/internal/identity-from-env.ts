/** A spoke's identity as a provisioner passes it to a process: environment variables. */
export interface SpokeIdentityInit {
  readonly spokeId?: string;
  readonly host?: string;
  readonly tags?: readonly string[];
  /** A thread spoke's stop flag (see `SpokeAgentOptions.halt`), in its `workerData`. */
  readonly halt?: SharedArrayBuffer;
}

/**
 * Reads `SPM_SPOKE_ID`, `SPM_SPOKE_HOST` and `SPM_SPOKE_TAGS` (comma-separated), once: they are
 * removed from `env`, so that the tasks and the programs they start do not inherit them.
 */
export function identityFromEnv(env: NodeJS.ProcessEnv = process.env): SpokeIdentityInit {
  const tags = (env['SPM_SPOKE_TAGS'] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const identity = {
    ...(env['SPM_SPOKE_ID'] ? { spokeId: env['SPM_SPOKE_ID'] } : {}),
    ...(env['SPM_SPOKE_HOST'] ? { host: env['SPM_SPOKE_HOST'] } : {}),
    tags,
  };
  for (const name of ['SPM_SPOKE_ID', 'SPM_SPOKE_HOST', 'SPM_SPOKE_TAGS']) delete env[name];
  return identity;
}
