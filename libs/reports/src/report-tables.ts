import type { EvidenceValue, WaveReportConcern, WaveReportVm, WaveReportWave } from './model.js';

/**
 * The VMs and Waves tables, defined once for the workbook, CSV and JSON exports so the three
 * never disagree on columns, headers or units.
 */

export type ColumnKind = 'text' | 'integer' | 'gib' | 'hours' | 'disposition';

export interface TableColumn<Row> {
  /** Header with its unit, e.g. `Memory (GiB)`. */
  header: string;
  /** Property name in the JSON export. */
  key: string;
  kind: ColumnKind;
  /** Value for a spreadsheet or CSV cell. */
  cell(row: Row): string | number | null;
  /** Value for JSON when it differs from the cell (lists stay lists). */
  json?(row: Row): unknown;
}

export function formatEvidence(evidence: Readonly<Record<string, EvidenceValue>>): string {
  return Object.entries(evidence)
    .map(([key, value]) => `${key}: ${value === null ? 'null' : String(value)}`)
    .join('; ');
}

export function formatConcerns(concerns: readonly WaveReportConcern[]): string {
  return concerns.map((concern) => `[${concern.severity}] ${concern.id}: ${concern.message}`).join('; ');
}

const list = (values: readonly string[]): string => values.join(', ');

/** The per-VM `cold`/`warm` column of the VMs and Waves sheets; the load-back reads it. */
export const MIGRATION_HEADER = 'Migration';

export const VM_COLUMNS: readonly TableColumn<WaveReportVm>[] = [
  { header: 'VM key', key: 'vmKey', kind: 'text', cell: (vm) => vm.key },
  { header: 'VM', key: 'vm', kind: 'text', cell: (vm) => vm.name },
  { header: 'Disposition', key: 'disposition', kind: 'disposition', cell: (vm) => vm.disposition },
  { header: 'Effort', key: 'effort', kind: 'text', cell: (vm) => vm.effort },
  { header: 'Score', key: 'score', kind: 'integer', cell: (vm) => vm.score },
  { header: 'Wave', key: 'wave', kind: 'integer', cell: (vm) => vm.wave },
  { header: 'Group', key: 'group', kind: 'text', cell: (vm) => vm.group },
  { header: 'Guest OS', key: 'os', kind: 'text', cell: (vm) => vm.os },
  { header: 'OS family', key: 'osFamily', kind: 'text', cell: (vm) => vm.osFamily },
  { header: 'Preference', key: 'preference', kind: 'text', cell: (vm) => vm.preference },
  { header: 'Conversion', key: 'conversion', kind: 'text', cell: (vm) => vm.conversion },
  { header: MIGRATION_HEADER, key: 'migration', kind: 'text', cell: (vm) => vm.migration ?? 'cold' },
  { header: 'Warm readiness', key: 'warmReadiness', kind: 'text', cell: (vm) => vm.warmReadiness ?? null },
  { header: 'vCPU', key: 'vcpus', kind: 'integer', cell: (vm) => vm.vcpus },
  { header: 'Memory (GiB)', key: 'memoryGiB', kind: 'gib', cell: (vm) => vm.memoryGiB },
  { header: 'Provisioned (GiB)', key: 'provisionedGiB', kind: 'gib', cell: (vm) => vm.provisionedGiB },
  { header: 'Used (GiB)', key: 'usedGiB', kind: 'gib', cell: (vm) => vm.usedGiB },
  { header: 'Data to copy (GiB)', key: 'transferGiB', kind: 'gib', cell: (vm) => vm.transferGiB },
  {
    header: 'Target storage (GiB)',
    key: 'targetStorageGiB',
    kind: 'gib',
    cell: (vm) => vm.targetStorageGiB,
  },
  { header: 'Out of scope', key: 'outOfScope', kind: 'text', cell: (vm) => vm.outOfScope },
  {
    header: 'Storage class',
    key: 'storageClasses',
    kind: 'text',
    cell: (vm) => list(vm.storageClasses),
    json: (vm) => vm.storageClasses,
  },
  {
    header: 'Target network',
    key: 'targetNetworks',
    kind: 'text',
    cell: (vm) => list(vm.targetNetworks),
    json: (vm) => vm.targetNetworks,
  },
  {
    header: 'Est. transfer (hours)',
    key: 'estimatedTransferHours',
    kind: 'hours',
    cell: (vm) => vm.estimatedTransferHours,
  },
  { header: 'Concerns', key: 'concernCount', kind: 'integer', cell: (vm) => vm.concerns.length },
  {
    header: 'Concern details',
    key: 'concerns',
    kind: 'text',
    cell: (vm) => formatConcerns(vm.concerns),
    json: (vm) => vm.concerns,
  },
];

/** One row of the Waves table: a VM in its wave. */
export interface WaveVmRow {
  wave: WaveReportWave;
  vm: WaveReportVm;
}

export const WAVE_VM_COLUMNS: readonly TableColumn<WaveVmRow>[] = [
  { header: 'Wave', key: 'wave', kind: 'integer', cell: (row) => row.wave.number },
  { header: 'Wave name', key: 'waveName', kind: 'text', cell: (row) => row.wave.name },
  { header: 'VM key', key: 'vmKey', kind: 'text', cell: (row) => row.vm.key },
  { header: 'VM', key: 'vm', kind: 'text', cell: (row) => row.vm.name },
  { header: 'Group', key: 'group', kind: 'text', cell: (row) => row.vm.group },
  { header: 'Disposition', key: 'disposition', kind: 'disposition', cell: (row) => row.vm.disposition },
  { header: MIGRATION_HEADER, key: 'migration', kind: 'text', cell: (row) => row.vm.migration ?? 'cold' },
  { header: 'vCPU', key: 'vcpus', kind: 'integer', cell: (row) => row.vm.vcpus },
  { header: 'Memory (GiB)', key: 'memoryGiB', kind: 'gib', cell: (row) => row.vm.memoryGiB },
  { header: 'Data to copy (GiB)', key: 'transferGiB', kind: 'gib', cell: (row) => row.vm.transferGiB },
  {
    header: 'Est. transfer (hours)',
    key: 'estimatedTransferHours',
    kind: 'hours',
    cell: (row) => row.vm.estimatedTransferHours,
  },
  {
    header: 'Storage class',
    key: 'storageClasses',
    kind: 'text',
    cell: (row) => list(row.vm.storageClasses),
    json: (row) => row.vm.storageClasses,
  },
  {
    header: 'Target network',
    key: 'targetNetworks',
    kind: 'text',
    cell: (row) => list(row.vm.targetNetworks),
    json: (row) => row.vm.targetNetworks,
  },
  {
    header: 'Wave cutover (UTC)',
    key: 'waveCutoverAt',
    kind: 'text',
    cell: (row) => row.wave.migration?.cutoverAt ?? null,
  },
  {
    header: 'Wave downtime warm (min)',
    key: 'waveDowntimeWarmMinutes',
    kind: 'hours',
    cell: (row) => row.wave.migration?.downtimeWarmMinutes ?? null,
  },
  {
    header: 'Wave downtime cold (min)',
    key: 'waveDowntimeColdMinutes',
    kind: 'hours',
    cell: (row) => row.wave.migration?.downtimeColdMinutes ?? null,
  },
];

/** Waves in number order, each with its VMs in input order. */
export function* waveVmRows(
  waves: readonly WaveReportWave[],
  vms: readonly WaveReportVm[],
): Generator<WaveVmRow> {
  const byWave = groupVmsByWave(vms);
  for (const wave of [...waves].sort((a, b) => a.number - b.number)) {
    for (const vm of byWave.get(wave.number) ?? []) yield { wave, vm };
  }
}

export function groupVmsByWave(vms: readonly WaveReportVm[]): Map<number, WaveReportVm[]> {
  const byWave = new Map<number, WaveReportVm[]>();
  for (const vm of vms) {
    if (vm.wave === null) continue;
    const list = byWave.get(vm.wave);
    if (list) list.push(vm);
    else byWave.set(vm.wave, [vm]);
  }
  return byWave;
}
