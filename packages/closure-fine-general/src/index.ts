/**
 * @spm/closure-fine-general
 * @packageDocumentation
 */
export {};
