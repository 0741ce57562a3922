/** The environment variable a provisioner sets to the JSON array of modules a spoke preloads at boot. */
export const BOOT_PRELOAD_ENV = 'SPM_SPOKE_PRELOAD';

/** The variables that give a spoke its boot preload list: none when no module is named. */
export function bootPreloadEnv(preload: readonly string[]): Record<string, string> {
  return preload.length === 0 ? {} : { [BOOT_PRELOAD_ENV]: JSON.stringify(preload) };
}
