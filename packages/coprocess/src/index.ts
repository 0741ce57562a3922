/**
 * @spm/coprocess — running stand-alone programs from a spoke: hard timeouts that kill the
 * whole process tree (group, descendants, `setsid` escapees), capped output capture, and the
 * seed's `shell.policyA`.
 * @packageDocumentation
 */
export { batchStarts, runCoprocess, withdrawWaiting } from './run-coprocess.js';
export { CoprocessLane } from './coprocess-lane.js';
export { CoprocessOutputHold } from './coprocess-output-hold.js';
export { CoprocessPause } from './coprocess-pause.js';
export { type CoprocessOptions, type InputFileRange, DEFAULT_KILL_GRACE_MS, DEFAULT_MAX_OUTPUT_BYTES, killSequenceGraceMs, type KillStep, MAX_KILL_STEPS } from './coprocess-options.js';
export type { CoprocessResult } from './coprocess-result.js';
export { killAllCoprocesses, liveCoprocessCount, type KillCoprocessesOptions } from './coprocess-registry.js';
export { shell, type ShellPolicyAOptions, type ShellPolicyAResult } from './shell.js';
export { COPROCESS_OWNER_VARIABLE, endUntrackedPrograms, newCoprocessOwnerToken, processesOfOwner, programsUnder, signalPrograms, type ProgramRef } from './coprocess-owner.js';
export { coprocessLauncher, type CoprocessLauncherStatus } from './coprocess-launcher.js';
export { makeDirectories } from './make-directories.js';
export { parentProcessOf, processArgvOf, processInfoOf, type ProcessInfo } from './process-parent.js';
