import type { TypeNode } from '../schema.js';

/**
 * A type as one line of typedef text, for `expected` in errors and for `print` (which lays
 * out structs itself): `scalar<int>`, `tuple<string>`, `dict<string,mixed>`, `struct`.
 * Inside `tuple`, `list` and `dict`, scalars print as their bare kind, as the seed writes them.
 */
export function typeText(type: TypeNode): string {
  return type.kind === 'scalar' ? `scalar<${type.scalar}>` : elementText(type);
}

function elementText(type: TypeNode): string {
  switch (type.kind) {
    case 'scalar':
      return type.scalar;
    case 'tuple':
    case 'list':
      return `${type.kind}<${elementText(type.element)}>`;
    case 'dict':
      return `dict<${elementText(type.key)},${elementText(type.value)}>`;
    case 'struct':
      return 'struct';
  }
}
