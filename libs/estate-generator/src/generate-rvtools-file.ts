import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateEstate } from './estate-generator.js';
import type { GeneratedVmTruth, GenerateEstateOptions } from './model.js';
import { writeRvtoolsCsv } from './rvtools-csv-writer.js';
import { RVTOOLS_SHEETS, type RvtoolsVariant } from './rvtools-sheets.js';
import { writeRvtoolsXlsx } from './rvtools-xlsx-writer.js';

export type RvtoolsFileFormat = 'xlsx' | 'csv-zip' | 'csv-dir';

export interface GenerateRvtoolsFileOptions extends Omit<GenerateEstateOptions, 'vms'> {
  vms: number;
  /** File (xlsx, csv-zip) or folder (csv-dir) to write. */
  out: string;
  /** Default `xlsx`. */
  format?: RvtoolsFileFormat;
  /** Default `4.x`. */
  variant?: RvtoolsVariant;
  /** Sheets to write; default all the generator knows. */
  sheets?: readonly string[];
  /** xlsx only: shared strings table (smaller file, more memory). Default false. */
  sharedStrings?: boolean;
  /** xlsx only: zlib level 0-9. Default 6. */
  compressionLevel?: number;
}

export interface GeneratedRvtoolsFile {
  path: string;
  format: RvtoolsFileFormat;
  variant: RvtoolsVariant;
  seed: number;
  vms: number;
  /** Bytes on disk (all CSV files together for `csv-dir`). */
  bytes: number;
  /** CSV file names for the CSV formats, sheet names for xlsx. */
  contents: string[];
  /** How many VMs carry each trap, for a one-line summary. */
  traps: Record<string, number>;
}

const FORMATS: readonly RvtoolsFileFormat[] = ['xlsx', 'csv-zip', 'csv-dir'];
const VARIANTS: readonly RvtoolsVariant[] = ['4.x', '3.x'];

/** One call for `flotilla generate`: builds the estate for a seed and writes it in the chosen format. */
export async function generateRvtoolsFile(
  options: GenerateRvtoolsFileOptions,
): Promise<GeneratedRvtoolsFile> {
  const format = options.format ?? 'xlsx';
  const variant = options.variant ?? '4.x';
  if (!FORMATS.includes(format)) {
    throw new RangeError(`format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  }
  if (!VARIANTS.includes(variant)) {
    throw new RangeError(`variant must be one of ${VARIANTS.join(', ')}, got "${variant}"`);
  }
  if (!options.out) throw new RangeError('out: a file or folder to write is required');
  const { out, sheets } = options;
  const estate = generateEstate({
    vms: options.vms,
    seed: options.seed,
    vcenters: options.vcenters,
    datacentersPerVcenter: options.datacentersPerVcenter,
    clusters: options.clusters,
    hostsPerCluster: options.hostsPerCluster,
    asOf: options.asOf,
    domain: options.domain,
  });

  let contents: string[];
  let bytes: number;
  if (format === 'xlsx') {
    await writeRvtoolsXlsx(estate, out, {
      variant,
      sheets,
      sharedStrings: options.sharedStrings,
      compressionLevel: options.compressionLevel,
    });
    contents = [...(sheets ?? RVTOOLS_SHEETS)];
    bytes = (await stat(out)).size;
  } else if (format === 'csv-zip') {
    contents = await writeRvtoolsCsv(estate, { zip: out }, { variant, sheets });
    bytes = (await stat(out)).size;
  } else {
    contents = await writeRvtoolsCsv(estate, { dir: out }, { variant, sheets });
    bytes = 0;
    for (const name of contents) bytes += (await stat(join(out, name))).size;
  }
  return {
    path: out,
    format,
    variant,
    seed: estate.seed,
    vms: estate.vms.length,
    bytes,
    contents,
    traps: countTraps(estate.vms.map((vm) => vm.truth)),
  };
}

export function countTraps(truths: readonly GeneratedVmTruth[]): Record<string, number> {
  const count = (test: (truth: GeneratedVmTruth) => boolean) => truths.filter(test).length;
  return {
    templates: count((t) => t.isTemplate),
    srmPlaceholders: count((t) => t.isSrmPlaceholder),
    vcls: count((t) => t.isVcls),
    infrastructure: count((t) => t.isInfrastructure),
    rdm: count((t) => t.hasRdm),
    sharedDisk: count((t) => t.hasSharedDisk),
    independentDisk: count((t) => t.hasIndependentDisk),
    passthrough: count((t) => t.passthrough !== null),
    usb: count((t) => t.hasUsb),
    connectedCdrom: count((t) => t.hasConnectedCdrom),
    snapshots: count((t) => t.snapshotCount > 0),
    snapshotsOverAYear: count((t) => (t.oldestSnapshotDays ?? 0) > 365),
    toolsNotRunning: count((t) => t.toolsNotRunning),
    legacyOs: count((t) => t.legacyOs),
    unusualOs: count((t) => t.unusualOs),
    osMismatch: count((t) => t.osMismatch),
    longPoweredOff: count((t) => t.longPoweredOff),
    efi: count((t) => t.efi),
    secureBoot: count((t) => t.secureBoot),
    tpm: count((t) => t.tpm),
    multiNic: count((t) => t.multiNic),
    duplicateNames: count((t) => t.nameTraits.includes('duplicate')),
    unicodeNames: count((t) => t.nameTraits.includes('unicode')),
  };
}
