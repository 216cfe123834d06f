import type { WaveReportViolation, WaveReportWave, WaveReportWindow } from './model.js';
import { SEVERITY_STYLES, STYLES } from './report-styles.js';
import type { CellStyle, SheetCell } from './streaming-workbook.js';

/**
 * One row per wave: its booked change window, load, estimate and violations. Written twice, as
 * the Summary's wave table and as the `Wave schedule` sheet, from the same columns; planners
 * book windows by editing the schedule sheet's window cells, which the load-back reads.
 */

export const WAVE_SCHEDULE_SHEET = 'Wave schedule';

export const SCHEDULE_HEADERS = {
  wave: 'Wave',
  start: 'Window start (UTC)',
  end: 'Window end (UTC)',
  zone: 'Time zone',
} as const;

/** The warm VMs' booked cutover; optional on load-back (reports before warm migration lack it). */
export const CUTOVER_HEADER = 'Cutover (UTC)';

export interface WaveViolationSummary {
  errors: number;
  warnings: number;
  messages: string[];
}

export interface ScheduleRow {
  wave: WaveReportWave;
  violations: WaveViolationSummary;
  /** Where the wave's name links to. */
  link: string;
}

export interface ScheduleColumn {
  header: string;
  cell(row: ScheduleRow): SheetCell;
  style?(value: SheetCell, row: ScheduleRow): CellStyle | undefined;
  /** Only on the schedule sheet: too wide for the Summary's page. */
  sheetOnly?: boolean;
}

function instant(iso: string): Date | string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date;
}

/** Hours between the window's start and end; null when none is booked. */
export function windowHours(window: WaveReportWindow | null): number | null {
  if (window === null) return null;
  const hours = (Date.parse(window.end) - Date.parse(window.start)) / 3_600_000;
  return Number.isFinite(hours) ? Math.round(hours * 100) / 100 : null;
}

/** `2026-01-10 23:00 → 2026-01-11 07:00 Europe/Amsterdam`: the window as the people in it read it. */
export function localWindowText(window: WaveReportWindow | null): string | null {
  if (window === null) return null;
  try {
    // Swedish formatting is ISO-like (yyyy-mm-dd hh:mm) in every zone.
    const format = new Intl.DateTimeFormat('sv-SE', {
      timeZone: window.zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    return `${format.format(new Date(window.start))} → ${format.format(new Date(window.end))} ${window.zone}`;
  } catch {
    return `${window.start} → ${window.end}`;
  }
}

const dateStyle = (value: SheetCell): CellStyle | undefined =>
  value instanceof Date ? STYLES.date : undefined;

export const SCHEDULE_COLUMNS: readonly ScheduleColumn[] = [
  { header: SCHEDULE_HEADERS.wave, cell: (row) => row.wave.number, style: () => STYLES.integer },
  {
    header: 'Name',
    cell: (row) => ({ text: row.wave.name, location: row.link }),
    style: () => STYLES.link,
  },
  {
    header: SCHEDULE_HEADERS.start,
    cell: (row) => (row.wave.window ? instant(row.wave.window.start) : null),
    style: dateStyle,
  },
  {
    header: SCHEDULE_HEADERS.end,
    cell: (row) => (row.wave.window ? instant(row.wave.window.end) : null),
    style: dateStyle,
  },
  { header: SCHEDULE_HEADERS.zone, cell: (row) => row.wave.window?.zone ?? null },
  { header: 'Window (local time)', cell: (row) => localWindowText(row.wave.window), sheetOnly: true },
  { header: 'Window (hours)', cell: (row) => windowHours(row.wave.window), style: () => STYLES.hours },
  { header: 'VMs', cell: (row) => row.wave.vmCount, style: () => STYLES.integer },
  { header: 'Data (GiB)', cell: (row) => row.wave.dataGiB, style: () => STYLES.gib },
  { header: 'Est. duration (hours)', cell: (row) => row.wave.estimatedHours, style: () => STYLES.hours },
  { header: 'Concurrency', cell: (row) => row.wave.concurrency, style: () => STYLES.integer },
  {
    header: CUTOVER_HEADER,
    cell: (row) => (row.wave.migration?.cutoverAt ? instant(row.wave.migration.cutoverAt) : null),
    style: dateStyle,
    sheetOnly: true,
  },
  {
    header: 'Warm VMs',
    cell: (row) => row.wave.migration?.warmVms ?? 0,
    style: () => STYLES.integer,
    sheetOnly: true,
  },
  {
    header: 'Cutover-ready (hours)',
    cell: (row) => row.wave.migration?.hoursToCutoverReady ?? null,
    style: () => STYLES.hours,
    sheetOnly: true,
  },
  {
    header: 'Downtime warm (min)',
    cell: (row) => row.wave.migration?.downtimeWarmMinutes ?? null,
    style: () => STYLES.hours,
    sheetOnly: true,
  },
  {
    header: 'Downtime cold (min)',
    cell: (row) => row.wave.migration?.downtimeColdMinutes ?? null,
    style: () => STYLES.hours,
    sheetOnly: true,
  },
  {
    header: 'Downtime planned (min)',
    cell: (row) => row.wave.migration?.downtimePlannedMinutes ?? null,
    style: () => STYLES.hours,
    sheetOnly: true,
  },
  {
    header: 'Errors',
    cell: (row) => row.violations.errors,
    style: (value) => (typeof value === 'number' && value > 0 ? SEVERITY_STYLES.critical : STYLES.integer),
  },
  {
    header: 'Warnings',
    cell: (row) => row.violations.warnings,
    style: (value) => (typeof value === 'number' && value > 0 ? SEVERITY_STYLES.warning : STYLES.integer),
  },
  { header: 'Violations', cell: (row) => row.violations.messages.join('; ') || null, sheetOnly: true },
  { header: 'Status', cell: (row) => row.wave.status },
];

/** The column (1-based) of a header in a list of schedule columns. */
export function scheduleColumn(columns: readonly { header: string }[], header: string): number {
  return columns.findIndex((column) => column.header === header) + 1;
}

export function violationsByWave(
  violations: readonly WaveReportViolation[],
): Map<number | null, WaveViolationSummary> {
  const byWave = new Map<number | null, WaveViolationSummary>();
  for (const violation of violations) {
    let summary = byWave.get(violation.wave);
    if (summary === undefined) {
      summary = { errors: 0, warnings: 0, messages: [] };
      byWave.set(violation.wave, summary);
    }
    if (violation.severity === 'error') summary.errors += 1;
    else summary.warnings += 1;
    summary.messages.push(`[${violation.severity}] ${violation.message}`);
  }
  return byWave;
}

export const NO_VIOLATIONS: WaveViolationSummary = { errors: 0, warnings: 0, messages: [] };
