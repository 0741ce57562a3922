import { SPMTypedefError } from '@spm/exceptions';
import { describeValue } from './internal/describe-value.js';
import { parseTypedef } from './internal/parser.js';
import type { RecordTypes, TaskSchema, UntypedRecord } from './schema.js';

/**
 * The record types of a parsed typedef whose record type `R` was given by hand: text carries
 * no static types, so `R` stands for all three views (complete, input, draft).
 */
export interface DeclaredRecordTypes<R extends object> extends RecordTypes {
  readonly record: R;
  readonly input: R;
  readonly draft: Partial<R>;
}

/**
 * Parses the seed's typedef language (`task<list> :: struct { … };`) into a frozen,
 * plain-data {@link TaskSchema}. Text has no static types: give the record type as a type
 * argument (`parse<{ nMin: number }>(text)`) or use the builder `t` to have it inferred.
 * Ends on any input.
 *
 * @throws SPMTypedefError with `line`, `column` (1-based), `expected`, `found`, and a message
 * ending with an excerpt of the line and a caret.
 */
export function parse<R extends object = UntypedRecord>(text: string): TaskSchema<DeclaredRecordTypes<R>> {
  if (typeof text !== 'string') {
    throw new SPMTypedefError(`Expected typedef text (a string), got ${describeValue(text)}`, { expected: 'a string', found: describeValue(text) });
  }
  return parseTypedef(text);
}

/**
 * {@link parse} as a tagged template, the way DESIGN.md writes a closure's typedef:
 * ``typedef`task<list> :: struct { nMin :: scalar<int> = deferred; };` ``. The raw text is
 * used (like the seed's `r"""…"""`), so `\n` inside a string default is an escape the typedef
 * language reads. Substitutions may be strings or numbers and are spliced in as text; line
 * and column in errors count from the first character after the backtick.
 */
export function typedef<R extends object = UntypedRecord>(strings: TemplateStringsArray, ...substitutions: readonly (string | number)[]): TaskSchema<DeclaredRecordTypes<R>> {
  let text = strings.raw[0] ?? '';
  substitutions.forEach((substitution, i) => {
    if (typeof substitution !== 'string' && typeof substitution !== 'number') {
      throw new SPMTypedefError(`Expected typedef\`…\` substitution ${i + 1} to be a string or a number, got ${describeValue(substitution)}`, {
        expected: 'a string or a number',
        found: describeValue(substitution),
      });
    }
    text += String(substitution) + (strings.raw[i + 1] ?? '');
  });
  return parse<R>(text);
}
