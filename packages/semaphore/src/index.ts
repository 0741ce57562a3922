/**
 * @spm/semaphore — a counting semaphore shared by a user's processes on one machine, by name
 * (GNU parallel's `sem`): kept as files, so nothing needs to run for it; a place whose owner died
 * is free again. See named-semaphore.ts.
 */
export { NamedSemaphore, SemaphoreHold, SEMAPHORE_DIR_VARIABLE, semaphoreDir, isAlive, ownerOf, startTimeOf, type AcquireOptions, type Owner } from './named-semaphore.js';
