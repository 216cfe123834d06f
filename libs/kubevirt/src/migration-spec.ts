import type { InventoryVm, PowerState } from '#libs/inventory';
import type { GuestNetworkInfo } from './guest-network.js';
import type { AccessMode, VolumeMode } from './manifest-types.js';
import { isDns1123Label, isVmTargetName, toVmTargetName } from './naming.js';

/** Where a source NIC lands: the pod network, a Multus network-attachment-definition (`ns/name`), or nowhere. */
export type NetworkTarget = { type: 'pod' } | { type: 'multus'; name: string } | { type: 'ignored' };

export interface StorageTarget {
  storageClass: string;
  /** Left to CDI's storage profile when absent, as Forklift does. */
  volumeMode?: VolumeMode;
  accessMode?: AccessMode;
}

export interface VcenterEndpoint {
  /** The SDK endpoint, `https://vcenter.example.com/sdk`. */
  url: string;
  /** SHA-1 of the server certificate, colon-separated hex (`AB:CD:...`), fetched and checked at preflight. */
  thumbprint: string;
}

/** Everything the builders need to produce the objects of one VM's cold migration. */
export interface VmMigrationSpec {
  vm: InventoryVm;
  planId: string;
  waveNumber: number;
  executionId: string;
  targetNamespace: string;
  /** The VM's name in the cluster, decided at planning; defaults to Forklift's sanitizing of `vm.name`. */
  targetName?: string;
  /** Source port group / dvPortgroup name -> target. */
  networkMap: Readonly<Record<string, NetworkTarget>>;
  /** Source datastore name -> target storage class. */
  storageMap: Readonly<Record<string, StorageTarget>>;
  vcenter: VcenterEndpoint;
  /** Image holding the VDDK library (users build it: VMware's licence forbids redistribution). */
  vddkInitImage: string;
  /** Name of the Secret the DataVolumes read credentials from; defaults to `<target>-vddk`. */
  credentialsSecretName?: string;
  /** Guest conversion skipped: sata disks and e1000e NICs so an unconverted guest still boots. */
  compatibilityMode: boolean;
  /** VirtualMachineClusterPreference from the assessment's guest OS map (`rhel.9`); null when none fits. */
  preference: string | null;
  /** The plan's "start VMs after migration" flag; a VM only starts if its source was running too. */
  start: boolean;
  /** The power state stored at StorePowerState; defaults to the inventory's. */
  sourcePowerState?: PowerState;
  /** The BIOS UUID (`config.uuid`) vCenter reported at preflight; defaults to the inventory's. */
  biosUuid?: string;
  /** Index, in VMware disk order, of the disk to boot from; the first one by default. */
  bootDiskIndex?: number;
  /** Time zone of the source ESXi host, mapped to the guest clock as Forklift does. */
  hostTimeZone?: string | null;
  /**
   * `config.instanceUuid`, what VDDK is given to find the VM: BIOS UUIDs can be shared by clones,
   * instance UUIDs cannot (Forklift uses it when CDI is new enough). Defaults to the inventory's `VM UUID`.
   */
  instanceUuid?: string;
  /**
   * Where the source ESXi host sits in vCenter's inventory, as libvirt's vpx driver wants it
   * (`Folder/Datacenter/Cluster/esxi`), read from vCenter at Preflight; without it the path is built
   * from the export's names, which do not show folders.
   */
  hostInventoryPath?: string;
  /** The guest's IP configuration as vCenter reported it at Preflight (RVTools has no prefix or gateway). */
  guestNetwork?: GuestNetworkInfo;
  /** vCenter's word at Preflight on a vTPM device; wins over the export. */
  hasTpm?: boolean;
  /** vCenter's `config.nestedHVEnabled` at Preflight; wins over the export. */
  nestedHv?: boolean;
  /**
   * Multi-writer disks another VM of the wave copies, by backing file -> that VM's key: this VM
   * attaches the same PVC instead of copying the disk again.
   */
  sharedDisksCopiedBy?: Readonly<Record<string, string>>;
  /**
   * A warm migration's initial snapshot (managed object id): the DataVolumes import it as their
   * first checkpoint, a full copy, and wait `Paused` for the next one.
   */
  warmInitialSnapshot?: string;
  /** Kind of the preference the Preflight found; a cluster preference unless told otherwise. */
  preferenceKind?: 'VirtualMachineClusterPreference' | 'VirtualMachinePreference';
}

/** A spec the builders cannot turn into valid objects; the message names the VM and the offending item. */
export class ManifestBuildError extends Error {
  constructor(
    readonly vmKey: string,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestBuildError';
  }
}

export function describeVm(vm: InventoryVm): string {
  return `VM "${vm.name}" (${vm.key})`;
}

export function specError(spec: VmMigrationSpec, problem: string): ManifestBuildError {
  return new ManifestBuildError(spec.vm.key, `${describeVm(spec.vm)}: ${problem}`);
}

/** The VM's name in the cluster: the planned one (which must already be valid) or Forklift's sanitizing. */
export function targetVmName(spec: VmMigrationSpec): string {
  if (spec.targetName !== undefined) {
    if (!isVmTargetName(spec.targetName)) {
      throw specError(
        spec,
        `target name "${spec.targetName}" is not a DNS-1123 subdomain of at most 63 characters (lowercase letters, digits, '-', '.')`,
      );
    }
    return spec.targetName;
  }
  return toVmTargetName(spec.vm.name, spec.vm.moref ?? spec.vm.uuid ?? spec.vm.key);
}

/**
 * The UUID VDDK is given: the instance UUID, unique in a vCenter where BIOS UUIDs of clones may
 * repeat. CDI looks it up as an instance UUID first, so a BIOS UUID (an old export's `VM UUID`) still works.
 */
export function vddkVmUuid(spec: VmMigrationSpec): string {
  const uuid = spec.instanceUuid ?? spec.vm.uuid ?? spec.biosUuid ?? spec.vm.biosUuid;
  if (uuid === null || uuid === undefined || uuid.trim() === '') {
    throw specError(spec, 'has no VM UUID; VDDK locates the source VM by it');
  }
  return uuid.trim().toLowerCase();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The SMBIOS system serial VMware shows the guest for a BIOS UUID: `VMware-42 06 f1 75 ... 8b-20 b7 ...`
 * (the UUID's 16 bytes as spaced hex, a dash after the eighth), which licence servers and CMDBs
 * key on. Forklift writes it when `FEATURE_VMWARE_SYSTEM_SERIAL_NUMBER` is on; a value that is not
 * a UUID is kept as it is, as there.
 */
export function vmwareSystemSerial(biosUuid: string): string {
  const uuid = biosUuid.trim().toLowerCase();
  if (!UUID.test(uuid)) return biosUuid;
  const bytes = uuid.replaceAll('-', '').match(/../g) ?? [];
  return `VMware-${bytes.slice(0, 8).join(' ')}-${bytes.slice(8).join(' ')}`;
}

/** The UUID the firmware serial is made from: vSphere's `config.uuid` (the BIOS UUID), as Forklift does. */
export function sourceBiosUuid(spec: VmMigrationSpec): string {
  const uuid = spec.biosUuid ?? spec.vm.biosUuid ?? spec.vm.uuid;
  if (uuid === null || uuid.trim() === '') {
    throw specError(spec, 'has no VM UUID; VDDK locates the source VM by it');
  }
  return uuid.trim().toLowerCase();
}

const THUMBPRINT = /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/;

export function vcenterThumbprint(spec: VmMigrationSpec): string {
  const thumbprint = spec.vcenter.thumbprint.trim().toUpperCase();
  if (!THUMBPRINT.test(thumbprint)) {
    throw specError(
      spec,
      `vCenter thumbprint "${spec.vcenter.thumbprint}" is not a colon-separated SHA-1 (AB:CD:...)`,
    );
  }
  return thumbprint;
}

export function vcenterUrl(spec: VmMigrationSpec): URL {
  let url: URL;
  try {
    url = new URL(spec.vcenter.url);
  } catch {
    throw specError(spec, `vCenter URL "${spec.vcenter.url}" is not a URL`);
  }
  if (url.protocol !== 'https:') {
    throw specError(spec, `vCenter URL "${spec.vcenter.url}" must use https`);
  }
  return url;
}

export function checkNamespace(spec: VmMigrationSpec): string {
  if (!isDns1123Label(spec.targetNamespace)) {
    throw specError(spec, `target namespace "${spec.targetNamespace}" is not a DNS-1123 label`);
  }
  return spec.targetNamespace;
}

export function lookup<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
