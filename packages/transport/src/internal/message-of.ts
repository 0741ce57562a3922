import { messageOfThrown } from '@spm/exceptions';

/**
 * The message of a thrown value. Duck-typed on purpose: errors made by Node core or another
 * realm (a worker, a vm context) are not `instanceof` this realm's `Error`. Never throws.
 */
export function messageOf(error: unknown): string {
  return messageOfThrown(error);
}
