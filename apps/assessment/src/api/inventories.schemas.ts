import { z } from 'zod';
import { apiError, booleanText, page, pageQuery, timestamp } from './common.schemas.js';

/** Inventories: RVTools uploads and the VMs they list. */

export const importDiagnostic = z
  .object({
    severity: z.enum(['error', 'warning', 'info']),
    sheet: z.string().nullable(),
    row: z.number().int().nullable().meta({ description: '1-based row as a spreadsheet shows it' }),
    column: z.string().nullable(),
    value: z.string().nullable().optional(),
    message: z.string(),
  })
  .meta({ id: 'ImportDiagnostic', description: 'A row-level problem that did not stop the import' });

const exportedAt = timestamp.nullable().meta({
  description:
    'When RVTools wrote the export; assessments count ages to it. Null when the export does not say',
});
const exportedAtBasis = z.enum(['vMetaData', 'file-name', 'newest-timestamp']).nullable().meta({
  description: "vMetaData's creation time, a date in the file name, or the newest timestamp in the file",
});

export const inventorySummary = z
  .object({
    vms: z.number().int(),
    templates: z.number().int(),
    poweredOn: z.number().int(),
    poweredOff: z.number().int(),
    hosts: z.number().int(),
    clusters: z.number().int(),
    datacenters: z.number().int(),
    datastores: z.number().int(),
    networks: z.number().int(),
    disks: z.number().int(),
    provisionedGiB: z.number(),
    inUseGiB: z.number(),
    vcpus: z.number().int(),
    memoryGiB: z.number(),
    diagnostics: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    exportedAt: exportedAt.optional(),
    exportedAtBasis: exportedAtBasis.optional(),
  })
  .meta({ id: 'InventorySummary' });

const vcenterRef = z.object({ server: z.string().nullable(), uuid: z.string().nullable() });

export const inventoryRecord = z
  .object({
    id: z.uuid(),
    name: z.string(),
    fileName: z.string(),
    format: z.string().meta({ description: 'xlsx, csv-zip, csv-folder or csv' }),
    rvtoolsVersion: z.string().nullable(),
    exportedAt,
    exportedAtBasis,
    createdAt: timestamp,
    summary: inventorySummary,
  })
  .meta({ id: 'Inventory' });

export const inventoryDetail = inventoryRecord
  .extend({
    source: z.object({
      fileName: z.string(),
      format: z.enum(['xlsx', 'csv-zip', 'csv-folder', 'csv']),
      rvtoolsVersion: z.string().nullable(),
      sheets: z.array(z.string()),
      vcenters: z.array(vcenterRef),
      exportedAt: exportedAt.optional(),
      exportedAtBasis: exportedAtBasis.optional(),
    }),
    diagnostics: z.array(importDiagnostic),
  })
  .meta({ id: 'InventoryDetail' });

export const importResult = z
  .object({
    inventoryId: z.uuid(),
    name: z.string(),
    fileName: z.string(),
    format: z.string(),
    rvtoolsVersion: z.string().nullable(),
    summary: inventorySummary,
    diagnostics: z.array(importDiagnostic),
  })
  .meta({ id: 'ImportResult' });

const byteCount = z.number().int().nullable();

export const importProgress = z
  .object({
    sheet: z
      .string()
      .nullable()
      .meta({ description: 'The sheet being read (the last one read once storing)' }),
    sheetRows: z.number().int().meta({ description: 'Rows read in that sheet so far' }),
    rowsRead: z.number().int().meta({ description: 'Rows read in every sheet so far' }),
    vmsFound: z.number().int().meta({ description: 'VMs (and templates) vInfo has listed so far' }),
    vmsStored: z.number().int(),
    inflatedBytes: byteCount.meta({ description: 'Bytes of the zip inflated so far; null for CSV files' }),
    totalInflatedBytes: byteCount.meta({ description: 'Bytes the sheets to read inflate to in all' }),
    percent: z
      .number()
      .nullable()
      .meta({ description: 'Of the whole import (reading, then storing), when it can be told' }),
  })
  .meta({ id: 'ImportProgress' });

export const importJob = z
  .object({
    id: z.uuid(),
    fileName: z.string(),
    stage: z.enum(['reading', 'storing', 'succeeded', 'failed']).meta({
      description: 'reading the file (in a sandboxed worker), storing it (one transaction), or over',
    }),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    progress: importProgress,
    result: importResult.nullable().meta({ description: 'Once succeeded: what POST /inventories answers' }),
    error: apiError
      .nullable()
      .meta({ description: 'Once failed: the body (and statusCode) POST /inventories would have answered' }),
  })
  .meta({ id: 'ImportJob' });

export const uploadForm = z.object({
  // Multipart text fields are parsed after the JSON NUL check has run, so they are checked here.
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((value) => !value.includes('\u0000'), 'contains a NUL character (\\u0000)')
    .optional()
    .meta({ description: 'Display name; defaults to the file name' }),
});

export const uploadQuery = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Display name (the form field `name` takes precedence)' }),
});

const powerState = z.enum(['poweredOn', 'poweredOff', 'suspended', 'unknown']);

export const vmListItem = z
  .object({
    id: z.number().int(),
    key: z.string().meta({ description: '`<vCenter>/<moref>`, stable inside one inventory' }),
    name: z.string(),
    moref: z.string().nullable(),
    uuid: z.string().nullable(),
    datacenter: z.string().nullable(),
    cluster: z.string().nullable(),
    host: z.string().nullable(),
    powerState: z.string(),
    guestOs: z.string().nullable(),
    template: z.boolean(),
    cpus: z.number().int(),
    memoryMiB: z.number(),
    provisionedMiB: z.number().nullable(),
  })
  .meta({ id: 'InventoryVmListItem' });

export const vmPage = page(vmListItem).meta({ id: 'InventoryVmPage' });

export const vmQuery = z.object({
  ...pageQuery,
  cluster: z.string().optional(),
  powerState: powerState.optional(),
  os: z.string().optional().meta({ description: 'Matches the configured or the Tools-reported guest OS' }),
  search: z.string().optional().meta({ description: 'Part of the name, key or DNS name' }),
  template: booleanText.optional(),
});

/**
 * One VM as the import normalized it. The main fields are listed; the hardware lists (disks, NICs,
 * snapshots...) and the raw source rows follow the inventory model and are not fixed here.
 */
export const inventoryVm = vmListItem
  .pick({
    id: true,
    key: true,
    name: true,
    moref: true,
    uuid: true,
    datacenter: true,
    cluster: true,
    host: true,
    template: true,
    cpus: true,
    memoryMiB: true,
    provisionedMiB: true,
  })
  .extend({
    vcenter: vcenterRef,
    folder: z.string().nullable(),
    powerState,
    guestOsConfig: z.string().nullable(),
    guestOsTools: z.string().nullable(),
    firmware: z.enum(['bios', 'efi', 'unknown']),
    inUseMiB: z.number().nullable(),
    customAttributes: z.record(z.string(), z.string()),
    disks: z.array(z.looseObject({ label: z.string(), capacityMiB: z.number() })),
    nics: z.array(z.looseObject({ label: z.string(), network: z.string().nullable() })),
  })
  .catchall(z.unknown())
  .meta({ id: 'InventoryVm' });
