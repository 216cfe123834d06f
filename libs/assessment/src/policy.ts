import { createHash } from 'node:crypto';
import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { linearPatternProblem } from '#libs/patterns';
import { CONCERN_IDS, type ConcernId } from './concern-ids.js';
import { defaultPolicy } from './default-policy.js';

/** The policy format this build reads; a document must say `version: 1`. */
export const POLICY_VERSION = 1;

const severity = z.enum(['critical', 'warning', 'info']);
const support = z.enum(['supported', 'legacy', 'unsupported', 'unknown']);

/**
 * A regular expression source, matched case-insensitively on the linear-time engine; checked when
 * the policy loads, so a backreference or lookaround is refused with the reason.
 */
const pattern = z.string().check((ctx) => {
  const problem = linearPatternProblem(ctx.value, { caseInsensitive: true });
  if (problem !== null)
    ctx.issues.push({ code: 'custom', input: ctx.value, message: problem, continue: true });
});

const nonNegative = z.number().nonnegative();
const positive = z.number().positive();
const ratio = z.number().min(0).max(1);

const ruleSetting = z.strictObject({ enabled: z.boolean(), severity });

const rulesSchema = z.strictObject(
  Object.fromEntries(CONCERN_IDS.map((id) => [id, ruleSetting])) as Record<ConcernId, typeof ruleSetting>,
);

const guestOsEntry = z
  .strictObject({
    /** vSphere guest ids (`rhel9_64Guest`), compared case-insensitively. */
    guestIds: z.array(z.string().min(1)).default([]),
    /** Patterns over the OS full names RVTools shows (`Red Hat Enterprise Linux 9 (64-bit)`). */
    names: z.array(pattern).default([]),
    family: z.string().min(1),
    /** KubeVirt cluster preference (`rhel.9`); null when none fits. */
    preference: z.string().min(1).nullable(),
    support,
    /** Defaults to true for the `windows` family: virt-v2v injects virtio drivers. */
    needsDriverConversion: z.boolean().optional(),
    /** Why the entry has its support level (the source that says so); shown as concern evidence. */
    reason: z.string().min(1).optional(),
  })
  .refine((entry) => entry.guestIds.length + entry.names.length > 0, {
    message: 'an entry needs at least one of guestIds or names',
  });

const datastoreMapping = z
  .strictObject({
    /** Exact datastore name. */
    name: z.string().min(1).optional(),
    /** Or a pattern over datastore names. */
    pattern: pattern.optional(),
    storageClass: z.string().min(1),
  })
  .refine((entry) => (entry.name === undefined) !== (entry.pattern === undefined), {
    message: 'give exactly one of name or pattern',
  });

export const assessmentPolicySchema = z.strictObject({
  version: z.literal(POLICY_VERSION),
  name: z.string().min(1).optional(),
  thresholds: z.strictObject({
    poweredOffDays: positive,
    oldSnapshotDays: positive,
    maxDisks: z.number().int().positive(),
    diskTooLargeGiB: positive,
    guestFreeSpace: z.strictObject({
      rootMiB: nonNegative,
      bootMiB: nonNegative,
      windowsSystemMiB: nonNegative,
      otherMiB: nonNegative,
    }),
  }),
  rules: rulesSchema,
  scoring: z.strictObject({ critical: nonNegative, warning: nonNegative, info: nonNegative }),
  effort: z.strictObject({
    points: z.strictObject({
      critical: nonNegative,
      warning: nonNegative,
      info: nonNegative,
      driverConversion: nonNegative,
      manyDisks: nonNegative,
      largeStorage: nonNegative,
      /** A hint of a passthrough device: someone must check the hardware before the VM moves. */
      hardwareCheck: nonNegative.default(2),
    }),
    /** More disks than this adds `points.manyDisks`. */
    manyDisks: z.number().int().nonnegative(),
    /** More provisioned storage than this adds `points.largeStorage`. */
    largeStorageGiB: positive,
    mediumFrom: nonNegative,
    highFrom: nonNegative,
  }),
  disposition: z.strictObject({
    /** OS support levels that keep a VM on vSphere. */
    retainOsSupport: z.array(support),
  }),
  retire: z.strictObject({
    /** Combined confidence a retire verdict needs before it becomes the disposition. */
    minConfidence: ratio,
    namePatterns: z.array(pattern),
    confidence: z.strictObject({
      namePoweredOn: ratio,
      namePoweredOff: ratio,
      orphaned: ratio,
      inaccessible: ratio,
      invalid: ratio,
      /** Powered off with a configuration change or snapshot as the newest evidence. */
      poweredOffChangeEvidence: ratio,
      /** Powered off with only the creation date as evidence. */
      poweredOffCreationEvidence: ratio,
      /** Added as the evidence ages from the threshold to three times the threshold. */
      poweredOffAgeBonus: ratio,
    }),
  }),
  outOfScope: z.strictObject({
    clusterServiceVmPatterns: z.array(pattern),
  }),
  appliances: z.array(z.strictObject({ kind: z.string().min(1), namePatterns: z.array(pattern).min(1) })),
  guestOs: z.array(guestOsEntry),
  storage: z.strictObject({
    /** Storage class for datastores no mapping names; null leaves it to the cluster default. */
    defaultClass: z.string().min(1).nullable(),
    datastores: z.array(datastoreMapping),
  }),
  sizing: z.strictObject({
    /** vCPUs scheduled per allocatable node CPU. */
    cpuOvercommit: positive,
    /** Guest memory scheduled per allocatable node MiB (KubeVirt has no ballooning: keep 1). */
    memoryOvercommit: positive,
    headroomPercent: z.number().min(0).max(90),
    /** Extra nodes so one can drain for maintenance while the VMs still fit. */
    spareNodes: z.number().int().nonnegative(),
    workerNode: z.strictObject({ cpus: positive, memoryMiB: positive }),
    overhead: z.strictObject({ fixedMiB: nonNegative, perVcpuMiB: nonNegative, pageTableDivisor: positive }),
  }),
  transfer: z.strictObject({ perDiskMiBps: positive, perHostMiBps: positive }),
});

export type AssessmentPolicy = z.output<typeof assessmentPolicySchema>;
/** A policy as written: entries with defaults may be left out. */
export type AssessmentPolicyInput = z.input<typeof assessmentPolicySchema>;

export interface PolicyIssue {
  /** Dotted path from the document root, e.g. `policy.thresholds.poweredOffDays`. */
  path: string;
  message: string;
}

/** A policy document that cannot be used; `message` names the file and every path at fault. */
export class PolicyError extends Error {
  readonly fileName: string;
  readonly issues: PolicyIssue[];

  constructor(fileName: string, issues: PolicyIssue[]) {
    super(
      `${fileName}: invalid policy: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'PolicyError';
    this.fileName = fileName;
    this.issues = issues;
  }
}

/**
 * Reads a policy document (YAML, or JSON, which YAML also reads) and checks it like
 * `validatePolicy`: an edited copy of the default and a short override both work.
 */
export function parsePolicy(text: string, fileName = 'policy', base?: AssessmentPolicy): AssessmentPolicy {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyError(
      fileName,
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'policy',
        message: error.message.split('\n')[0] ?? error.message,
      })),
    );
  }
  return validatePolicy(document.toJS(), fileName, base);
}

/**
 * Checks a policy object (an API body, a database row, a parsed file) and fills what it leaves
 * out from `base` (the default policy unless told), objects key by key and lists whole. A policy
 * stored by an older build thereby still loads when a later build adds a rule or a setting.
 */
export function validatePolicy(
  input: unknown,
  fileName = 'policy',
  base?: AssessmentPolicy,
): AssessmentPolicy {
  if (!isPlainObject(input)) {
    throw new PolicyError(fileName, [
      { path: 'policy', message: 'expected a mapping (object) at the top level' },
    ]);
  }
  if (input.version === undefined) {
    throw new PolicyError(fileName, [
      { path: 'policy.version', message: `required (this build reads version ${POLICY_VERSION})` },
    ]);
  }
  const result = assessmentPolicySchema.safeParse(mergeOver(base ?? defaultPolicy, input), {
    reportInput: true,
  });
  if (result.success) return result.data;
  throw new PolicyError(
    fileName,
    result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue) })),
  );
}

/** Stable content hash: equal policies hash equal whatever their key order. */
export function policyHash(policy: AssessmentPolicy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}

/** The policy as YAML, e.g. to hand users the default as a starting point. */
export function policyToYaml(policy: AssessmentPolicy): string {
  return stringify(policy, { lineWidth: 0 });
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = 'policy';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return `expected integer, received ${JSON.stringify(issue.input)}`;
      return `expected ${issue.expected}, received ${receivedType(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, received ${JSON.stringify(issue.input)}`;
    case 'too_small':
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}${issue.origin === 'array' ? ' entries' : ''}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${issue.origin === 'array' ? ' entries' : ''}`;
    default:
      return issue.message;
  }
}

function receivedType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeOver(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    // defineProperty, not assignment: a `__proto__` key must stay a key (and fail validation).
    Object.defineProperty(merged, key, {
      value: Object.hasOwn(base, key) ? mergeOver(base[key], value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
