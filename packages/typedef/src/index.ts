/**
 * @spm/typedef
 * @packageDocumentation
 */
export {};
