/**
 * @spm/workspace-checks
 * @packageDocumentation
 */
export {};
