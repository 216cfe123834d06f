import { createHash } from 'node:crypto';
import type { Annotations, Labels } from './manifest-types.js';
import { checkNamespace, specError, targetVmName, type VmMigrationSpec } from './migration-spec.js';
import { DNS1123_LABEL_MAX, toDns1123Label } from './naming.js';

export const LABEL_PLAN = 'flotilla.io/plan';
export const LABEL_WAVE = 'flotilla.io/wave';
export const LABEL_EXECUTION = 'flotilla.io/execution';
export const LABEL_VM = 'flotilla.io/vm';
export const LABEL_COMPONENT = 'flotilla.io/component';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

export const ANNOTATION_ORIGINAL_NAME = 'flotilla.io/original-name';
export const ANNOTATION_VM_KEY = 'flotilla.io/vm-key';
export const ANNOTATION_DISK_INDEX = 'flotilla.io/disk-index';
export const ANNOTATION_DISK_SOURCE = 'flotilla.io/disk-source';
export const ANNOTATION_REDACTED = 'flotilla.io/redacted';
/** `virt-v2v` (the default) or `raw-copy`: how the guest reached KubeVirt, visible on the VM. */
export const ANNOTATION_GUEST_CONVERSION = 'flotilla.io/guest-conversion';

const LABEL_VALUE_MAX = 63;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const HASH_LENGTH = 10;

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, HASH_LENGTH);
}

export function isLabelValue(value: string): boolean {
  return value.length <= LABEL_VALUE_MAX && LABEL_VALUE.test(value);
}

/**
 * A valid label value for any string: kept as is when already valid, otherwise the characters a
 * label value cannot hold become '-', and a hash of the original is appended so two different
 * originals (`vc/vm-1` and `vc-vm-1`) never share a value. Same input, same output.
 */
export function toLabelValue(value: string): string {
  if (isLabelValue(value)) return value;
  const suffix = shortHash(value);
  const stem = value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, LABEL_VALUE_MAX - HASH_LENGTH - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return stem === '' ? suffix : `${stem}-${suffix}`;
}

/**
 * `${base}${suffix}` when it fits in a DNS-1123 label, else the base shortened and tagged with a
 * hash of the full base, so long VM names still give distinct, stable object names.
 */
export function boundedName(base: string, suffix: string): string {
  const whole = `${base}${suffix}`;
  if (whole.length <= DNS1123_LABEL_MAX) return whole;
  const hash = shortHash(base);
  const room = DNS1123_LABEL_MAX - suffix.length - hash.length - 1;
  const stem = base.slice(0, Math.max(room, 0)).replace(/-+$/g, '');
  return stem === '' ? `${hash}${suffix}` : `${stem}-${hash}${suffix}`;
}

/** Labels on everything an execution creates for a VM; the executor finds its objects again by them. */
export function buildLabels(spec: VmMigrationSpec): Labels {
  return {
    [LABEL_MANAGED_BY]: 'flotilla',
    [LABEL_PLAN]: toLabelValue(spec.planId),
    [LABEL_WAVE]: toLabelValue(String(spec.waveNumber)),
    [LABEL_EXECUTION]: toLabelValue(spec.executionId),
    [LABEL_VM]: toLabelValue(spec.vm.key),
  };
}

/** The VM key in full (a label value may be a hashed form of it). */
export function buildVmKeyAnnotations(spec: VmMigrationSpec): Annotations {
  return { [ANNOTATION_VM_KEY]: spec.vm.key };
}

/** Deterministic names of one VM's objects: a retried or resumed phase finds (or 409s on) the same ones. */
export interface VmObjectNames {
  namespace: string;
  virtualMachine: string;
  credentialsSecret: string;
  guestConversionPod: string;
  dataVolume(diskIndex: number): string;
}

/** Secret names are DNS-1123 subdomains: dot-separated labels, at most 253 characters. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function vmObjectNames(spec: VmMigrationSpec): VmObjectNames {
  const vmName = targetVmName(spec);
  const secretName = spec.credentialsSecretName;
  if (secretName !== undefined && (secretName.length > 253 || !DNS1123_SUBDOMAIN.test(secretName))) {
    throw specError(spec, `credentials Secret name "${secretName}" is not a DNS-1123 subdomain`);
  }
  return {
    namespace: checkNamespace(spec),
    virtualMachine: vmName,
    credentialsSecret: secretName ?? boundedName(vmName, '-vddk'),
    guestConversionPod: boundedName(vmName, '-v2v'),
    dataVolume: (diskIndex) => boundedName(vmName, `-disk-${diskIndex}`),
  };
}

/**
 * The one DataVolume (and PVC) of a multi-writer disk, named after its backing file and vCenter,
 * not after a VM: every VM of the wave that uses the disk computes the same name and attaches it.
 */
export function sharedDiskClaimName(spec: VmMigrationSpec, backingFile: string): string {
  const file =
    backingFile
      .replace(/^\[[^\]]*\]\s*/, '')
      .split('/')
      .pop() ?? backingFile;
  const stem = toDns1123Label(file.replace(/\.vmdk$/i, ''), 'disk')
    .slice(0, 40)
    .replace(/-+$/g, '');
  const vcenter = spec.vm.vcenter.uuid ?? spec.vm.vcenter.server ?? '';
  return `${stem}-shared-${shortHash(`${vcenter}\n${backingFile}`)}`;
}
