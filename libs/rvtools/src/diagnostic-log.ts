import type { DiagnosticSeverity, ImportDiagnostic } from '#libs/inventory';

/** How many diagnostics of one kind (sheet, column, message) are kept before summarizing. */
const DEFAULT_PER_KIND_LIMIT = 50;

/**
 * Collects import diagnostics. One bad column in a 10,000-VM export would otherwise yield 10,000
 * identical entries: past a limit per kind they are counted and reported as one summary line.
 */
export class DiagnosticLog {
  private readonly entries: ImportDiagnostic[] = [];
  private readonly perKind = new Map<string, { count: number; first: ImportDiagnostic }>();

  constructor(private readonly perKindLimit = DEFAULT_PER_KIND_LIMIT) {}

  add(
    severity: DiagnosticSeverity,
    message: string,
    where: { sheet?: string | null; row?: number | null; column?: string | null; value?: string | null } = {},
    kind = message,
  ): void {
    const diagnostic: ImportDiagnostic = {
      severity,
      sheet: where.sheet ?? null,
      row: where.row ?? null,
      column: where.column ?? null,
      message,
    };
    if (where.value !== undefined) diagnostic.value = where.value;
    const key = `${severity}\u0000${diagnostic.sheet}\u0000${diagnostic.column}\u0000${kind}`;
    const seen = this.perKind.get(key);
    if (seen) {
      seen.count++;
      if (seen.count > this.perKindLimit) return;
    } else {
      this.perKind.set(key, { count: 1, first: diagnostic });
    }
    this.entries.push(diagnostic);
  }

  /** The kept diagnostics, plus one summary per kind that went over the limit. */
  toArray(): ImportDiagnostic[] {
    const result = [...this.entries];
    for (const { count, first } of this.perKind.values()) {
      if (count <= this.perKindLimit) continue;
      result.push({
        severity: first.severity,
        sheet: first.sheet,
        row: null,
        column: first.column,
        message: `${count - this.perKindLimit} more like this (${count} in all): ${first.message}`,
      });
    }
    return result;
  }
}
