/**
 * @spm/tracker
 * @packageDocumentation
 */
export {};
