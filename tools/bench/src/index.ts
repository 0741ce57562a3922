/**
 * @spm/bench — benchmarks of spm-ts against the raw floors (and, later, the peers a user
 * would pick instead). Run them through Nx, e.g. `npx nx run @spm/bench:transport`; nothing
 * at runtime depends on this project, so it exports nothing.
 * @packageDocumentation
 */
export {};
