/**
 * A LIKE/ILIKE pattern that finds `text` anywhere, as typed: `%`, `_` and the escape character are
 * escaped, so `search=%` looks for a percent sign instead of matching every row. Use it with
 * `ILIKE $n ESCAPE '\'` (spelled out so the query does not depend on the server's default).
 */
export function containsLikePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}
