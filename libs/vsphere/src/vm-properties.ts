import type { ManagedObjectReference } from './managed-object.js';
import { childNamed, childrenNamed, childText, readRef, type XmlNode, xsiType } from './soap-response.js';

export type VmPowerState = 'poweredOn' | 'poweredOff' | 'suspended';

/** The VirtualMachine properties this client knows how to decode into `VmProperties`. */
export const VM_PROPERTY_PATHS = [
  'name',
  'runtime.powerState',
  'runtime.host',
  'guest.toolsRunningStatus',
  'config.instanceUuid',
  'config.uuid',
  'config.template',
  'config.hardware.device',
  'config.changeTrackingEnabled',
] as const;

export type VmPropertyPath = (typeof VM_PROPERTY_PATHS)[number];

/** What `listVms` fetches unless told otherwise: identity and power, no device lists. */
export const VM_SUMMARY_PATHS: readonly VmPropertyPath[] = [
  'name',
  'runtime.powerState',
  'runtime.host',
  'guest.toolsRunningStatus',
  'config.instanceUuid',
  'config.uuid',
  'config.template',
];

/** A virtual disk as the copy phase needs it (`backingFile` and size for the DataVolume). */
export interface VirtualDiskInfo {
  /** Device key, unique within the VM (2000, 2001...). */
  readonly key: number;
  readonly label?: string;
  readonly controllerKey?: number;
  readonly unitNumber?: number;
  readonly capacityInBytes: number;
  /** `[datastore] folder/file.vmdk`. */
  readonly fileName: string;
  readonly datastore?: ManagedObjectReference;
  /** The backing's vim type, e.g. `VirtualDiskFlatVer2BackingInfo`, `VirtualDiskRawDiskMappingVer1BackingInfo`. */
  readonly backingType?: string;
  readonly thinProvisioned?: boolean;
  readonly diskMode?: string;
  /** `backing.changeId` (changed block tracking); absent while CBT is off or not yet active. */
  readonly changeId?: string;
}

/**
 * A VM's decoded properties; a field is present only when its path was requested and the server
 * had a value (a VM still being created has no `config`).
 */
export interface VmProperties {
  readonly moref: ManagedObjectReference;
  readonly name?: string;
  readonly powerState?: VmPowerState;
  readonly host?: ManagedObjectReference;
  /** `guestToolsRunning`, `guestToolsNotRunning`, `guestToolsExecutingScripts`. */
  readonly toolsRunningStatus?: string;
  readonly instanceUuid?: string;
  /** The BIOS (SMBIOS) UUID, `config.uuid`. */
  readonly biosUuid?: string;
  readonly template?: boolean;
  /** Virtual disks in device order, present when `config.hardware.device` was requested. */
  readonly disks?: readonly VirtualDiskInfo[];
  /** `config.changeTrackingEnabled` (CBT); vCenter omits it when never set, which means off. */
  readonly changeTrackingEnabled?: boolean;
}

function optionalInt(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function readDisk(device: XmlNode): VirtualDiskInfo | undefined {
  const backing = childNamed(device, 'backing');
  const fileName = backing ? childText(backing, 'fileName') : undefined;
  const key = optionalInt(childText(device, 'key'));
  if (key === undefined || fileName === undefined) return undefined;
  const bytes = optionalInt(childText(device, 'capacityInBytes'));
  const kib = optionalInt(childText(device, 'capacityInKB'));
  const label = childNamed(device, 'deviceInfo');
  const disk: {
    -readonly [K in keyof VirtualDiskInfo]: VirtualDiskInfo[K];
  } = {
    key,
    // capacityInBytes arrived in vSphere 5.5; older answers only have KB.
    capacityInBytes: bytes ?? (kib ?? 0) * 1024,
    fileName,
  };
  const labelText = label ? childText(label, 'label') : undefined;
  if (labelText !== undefined) disk.label = labelText;
  const controllerKey = optionalInt(childText(device, 'controllerKey'));
  if (controllerKey !== undefined) disk.controllerKey = controllerKey;
  const unitNumber = optionalInt(childText(device, 'unitNumber'));
  if (unitNumber !== undefined) disk.unitNumber = unitNumber;
  if (backing) {
    const datastore = readRef(childNamed(backing, 'datastore'));
    if (datastore) disk.datastore = datastore;
    const backingType = xsiType(backing);
    if (backingType) disk.backingType = backingType;
    const thin = childText(backing, 'thinProvisioned');
    if (thin !== undefined) disk.thinProvisioned = thin === 'true';
    const diskMode = childText(backing, 'diskMode');
    if (diskMode !== undefined) disk.diskMode = diskMode;
    const changeId = childText(backing, 'changeId');
    if (changeId !== undefined && changeId !== '') disk.changeId = changeId;
  }
  return disk;
}

/** The virtual disks of a `config.hardware.device` value (a VM's, or a snapshot's). */
export function readDisks(devices: XmlNode): VirtualDiskInfo[] {
  return devices.children
    .filter((device) => xsiType(device) === 'VirtualDisk')
    .map(readDisk)
    .filter((disk): disk is VirtualDiskInfo => disk !== undefined);
}

/** Decodes one `ObjectContent` of a VirtualMachine into `VmProperties`. */
export function readVmProperties(
  moref: ManagedObjectReference,
  propSet: ReadonlyMap<string, XmlNode>,
): VmProperties {
  const vm: { -readonly [K in keyof VmProperties]: VmProperties[K] } = { moref };
  for (const [path, val] of propSet) {
    switch (path) {
      case 'name':
        vm.name = val.text;
        break;
      case 'runtime.powerState':
        vm.powerState = val.text as VmPowerState;
        break;
      case 'runtime.host': {
        const host = readRef(val);
        if (host) vm.host = host;
        break;
      }
      case 'guest.toolsRunningStatus':
        vm.toolsRunningStatus = val.text;
        break;
      case 'config.instanceUuid':
        vm.instanceUuid = val.text;
        break;
      case 'config.uuid':
        vm.biosUuid = val.text;
        break;
      case 'config.template':
        vm.template = val.text === 'true';
        break;
      case 'config.hardware.device':
        vm.disks = readDisks(val);
        break;
      case 'config.changeTrackingEnabled':
        vm.changeTrackingEnabled = val.text === 'true';
        break;
    }
  }
  return vm;
}

/** The `propSet` of an `ObjectContent` as path → `val` element. */
export function propSetOf(objectContent: XmlNode): Map<string, XmlNode> {
  const props = new Map<string, XmlNode>();
  for (const prop of childrenNamed(objectContent, 'propSet')) {
    const name = childText(prop, 'name');
    const val = childNamed(prop, 'val');
    if (name !== undefined && val !== undefined) props.set(name, val);
  }
  return props;
}
