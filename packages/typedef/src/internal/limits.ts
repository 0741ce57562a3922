/**
 * Bounds that keep parsing and checking finite and the stack safe on any input
 * (documented in docs/packages/typedef.md).
 */

/** Deepest nesting of types (struct, tuple, list, dict) in one typedef. */
export const MAX_TYPE_DEPTH = 64;

/**
 * Deepest nesting of a value inside a record (struct levels, arrays, objects): what a channel
 * carries with its default `maxDepth` (64), less the two levels the message and the record take.
 * It was 256, and a record nested 63–256 deep validated but could never be sent.
 */
export const MAX_VALUE_DEPTH = 62;

/** Longest `scalar<stringSnippet>` value, in UTF-16 code units. */
export const MAX_SNIPPET_LENGTH = 4096;

/** Longest line excerpt quoted in a syntax error. */
export const MAX_EXCERPT_LENGTH = 80;
