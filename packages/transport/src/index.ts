/**
 * @spm/transport
 * @packageDocumentation
 */
export {};
