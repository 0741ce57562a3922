// Whether this thread is a spoke's: the thread of a `thread` spoke, the main or evaluator thread
// of a `process` or TCP spoke — where closure modules are imported and tasks evaluated. Shared by
// every copy of the package in the thread (a bundle's and a user's).
const KEY = Symbol.for('@spm/spoke.thread');

/** Marks this thread as a spoke's (its entry calls it before any user code loads). */
export function markSpokeThread(): void {
  (globalThis as { [KEY]?: boolean })[KEY] = true;
}

/**
 * True in a spoke's thread: where a closure module is imported so that its tasks can be
 * evaluated. Code that belongs to the hub (starting a cloud, managing tasks) must not run
 * there; `VirtualCloud.start` checks it. False in the hub's thread, inproc spokes included.
 */
export function isSpokeThread(): boolean {
  return (globalThis as { [KEY]?: boolean })[KEY] === true;
}
