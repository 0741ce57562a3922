import type { Field, FieldDefault, ScalarType, StructType, TaskSchema, TypeNode } from '../schema.js';
import { scalarAccepts, SCALAR_EXPECTED } from './check-value.js';
import { deepFreeze } from './deep-freeze.js';
import { tokenize, type Token } from './lexer.js';
import { MAX_TYPE_DEPTH } from './limits.js';
import { DICT_KEY_KINDS, FORBIDDEN_FIELD_NAMES, FORBIDDEN_KEYS, isScalarKind, SCALAR_KINDS } from './scalar-kinds.js';
import { syntaxError } from './syntax-error.js';
import { typeText } from './type-text.js';

const TYPE_WORDS = 'struct { … }, scalar<…>, tuple<…>, list<…>, dict<…,…> or a scalar kind';
const DEFAULT_WORDS = 'deferred, None, a number, a string, True or False';

function describeToken(token: Token): string {
  return token.type === 'end' ? 'the end of the text' : `\`${token.text.length > 40 ? `${token.text.slice(0, 39)}…` : token.text}\``;
}

/**
 * A recursive-descent parser over the token list: one token of lookahead, every step
 * consumes a token or fails, and nesting is capped, so it ends on any input without
 * exhausting the stack.
 */
class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  private get current(): Token {
    // tokenize always ends with an `end` token, and the parser never moves past it.
    return this.tokens[this.index] as Token;
  }

  private fail(token: Token, message: string, expected: string): never {
    throw syntaxError(this.source, token.offset, `${message}, found ${describeToken(token)}`, expected, describeToken(token));
  }

  private next(): Token {
    const token = this.current;
    if (token.type !== 'end') this.index += 1;
    return token;
  }

  private isPunct(text: string): boolean {
    return this.current.type === 'punct' && this.current.text === text;
  }

  private expectPunct(text: string, context: string): Token {
    if (!this.isPunct(text)) this.fail(this.current, `Expected \`${text}\` ${context}`, `\`${text}\``);
    return this.next();
  }

  private expectIdent(what: string, context: string): Token & { type: 'ident' } {
    const token = this.current;
    if (token.type !== 'ident') this.fail(token, `Expected ${what} ${context}`, what);
    this.next();
    return token;
  }

  parseTypedef(): TaskSchema<never> {
    const task = this.current;
    if (task.type !== 'ident' || task.text !== 'task') this.fail(task, 'Expected the typedef to start with `task<…> ::`', '`task`');
    this.next();
    this.expectPunct('<', 'after `task`');
    const container = this.expectIdent('a container word (list, dag, …)', 'in `task<…>`').text;
    this.expectPunct('>', `after \`task<${container}\``);
    this.expectPunct('::', `after \`task<${container}>\``);
    const structToken = this.current;
    if (structToken.type !== 'ident' || structToken.text !== 'struct') this.fail(structToken, `Expected \`struct\` after \`task<${container}> ::\``, '`struct`');
    this.next();
    const root = this.parseStructBody(1);
    this.expectPunct(';', 'after the task struct');
    if (this.current.type !== 'end') this.fail(this.current, 'Expected the end of the text after `task<…> :: struct { … };`', 'the end of the text');
    return deepFreeze({ kind: 'task', container, root });
  }

  /** After `struct`: `{ field* }`. */
  private parseStructBody(depth: number): StructType {
    this.expectPunct('{', 'after `struct`');
    const fields: Field[] = [];
    const names = new Set<string>();
    while (!this.isPunct('}')) {
      if (this.current.type === 'end') this.fail(this.current, 'Expected a field or `}` to close the struct', 'a field or `}`');
      const nameToken = this.expectIdent('a field name', 'in the struct');
      const name = nameToken.text;
      if (names.has(name)) {
        throw syntaxError(this.source, nameToken.offset, `Expected each field once, found \`${name}\` twice in the same struct`, 'a new field name', `\`${name}\``);
      }
      if (FORBIDDEN_FIELD_NAMES.has(name)) {
        throw syntaxError(this.source, nameToken.offset, `Expected a field name other than \`${name}\`: ${FORBIDDEN_KEYS.get(name) ?? ''}`, 'another field name', `\`${name}\``);
      }
      names.add(name);
      this.expectPunct('::', `after the field name \`${name}\``);
      const type = this.parseType(depth);
      let fieldDefault: FieldDefault | undefined;
      if (this.isPunct('=')) {
        const equals = this.next();
        if (type.kind === 'struct') {
          throw syntaxError(this.source, equals.offset, `Expected \`;\` after the struct field \`${name}\` (a struct takes no default; its fields do)`, '`;`', '`=`');
        }
        fieldDefault = this.parseDefault(type, name);
      }
      this.expectPunct(';', `after the field \`${name}\``);
      fields.push(fieldDefault === undefined ? { name, type } : { name, type, default: fieldDefault });
    }
    this.next();
    return { kind: 'struct', fields };
  }

  private parseType(depth: number): TypeNode {
    const token = this.current;
    if (depth > MAX_TYPE_DEPTH) {
      throw syntaxError(this.source, token.offset, `Expected types nested at most ${MAX_TYPE_DEPTH} levels deep`, `at most ${MAX_TYPE_DEPTH} levels`, 'a deeper type');
    }
    if (token.type !== 'ident') this.fail(token, `Expected a type (${TYPE_WORDS})`, 'a type');
    this.next();
    switch (token.text) {
      case 'struct':
        return this.parseStructBody(depth + 1);
      case 'scalar':
        return this.parseScalarArgument();
      case 'tuple':
      case 'list': {
        this.expectPunct('<', `after \`${token.text}\``);
        const element = this.parseType(depth + 1);
        this.expectPunct('>', `to close \`${token.text}<…\``);
        return { kind: token.text, element };
      }
      case 'dict': {
        this.expectPunct('<', 'after `dict`');
        const keyToken = this.current;
        const key = this.parseType(depth + 1);
        if (key.kind !== 'scalar' || !DICT_KEY_KINDS.includes(key.scalar)) {
          throw syntaxError(
            this.source,
            keyToken.offset,
            `Expected a dict key type of ${DICT_KEY_KINDS.join(', ')} (object keys are strings), found \`${typeText(key)}\``,
            DICT_KEY_KINDS.join(', '),
            `\`${typeText(key)}\``,
          );
        }
        this.expectPunct(',', 'between the key and value types of `dict<…,…>`');
        const value = this.parseType(depth + 1);
        this.expectPunct('>', 'to close `dict<…,…>`');
        return { kind: 'dict', key, value };
      }
      default:
        if (isScalarKind(token.text)) return { kind: 'scalar', scalar: token.text };
        return this.fail(token, `Expected a type (${TYPE_WORDS})`, 'a type');
    }
  }

  /** After `scalar`: `<kind>`. */
  private parseScalarArgument(): ScalarType {
    this.expectPunct('<', 'after `scalar`');
    const token = this.current;
    if (token.type !== 'ident' || !isScalarKind(token.text)) {
      this.fail(token, `Expected a scalar kind (${SCALAR_KINDS.join(', ')})`, 'a scalar kind');
    }
    this.next();
    this.expectPunct('>', `to close \`scalar<${token.text}\``);
    return { kind: 'scalar', scalar: token.text };
  }

  /** After `=`: `deferred`, `None` or a literal that the field's type accepts. */
  private parseDefault(type: TypeNode, name: string): FieldDefault {
    const token = this.next();
    if (token.type === 'ident') {
      if (token.text === 'deferred') return { kind: 'deferred' };
      if (token.text === 'None') return { kind: 'none' };
      if (token.text === 'True' || token.text === 'true') return this.literal(type, name, token, true);
      if (token.text === 'False' || token.text === 'false') return this.literal(type, name, token, false);
    }
    if (token.type === 'number' || token.type === 'string') return this.literal(type, name, token, token.value);
    return this.fail(token, `Expected a default (${DEFAULT_WORDS}) for the field \`${name}\``, DEFAULT_WORDS);
  }

  private literal(type: TypeNode, name: string, token: Token, value: number | string | boolean): FieldDefault {
    if (type.kind !== 'scalar' || !scalarAccepts(type.scalar, value)) {
      const expected = type.kind === 'scalar' ? SCALAR_EXPECTED[type.scalar] : `${typeText(type)}, which has no literal (use deferred or None)`;
      throw syntaxError(this.source, token.offset, `Expected a default of ${expected} for the field \`${name}\`, found ${describeToken(token)}`, expected, describeToken(token));
    }
    return { kind: 'value', value };
  }
}

/**
 * Parses typedef text into a frozen schema. `TaskSchema<never>`: text carries no static
 * types, so the caller says which record types the schema stands for.
 */
export function parseTypedef(source: string): TaskSchema<never> {
  return new Parser(source).parseTypedef();
}
