/**
 * @spm/spoke
 * @packageDocumentation
 */
export {};
