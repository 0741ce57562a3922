/**
 * @spm/demo — the README's first command until the prime-count app lands: a tour of what is
 * built (the seed's typedef, records, a virtual cloud of real spokes, pools, liveness).
 * @packageDocumentation
 */
export { runDemo, type DemoOptions } from './demo.js';
