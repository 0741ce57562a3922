/**
 * @spm/coprocess
 * @packageDocumentation
 */
export {};
