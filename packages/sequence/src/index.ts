/**
 * @spm/sequence
 * @packageDocumentation
 */
export {};
