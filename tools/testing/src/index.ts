/**
 * @spm/testing — helpers for the workspace's integration tests: leftover-process checks
 * through /proc and bounded polling. Test-only; never imported by runtime code.
 * @packageDocumentation
 */
export { liveDescendants, isAlive, waitFor } from './proc.js';
