import { rm } from 'node:fs/promises';
import { type ChartImage, renderDataPerWaveChart, renderDispositionChart } from './charts.js';
import type {
  WaveReportConcern,
  WaveReportInput,
  WaveReportSizing,
  WaveReportVm,
  WaveReportWave,
} from './model.js';
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

/** Identifies a workbook this module wrote; the load-back refuses anything else. */
export const WAVE_REPORT_FORMAT = 'flotilla-wave-report/1';
export const PLAN_SHEET = '_flotilla';
/** Rows of the plan sheet before the VM key / wave table that the load-back compares with. */
export const PLAN_SHEET_ASSIGNMENT_HEADER_ROW = 7;
/** Per-wave sheets are written only up to this many waves; past it the workbook gets unwieldy. */
export const MAX_WAVE_SHEETS = 50;

export const SHEET_NAMES = {
  summary: 'Summary',
  vms: 'VMs',
  concerns: 'Concerns',
  waves: 'Waves',
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

const MIN_WIDTH = 6;
const MAX_WIDTH = 60;

function numberLength(value: number, decimals: number): number {
  const abs = Math.abs(value);
  const digits = abs < 1 ? 1 : Math.floor(Math.log10(abs)) + 1;
  return digits + Math.floor((digits - 1) / 3) + (decimals > 0 ? decimals + 1 : 0) + (value < 0 ? 1 : 0);
}

function displayLength(value: SheetCell, style: CellStyle | undefined): number {
  if (value === null) return 0;
  if (typeof value === 'number') {
    const format = style?.numFmt ?? '';
    return numberLength(value, format.includes('.0') ? 1 : format === '' ? 2 : 0);
  }
  if (typeof value === 'boolean') return 5;
  if (value instanceof Date) return 16;
  const text = typeof value === 'string' ? value : value.text;
  if (!text.includes('\n')) return text.length;
  return Math.max(...text.split('\n').map((line) => line.length));
}

/** Column widths from the longest content seen, with room for the autofilter button. */
class ColumnWidths {
  private readonly lengths: number[] = [];

  see(values: readonly SheetCell[], styles?: readonly (CellStyle | undefined)[], extra = 0): void {
    for (let i = 0; i < values.length; i++) {
      const length = displayLength(values[i], styles?.[i]) + extra;
      if (length > (this.lengths[i] ?? 0)) this.lengths[i] = length;
    }
  }

  widths(count = this.lengths.length): number[] {
    return Array.from({ length: count }, (_, i) => {
      const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, (this.lengths[i] ?? 0) + 2));
      // exceljs drops a column whose width is exactly its default of 9, and Excel's is 8.43.
      return width === 9 ? 10 : width;
    });
  }
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

interface SummaryLine {
  cells: SheetCell[];
  styles?: (CellStyle | undefined)[];
}

function sortedCounts(
  counts: Readonly<Record<string, number>>,
  order: readonly string[] = [],
): [string, number][] {
  const known = order.filter((key) => key in counts).map((key): [string, number] => [key, counts[key]]);
  const rest = Object.entries(counts)
    .filter(([key]) => !order.includes(key))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [...known, ...rest];
}

function countBlock(
  title: string,
  label: string,
  counts: Readonly<Record<string, number>>,
  order: readonly string[] = [],
  fills: Readonly<Record<string, CellStyle>> = {},
): SummaryLine[] {
  const entries = sortedCounts(counts, order);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return [
    { cells: [title], styles: [STYLES.section] },
    { cells: [label, 'VMs', 'Share'], styles: [STYLES.header, STYLES.header, STYLES.header] },
    ...entries.map(
      ([key, count]): SummaryLine => ({
        cells: [key, count, total > 0 ? count / total : 0],
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

function sizingCells(sizing: WaveReportSizing): SheetCell[] {
  return [
    sizing.vms,
    sizing.vcpus,
    sizing.memoryGiB,
    sizing.memoryWithOverheadGiB,
    sizing.storageGiB,
    sizing.workerNodes,
  ];
}

const WAVE_SUMMARY_HEADERS = [
  'Wave',
  'Name',
  'Window start (UTC)',
  'Window end (UTC)',
  'VMs',
  'Data (GiB)',
  'Est. duration (hours)',
  'Concurrency',
  'Status',
];

function waveSummaryCells(
  wave: WaveReportWave,
  link: string,
): { cells: SheetCell[]; styles: (CellStyle | undefined)[] } {
  const start = wave.window ? parseInstant(wave.window.start) : null;
  const end = wave.window ? parseInstant(wave.window.end) : null;
  return {
    cells: [
      wave.number,
      { text: wave.name || waveSheetName(wave.number), location: link },
      start,
      end,
      wave.vmCount,
      wave.dataGiB,
      wave.estimatedHours,
      wave.concurrency,
      wave.status,
    ],
    styles: [
      STYLES.integer,
      STYLES.link,
      start instanceof Date ? STYLES.date : undefined,
      end instanceof Date ? STYLES.date : undefined,
      STYLES.integer,
      STYLES.gib,
      STYLES.hours,
      STYLES.integer,
      undefined,
    ],
  };
}

const PIXELS_PER_ROW = 20;

async function writeSummarySheet(
  workbook: StreamingWorkbook,
  input: WaveReportInput,
  waves: readonly WaveReportWave[],
  waveLink: (wave: number) => string,
): Promise<void> {
  const generatedAt = parseInstant(input.generatedAt);
  const estate = input.estate;
  const lines: SummaryLine[] = [
    { cells: ['Flotilla wave report'], styles: [STYLES.title] },
    { cells: ['Plan', input.plan.name ?? input.plan.id], styles: [STYLES.label] },
    { cells: ['Plan id', input.plan.id], styles: [STYLES.label] },
    { cells: ['Plan version', input.plan.version], styles: [STYLES.label, STYLES.integer] },
    { cells: ['Plan content hash', input.plan.contentHash], styles: [STYLES.label] },
    {
      cells: ['Generated (UTC)', generatedAt],
      styles: [STYLES.label, generatedAt instanceof Date ? STYLES.date : undefined],
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
    { cells: ['Estate'], styles: [STYLES.section] },
    { cells: ['VMs', estate.vms], styles: [STYLES.label, STYLES.integer] },
    { cells: ['vCPU', estate.vcpus], styles: [STYLES.label, STYLES.integer] },
    { cells: ['Memory (GiB)', estate.memoryGiB], styles: [STYLES.label, STYLES.gib] },
    { cells: ['Provisioned storage (GiB)', estate.provisionedGiB], styles: [STYLES.label, STYLES.gib] },
    { cells: ['Used storage (GiB)', estate.usedGiB], styles: [STYLES.label, STYLES.gib] },
    { cells: ['Data to copy in waves (GiB)', estate.transferGiB], styles: [STYLES.label, STYLES.gib] },
    {
      cells: ['Est. duration of all waves (hours)', estate.transferHours],
      styles: [STYLES.label, STYLES.hours],
    },
    { cells: ['Waves', waves.length], styles: [STYLES.label, STYLES.integer] },
    { cells: [] },
    ...countBlock(
      'VMs by disposition',
      'Disposition',
      input.counts.byDisposition,
      ['rehost', 'retain', 'retire'],
      DISPOSITION_STYLES,
    ),
    ...countBlock('VMs by effort', 'Effort', input.counts.byEffort, ['low', 'medium', 'high']),
    ...countBlock('VMs by OS family', 'OS family', input.counts.byOsFamily),
    ...countBlock('VMs by concern', 'Concern', input.counts.byConcern),
    { cells: ['Target sizing'], styles: [STYLES.section] },
    {
      cells: ['Scope', ...SIZING_HEADERS],
      styles: [STYLES.header, ...SIZING_HEADERS.map(() => STYLES.header)],
    },
    { cells: ['Estate', ...sizingCells(input.sizing.estate)], styles: [STYLES.label, ...SIZING_STYLES] },
    ...input.sizing.clusters.map(
      (cluster): SummaryLine => ({
        cells: [`Cluster ${cluster.cluster}`, ...sizingCells(cluster)],
        styles: [undefined, ...SIZING_STYLES],
      }),
    ),
    { cells: [] },
    { cells: ['Waves'], styles: [STYLES.section] },
    { cells: WAVE_SUMMARY_HEADERS, styles: WAVE_SUMMARY_HEADERS.map(() => STYLES.header) },
    ...waves.map((wave) => waveSummaryCells(wave, waveLink(wave.number))),
  ];

  const widths = new ColumnWidths();
  // The title and section captions overflow into empty neighbours; they do not size column A.
  for (const line of lines) {
    if (line.cells.length > 1 || line.styles?.[0] === STYLES.label) widths.see(line.cells, line.styles);
  }
  const columnCount = Math.max(...lines.map((line) => line.cells.length));
  const columnWidths = widths.widths(columnCount);

  const charts: ChartImage[] = [
    renderDispositionChart(input.counts.byDisposition),
    renderDataPerWaveChart(waves.map((wave) => ({ number: wave.number, dataGiB: wave.dataGiB }))),
  ];
  const sheet = workbook.addSheet(SHEET_NAMES.summary);
  sheet.setColumnWidths(columnWidths);
  for (const line of lines) await sheet.addRow(line.cells, line.styles);
  let row = 1;
  sheet.addImages(
    charts.map((chart) => {
      const anchor = {
        col: columnCount + 1,
        row,
        widthPx: chart.width,
        heightPx: chart.height,
        description: chart.description,
      };
      row += Math.ceil(chart.height / PIXELS_PER_ROW) + 1;
      return { mediaId: workbook.addPng(chart.png), anchor };
    }),
  );
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
  try {
    await writeSummarySheet(workbook, input, waves, waveLink);

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

    if (perWaveSheets) {
      const perWaveColumns = waveVmColumns.slice(2);
      for (const wave of waves) {
        const window = wave.window ? `${wave.window.start} to ${wave.window.end}` : 'not booked';
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
              ['Window (UTC)', window, 'Status', wave.status],
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
        { header: 'VMs', cell: (row) => row.vms, style: () => STYLES.integer },
      ],
      () => input.networkMap,
    );
    await writeTableSheet(
      workbook,
      SHEET_NAMES.storageMap,
      [
        { header: 'Datastore', cell: (row) => row.datastore },
        { header: 'Storage class', cell: (row) => row.storageClass },
        { header: 'Access mode', cell: (row) => row.accessMode },
        { header: 'Volume mode', cell: (row) => row.volumeMode },
        { header: 'VMs', cell: (row) => row.vms, style: () => STYLES.integer },
        { header: 'Provisioned (GiB)', cell: (row) => row.provisionedGiB, style: () => STYLES.gib },
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
      { scope: 'Estate', sizing: input.sizing.estate },
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
    await plan.addRow(['VM key', 'Wave']);
    for (const vm of input.vms) {
      await plan.addRow([vm.key, vm.wave !== null && wavesByNumber.has(vm.wave) ? vm.wave : null]);
    }

    await workbook.commit();
  } catch (error) {
    workbook.abort(error);
    if ('path' in output) await rm(output.path, { force: true });
    throw error;
  }
}
