/**
 * A WHERE clause built from optional filters: each condition's `?` placeholders become the next
 * positional parameter ($2, $3, ...), so values never enter the SQL text.
 */
export class SqlConditions {
  private readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  /** Starts with `sql` (e.g. `inventory_id = ?`) bound to `value`. */
  constructor(sql: string, value: unknown) {
    this.add(sql, value);
  }

  /** A condition with one parameter (every `?` in `sql` stands for it). */
  add(sql: string, value: unknown): void {
    this.params.push(value);
    this.conditions.push(sql.replaceAll('?', `$${this.params.length}`));
  }

  /** A condition without parameters. */
  addLiteral(sql: string): void {
    this.conditions.push(sql);
  }

  get where(): string {
    return this.conditions.join(' AND ');
  }
}
