import { rm } from 'node:fs/promises';
import { ColumnWidths } from './column-widths.js';
import type { WaveReportConcern, WaveReportInput, WaveReportViolation, WaveReportVm } from './model.js';
import { DISPOSITION_STYLES, SEVERITY_STYLES, STYLES } from './report-styles.js';
import {
  type ColumnKind,
  formatEvidence,
  groupVmsByWave,
  type TableColumn,
  VM_COLUMNS,
  WAVE_VM_COLUMNS,
  type WaveVmRow,
} from './report-tables.js';
import {
  type CellStyle,
  quoteSheetName,
  type SheetCell,
  type StreamingSheet,
  StreamingWorkbook,
  type WorkbookOutput,
} from './streaming-workbook.js';
import {
  SIZING_HEADERS,
  SIZING_STYLES,
  SUMMARY_SHEET,
  sizingCells,
  writeSummarySheet,
} from './summary-sheet.js';
import {
  localWindowText,
  NO_VIOLATIONS,
  SCHEDULE_COLUMNS,
  type ScheduleRow,
  violationsByWave,
  WAVE_SCHEDULE_SHEET,
} from './wave-schedule.js';

/** Identifies a workbook this module wrote; the load-back refuses anything else. */
export const WAVE_REPORT_FORMAT = 'flotilla-wave-report/1';
export const PLAN_SHEET = '_flotilla';
/** Rows of the plan sheet before the VM key / wave table that the load-back compares with. */
export const PLAN_SHEET_ASSIGNMENT_HEADER_ROW = 7;
/** Per-wave sheets are written only up to this many waves; past it the workbook gets unwieldy. */
export const MAX_WAVE_SHEETS = 50;

export const SHEET_NAMES = {
  summary: SUMMARY_SHEET,
  vms: 'VMs',
  concerns: 'Concerns',
  waves: 'Waves',
  schedule: WAVE_SCHEDULE_SHEET,
  violations: 'Violations',
  networkMap: 'Network map',
  storageMap: 'Storage map',
  sizing: 'Sizing',
  policy: 'Policy',
} as const;

export function waveSheetName(wave: number): string {
  return `Wave ${wave}`;
}

export interface WaveReportOptions {
  /**
   * Shared strings make a smaller file, but exceljs keeps every distinct string in memory until
   * the end; inline strings keep memory flat. Default false.
   */
  useSharedStrings?: boolean;
}

export class WaveReportInputError extends Error {
  override readonly name = 'WaveReportInputError';
}

function kindStyle(kind: ColumnKind, value: string | number | null): CellStyle | undefined {
  switch (kind) {
    case 'integer':
      return STYLES.integer;
    case 'gib':
      return STYLES.gib;
    case 'hours':
      return STYLES.hours;
    case 'disposition':
      return typeof value === 'string' ? DISPOSITION_STYLES[value] : undefined;
    default:
      return undefined;
  }
}

/** A table column as written to a sheet: the shared definition or a sheet-only extra. */
interface SheetColumn<Row> {
  header: string;
  cell(row: Row): SheetCell;
  style?(value: SheetCell, row: Row): CellStyle | undefined;
}

function fromTableColumn<Row>(column: TableColumn<Row>): SheetColumn<Row> {
  return {
    header: column.header,
    cell: (row) => column.cell(row),
    style: (value) =>
      kindStyle(column.kind, typeof value === 'string' || typeof value === 'number' ? value : null),
  };
}

interface TableSheetOptions {
  frozenColumns?: number;
  /** Rows written above the header (a caption block), as cells. */
  caption?: readonly SheetCell[][];
}

/**
 * Writes a header row and one row per item, committing as it goes. Widths come from a first
 * pass over the same rows, so the rows are produced twice but never held as a sheet.
 */
async function writeTableSheet<Row>(
  workbook: StreamingWorkbook,
  name: string,
  columns: readonly SheetColumn<Row>[],
  rows: () => Iterable<Row>,
  options: TableSheetOptions = {},
): Promise<StreamingSheet> {
  const caption = options.caption ?? [];
  const headerRow = caption.length + 1;
  const sheet = workbook.addSheet(name, { frozenRows: headerRow, frozenColumns: options.frozenColumns ?? 0 });
  const headers = columns.map((column) => column.header);
  const widths = new ColumnWidths();
  widths.see(headers, undefined, 2);
  const values: SheetCell[] = new Array(columns.length);
  const styles: (CellStyle | undefined)[] = new Array(columns.length);
  const fill = (row: Row) => {
    for (let i = 0; i < columns.length; i++) {
      values[i] = columns[i].cell(row);
      styles[i] = columns[i].style?.(values[i], row);
    }
  };
  for (const row of rows()) {
    fill(row);
    widths.see(values, styles);
  }
  sheet.setColumnWidths(widths.widths(columns.length));
  for (const line of caption)
    await sheet.addRow(
      line,
      line.map((_, i) => (i === 0 ? STYLES.label : undefined)),
    );
  await sheet.addRow(
    headers,
    headers.map(() => STYLES.header),
  );
  for (const row of rows()) {
    fill(row);
    await sheet.addRow(values, styles);
  }
  sheet.setAutoFilter(headerRow, columns.length);
  return sheet;
}

function parseInstant(iso: string): Date | string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date;
}

function validateInput(input: WaveReportInput): void {
  const waveNumbers = new Set<number>();
  for (const wave of input.waves) {
    if (!Number.isInteger(wave.number) || wave.number < 1) {
      throw new WaveReportInputError(
        `wave "${wave.name}" has number ${wave.number}; wave numbers are integers from 1`,
      );
    }
    if (waveNumbers.has(wave.number))
      throw new WaveReportInputError(`wave number ${wave.number} appears twice`);
    waveNumbers.add(wave.number);
  }
  const keys = new Set<string>();
  for (const vm of input.vms) {
    if (keys.has(vm.key)) throw new WaveReportInputError(`VM key "${vm.key}" appears twice`);
    keys.add(vm.key);
    if (vm.wave !== null && !waveNumbers.has(vm.wave)) {
      throw new WaveReportInputError(`VM "${vm.key}" is in wave ${vm.wave}, which the plan does not have`);
    }
  }
}

function concernRows(
  vms: readonly WaveReportVm[],
): () => Iterable<{ vm: WaveReportVm; concern: WaveReportConcern }> {
  return function* () {
    for (const vm of vms) for (const concern of vm.concerns) yield { vm, concern };
  };
}

/**
 * Writes the wave report workbook with exceljs's streaming writer: each row is committed as it
 * is written and each sheet is finished before the next starts, so memory stays flat however
 * many VMs the plan has (the input itself aside).
 */
export async function writeWaveReport(
  input: WaveReportInput,
  output: WorkbookOutput,
  options: WaveReportOptions = {},
): Promise<void> {
  validateInput(input);
  const waves = [...input.waves].sort((a, b) => a.number - b.number);
  const vmsByWave = groupVmsByWave(input.vms);
  const perWaveSheets = waves.length <= MAX_WAVE_SHEETS;
  // Without per-wave sheets a link lands on the wave's first row in the Waves sheet.
  const firstWavesRow = new Map<number, number>();
  let wavesRow = 2;
  for (const wave of waves) {
    firstWavesRow.set(wave.number, wavesRow);
    wavesRow += vmsByWave.get(wave.number)?.length ?? 0;
  }
  const waveLink = (wave: number): string =>
    perWaveSheets
      ? `${quoteSheetName(waveSheetName(wave))}!A1`
      : `${quoteSheetName(SHEET_NAMES.waves)}!A${firstWavesRow.get(wave) ?? 1}`;
  const wavesByNumber = new Map(waves.map((wave) => [wave.number, wave]));

  const generatedAt = parseInstant(input.generatedAt);
  const workbook = new StreamingWorkbook(output, {
    useSharedStrings: options.useSharedStrings ?? false,
    created: generatedAt instanceof Date ? generatedAt : new Date(0),
  });
  const violationSummaries = violationsByWave(input.violations);
  const schedule: ScheduleRow[] = waves.map((wave) => ({
    wave,
    violations: violationSummaries.get(wave.number) ?? NO_VIOLATIONS,
    link: waveLink(wave.number),
  }));
  const errors = input.violations.filter((violation) => violation.severity === 'error').length;
  try {
    await writeSummarySheet(workbook, {
      input,
      schedule,
      violations: { errors, warnings: input.violations.length - errors },
    });

    const vmColumns: SheetColumn<WaveReportVm>[] = VM_COLUMNS.map(fromTableColumn);
    const waveIndex = VM_COLUMNS.findIndex((column) => column.key === 'wave');
    vmColumns.splice(waveIndex + 1, 0, {
      header: 'Wave sheet',
      cell: (vm) =>
        vm.wave === null
          ? null
          : {
              text: perWaveSheets ? waveSheetName(vm.wave) : `Waves: wave ${vm.wave}`,
              location: waveLink(vm.wave),
            },
      style: (value) => (value === null ? undefined : STYLES.link),
    });
    await writeTableSheet(workbook, SHEET_NAMES.vms, vmColumns, () => input.vms, { frozenColumns: 2 });

    await writeTableSheet(
      workbook,
      SHEET_NAMES.concerns,
      [
        { header: 'VM key', cell: (row) => row.vm.key },
        { header: 'VM', cell: (row) => row.vm.name },
        { header: 'Wave', cell: (row) => row.vm.wave, style: () => STYLES.integer },
        {
          header: 'Severity',
          cell: (row) => row.concern.severity,
          style: (value) => SEVERITY_STYLES[String(value)],
        },
        { header: 'Concern', cell: (row) => row.concern.id },
        { header: 'Message', cell: (row) => row.concern.message },
        { header: 'Evidence', cell: (row) => formatEvidence(row.concern.evidence) },
      ],
      concernRows(input.vms),
    );

    const waveVmColumns = WAVE_VM_COLUMNS.map(fromTableColumn);
    const allWaveRows = function* (): Generator<WaveVmRow> {
      for (const wave of waves) for (const vm of vmsByWave.get(wave.number) ?? []) yield { wave, vm };
    };
    await writeTableSheet(workbook, SHEET_NAMES.waves, waveVmColumns, allWaveRows);

    await writeTableSheet(
      workbook,
      SHEET_NAMES.schedule,
      SCHEDULE_COLUMNS.map(
        (column): SheetColumn<ScheduleRow> => ({
          header: column.header,
          cell: (row) => column.cell(row),
          ...(column.style ? { style: column.style } : {}),
        }),
      ),
      () => schedule,
    );

    await writeTableSheet(
      workbook,
      SHEET_NAMES.violations,
      [
        {
          header: 'Wave',
          cell: (row: WaveReportViolation) => row.wave ?? 'plan',
          style: (value) => (typeof value === 'number' ? STYLES.integer : undefined),
        },
        {
          header: 'Severity',
          cell: (row) => row.severity,
          style: (value) => SEVERITY_STYLES[value === 'error' ? 'critical' : 'warning'],
        },
        { header: 'Blocks approval', cell: (row) => (row.severity === 'error' ? 'yes' : 'no') },
        { header: 'Code', cell: (row) => row.code },
        { header: 'Message', cell: (row) => row.message },
        { header: 'VMs', cell: (row) => row.vms.join(', ') },
        { header: 'Groups', cell: (row) => row.groups.join(', ') },
      ],
      () => input.violations,
    );

    if (perWaveSheets) {
      const perWaveColumns = waveVmColumns.slice(2);
      for (const wave of waves) {
        const window = localWindowText(wave.window) ?? 'not booked';
        const violations = violationSummaries.get(wave.number) ?? NO_VIOLATIONS;
        await writeTableSheet(
          workbook,
          waveSheetName(wave.number),
          perWaveColumns,
          function* () {
            for (const vm of vmsByWave.get(wave.number) ?? []) yield { wave, vm };
          },
          {
            caption: [
              [`Wave ${wave.number}: ${wave.name}`],
              ['Change window', window, 'Status', wave.status],
              [
                'Violations',
                `${violations.errors} error(s), ${violations.warnings} warning(s)`,
                violations.messages.join('; ') || null,
              ],
              ['VMs', wave.vmCount, 'Data (GiB)', wave.dataGiB, 'Est. hours', wave.estimatedHours],
              ['Concurrency', wave.concurrency, 'Groups', wave.groups.join(', ')],
              ['Hosts', wave.hosts.join(', ')],
              ['Datastores', wave.datastores.join(', ')],
            ],
          },
        );
      }
    }

    await writeTableSheet(
      workbook,
      SHEET_NAMES.networkMap,
      [
        { header: 'Source network', cell: (row) => row.sourceNetwork },
        { header: 'Target network', cell: (row) => row.targetNetwork },
        { header: 'Target type', cell: (row) => row.targetType },
        { header: 'Reason', cell: (row) => row.reason },
        { header: 'VMs in waves', cell: (row) => row.vms, style: () => STYLES.integer },
      ],
      () => input.networkMap,
    );
    await writeTableSheet(
      workbook,
      SHEET_NAMES.storageMap,
      [
        { header: 'Datastore', cell: (row) => row.datastore },
        { header: 'Storage class', cell: (row) => row.storageClass },
        { header: 'Reason', cell: (row) => row.reason },
        { header: 'Access mode', cell: (row) => row.accessMode },
        { header: 'Volume mode', cell: (row) => row.volumeMode },
        { header: 'VMs in waves', cell: (row) => row.vms, style: () => STYLES.integer },
        {
          header: 'Target storage, VMs in waves (GiB)',
          cell: (row) => row.targetStorageGiB,
          style: () => STYLES.gib,
        },
      ],
      () => input.storageMap,
    );

    const storageClasses = [
      ...new Set([
        ...Object.keys(input.sizing.estate.storageByClassGiB),
        ...input.sizing.clusters.flatMap((cluster) => Object.keys(cluster.storageByClassGiB)),
      ]),
    ].sort();
    const sizingRows = [
      { scope: `All clusters (${input.sizing.scope})`, sizing: input.sizing.estate },
      ...input.sizing.clusters.map((cluster) => ({ scope: `Cluster ${cluster.cluster}`, sizing: cluster })),
    ];
    await writeTableSheet(
      workbook,
      SHEET_NAMES.sizing,
      [
        { header: 'Scope', cell: (row) => row.scope },
        ...SIZING_HEADERS.map(
          (header, i): SheetColumn<(typeof sizingRows)[number]> => ({
            header,
            cell: (row) => sizingCells(row.sizing)[i],
            style: () => SIZING_STYLES[i],
          }),
        ),
        ...storageClasses.map(
          (storageClass): SheetColumn<(typeof sizingRows)[number]> => ({
            header: `${storageClass} (GiB)`,
            cell: (row) => row.sizing.storageByClassGiB[storageClass] ?? 0,
            style: () => STYLES.gib,
          }),
        ),
      ],
      () => sizingRows,
    );

    await writeTableSheet(
      workbook,
      SHEET_NAMES.policy,
      [
        { header: 'Setting', cell: (row) => row.key },
        { header: 'Value', cell: (row) => row.value },
      ],
      () => input.policy,
    );

    const plan = workbook.addSheet(PLAN_SHEET, { state: 'veryHidden' });
    plan.setColumnWidths([24, 40]);
    await plan.addRow(['format', WAVE_REPORT_FORMAT]);
    await plan.addRow(['planId', input.plan.id]);
    await plan.addRow(['planVersion', input.plan.version]);
    await plan.addRow(['planHash', input.plan.contentHash]);
    await plan.addRow(['generatedAt', input.generatedAt]);
    await plan.addRow([]);
    await plan.addRow(['VM key', 'Wave', 'Migration']);
    for (const vm of input.vms) {
      await plan.addRow([
        vm.key,
        vm.wave !== null && wavesByNumber.has(vm.wave) ? vm.wave : null,
        vm.migration ?? 'cold',
      ]);
    }

    await workbook.commit();
  } catch (error) {
    workbook.abort(error);
    if ('path' in output) await rm(output.path, { force: true });
    throw error;
  }
}
