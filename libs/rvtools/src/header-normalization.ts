/**
 * Header text reduced to what identifies a column across RVTools versions and hand edits: Unicode
 * compatibility form, `MiB`/`KiB` read as `MB`/`KB` (RVTools 4.1.2 renamed the headers, the values
 * were MiB all along), `#` as `num` and `%` as `pct` so `# CPU` and `CPU` stay apart, then case,
 * spaces and punctuation dropped (`Free %  ` -> `freepct`, `Cores p/s` -> `coresps`).
 */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKC')
    .replace(/([KMGT])iB(?![a-z])/g, '$1B')
    .replace(/\b([kmgt])ib\b/g, '$1b')
    .toLowerCase()
    .replace(/#/g, 'num')
    .replace(/%/g, 'pct')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Header spellings of one field, normalized once; the first one present in a sheet wins. */
export type FieldAliases = readonly string[];

export const fieldAliases = (...headers: string[]): FieldAliases => headers.map(normalizeHeader);
