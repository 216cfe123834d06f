import { z } from 'zod';
import { assessmentPolicySchema } from '#libs/assessment';
import { ASSESSMENT_VM_SORT_KEYS } from '#libs/persistence';
import { booleanText, disposition, effort, page, pageQuery, severity, timestamp } from './common.schemas.js';

/** Assessments: the rules' verdict on each VM, overrides, and the policy behind them. */

export const assessmentPolicy = assessmentPolicySchema.meta({
  id: 'AssessmentPolicy',
  description: 'Thresholds, rules, scoring and OS mappings (`version: 1`); see `flotilla policy show`',
});

/**
 * What a client sends: a whole policy or a short override. The service fills what it leaves out
 * from the default policy (objects key by key, lists whole) and answers 422 with field paths
 * (`retire.namePatterns[1]: …`), so the edge only checks it is an object.
 */
export const policyDocument = z
  .looseObject({ version: z.number().int().optional().meta({ description: 'Policy format version: 1' }) })
  .meta({
    id: 'PolicyDocument',
    description:
      'An AssessmentPolicy, or part of one with `version`; what it leaves out comes from the default policy',
  });

const counts = z.record(z.string(), z.number());

const sizingTotals = z
  .object({
    vms: z.number().int(),
    vcpus: z.number(),
    memoryMiB: z.number(),
    memoryWithOverheadMiB: z.number(),
    storageMiB: z.number(),
    storageByClassMiB: counts,
    workerNodes: z.number().int(),
    workerNodesFor: z.object({ cpu: z.number(), memory: z.number(), spare: z.number() }).optional(),
  })
  .meta({ id: 'SizingTotals' });

export const assessmentSummary = z
  .object({
    vms: z.number().int(),
    rehost: z.number().int(),
    retain: z.number().int(),
    retire: z.number().int(),
    templates: z.number().int(),
    outOfScope: z.number().int(),
    byEffort: z.object({ low: z.number().int(), medium: z.number().int(), high: z.number().int() }),
    byOsFamily: counts,
    byConcern: counts,
    sizing: z.object({ estate: sizingTotals, byCluster: z.record(z.string(), sizingTotals) }),
    transfer: z.object({ dataMiB: z.number(), hoursAtHostThroughput: z.number() }),
    warmReady: z.number().int().meta({
      description: 'VMs to rehost that can move warm (CBT on, no snapshot, no shared or independent disk)',
    }),
  })
  .meta({ id: 'AssessmentSummary' });

const countedToBasis = z
  .enum(['as-of', 'export', 'clock'])
  .meta({ description: "asked for (asOf), the export's date, or the clock (the export names no date)" });

export const assessmentRecord = z
  .object({
    id: z.uuid(),
    inventoryId: z.uuid(),
    policyHash: z.string().meta({ description: 'SHA-256 of the policy content: same hash, same rules' }),
    assessedAt: timestamp,
    countedTo: timestamp.nullable().meta({
      description: "Power-off and snapshot ages were counted to this instant (normally the export's date)",
    }),
    countedToBasis: countedToBasis.nullable(),
    createdAt: timestamp,
    summary: assessmentSummary,
  })
  .meta({ id: 'Assessment' });

export const assessmentDetail = assessmentRecord
  .extend({ policy: assessmentPolicy })
  .meta({ id: 'AssessmentDetail' });

export const assessBody = z
  .object({
    policy: policyDocument
      .optional()
      .meta({ description: 'A policy or a short override of the default; absent = the stored policy' }),
    asOf: z.string().min(1).optional().meta({
      description:
        "Count power-off and snapshot ages to this date (YYYY-MM-DD or ISO-8601) instead of the export's date",
      example: '2025-12-17',
    }),
  })
  .default({});

export const assessResult = z
  .object({
    assessmentId: z.uuid(),
    inventoryId: z.uuid(),
    policyHash: z.string(),
    countedTo: timestamp,
    countedToBasis,
    summary: assessmentSummary,
  })
  .meta({ id: 'AssessResult' });

const evidence = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const vmOverride = z
  .object({ disposition, comment: z.string(), by: z.string().nullable(), at: timestamp })
  .meta({ id: 'VmOverride', description: "A person's decision that wins over the rules" });

export const vmAssessment = z
  .object({
    vmKey: z.string(),
    name: z.string(),
    moref: z.string().nullable(),
    disposition,
    outOfScope: z.enum(['template', 'srm-placeholder', 'cluster-service-vm']).nullable(),
    effort,
    score: z.number().meta({ description: 'Readiness 0..100: 100 = moves as it is' }),
    reasons: z.array(z.object({ code: z.string(), message: z.string() })),
    concerns: z.array(z.object({ id: z.string(), severity, message: z.string(), evidence })),
    retire: z.object({ confidence: z.number(), evidence }).nullable(),
    os: z.object({
      family: z.string(),
      preference: z.string().nullable(),
      support: z.enum(['supported', 'legacy', 'unsupported', 'unknown']),
      needsDriverConversion: z.boolean(),
      osName: z.string().nullable().optional(),
      matchedBy: z.enum(['tools', 'guest-id', 'config']).nullable().optional(),
      reason: z
        .string()
        .nullable()
        .optional()
        .meta({ description: 'Why the OS is unsupported or legacy (the upstream support statement)' }),
    }),
    sizing: z.object({
      sockets: z.number().int(),
      coresPerSocket: z.number().int(),
      threads: z.number().int(),
      memoryMiB: z.number(),
      memoryWithOverheadMiB: z.number(),
      disks: z.array(
        z.object({
          label: z.string(),
          capacityMiB: z.number(),
          requestMiB: z.number(),
          datastore: z.string().nullable(),
          storageClass: z.string().nullable(),
        }),
      ),
      storageByClassMiB: counts,
    }),
    transfer: z.object({
      dataMiB: z.number(),
      largestDiskMiB: z.number(),
      hours: z.number(),
      bottleneck: z.enum(['disk', 'host']).optional(),
    }),
    warm: z
      .object({
        ready: z.boolean(),
        reasons: z.array(z.string()).meta({ description: 'Why the VM cannot move warm; empty when it can' }),
      })
      .meta({
        id: 'WarmReadiness',
        description:
          'Whether the VM can move warm (pre-copies while it runs); the VDDK image is checked when a wave starts',
      }),
    targetName: z.string().meta({ description: 'Target VM name (DNS-1123)' }),
    override: vmOverride.nullable(),
  })
  .meta({ id: 'VmAssessment' });

export const vmAssessmentPage = page(vmAssessment).meta({ id: 'VmAssessmentPage' });

export const assessmentVmQuery = z.object({
  ...pageQuery,
  disposition: disposition.optional(),
  concern: z.string().optional().meta({ description: 'A concern id, e.g. rdm-disk' }),
  effort: effort.optional(),
  search: z.string().optional(),
  inScope: booleanText.optional(),
  warmReady: booleanText
    .optional()
    .meta({ description: 'true: the VMs that can move warm; false: the others' }),
  cluster: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'A cluster name; `(no cluster)` for the VMs the export places in none' }),
  os: z.string().min(1).optional().meta({ description: 'An OS family, e.g. rhel, windows' }),
  sort: z
    .enum([...ASSESSMENT_VM_SORT_KEYS, ...ASSESSMENT_VM_SORT_KEYS.map((key) => `-${key}` as const)])
    .optional()
    .meta({
      description:
        'Order by name, disposition, effort (low < high), score, os (family) or concerns (count); `-` first for descending. Ties keep the export order',
    }),
});

export const overrideBody = z.union([
  z.object({
    disposition,
    comment: z.string().trim().min(1, 'explain the decision in a comment'),
  }),
  z.object({ disposition: z.null().meta({ description: 'Removes the override' }) }),
]);

export const currentPolicy = z
  .object({
    policy: assessmentPolicy,
    source: z.enum(['stored', 'built-in']),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'CurrentPolicy' });

export const storedPolicy = z
  .object({ policy: assessmentPolicy, source: z.literal('stored') })
  .meta({ id: 'StoredPolicy' });
