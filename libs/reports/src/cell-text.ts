/**
 * Spreadsheet text hygiene. VM names, tags, annotations, folders and OS strings come from vCenter
 * and are attacker-controlled: a cell that starts with `=`, `+`, `-`, `@`, tab or CR is a formula
 * to Excel and LibreOffice once a person edits it (or at once in a CSV file). OWASP's advice for
 * CSV injection is to prefix such text with a single quote, which is what these helpers do.
 */

/** Text that a spreadsheet would read as a formula, possibly behind quotes we added before. */
const FORMULA_LEAD = /^'*[=+\-@\t\r]/;
/** Text that `neutraliseCellText` prefixed: one of our quotes in front of a formula lead. */
const NEUTRALISED = /^'+[=+\-@\t\r]/;

/** Excel refuses cells longer than this (and LibreOffice truncates them). */
export const MAX_CELL_TEXT_LENGTH = 32_767;
const TRUNCATION_MARK = ' …[truncated]';

/**
 * Prefixes text that starts with `=`, `+`, `-`, `@`, tab or CR with `'`. Text that already starts
 * with quotes before such a character gets one more quote, so that `restoreCellText` can undo the
 * prefix exactly (a VM really named `'=x` comes back as `'=x`, not `=x`).
 */
export function neutraliseCellText(text: string): string {
  return FORMULA_LEAD.test(text) ? `'${text}` : text;
}

/** Undoes `neutraliseCellText`: the inverse for every text it produced. */
export function restoreCellText(text: string): string {
  return NEUTRALISED.test(text) ? text.slice(1) : text;
}

/** Neutralised and cut to what a spreadsheet cell can hold. */
export function spreadsheetCellText(text: string): string {
  const safe = neutraliseCellText(text);
  if (safe.length <= MAX_CELL_TEXT_LENGTH) return safe;
  return safe.slice(0, MAX_CELL_TEXT_LENGTH - TRUNCATION_MARK.length) + TRUNCATION_MARK;
}
