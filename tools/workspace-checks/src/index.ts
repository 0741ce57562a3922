/**
 * @spm/workspace-checks — tests of the workspace itself (module boundaries, project tags).
 * It exports nothing: its specs are the product.
 * @packageDocumentation
 */
export {};
