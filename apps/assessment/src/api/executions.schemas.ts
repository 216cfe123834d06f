import { z } from 'zod';
import { timestamp } from './common.schemas.js';

/** Executions: a wave run by the executor, its VMs' progress and its events. */

export const executeBody = z
  .object({
    convertGuest: z
      .enum(['auto', 'always', 'never'])
      .optional()
      .meta({ description: 'Run virt-v2v guest conversion: auto = Windows guests only' }),
    allowHardPowerOff: z
      .boolean()
      .optional()
      .meta({ description: 'Power off when a clean shutdown times out' }),
    startVms: z.boolean().optional().meta({ description: 'Start the KubeVirt VMs once imported' }),
  })
  .strict()
  .default({});

export const cancelBody = z
  .object({
    vmKeys: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({ description: 'Cancel only these VMs; absent = the whole execution' }),
  })
  .strict()
  .default({});

export const cutoverBody = z
  .object({
    at: z.iso
      .datetime({
        offset: true,
        error: 'must be an ISO 8601 date-time with an offset (2026-01-10T22:00:00Z)',
      })
      .optional()
      .meta({ description: 'When the warm VMs cut over (ISO 8601 with an offset); absent = now' }),
  })
  .strict()
  .default({});

const warmProgress = z
  .object({
    precopies: z
      .number()
      .int()
      .meta({ description: 'Checkpoints copied while the source ran (the first: full copy)' }),
    lastPrecopy: z
      .object({
        number: z.number().int(),
        bytes: z
          .number()
          .nullable()
          .meta({ description: "A delta's from CDI's progress; null when it gave none" }),
        seconds: z.number(),
        copiedAt: timestamp,
      })
      .nullable(),
    nextPrecopyAt: timestamp.nullable(),
    cutoverAt: timestamp.nullable(),
    cutover: z.enum(['precopying', 'waiting-for-slots', 'cutting-over', 'done']),
    importerRestarts: z.number().int(),
    downtimeSeconds: z.number().nullable().meta({ description: 'Source power-off to VM created' }),
  })
  .meta({ id: 'WarmProgress' });

const diskProgress = z.object({
  index: z.number().int(),
  label: z.string(),
  dataVolume: z.string(),
  phase: z.string().nullable(),
  capacityBytes: z.number(),
  bytesCopied: z.number(),
  percent: z.number(),
  restartCount: z.number().int(),
  message: z.string().nullable(),
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  etaSeconds: z.number().nullable(),
});

export const executionVm = z
  .object({
    vmKey: z.string(),
    name: z.string(),
    targetName: z.string(),
    targetNamespace: z.string(),
    sourceHost: z.string().nullable(),
    status: z.string().meta({ description: 'queued, running, succeeded, failed, cancelled or abandoned' }),
    phase: z.string().meta({ description: 'The itinerary step the VM is at (Forklift phase names)' }),
    phaseState: z.string(),
    itinerary: z.array(z.string()),
    attempt: z.number().int(),
    powerStateBefore: z.string().nullable(),
    cancelRequested: z.boolean(),
    convertGuest: z.boolean(),
    disks: z.array(diskProgress),
    bytesTotal: z.number(),
    bytesCopied: z.number(),
    etaSeconds: z.number().nullable(),
    error: z.object({ phase: z.string(), message: z.string(), at: timestamp }).nullable(),
    waitingFor: z.enum(['executor']).nullable().meta({
      description: '`executor`: active, but no executor is running to move it or carry out its cancel',
    }),
    migrationType: z.enum(['cold', 'warm']),
    warm: warmProgress.nullable().meta({ description: "A warm VM's pre-copies and cutover; null when cold" }),
    startedAt: timestamp.nullable(),
    phaseStartedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    updatedAt: timestamp,
  })
  .meta({ id: 'ExecutionVm' });

export const executionView = z
  .object({
    id: z.uuid(),
    planId: z.uuid(),
    waveNumber: z.number().int(),
    waveHash: z.string().meta({ description: 'Content hash of the wave as approved' }),
    status: z
      .string()
      .meta({ description: 'queued, running, cancelling, completed, failed, cancelled or abandoned' }),
    options: z.unknown().meta({ description: 'The execution options in force (see the execute body)' }),
    requestedBy: z.string(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    counts: z.record(z.string(), z.number().int()).meta({ description: 'VMs by status' }),
    bytesTotal: z.number(),
    bytesCopied: z.number(),
    percent: z.number(),
    etaSeconds: z.number().nullable(),
    executor: z
      .object({ live: z.boolean(), lastSeenAt: timestamp.nullable() })
      .meta({ description: 'Whether an executor wrote its heartbeat in the last 120 s' }),
    cutoverAt: timestamp
      .nullable()
      .meta({ description: "When warm VMs cut over: the wave's booking, or an operator's time" }),
    vms: z.array(executionVm),
  })
  .meta({ id: 'Execution' });

export const abandonOutcome = z
  .object({
    execution: executionView,
    leftBehind: z
      .object({
        labelSelector: z.string().meta({ description: 'On every object the execution created' }),
        clusterObjects: z.array(
          z.object({ namespace: z.string(), kind: z.string(), name: z.string(), vmKey: z.string() }),
        ),
        poweredOffSourceVms: z.array(
          z.object({
            vmKey: z.string(),
            name: z.string(),
            instanceUuid: z.string(),
            moref: z.string().nullable(),
          }),
        ),
        sourceSnapshots: z
          .array(
            z.object({
              vmKey: z.string(),
              name: z.string(),
              instanceUuid: z.string(),
              moref: z.string().nullable(),
              snapshots: z.array(
                z.object({
                  name: z.string().meta({ description: 'flotilla-precopy-<n> or flotilla-final' }),
                  ref: z
                    .string()
                    .nullable()
                    .meta({ description: 'The snapshot moref; null when its creation had not answered yet' }),
                }),
              ),
            }),
          )
          .meta({
            description:
              "Per warm VM, the vSphere snapshots its migration took and did not remove (its runtime's record)",
          }),
      })
      .meta({ description: 'What may be left in the cluster and vCenter, for someone to clean up' }),
  })
  .meta({ id: 'AbandonOutcome' });

export const executionEvent = z
  .object({
    id: z.number().int().meta({ description: 'Increasing; pass the last one seen as `after`' }),
    executionId: z.uuid(),
    vmKey: z.string().nullable(),
    at: timestamp,
    phase: z.string().nullable(),
    kind: z.string(),
    message: z.string(),
  })
  .meta({ id: 'ExecutionEvent' });

export const afterEventId = z.coerce
  .number()
  .int()
  .nonnegative('must be an event id (0 for the start)')
  .default(0);

export const eventLimit = z.coerce.number().int().positive().max(5_000).default(500);

/** The `data` of a stream message: an execution event, or `{ status }` on the final `end` message. */
export const streamData = z.union([executionEvent, z.object({ status: z.string() })]);
