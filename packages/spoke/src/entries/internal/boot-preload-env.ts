/** The environment variable a provisioner sets to the JSON array of modules a spoke preloads at boot. */
export const BOOT_PRELOAD_ENV = 'SPM_SPOKE_PRELOAD';
