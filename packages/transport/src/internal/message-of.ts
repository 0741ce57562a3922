/**
 * The message of a thrown value. Duck-typed on purpose: errors made by Node core or another
 * realm (a worker, a vm context) are not `instanceof` this realm's `Error`.
 */
export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}
