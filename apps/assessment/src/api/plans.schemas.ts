import { z } from 'zod';
import { changeWindowSchema, planSettingsSchema } from '#libs/waves';
import { effort, severity, timestamp, uuid } from './common.schemas.js';

/** Plans: waves planned from an assessment, edits, settings, maps and approvals. */

export const planSettings = planSettingsSchema.meta({
  id: 'PlanSettings',
  description:
    'Constraints, grouping, dependencies, ordering, network/storage maps, namespaces, manual edits',
});

export const createPlanBody = z.object({
  assessmentId: uuid,
  name: z.string().trim().max(200).optional(),
  settings: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'Any part of PlanSettings; the rest takes the defaults' }),
});

/** Checked against PlanSettings once merged into the stored settings, so the patch itself is open. */
export const settingsPatchBody = z
  .record(z.string(), z.unknown())
  .meta({ description: 'A JSON merge-patch of PlanSettings; the plan is re-planned with the result' });

const settingsShape = planSettingsSchema.unwrap().shape;

/** Source -> target, merged into the stored map by source: an entry replaces, a null removes. */
const mapEntriesPatch = <T extends z.ZodType>(target: T) =>
  z.record(z.string(), target.nullable()).optional().meta({
    description:
      'Source -> target, merged into the stored map: an entry replaces the stored one, null removes it (the source is unmapped again)',
  });

export const mapsBody = z.object({
  networkMap: mapEntriesPatch(settingsShape.networkMap.unwrap().valueType),
  storageMap: mapEntriesPatch(settingsShape.storageMap.unwrap().valueType),
  targetNamespace: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'Merged into the stored target namespaces (see PlanSettings)' }),
});

const mapSourceEntry = z
  .object({
    source: z
      .string()
      .meta({ description: 'Port group / datastore name, or "(no network)" / "(unnamed datastore)"' }),
    unnamed: z.boolean().meta({ description: 'The export names no network or datastore here' }),
    vms: z.number().int().meta({ description: 'VMs in waves using it' }),
    items: z.number().int().meta({ description: 'NICs or disks using it' }),
    waves: z.array(z.number().int()),
    exampleVms: z.array(z.string()),
    target: z
      .union([settingsShape.networkMap.unwrap().valueType, settingsShape.storageMap.unwrap().valueType])
      .nullable()
      .meta({ description: 'null while unmapped: the waves using it cannot be approved' }),
  })
  .meta({ id: 'MapSourceEntry' });

export const mapsView = z
  .object({
    networkMap: settingsShape.networkMap.unwrap(),
    storageMap: settingsShape.storageMap.unwrap(),
    targetNamespace: settingsShape.targetNamespace.unwrap(),
    sources: z
      .object({ networks: z.array(mapSourceEntry), datastores: z.array(mapSourceEntry) })
      .meta({ description: 'Every source the waves need, mapped or not' }),
  })
  .meta({ id: 'PlanMaps' });

const waveKeyed = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), value.nullable())
    .optional()
    .meta({ description: 'Wave number -> value; null clears that wave' });

/** Checked against PlanSettings.migration once merged into the stored settings. */
export const migrationPatchBody = z
  .object({
    type: z.enum(['cold', 'warm']).optional().meta({ description: "The plan's default" }),
    byWave: waveKeyed(z.enum(['cold', 'warm'], { message: 'must be cold or warm' })),
    warmVms: z.array(z.string()).optional().meta({ description: 'VM names, globs or /regexes/ moved warm' }),
    coldVms: z
      .array(z.string())
      .optional()
      .meta({ description: 'VM names, globs or /regexes/ moved cold (wins)' }),
    precopyIntervalMinutes: z.number().optional(),
    cutoverAt: waveKeyed(z.string().meta({ format: 'date-time' })),
    changeRatePercentPerHour: z.number().optional(),
    conversionMinutes: z.number().optional(),
    bootMinutes: z.number().optional(),
  })
  .strict()
  .meta({
    id: 'MigrationPatch',
    description:
      'A merge-patch of PlanSettings.migration: lists replace, null entries of byWave/cutoverAt clear',
  });

export const changeWindowBody = changeWindowSchema.meta({
  id: 'ChangeWindow',
  description:
    'A booked change window: ISO 8601 instants with an offset, and the IANA zone the report shows it in',
});

const vmKey = z.string().min(1);
const group = z.string().min(1);
const toWave = z.number().int().positive();

export const planEdit = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('move-vm'), vmKey, toWave, pin: z.boolean().optional() }),
    z.object({ kind: z.literal('move-group'), group, toWave, pin: z.boolean().optional() }),
    z.object({ kind: z.literal('pin-vm'), vmKey }),
    z.object({ kind: z.literal('unpin-vm'), vmKey }),
    z.object({ kind: z.literal('pin-group'), group }),
    z.object({ kind: z.literal('unpin-group'), group }),
    z.object({ kind: z.literal('exclude-vm'), vmKey }),
    z.object({ kind: z.literal('include-vm'), vmKey, toWave: toWave.optional() }),
    z.object({ kind: z.literal('exclude-group'), group }),
    z.object({ kind: z.literal('include-group'), group, toWave: toWave.optional() }),
    z.object({ kind: z.literal('add-wave') }),
  ])
  .meta({ id: 'PlanEdit' });

export const editsBody = z.union([planEdit, z.array(planEdit).min(1)]);

/** The wave's `approval.contentHash` as the approver saw it (GET /plans/:id/waves/:n). */
export const approveBody = z
  .object({
    contentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the wave's 64-hex content hash")
      .optional(),
  })
  .strict()
  .meta({ id: 'ApproveWave' });

export const waveApproval = z
  .object({
    number: z.number().int(),
    status: z.enum(['draft', 'approved', 'executing', 'completed', 'failed', 'cancelled']),
    contentHash: z.string(),
    approvedHash: z.string().nullable(),
    approvedBy: z.string().nullable(),
    approvedAt: timestamp.nullable(),
  })
  .meta({ id: 'WaveApproval' });

export const violation = z
  .object({
    code: z
      .string()
      .meta({ description: 'e.g. wave-over-vm-cap, unmapped-network, group-split, warm-not-ready' }),
    severity: z.enum(['error', 'warning']).meta({ description: 'Errors block approval of the wave' }),
    wave: z.number().int().nullable(),
    message: z.string(),
    vmKeys: z.array(z.string()),
    groups: z.array(z.string()),
  })
  .meta({ id: 'Violation' });

const migrationType = z.enum(['cold', 'warm']);

const downtimeMinutes = z
  .object({
    warm: z.number().meta({ description: 'Moved warm: the final delta, conversion and boot' }),
    cold: z.number().meta({ description: 'Moved cold: the full copy, conversion and boot' }),
  })
  .meta({ id: 'DowntimeMinutes' });

export const waveMigration = z
  .object({
    warmVms: z.number().int(),
    coldVms: z.number().int(),
    cutoverAt: timestamp
      .nullable()
      .meta({ description: 'The booked cutover of its warm VMs; null: an operator says when' }),
    hoursToCutoverReady: z.number().nullable().meta({
      description:
        'Hours from the start until the warm VMs can cut over (their initial full copy); null with no warm VM',
    }),
    downtimeMinutes: downtimeMinutes.extend({
      planned: z
        .number()
        .meta({ description: 'As the plan moves each VM (cold and warm VMs each stopped for their part)' }),
    }),
  })
  .meta({
    id: 'WaveMigration',
    description:
      'Warm/cold split and estimates; absent in plans stored before warm migration (re-plan to fill)',
  });

export const wave = z
  .object({
    number: z.number().int(),
    pilot: z.boolean(),
    addedByHand: z.boolean(),
    vmKeys: z.array(z.string()),
    vms: z.array(
      z.object({
        key: z.string(),
        name: z.string(),
        group: z.string(),
        targetName: z.string(),
        targetNamespace: z.string(),
        effort: effort.nullable(),
        dataMiB: z.number(),
        host: z.string().nullable(),
        pinned: z.boolean(),
        migrationType: migrationType.optional().meta({
          description: 'How the plan moves the VM; absent in plans stored before warm migration (cold)',
        }),
        downtimeMinutes: downtimeMinutes
          .optional()
          .meta({ description: "The VM's expected downtime on its own (source stopped to guest booted)" }),
      }),
    ),
    groups: z.array(z.string()),
    dataMiB: z.number(),
    dataGiB: z.number(),
    estimatedHours: z.number(),
    concurrency: z.object({
      streamsPerHost: z.number(),
      perDiskMiBps: z.number(),
      perHostMiBps: z.number(),
      hosts: z.number().int(),
      peakStreams: z.number().int(),
      slowestHost: z.string().nullable(),
    }),
    hosts: z.array(z.string()),
    datastores: z.array(z.string()),
    networks: z.array(z.string()),
    openConcerns: z.object({
      count: z.number().int(),
      bySeverity: z.object({ critical: z.number().int(), warning: z.number().int(), info: z.number().int() }),
      items: z.array(
        z.object({ vmKey: z.string(), vmName: z.string(), id: z.string(), severity, message: z.string() }),
      ),
    }),
    targetNamespace: z.string(),
    migration: waveMigration.optional(),
    approval: waveApproval.nullable(),
  })
  .meta({ id: 'Wave' });

const violationCounts = z.object({ errors: z.number().int(), warnings: z.number().int() });

export const waveBoard = z
  .object({
    id: z.uuid(),
    name: z.string(),
    assessmentId: z.uuid(),
    status: z.string(),
    version: z.number().int().meta({ description: 'Send as `If-Match` with an edit' }),
    lowerBoundWaves: z.number().int(),
    cutoverWindowHours: z.number(),
    violations: z.object({
      total: z.number().int(),
      errors: z.number().int(),
      byCode: z.array(
        z.object({ code: z.string(), severity: violation.shape.severity, count: z.number().int() }),
      ),
      listed: z
        .array(violation)
        .meta({ description: 'The first 100 in plan order; GET /plans/:id lists every one' }),
    }),
    waves: z.array(
      z.object({
        number: z.number().int(),
        pilot: z.boolean(),
        vmCount: z.number().int(),
        dataGiB: z.number(),
        estimatedHours: z.number(),
        violations: violationCounts.meta({ description: 'Violations naming this wave' }),
        approval: waveApproval.pick({ status: true, contentHash: true }).nullable(),
        vms: z
          .array(z.object({ key: z.string(), name: z.string(), pinned: z.boolean() }))
          .meta({ description: 'Every VM of the wave, in plan order' }),
      }),
    ),
  })
  .meta({
    id: 'WaveBoard',
    description:
      "The waves board: each wave's figures and VM names, violations counted; the same plan as GET /plans/:id without its per-VM detail",
  });

export const moveGroup = z
  .object({
    name: z.string(),
    key: z.enum([
      'rule',
      'attribute',
      'vapp',
      'folder',
      'resource-pool',
      'name-prefix',
      'shared-disk',
      'singleton',
    ]),
    value: z.string().nullable(),
    vmKeys: z.array(z.string()),
    vmNames: z.array(z.string()),
    rehostVmKeys: z.array(z.string()),
    sharedDisks: z.array(z.string()),
    mergedFrom: z.array(z.string()),
    effort: effort.nullable(),
    dataMiB: z.number(),
  })
  .meta({ id: 'MoveGroup', description: 'VMs that must move in the same wave' });

const lowerBoundFigure = z.number();

export const planSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    inventoryId: z.uuid(),
    assessmentId: z.uuid(),
    status: z.string(),
    version: z
      .number()
      .int()
      .meta({ description: 'Send as `If-Match` to make an edit fail on a newer plan' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'PlanSummary' });

export const planView = planSummary
  .extend({
    createdBy: z.string(),
    settings: planSettings,
    lowerBoundWaves: z.number().int(),
    lowerBound: z
      .object({
        waves: lowerBoundFigure,
        byVmCount: lowerBoundFigure,
        byData: lowerBoundFigure,
        byAggregateWindow: lowerBoundFigure,
        byHostWindow: lowerBoundFigure,
        byHostVmCap: lowerBoundFigure,
        byDatastoreVmCap: lowerBoundFigure,
        byDependencyChain: lowerBoundFigure,
        byManualEdits: lowerBoundFigure,
        pilotWave: lowerBoundFigure,
        oversizedGroups: lowerBoundFigure,
      })
      .meta({ description: 'Waves no plan can go below, and why' }),
    violations: z.array(violation),
    excluded: z.array(
      z.object({
        vmKey: z.string(),
        name: z.string(),
        reason: z.enum(['manual', 'retain', 'retire', 'out-of-scope', 'not-assessed']),
      }),
    ),
    groups: z.array(moveGroup),
    waves: z.array(wave),
  })
  .meta({ id: 'Plan' });

export const editOutcome = z
  .object({
    plan: planView,
    violations: z.array(violation),
    invalidatedWaves: z
      .array(z.number().int())
      .meta({ description: 'Waves whose approval the change removed' }),
  })
  .meta({ id: 'EditOutcome' });

/** `If-Match: <version>` (quotes allowed; `*` or absent = no check). */
export const ifMatchVersion = z.union([
  z
    .enum(['', '*'])
    .optional()
    .transform(() => undefined),
  z
    .string()
    .transform((value) => Number(value.replace(/"/g, '')))
    .pipe(z.number().int().positive('must be a plan version (1, 2, ...)')),
]);

export const importEditsOutcome = z
  .object({
    planId: z.uuid(),
    version: z.number().int(),
    rows: z.array(
      z.object({
        sheet: z.string(),
        row: z.number().int(),
        vmKey: z.string(),
        vmName: z.string(),
        fromWave: z.number().int().nullable(),
        toWave: z.number().int().nullable(),
        outcome: z.enum(['applied', 'refused', 'unchanged']),
        message: z.string(),
      }),
    ),
    windows: z.array(
      z.object({
        sheet: z.string(),
        row: z.number().int(),
        wave: z.number().int(),
        window: z.object({ start: z.string(), end: z.string(), zone: z.string() }).nullable(),
        outcome: z.enum(['applied', 'refused', 'unchanged']),
        message: z.string(),
      }),
    ),
    migrations: z
      .array(
        z.object({
          sheet: z.string(),
          row: z.number().int(),
          field: z.enum(['migration', 'cutover']),
          vmKey: z.string().nullable(),
          wave: z.number().int().nullable(),
          value: z.string().nullable(),
          outcome: z.enum(['applied', 'refused', 'unchanged']),
          message: z.string(),
        }),
      )
      .meta({
        description: "Each VM's Migration cell (cold/warm) and each wave's Cutover cell, and what was done",
      }),
    problems: z.array(z.object({ sheet: z.string(), row: z.number().int(), message: z.string() })),
    violations: z.array(violation),
    invalidatedWaves: z.array(z.number().int()),
  })
  .meta({ id: 'ImportEditsOutcome' });
