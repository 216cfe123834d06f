import { type ChartDefinition, chartPartXml } from './chart-parts.js';
import { ColumnWidths } from './column-widths.js';
import type { WaveReportInput, WaveReportSizing, WaveReportVm } from './model.js';
import { DISPOSITION_STYLES, STYLES } from './report-styles.js';
import {
  type CellStyle,
  LANDSCAPE_PRINTABLE_PX,
  type SheetCell,
  type StreamingWorkbook,
} from './streaming-workbook.js';
import { SCHEDULE_COLUMNS, type ScheduleRow, scheduleColumn } from './wave-schedule.js';

/**
 * The Summary sheet: the plan, three charts, then one printed page per section. Every total
 * says which VMs it counts (all VMs / in scope / in waves) and is summed from the same VM rows
 * as the VMs sheet, so the sheets cannot disagree.
 */

export const SUMMARY_SHEET = 'Summary';

interface SummaryLine {
  cells: SheetCell[];
  styles?: (CellStyle | undefined)[];
  /** Start a new printed page after this line. */
  pageBreak?: boolean;
  /** Its text overflows into the empty cells to its right: it does not size the columns. */
  overflows?: boolean;
}

export const OUT_OF_SCOPE = 'out of scope';
const DISPOSITION_ORDER = ['rehost', 'retain', 'retire', OUT_OF_SCOPE];
const DISPOSITION_COLORS: Record<string, string> = {
  rehost: '70AD47',
  retain: 'FFC000',
  retire: 'A5A5A5',
  [OUT_OF_SCOPE]: '5B9BD5',
};
const OTHER_COLOR = '9E480E';

/** Sums over one scope of VMs; `vms` is the count. */
export interface ScopeTotals {
  vms: number;
  vcpus: number;
  memoryGiB: number;
  provisionedGiB: number;
  usedGiB: number;
  targetStorageGiB: number;
  transferGiB: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

function emptyTotals(): ScopeTotals {
  return {
    vms: 0,
    vcpus: 0,
    memoryGiB: 0,
    provisionedGiB: 0,
    usedGiB: 0,
    targetStorageGiB: 0,
    transferGiB: 0,
  };
}

function addVm(totals: ScopeTotals, vm: WaveReportVm): void {
  totals.vms += 1;
  totals.vcpus += vm.vcpus;
  totals.memoryGiB += vm.memoryGiB;
  totals.provisionedGiB += vm.provisionedGiB;
  totals.usedGiB += vm.usedGiB;
  totals.targetStorageGiB += vm.targetStorageGiB;
  totals.transferGiB += vm.transferGiB;
}

/** Totals of every VM row, of those in scope and of those in a wave. */
export function scopeTotals(
  vms: readonly WaveReportVm[],
): Record<'all' | 'inScope' | 'inWaves', ScopeTotals> {
  const all = emptyTotals();
  const inScope = emptyTotals();
  const inWaves = emptyTotals();
  for (const vm of vms) {
    addVm(all, vm);
    if (vm.outOfScope === null) addVm(inScope, vm);
    if (vm.wave !== null) addVm(inWaves, vm);
  }
  for (const totals of [all, inScope, inWaves]) {
    for (const key of ['memoryGiB', 'provisionedGiB', 'usedGiB', 'targetStorageGiB', 'transferGiB'] as const)
      totals[key] = round2(totals[key]);
  }
  return { all, inScope, inWaves };
}

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function ordered(counts: Map<string, number>, order: readonly string[] = []): [string, number][] {
  const known = order
    .filter((key) => counts.has(key))
    .map((key): [string, number] => [key, counts.get(key) ?? 0]);
  const rest = [...counts]
    .filter(([key]) => !order.includes(key))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [...known, ...rest];
}

export interface VmCounts {
  /** Every VM: its disposition, or `out of scope`. */
  byDisposition: [string, number][];
  /** Rehost VMs in scope. */
  byEffort: [string, number][];
  /** VMs in scope. */
  byOsFamily: [string, number][];
  /** VMs with each concern (a VM counts once per concern id). */
  byConcern: [string, number][];
  rehostInScope: number;
}

export function vmCounts(vms: readonly WaveReportVm[]): VmCounts {
  const disposition = new Map<string, number>();
  const effort = new Map<string, number>();
  const os = new Map<string, number>();
  const concern = new Map<string, number>();
  let rehostInScope = 0;
  for (const vm of vms) {
    count(disposition, vm.outOfScope === null ? vm.disposition : OUT_OF_SCOPE);
    if (vm.outOfScope === null) {
      count(os, vm.osFamily);
      if (vm.disposition === 'rehost') {
        rehostInScope += 1;
        count(effort, vm.effort);
      }
    }
    for (const id of new Set(vm.concerns.map((item) => item.id))) count(concern, id);
  }
  return {
    byDisposition: ordered(disposition, DISPOSITION_ORDER),
    byEffort: ordered(effort, ['low', 'medium', 'high']),
    byOsFamily: ordered(os),
    byConcern: ordered(concern),
    rehostInScope,
  };
}

function countBlock(
  title: string,
  label: string,
  entries: readonly [string, number][],
  denominator: number,
  shareLabel: string,
  fills: Readonly<Record<string, CellStyle>> = {},
): SummaryLine[] {
  return [
    { cells: [title], styles: [STYLES.section] },
    { cells: [label, 'VMs', shareLabel], styles: [STYLES.header, STYLES.header, STYLES.header] },
    ...entries.map(
      ([key, value]): SummaryLine => ({
        cells: [key, value, denominator > 0 ? value / denominator : 0],
        styles: [fills[key], STYLES.integer, STYLES.percent],
      }),
    ),
    { cells: [] },
  ];
}

const SIZING_HEADERS = [
  'VMs',
  'vCPU',
  'Memory (GiB)',
  'Memory incl. overhead (GiB)',
  'Storage (GiB)',
  'Worker nodes',
] as const;
const SIZING_STYLES = [STYLES.integer, STYLES.integer, STYLES.gib, STYLES.gib, STYLES.gib, STYLES.integer];

export function sizingCells(sizing: WaveReportSizing): SheetCell[] {
  return [
    sizing.vms,
    sizing.vcpus,
    sizing.memoryGiB,
    sizing.memoryWithOverheadGiB,
    sizing.storageGiB,
    sizing.workerNodes,
  ];
}

export { SIZING_HEADERS, SIZING_STYLES };

/** Rows of the chart band under the plan's header; a default row is 20 px. */
const CHART_ROWS = 17;
const CHART_HEIGHT_PX = 320;
const CHART_WIDTH_PX = 400;
const CHART_GAP_PX = 16;
/**
 * Excel's column width unit is about 7 px of Calibri 11 plus 5 px of padding; LibreOffice lays
 * the same widths out up to 30 % wider (its metric-compatible Carlito), so the print scale
 * allows for that.
 */
const columnPx = (width: number): number => Math.round(width * 7 + 5);
const PRINT_WIDTH_ALLOWANCE = 1.35;

export interface SummaryInput {
  input: WaveReportInput;
  schedule: readonly ScheduleRow[];
  violations: { errors: number; warnings: number };
}

/** Writes the Summary sheet with its charts; the charts read its disposition and wave cells. */
export async function writeSummarySheet(workbook: StreamingWorkbook, summary: SummaryInput): Promise<void> {
  const { input, schedule } = summary;
  const generatedAt = new Date(input.generatedAt);
  const totals = scopeTotals(input.vms);
  const counts = vmCounts(input.vms);
  const transferHours = round2(schedule.reduce((sum, row) => sum + row.wave.estimatedHours, 0));
  const wavesData = round2(schedule.reduce((sum, row) => sum + row.wave.dataGiB, 0));

  const lines: SummaryLine[] = [
    { cells: ['Flotilla wave report'], styles: [STYLES.title] },
    { cells: ['Plan', input.plan.name ?? input.plan.id], styles: [STYLES.label], overflows: true },
    { cells: ['Plan id', input.plan.id], styles: [STYLES.label], overflows: true },
    { cells: ['Plan version', input.plan.version], styles: [STYLES.label, STYLES.integer] },
    { cells: ['Plan content hash', input.plan.contentHash], styles: [STYLES.label], overflows: true },
    {
      cells: ['Generated (UTC)', Number.isNaN(generatedAt.getTime()) ? input.generatedAt : generatedAt],
      styles: [STYLES.label, Number.isNaN(generatedAt.getTime()) ? undefined : STYLES.date],
    },
    ...(input.countedTo
      ? [
          {
            cells: ['Ages (power-off, snapshots)', `counted to ${input.countedTo.slice(0, 10)}`],
            styles: [STYLES.label],
          },
        ]
      : []),
    { cells: [] },
  ];
  const chartRow = lines.length;
  for (let i = 0; i < CHART_ROWS; i++) lines.push({ cells: [] });
  lines[lines.length - 1].pageBreak = true;

  const scopeRow = (label: string, key: keyof ScopeTotals, style: CellStyle): SummaryLine => ({
    cells: [label, totals.all[key], totals.inScope[key], totals.inWaves[key]],
    styles: [STYLES.label, style, style, style],
  });
  lines.push(
    { cells: ['Totals by scope'], styles: [STYLES.section] },
    {
      cells: ['', `All VMs`, 'In scope', 'In waves'],
      styles: [STYLES.header, STYLES.header, STYLES.header, STYLES.header],
    },
    scopeRow('VMs', 'vms', STYLES.integer),
    scopeRow('vCPU', 'vcpus', STYLES.integer),
    scopeRow('Memory (GiB)', 'memoryGiB', STYLES.gib),
    scopeRow('Provisioned storage (GiB)', 'provisionedGiB', STYLES.gib),
    scopeRow('Used storage (GiB)', 'usedGiB', STYLES.gib),
    scopeRow('Target storage (GiB)', 'targetStorageGiB', STYLES.gib),
    scopeRow('Data to copy (GiB)', 'transferGiB', STYLES.gib),
    {
      cells: ['Waves', null, null, schedule.length],
      styles: [STYLES.label, undefined, undefined, STYLES.integer],
    },
    {
      cells: ['Data to copy, shared disks once (GiB)', null, null, wavesData],
      styles: [STYLES.label, undefined, undefined, STYLES.gib],
    },
    {
      cells: ['Est. duration of all waves (hours)', null, null, transferHours],
      styles: [STYLES.label, undefined, undefined, STYLES.hours],
    },
    {
      cells: [
        'Plan violations (errors / warnings)',
        null,
        null,
        `${summary.violations.errors} / ${summary.violations.warnings}`,
      ],
      styles: [STYLES.label],
    },
    { cells: [] },
    { cells: ['All VMs: every VM row of the VMs sheet, templates and out-of-scope VMs included.'] },
    { cells: ['In scope: all VMs except templates, SRM placeholders, vCLS and other out-of-scope VMs.'] },
    { cells: ["In waves: the VMs of the plan's waves (the Waves sheet)."], pageBreak: true },
  );

  const all = totals.all.vms;
  const dispositionHeaderRow = lines.length + 2;
  lines.push(
    ...countBlock(
      `VMs by disposition (all VMs: ${all})`,
      'Disposition',
      counts.byDisposition,
      all,
      'Share of all VMs',
      DISPOSITION_STYLES,
    ),
    ...countBlock(
      `VMs by effort (rehost VMs in scope: ${counts.rehostInScope})`,
      'Effort',
      counts.byEffort,
      counts.rehostInScope,
      'Share of rehost VMs',
    ),
    ...countBlock(
      `VMs by OS family (in scope: ${totals.inScope.vms})`,
      'OS family',
      counts.byOsFamily,
      totals.inScope.vms,
      'Share of VMs in scope',
    ),
  );
  lines[lines.length - 1].pageBreak = true;
  lines.push(
    ...countBlock(
      `VMs by concern (all VMs assessed: ${all}; a VM counts once per concern)`,
      'Concern',
      counts.byConcern,
      all,
      'Share of VMs assessed',
    ),
  );
  lines[lines.length - 1].pageBreak = true;

  lines.push(
    { cells: [`Target sizing (${input.sizing.scope})`], styles: [STYLES.section] },
    {
      cells: ['Scope', ...SIZING_HEADERS],
      styles: [STYLES.header, ...SIZING_HEADERS.map(() => STYLES.header)],
    },
    {
      cells: ['All clusters', ...sizingCells(input.sizing.estate)],
      styles: [STYLES.label, ...SIZING_STYLES],
    },
    ...input.sizing.clusters.map(
      (cluster): SummaryLine => ({
        cells: [`Cluster ${cluster.cluster}`, ...sizingCells(cluster)],
        styles: [undefined, ...SIZING_STYLES],
      }),
    ),
    { cells: [], pageBreak: true },
  );

  const columns = SCHEDULE_COLUMNS.filter((column) => !column.sheetOnly);
  lines.push({ cells: ['Waves (booked change windows, load and violations)'], styles: [STYLES.section] });
  const waveHeaderRow = lines.length + 1;
  lines.push({
    cells: columns.map((column) => column.header),
    styles: columns.map(() => STYLES.header),
  });
  for (const row of schedule) {
    const cells = columns.map((column) => column.cell(row));
    lines.push({ cells, styles: columns.map((column, i) => column.style?.(cells[i], row)) });
  }

  const widths = new ColumnWidths();
  // The title, section captions and notes overflow into empty neighbours; they do not size column A.
  for (const line of lines) {
    if (line.overflows) widths.see(line.cells.slice(0, 1), line.styles);
    else if (line.cells.length > 1 || line.styles?.[0] === STYLES.label) widths.see(line.cells, line.styles);
  }
  const columnCount = Math.max(4, ...lines.map((line) => line.cells.length));
  const columnWidths = widths.widths(columnCount);
  const sheetWidthPx = columnWidths.reduce((sum, width) => sum + columnPx(width), 0);
  const chartsWidthPx = 3 * CHART_WIDTH_PX + 2 * CHART_GAP_PX;
  const printedWidthPx = Math.max(sheetWidthPx, chartsWidthPx);
  const printScale = Math.min(
    100,
    Math.floor((LANDSCAPE_PRINTABLE_PX.width / (printedWidthPx * PRINT_WIDTH_ALLOWANCE)) * 100),
  );

  const sheet = workbook.addSheet(SUMMARY_SHEET, { printScale });
  sheet.setColumnWidths(columnWidths);
  for (const line of lines) {
    await sheet.addRow(line.cells, line.styles);
    if (line.pageBreak) sheet.addPageBreak();
  }

  const charts = summaryCharts(counts, schedule, dispositionHeaderRow, waveHeaderRow, columns);
  sheet.addCharts(
    charts.map((chart, i) => {
      const { col, offsetPx } = columnAt(columnWidths, i * (CHART_WIDTH_PX + CHART_GAP_PX));
      return {
        xml: chartPartXml(chart),
        anchor: {
          col,
          colOffsetPx: offsetPx,
          row: chartRow,
          widthPx: CHART_WIDTH_PX,
          heightPx: CHART_HEIGHT_PX,
          description: chart.title,
        },
      };
    }),
  );
}

/** The column an x position (px from the left edge) falls in, and the offset into it. */
function columnAt(widths: readonly number[], x: number): { col: number; offsetPx: number } {
  let left = 0;
  for (let col = 0; col < widths.length; col++) {
    const width = columnPx(widths[col]);
    if (x < left + width) return { col, offsetPx: x - left };
    left += width;
  }
  // Past the last written column, default-width columns (8.43 characters, 64 px) follow.
  const beyond = x - left;
  return { col: widths.length + Math.floor(beyond / 64), offsetPx: beyond % 64 };
}

function summaryCharts(
  counts: VmCounts,
  schedule: readonly ScheduleRow[],
  dispositionHeaderRow: number,
  waveHeaderRow: number,
  columns: readonly { header: string }[],
): ChartDefinition[] {
  const dispositions = counts.byDisposition;
  const dispositionRows = {
    firstRow: dispositionHeaderRow + 1,
    lastRow: dispositionHeaderRow + Math.max(1, dispositions.length),
  };
  const waveRows = { firstRow: waveHeaderRow + 1, lastRow: waveHeaderRow + Math.max(1, schedule.length) };
  const nameColumn = scheduleColumn(columns, 'Name');
  const waveNames = schedule.map((row) => row.wave.name);
  /** A bar per wave of one column of the Summary's wave table. */
  const waveChart = (
    title: string,
    header: string,
    axis: string,
    value: (row: ScheduleRow) => number,
    color: string,
  ): ChartDefinition => {
    const column = scheduleColumn(columns, header);
    return {
      kind: 'bar',
      title,
      categoryAxisTitle: 'Wave',
      valueAxisTitle: axis,
      series: {
        name: { sheet: SUMMARY_SHEET, column, row: waveHeaderRow, text: header },
        categories: { sheet: SUMMARY_SHEET, column: nameColumn, ...waveRows, values: waveNames },
        values: { sheet: SUMMARY_SHEET, column, ...waveRows, values: schedule.map(value) },
        colors: [color],
      },
    };
  };
  return [
    {
      kind: 'pie',
      title: 'VMs by disposition',
      series: {
        name: { sheet: SUMMARY_SHEET, column: 2, row: dispositionHeaderRow, text: 'VMs' },
        categories: {
          sheet: SUMMARY_SHEET,
          column: 1,
          ...dispositionRows,
          values: dispositions.map(([key]) => key),
        },
        values: {
          sheet: SUMMARY_SHEET,
          column: 2,
          ...dispositionRows,
          values: dispositions.map(([, n]) => n),
        },
        colors: dispositions.map(([key]) => DISPOSITION_COLORS[key] ?? OTHER_COLOR),
      },
    },
    waveChart('VMs per wave', 'VMs', 'VMs', (row) => row.wave.vmCount, '4472C4'),
    waveChart('Data to copy per wave (GiB)', 'Data (GiB)', 'GiB', (row) => row.wave.dataGiB, 'ED7D31'),
  ];
}
