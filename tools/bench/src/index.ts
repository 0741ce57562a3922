/**
 * @spm/bench
 * @packageDocumentation
 */
export {};
