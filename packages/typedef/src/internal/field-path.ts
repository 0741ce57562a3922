import { IDENTIFIER } from './scalar-kinds.js';

/**
 * The path of a value inside a record, as errors print it: `spm.meta.timeout`,
 * `spm.meta.path[2]`, `spm.meta.apiArgs["two words"]`.
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** How a path reads in a message; the record itself is `the record`. */
export function pathText(path: string): string {
  return path === '' ? 'the record' : `\`${path}\``;
}
