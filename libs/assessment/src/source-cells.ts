import type { InventoryVm } from '#libs/inventory';

/**
 * Raw RVTools cells the normalized model does not carry yet (DRS rules, guest state, disk counts,
 * SCSI bus sharing). Headers are matched trimmed and case-insensitively because RVTools versions
 * differ in case and trailing spaces, and the `VM` placeholder RVTools writes into empty non-name
 * columns counts as empty.
 */
export function sourceCells(vm: InventoryVm, sheet: string, header: string): string[] {
  const rows = sheetRows(vm, sheet);
  if (rows.length === 0) return [];
  const values: string[] = [];
  const wanted = header.toLowerCase();
  for (const row of rows) {
    let value = row[header];
    if (value === undefined) {
      for (const [key, cell] of Object.entries(row)) {
        if (key.trim().toLowerCase() === wanted) {
          value = cell;
          break;
        }
      }
    }
    const text = value?.trim();
    if (text && text !== 'VM') values.push(text);
  }
  return values;
}

/** The first non-empty value of a cell of the VM's rows in `sheet`, or null. */
export function sourceCell(vm: InventoryVm, sheet: string, header: string): string | null {
  return sourceCells(vm, sheet, header)[0] ?? null;
}

function sheetRows(vm: InventoryVm, sheet: string): Record<string, string>[] {
  const source = vm.source;
  if (!source) return [];
  const exact = source[sheet];
  if (exact) return exact;
  const wanted = sheet.toLowerCase();
  for (const [name, rows] of Object.entries(source)) {
    if (name.toLowerCase() === wanted) return rows;
  }
  return [];
}
