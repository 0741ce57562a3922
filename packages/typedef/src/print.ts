import { SPMTypedefError } from '@spm/exceptions';
import { assertSchema } from './internal/assert-schema.js';
import { parseTypedef } from './internal/parser.js';
import { FORBIDDEN_FIELD_NAMES, IDENTIFIER } from './internal/scalar-kinds.js';
import type { Field, FieldDefault, StructType, TaskSchema, TypeNode } from './schema.js';

const INDENT = '  ';

function checkName(name: string, what: string): void {
  if (!IDENTIFIER.test(name) || FORBIDDEN_FIELD_NAMES.has(name)) {
    throw new SPMTypedefError(`Expected ${what} to be an identifier other than __proto__ and constructor, got ${JSON.stringify(name)}`, {
      expected: 'an identifier',
      found: JSON.stringify(name),
    });
  }
}

function printNumber(value: number): string {
  // String() gives the shortest text that reads back to the same double; -0 needs its sign.
  return Object.is(value, -0) ? '-0' : String(value);
}

function printDefault(fieldDefault: FieldDefault): string {
  switch (fieldDefault.kind) {
    case 'deferred':
      return 'deferred';
    case 'none':
      return 'None';
    case 'value': {
      const { value } = fieldDefault;
      if (typeof value === 'number') return printNumber(value);
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      return JSON.stringify(value);
    }
  }
}

function printStruct(struct: StructType, depth: number): string {
  if (struct.fields.length === 0) return 'struct {}';
  const lines = struct.fields.map((field) => printField(field, depth + 1));
  return `struct {\n${lines.join('')}${INDENT.repeat(depth)}}`;
}

function printField(field: Field, depth: number): string {
  checkName(field.name, 'a field name');
  const fieldDefault = field.default === undefined ? '' : ` = ${printDefault(field.default)}`;
  return `${INDENT.repeat(depth)}${field.name} :: ${printType(field.type, depth, true)}${fieldDefault};\n`;
}

/** Scalars print as `scalar<kind>` for a field, as the bare kind inside `tuple`/`list`/`dict`. */
function printType(type: TypeNode, depth: number, asField: boolean): string {
  switch (type.kind) {
    case 'scalar':
      return asField ? `scalar<${type.scalar}>` : type.scalar;
    case 'tuple':
    case 'list':
      return `${type.kind}<${printType(type.element, depth, false)}>`;
    case 'dict':
      return `dict<${printType(type.key, depth, false)},${printType(type.value, depth, false)}>`;
    case 'struct':
      return printStruct(type, depth);
  }
}

/**
 * The canonical typedef text of a schema: two-space indent, one field per line,
 * `scalar<kind>` for fields and bare kinds inside `tuple`/`list`/`dict` (as the seed writes
 * `tuple<string>`), `None`, `True`/`False`, JSON string and shortest number literals.
 * `parse(print(schema))` is deep-equal to `schema`; comments and spacing of the original
 * text are not kept.
 *
 * @throws SPMTypedefError when a name in a hand-made schema is not an identifier, or the schema
 *   holds what typedef text cannot say (its text would not parse back).
 */
export function print(schema: TaskSchema): string {
  assertSchema(schema, 'print()');
  checkName(schema.container, 'the container word');
  const text = `task<${schema.container}> :: ${printStruct(schema.root, 0)};\n`;
  // A hand-made schema may hold what no typedef text says (an unknown kind, a NaN default, a
  // field twice, a list with a literal): its text would not parse back. Said here, not later.
  try {
    parseTypedef(text);
  } catch (error) {
    const why = error instanceof SPMTypedefError ? error.message : String(error);
    throw new SPMTypedefError(`Expected print() to get a schema typedef text can say, got one whose text does not parse back: ${why}`, {
      expected: 'a schema typedef text can say',
      found: 'text that does not parse',
    });
  }
  return text;
}
