import { z } from 'zod';
import { isDns1123Label } from '#libs/kubevirt';
import { linearPatternProblem, MAX_CAPTURE_PROGRAM_SIZE } from '#libs/patterns';
import { compileVmNamePattern, vmNamePatternProblem } from './vm-name-pattern.js';

/** Keys that can form a move group, in the order a plan prefers them. */
export type GroupingKeyKind = 'rules' | 'attribute' | 'vapp' | 'folder' | 'resource-pool' | 'name-prefix';

/**
 * Where a source NIC lands: the pod network, a Multus network-attachment-definition, or nowhere
 * (the NIC is left out of the target VM; `reason` says why, for the approver and the report).
 */
export type NetworkTarget =
  | { type: 'pod' }
  | { type: 'multus'; name: string }
  | { type: 'ignored'; reason?: string };

export type VolumeMode = 'Filesystem' | 'Block';
export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOncePod';

export interface StorageClassTarget {
  storageClass: string;
  /** Left to the storage profile when absent, as Forklift does. */
  volumeMode?: VolumeMode;
  accessMode?: AccessMode;
}

/** The disks are not migrated: the target VM is created without them. */
export interface ExcludedStorageTarget {
  excluded: true;
  reason: string;
}

export type StorageTarget = StorageClassTarget | ExcludedStorageTarget;

export function isExcludedStorage(target: StorageTarget): target is ExcludedStorageTarget {
  return 'excluded' in target && target.excluded === true;
}

/**
 * Source port group / dvPortgroup name -> target. `(no network)` stands for every NIC the export
 * gives no network (see `map-sources.ts`).
 */
export type NetworkMap = Record<string, NetworkTarget>;
/** Source datastore name -> target. `(unnamed datastore)` stands for disks on no named datastore. */
export type StorageMap = Record<string, StorageTarget>;

/** A change window booked for a wave: ISO 8601 instants and the IANA zone people think in. */
export interface ChangeWindow {
  start: string;
  end: string;
  /** e.g. `Europe/Amsterdam`; the instants are absolute, the zone is how the report shows them. */
  zone: string;
}

export interface PilotConstraints {
  /** At most this many VMs in the pilot wave; 0 disables the pilot. */
  vms: number;
  maxDataGiB: number;
}

export interface PlanConstraints {
  maxVmsPerWave: number;
  maxDataGiBPerWave: number;
  /** The cutover window: every disk of a cold VM, and the cutover of a warm one, must fit in it. */
  cutoverWindowHours: number;
  /** Throughput of one disk copy (MTV: 100-162 MiB/s cold, 10 GbE). */
  perDiskMiBps: number;
  /** Throughput of one ESXi host shared by its streams (MTV: about 270-300 MiB/s). */
  perHostMiBps: number;
  /** Disks copied at once per ESXi host (Forklift's in-flight budget; NFC allows about 10). */
  concurrentDisksPerHost: number;
  /** VMs of one source host in one wave; null = no cap. */
  maxVmsPerHost: number | null;
  /** VMs touching one datastore in one wave; null = no cap. */
  maxVmsPerDatastore: number | null;
  /** null = no pilot wave. */
  pilot: PilotConstraints | null;
}

export interface GroupingRule {
  /** The group name, used by dependencies and target namespaces. */
  name: string;
  /** Exact VM names, globs (`db-*`, `web-??`) or regexes written `/^app-\d+$/i`. */
  match: string[];
}

export interface GroupingSettings {
  /** Enabled keys, most preferred first: a VM joins the group of the first key that has a value. */
  keys: GroupingKeyKind[];
  rules: GroupingRule[];
  /** Custom attribute (tag) whose value names the group, e.g. `Application`. */
  attribute: string | null;
  /** Regex on the VM name; capture group 1 (or the whole match) is the group key. */
  namePrefixPattern: string | null;
}

/** "Group `before` moves in an earlier wave than group `after`." */
export interface GroupDependency {
  before: string;
  after: string;
}

/** How waves are ordered after the pilot and the dependencies. */
export type WaveOrdering = 'effort' | 'readiness' | 'packing';

export interface TargetNamespaces {
  default: string;
  /** Wave number (as a string key) -> namespace. */
  byWave: Record<string, string>;
  /** Group name -> namespace; wins over the wave's namespace. */
  byGroup: Record<string, string>;
}

/**
 * How guests reach KubeVirt. Every guest is converted by default (virt-v2v-in-place: virtio
 * drivers, initramfs rebuilt, VMware Tools removed), as Forklift does; a raw copy (SATA disks,
 * e1000e NICs, the guest untouched) is Forklift's opt-in `skipGuestConversion`, here per plan or per VM.
 */
export interface GuestConversionSettings {
  /** Raw-copy every VM of the plan. */
  rawCopy: boolean;
  /** VMs to raw-copy: exact names, globs (`appliance-*`) or regexes written `/^fw-\d+$/i`. */
  rawCopyVms: string[];
}

/** How a VM moves: cold (stopped for the whole copy) or warm (pre-copies while it runs, stopped for the last delta). */
export type MigrationType = 'cold' | 'warm';

/**
 * Cold or warm, per plan, per wave and per VM; the warm schedule (pre-copy interval, booked
 * cutovers) and the model behind the downtime estimates.
 */
export interface MigrationSettings {
  /** The plan's default. */
  type: MigrationType;
  /** Wave number (as a string key) -> its type; wins over the plan's default. */
  byWave: Record<string, MigrationType>;
  /** VMs moved warm whatever their wave says: exact names, globs or `/regexes/`. */
  warmVms: string[];
  /** VMs moved cold whatever their wave says; wins over `warmVms`. */
  coldVms: string[];
  /** Minutes between two pre-copies of a warm VM (Forklift's default: 60). */
  precopyIntervalMinutes: number;
  /** Wave number (as a string key) -> the instant its warm VMs are cut over (ISO 8601). */
  cutoverAt: Record<string, string>;
  /** Share of a disk's capacity written per hour while the source runs: the size of each delta. */
  changeRatePercentPerHour: number;
  /** Minutes the guest conversion (virt-v2v) takes per VM; raw-copied VMs skip it. */
  conversionMinutes: number;
  /** Minutes from VM creation to a booted guest. */
  bootMinutes: number;
}

/** Decisions people made by hand; re-planning keeps them. */
export interface ManualEdits {
  /** VM key -> wave number. */
  pins: Record<string, number>;
  /** VM keys kept out of every wave. */
  excludedVms: string[];
  /** Wave numbers added by hand (kept, even empty, on re-plan). */
  addedWaves: number[];
}

export interface PlanSettings {
  constraints: PlanConstraints;
  grouping: GroupingSettings;
  dependencies: GroupDependency[];
  ordering: WaveOrdering;
  networkMap: NetworkMap;
  storageMap: StorageMap;
  targetNamespace: TargetNamespaces;
  guestConversion: GuestConversionSettings;
  manual: ManualEdits;
  /** Wave number (as a string key) -> its booked change window. */
  changeWindows: Record<string, ChangeWindow>;
  migration: MigrationSettings;
}

export const DEFAULT_MIGRATION_SETTINGS: MigrationSettings = {
  type: 'cold',
  byWave: {},
  warmVms: [],
  coldVms: [],
  precopyIntervalMinutes: 60,
  cutoverAt: {},
  changeRatePercentPerHour: 2,
  conversionMinutes: 10,
  bootMinutes: 2,
};

function matchesAny(patterns: readonly string[], vmName: string): boolean {
  return patterns.some((pattern) => compileVmNamePattern(pattern)?.(vmName) === true);
}

/** `(waveNumber, vmName) -> type`, with the plan's name patterns compiled once. */
export type MigrationTypeResolver = (waveNumber: number | null, vmName: string) => MigrationType;

/**
 * How the plan moves VMs: `coldVms` wins, then `warmVms`, then the wave's type, then the plan's
 * default. Plans stored before the setting existed move everything cold.
 */
export function migrationTypeResolver(settings: {
  migration?: MigrationSettings | undefined;
}): MigrationTypeResolver {
  const migration = settings.migration ?? DEFAULT_MIGRATION_SETTINGS;
  const compile = (patterns: readonly string[]) =>
    patterns.map(compileVmNamePattern).filter((matcher) => matcher !== null);
  const cold = compile(migration.coldVms);
  const warm = compile(migration.warmVms);
  return (waveNumber, vmName) => {
    if (cold.some((matches) => matches(vmName))) return 'cold';
    if (warm.some((matches) => matches(vmName))) return 'warm';
    const ofWave = waveNumber === null ? undefined : migration.byWave[String(waveNumber)];
    return ofWave ?? migration.type;
  };
}

/** How the plan moves this VM (see {@link migrationTypeResolver}; use that for many VMs). */
export function migrationTypeOf(
  settings: { migration?: MigrationSettings | undefined },
  waveNumber: number | null,
  vmName: string,
): MigrationType {
  return migrationTypeResolver(settings)(waveNumber, vmName);
}

/** The instant a wave's warm VMs are booked to cut over, or null (an operator says when). */
export function cutoverAtOf(
  settings: { migration?: MigrationSettings | undefined },
  waveNumber: number,
): string | null {
  return settings.migration?.cutoverAt[String(waveNumber)] ?? null;
}

/** Whether the plan raw-copies this VM instead of converting its guest (the default). */
export function usesRawCopy(settings: Pick<PlanSettings, 'guestConversion'>, vmName: string): boolean {
  // Plans stored before the setting existed have none: they convert, like every new plan.
  const conversion = settings.guestConversion ?? { rawCopy: false, rawCopyVms: [] };
  if (conversion.rawCopy) return true;
  return matchesAny(conversion.rawCopyVms, vmName);
}

const namespaceSchema = z
  .string()
  .refine(isDns1123Label, { message: 'must be a DNS-1123 label (lowercase letters, digits, -; at most 63)' });

const NAD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

const networkTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pod') }),
  z.object({
    type: z.literal('multus'),
    name: z.string().regex(NAD_NAME, { message: 'must be namespace/name of a NetworkAttachmentDefinition' }),
  }),
  z.object({ type: z.literal('ignored'), reason: z.string().trim().min(1).max(500).optional() }),
]);

/** The two shapes a storage map entry takes; the key that tells them apart comes first. */
const storageTargetShapes = [
  {
    key: 'storageClass',
    schema: z.object({
      storageClass: z.string().min(1),
      volumeMode: z.enum(['Filesystem', 'Block']).optional(),
      accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOncePod']).optional(),
    }),
  },
  {
    key: 'excluded',
    schema: z.object({
      excluded: z.literal(true),
      reason: z.string().trim().min(1, { message: 'must say why the disks are left behind' }).max(500),
    }),
  },
] as const;

const storageTargetSchema = z.union([storageTargetShapes[0].schema, storageTargetShapes[1].schema]);

function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const isoInstant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time, e.g. 2026-01-10T22:00:00Z',
});

export const changeWindowSchema = z
  .object({
    start: isoInstant,
    end: isoInstant,
    zone: z
      .string()
      .min(1)
      .refine(isValidZone, { message: 'is not an IANA time zone (e.g. Europe/Amsterdam)' })
      .default('UTC'),
  })
  .refine((window) => !(Date.parse(window.end) <= Date.parse(window.start)), {
    message: 'must end after it starts',
    path: ['end'],
  });

/** A zod string that carries the reason a pattern is refused (backreference, lookaround, syntax). */
const patternString = (problemOf: (value: string) => string | null) =>
  z.string().check((context) => {
    const problem = problemOf(context.value);
    if (problem !== null)
      context.issues.push({
        code: 'custom',
        input: context.value,
        message: `is refused: ${problem}`,
        continue: true,
      });
  });

const vmNamePatternSchema = patternString(vmNamePatternProblem);

const waveNumber = z.number().int().positive();
const waveNumberKey = z.string().regex(/^[1-9]\d*$/, { message: 'must be a wave number' });
const migrationTypeSchema = z.enum(['cold', 'warm'], { message: 'must be cold or warm' });

export const planSettingsSchema = z
  .object({
    constraints: z
      .object({
        maxVmsPerWave: z.number().int().positive().default(50),
        maxDataGiBPerWave: z.number().positive().default(10_240),
        cutoverWindowHours: z.number().positive().default(8),
        perDiskMiBps: z.number().positive().default(100),
        perHostMiBps: z.number().positive().default(280),
        concurrentDisksPerHost: z.number().int().positive().default(10),
        maxVmsPerHost: z.number().int().positive().nullable().default(null),
        maxVmsPerDatastore: z.number().int().positive().nullable().default(null),
        pilot: z
          .object({
            vms: z.number().int().nonnegative().default(5),
            maxDataGiB: z.number().positive().default(500),
          })
          .nullable()
          .prefault({}),
      })
      .prefault({}),
    grouping: z
      .object({
        keys: z
          .array(z.enum(['rules', 'attribute', 'vapp', 'folder', 'resource-pool', 'name-prefix']))
          .refine((keys) => new Set(keys).size === keys.length, { message: 'lists a key twice' })
          .default(['rules', 'attribute', 'vapp']),
        rules: z
          .array(z.object({ name: z.string().min(1), match: z.array(vmNamePatternSchema).min(1) }))
          .default([]),
        attribute: z.string().min(1).nullable().default(null),
        namePrefixPattern: patternString((value) =>
          value.length > 200
            ? 'is longer than 200 characters'
            : linearPatternProblem(value, { maxProgramSize: MAX_CAPTURE_PROGRAM_SIZE }),
        )
          .nullable()
          .default(null),
      })
      .prefault({})
      .superRefine((grouping, context) => {
        if (grouping.keys.includes('name-prefix') && grouping.namePrefixPattern === null) {
          context.addIssue({
            code: 'custom',
            path: ['namePrefixPattern'],
            message: 'is required when the name-prefix key is enabled',
          });
        }
        const names = new Set<string>();
        grouping.rules.forEach((rule, index) => {
          if (names.has(rule.name)) {
            context.addIssue({
              code: 'custom',
              path: ['rules', index, 'name'],
              message: `duplicates rule ${rule.name}`,
            });
          }
          names.add(rule.name);
        });
      }),
    dependencies: z.array(z.object({ before: z.string().min(1), after: z.string().min(1) })).default([]),
    ordering: z.enum(['effort', 'readiness', 'packing']).default('effort'),
    networkMap: z.record(z.string(), networkTargetSchema).default({}),
    storageMap: z.record(z.string(), storageTargetSchema).default({}),
    targetNamespace: z
      .object({
        default: namespaceSchema.default('default'),
        byWave: z
          .record(z.string().regex(/^[1-9]\d*$/, { message: 'must be a wave number' }), namespaceSchema)
          .default({}),
        byGroup: z.record(z.string(), namespaceSchema).default({}),
      })
      .prefault({}),
    guestConversion: z
      .object({
        rawCopy: z.boolean().default(false),
        rawCopyVms: z.array(vmNamePatternSchema).default([]),
      })
      .prefault({}),
    manual: z
      .object({
        pins: z.record(z.string(), waveNumber).default({}),
        excludedVms: z.array(z.string()).default([]),
        addedWaves: z.array(waveNumber).default([]),
      })
      .prefault({}),
    changeWindows: z.record(waveNumberKey, changeWindowSchema).default({}),
    migration: z
      .object({
        type: migrationTypeSchema.default(DEFAULT_MIGRATION_SETTINGS.type),
        byWave: z.record(waveNumberKey, migrationTypeSchema).default({}),
        warmVms: z.array(vmNamePatternSchema).default([]),
        coldVms: z.array(vmNamePatternSchema).default([]),
        precopyIntervalMinutes: z
          .number()
          .min(5, { message: 'must be at least 5 minutes (each pre-copy takes and removes a snapshot)' })
          .max(7 * 24 * 60, { message: 'must be at most a week (10080 minutes)' })
          .default(DEFAULT_MIGRATION_SETTINGS.precopyIntervalMinutes),
        cutoverAt: z.record(waveNumberKey, isoInstant).default({}),
        changeRatePercentPerHour: z
          .number()
          .min(0)
          .max(100, { message: 'is a percentage of the disk per hour: at most 100' })
          .default(DEFAULT_MIGRATION_SETTINGS.changeRatePercentPerHour),
        conversionMinutes: z.number().min(0).default(DEFAULT_MIGRATION_SETTINGS.conversionMinutes),
        bootMinutes: z.number().min(0).default(DEFAULT_MIGRATION_SETTINGS.bootMinutes),
      })
      .prefault({}),
  })
  .prefault({});

/** What a caller may pass: every field optional, defaults filled by {@link parsePlanSettings}. */
export type PlanSettingsInput = z.input<typeof planSettingsSchema>;

export interface PlanSettingsIssue {
  /** Dotted path of the offending field, e.g. `constraints.maxVmsPerWave`. */
  path: string;
  message: string;
}

export class PlanSettingsError extends Error {
  constructor(readonly issues: PlanSettingsIssue[]) {
    super(
      `Invalid plan settings: ${issues.map((issue) => `${issue.path || '(root)'} ${issue.message}`).join('; ')}`,
    );
    this.name = 'PlanSettingsError';
  }
}

type SettingsIssue = z.core.$ZodIssue;

/**
 * A storage map entry matching neither shape is reported by the shape it was meant to have (the
 * one whose own key it carries), on the offending field, rather than as "matches no shape".
 */
function unionBranchIssues(issue: SettingsIssue): SettingsIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length !== storageTargetShapes.length) return [issue];
  const meant = issue.errors.findIndex(
    (branch, i) =>
      !branch.some(
        (inner) =>
          inner.code === 'invalid_type' &&
          inner.path.length === 1 &&
          inner.path[0] === storageTargetShapes[i].key,
      ),
  );
  const branch = issue.errors[Math.max(meant, 0)];
  return branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** Validates user-supplied settings and fills the defaults; throws {@link PlanSettingsError}. */
export function parsePlanSettings(value: unknown): PlanSettings {
  const result = planSettingsSchema.safeParse(value);
  if (!result.success) {
    throw new PlanSettingsError(
      result.error.issues.flatMap(unionBranchIssues).map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  const settings: PlanSettings = result.data;
  return settings;
}
