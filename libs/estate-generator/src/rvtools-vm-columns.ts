import { type EstateIndex, vcenterOf } from './estate-index.js';
import type {
  GeneratedCdrom,
  GeneratedCluster,
  GeneratedDisk,
  GeneratedEstate,
  GeneratedHost,
  GeneratedNic,
  GeneratedPartition,
  GeneratedSnapshot,
  GeneratedUsbDevice,
  GeneratedVcenter,
  GeneratedVm,
} from './model.js';

/**
 * Cell values of the per-VM sheets, as one getter per 4.x column. Getters instead of row
 * objects because these sheets are where 100,000 VMs turn into millions of cells: a getter
 * table costs nothing per row, a 90-key object per row costs a lot of garbage.
 */

export type VmSheetName =
  | 'vInfo'
  | 'vCPU'
  | 'vMemory'
  | 'vDisk'
  | 'vPartition'
  | 'vNetwork'
  | 'vCD'
  | 'vUSB'
  | 'vSnapshot'
  | 'vTools';

export type CellValue = string | number | boolean | Date | null;

export interface VmRowContext {
  vm: GeneratedVm;
  vc: GeneratedVcenter;
  host: GeneratedHost | undefined;
  cluster: GeneratedCluster | undefined;
  vmRef: number;
  /** VM UUID is the BIOS UUID before RVTools 4.3.1, the instance UUID since. */
  biosUuidAsVmUuid: boolean;
  disk: GeneratedDisk | null;
  partition: GeneratedPartition | null;
  nic: GeneratedNic | null;
  cdrom: GeneratedCdrom | null;
  usb: GeneratedUsbDevice | null;
  snapshot: GeneratedSnapshot | null;
}

type Getter = (c: VmRowContext) => CellValue;

const running = (c: VmRowContext) => c.vm.powerState === 'poweredOn';

export function guestVisible(vm: GeneratedVm): boolean {
  return vm.powerState === 'poweredOn' && (vm.toolsStatus === 'toolsOk' || vm.toolsStatus === 'toolsOld');
}

/** RVTools writes some flags as `TRUE` or nothing at all. */
function trueOrEmpty(value: boolean): string | null {
  return value ? 'TRUE' : null;
}

function date(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

function usedDiskMiB(vm: GeneratedVm): number {
  let used = 0;
  for (const disk of vm.disks) if (!disk.raw) used += disk.thin ? disk.usedMiB : disk.capacityMiB;
  return used;
}

function totalDiskMiB(vm: GeneratedVm): number {
  let total = 0;
  for (const disk of vm.disks) total += disk.capacityMiB;
  return total;
}

function fileOverheadMiB(vm: GeneratedVm): number {
  return vm.template || vm.srmPlaceholder ? 1 : 64;
}

function swapMiB(vm: GeneratedVm): number {
  return vm.powerState === 'poweredOn' ? vm.memoryMiB - vm.memoryReservationMiB : 0;
}

const COMMON: Record<string, Getter> = {
  VM: (c) => c.vm.name,
  Powerstate: (c) => c.vm.powerState,
  Template: (c) => c.vm.template,
  'SRM Placeholder': (c) => c.vm.srmPlaceholder,
  Annotation: (c) => c.vm.annotation,
  Datacenter: (c) => c.vm.datacenter,
  Cluster: (c) => c.vm.cluster,
  Host: (c) => c.vm.host,
  Folder: (c) => c.vm.folder,
  'OS according to the configuration file': (c) => c.vm.osConfig,
  'OS according to the VMware Tools': (c) => c.vm.osTools,
  // vUSB spells it with a lower-case t.
  'OS according to the VMware tools': (c) => c.vm.osTools,
  VMRef: (c) => String(c.vmRef),
  'VM ID': (c) => c.vm.moref,
  'VM UUID': (c) => (c.biosUuidAsVmUuid ? c.vm.biosUuid : c.vm.instanceUuid),
  'VI SDK Server': (c) => c.vm.vcenter,
  'VI SDK UUID': (c) => c.vc.uuid,
};

const VINFO: Record<string, Getter> = {
  ...COMMON,
  'Config status': (c) => (c.vm.snapshots.length > 2 ? 'yellow' : 'green'),
  'DNS Name': (c) => c.vm.dnsName,
  'Connection state': (c) => c.vm.connectionState,
  'Guest state': (c) => (guestVisible(c.vm) ? 'running' : 'notRunning'),
  Heartbeat: (c) => (guestVisible(c.vm) ? 'green' : 'gray'),
  'Consolidation Needed': () => false,
  PowerOn: (c) => date(c.vm.poweredOnAt),
  'Suspended To Memory': (c) => (c.vm.powerState === 'suspended' ? true : null),
  'Suspend time': (c) => date(c.vm.suspendedAt),
  'Suspend Interval': () => '0',
  'Creation date': (c) => date(c.vm.createdAt),
  'Change Version': (c) => date(c.vm.changedAt),
  CPUs: (c) => c.vm.cpus,
  'Overall Cpu Readiness': (c) => (running(c) ? '0%' : null),
  Memory: (c) => c.vm.memoryMiB,
  'Active Memory': (c) => c.vm.activeMemoryMiB,
  NICs: (c) => c.vm.nics.length,
  Disks: (c) => c.vm.disks.length,
  'Total disk capacity MiB': (c) => totalDiskMiB(c.vm),
  'Fixed Passthru HotPlug': (c) => c.vm.fixedPassthruHotPlug,
  'min Required EVC Mode Key': (c) => (running(c) ? (c.cluster?.evcMode ?? c.host?.maxEvc ?? null) : null),
  'Latency Sensitivity': (c) => c.vm.latencySensitivity,
  'Op Notification Timeout': () => 0,
  EnableUUID: (c) => trueOrEmpty(c.vm.enableUuid),
  CBT: (c) => trueOrEmpty(c.vm.cbt),
  'Primary IP Address': (c) => c.vm.primaryIp,
  'Num Monitors': () => 1,
  'Video Ram KiB': (c) => (c.vm.guestFamily === 'windows' ? 8192 : 4096),
  'Resource pool': (c) => c.vm.resourcePool,
  'Folder ID': (c) => c.vm.folderId,
  vApp: (c) => c.vm.vapp,
  'DAS protection': (c) => (running(c) ? (c.cluster?.haEnabled ?? false) : null),
  'FT State': () => 'notConfigured',
  'FT Role': () => null,
  'FT Latency': () => 'gray',
  'FT Bandwidth': () => -1,
  'FT Sec. Latency': () => -1,
  'Vm Failover In Progress': () => null,
  'Provisioned MiB': (c) =>
    totalDiskMiB(c.vm) + c.vm.memoryMiB - c.vm.memoryReservationMiB + fileOverheadMiB(c.vm),
  'In Use MiB': (c) => usedDiskMiB(c.vm) + swapMiB(c.vm) + fileOverheadMiB(c.vm),
  'Unshared MiB': (c) => usedDiskMiB(c.vm) + fileOverheadMiB(c.vm),
  'HA Restart Priority': () => 'medium',
  'HA Isolation Response': () => 'none',
  'HA VM Monitoring': () => 'vmMonitoringDisabled',
  'Cluster rule(s)': () => null,
  'Cluster rule name(s)': () => null,
  'Boot Required': () => false,
  'Boot delay': () => 0,
  'Boot retry delay': () => 10000,
  'Boot retry enabled': () => false,
  'Boot BIOS setup': () => false,
  'Reboot PowerOff': () => false,
  'EFI Secure boot': (c) => c.vm.secureBoot,
  Firmware: (c) => c.vm.firmware,
  'HW version': (c) => c.vm.hwVersion,
  'HW upgrade status': () => 'none',
  'HW upgrade policy': () => 'never',
  'HW target': () => null,
  Path: (c) => c.vm.vmxPath,
  'Log directory': (c) => directoryOf(c.vm.vmxPath),
  'Snapshot directory': (c) => directoryOf(c.vm.vmxPath),
  'Suspend directory': (c) => directoryOf(c.vm.vmxPath),
  'Customization Info': (c) => (c.vm.template || c.vm.srmPlaceholder ? null : 'IDLE'),
  'Guest Detailed Data': (c) => c.vm.guestDetailedData,
  'SMBIOS UUID': (c) => c.vm.biosUuid,
  'VI SDK Server type': (c) => `VMware vCenter Server ${c.vc.version} build-${c.vc.build}`,
  'VI SDK API Version': (c) => c.vc.apiVersion,
};
for (let i = 0; i < 8; i++) VINFO[`Network #${i + 1}`] = (c) => c.vm.nics[i]?.network || null;

const VCPU: Record<string, Getter> = {
  ...COMMON,
  CPUs: (c) => c.vm.cpus,
  Sockets: (c) => c.vm.sockets,
  'Cores p/s': (c) => c.vm.coresPerSocket,
  Max: (c) => c.vm.cpus * (c.host?.cpuMhz ?? 2000),
  Overall: (c) => c.vm.cpuUsageMhz,
  Level: () => 'normal',
  Shares: (c) => c.vm.cpus * 1000,
  Reservation: () => 0,
  Entitlement: (c) => (running(c) ? Math.round(c.vm.cpus * (c.host?.cpuMhz ?? 2000) * 0.75) : 0),
  'DRS Entitlement': (c) => (running(c) ? c.vm.cpuUsageMhz : 0),
  Limit: () => -1,
  'Hot Add': (c) => c.vm.cpuHotAdd,
  'Hot Remove': (c) => c.vm.cpuHotRemove,
  'Numa Hotadd Exposed': () => false,
};

const VMEMORY: Record<string, Getter> = {
  ...COMMON,
  'Size MiB': (c) => c.vm.memoryMiB,
  'Memory Reservation Locked To Max': (c) => c.vm.memoryReservationLockedToMax,
  Overhead: () => 0,
  Max: (c) => c.vm.memoryMiB,
  Consumed: (c) => c.vm.consumedMemoryMiB,
  'Consumed Overhead': (c) => (running(c) ? Math.round(30 + c.vm.memoryMiB / 200) : 0),
  Private: (c) => Math.max(0, c.vm.consumedMemoryMiB - 90),
  Shared: () => 0,
  Swapped: () => 0,
  Ballooned: () => 0,
  Active: (c) => c.vm.activeMemoryMiB,
  Entitlement: (c) => (running(c) ? Math.round(c.vm.memoryMiB * 1.04) : 0),
  'DRS Entitlement': (c) => (running(c) ? c.vm.consumedMemoryMiB : 0),
  Level: () => 'normal',
  Shares: (c) => c.vm.memoryMiB * 10,
  Reservation: (c) => c.vm.memoryReservationMiB,
  Limit: () => -1,
  'Hot Add': (c) => c.vm.memoryHotAdd,
};

function disk(c: VmRowContext): GeneratedDisk {
  if (!c.disk) throw new Error('vDisk row without a disk');
  return c.disk;
}

const VDISK: Record<string, Getter> = {
  ...COMMON,
  Disk: (c) => disk(c).label,
  // RVTools writes the key as text.
  'Disk Key': (c) => String(disk(c).key),
  'Disk UUID': (c) => disk(c).uuid,
  'Disk Path': (c) => (disk(c).guestMounts.length > 0 ? disk(c).guestMounts.join(', ') : null),
  'Capacity MiB': (c) => disk(c).capacityMiB,
  Raw: (c) => disk(c).raw,
  'Disk Mode': (c) => disk(c).diskMode,
  'Sharing mode': (c) => disk(c).sharingMode,
  Thin: (c) => disk(c).thin,
  'Eagerly Scrub': (c) => disk(c).eagerlyScrub,
  Split: () => false,
  'Write Through': () => false,
  Level: () => 'normal',
  Shares: () => 1000,
  Reservation: () => 0,
  Limit: () => -1,
  Controller: (c) => disk(c).controllerType,
  Label: (c) => disk(c).controllerLabel,
  'SCSI Unit #': (c) => (disk(c).controllerLabel.startsWith('SCSI') ? 7 : null),
  'Unit #': (c) => disk(c).unitNumber,
  'Shared Bus': (c) => disk(c).sharedBus,
  Path: (c) => disk(c).path,
  'Raw LUN ID': (c) => disk(c).rawLunId,
  'Raw Comp. Mode': (c) => disk(c).rawCompatibilityMode,
  'Internal Sort Column': (c) => `${c.vm.name} ${disk(c).key}`,
};

function partition(c: VmRowContext): GeneratedPartition {
  if (!c.partition) throw new Error('vPartition row without a partition');
  return c.partition;
}

const VPARTITION: Record<string, Getter> = {
  ...COMMON,
  'Disk Key': (c) => String(partition(c).diskKey),
  Disk: (c) => partition(c).mount,
  'Capacity MiB': (c) => partition(c).capacityMiB,
  'Consumed MiB': (c) => partition(c).capacityMiB - partition(c).freeMiB,
  'Free MiB': (c) => partition(c).freeMiB,
  'Free %': (c) => Math.round((partition(c).freeMiB / partition(c).capacityMiB) * 100),
  'Internal Sort Column': (c) => `${c.vm.name} ${partition(c).diskKey}`,
};

function nic(c: VmRowContext): GeneratedNic {
  if (!c.nic) throw new Error('vNetwork row without a NIC');
  return c.nic;
}

const VNETWORK: Record<string, Getter> = {
  ...COMMON,
  'NIC label': (c) => nic(c).label,
  Adapter: (c) => nic(c).adapter,
  Network: (c) => nic(c).network || null,
  Switch: (c) => nic(c).switchColumn,
  Connected: (c) => nic(c).connected,
  'Starts Connected': (c) => nic(c).startsConnected,
  'Mac Address': (c) => nic(c).mac,
  Type: (c) => nic(c).macType,
  'IPv4 Address': (c) => (nic(c).ipv4.length > 0 ? nic(c).ipv4.join(', ') : null),
  'IPv6 Address': (c) => (nic(c).ipv6.length > 0 ? nic(c).ipv6.join(', ') : null),
  'Direct Path IO': (c) => nic(c).directPathIo,
  'Internal Sort Column': (c) => `${c.vm.name} ${nic(c).label}`,
};

function cdrom(c: VmRowContext): GeneratedCdrom {
  if (!c.cdrom) throw new Error('vCD row without a drive');
  return c.cdrom;
}

const VCD: Record<string, Getter> = {
  ...COMMON,
  'Device Node': (c) => cdrom(c).label,
  Connected: (c) => cdrom(c).connected,
  'Starts Connected': (c) => cdrom(c).startsConnected,
  'Device Type': (c) => cdrom(c).deviceType,
};

function usb(c: VmRowContext): GeneratedUsbDevice {
  if (!c.usb) throw new Error('vUSB row without a device');
  return c.usb;
}

const VUSB: Record<string, Getter> = {
  ...COMMON,
  'Device Node': (c) => usb(c).label,
  'Device Type': (c) => usb(c).deviceType,
  Connected: (c) => usb(c).connected,
  Family: (c) => usb(c).family,
  Speed: (c) => usb(c).speed,
  'EHCI enabled': (c) => usb(c).ehciEnabled,
  'Auto connect': (c) => usb(c).autoConnect,
  'Bus number': (c) => usb(c).busNumber,
  'Unit number': (c) => usb(c).unitNumber,
};

function snapshot(c: VmRowContext): GeneratedSnapshot {
  if (!c.snapshot) throw new Error('vSnapshot row without a snapshot');
  return c.snapshot;
}

const VSNAPSHOT: Record<string, Getter> = {
  ...COMMON,
  Name: (c) => snapshot(c).name,
  Description: (c) => snapshot(c).description || null,
  'Date / time': (c) => new Date(snapshot(c).createdAt),
  Filename: (c) => snapshot(c).filename,
  'Size MiB (vmsn)': (c) => snapshot(c).sizeVmsnMiB,
  'Size MiB (total)': (c) => snapshot(c).sizeTotalMiB,
  Quiesced: (c) => snapshot(c).quiesced,
  State: (c) => snapshot(c).state,
};

const VTOOLS: Record<string, Getter> = {
  ...COMMON,
  'VM Version': (c) => c.vm.hwVersion,
  Tools: (c) => c.vm.toolsStatus,
  'Tools Version': (c) => c.vm.toolsVersion,
  // The tools ISO bundled with the vCenter's hosts.
  'Required Version': (c) => (c.vc.version.startsWith('7') ? 12389 : 12448),
  Upgradeable: (c) => (c.vm.toolsStatus === 'toolsOld' ? 'Yes' : 'No'),
  'Upgrade Policy': (c) => c.vm.toolsUpgradePolicy,
  'Sync time': () => false,
  'App status': (c) => (c.vm.toolsStatus === 'toolsNotInstalled' ? null : 'none'),
  'Heartbeat status': () => 'appStatusGray',
  'Kernel Crash state': () => false,
  'Operation Ready': (c) => guestVisible(c.vm),
  'State change support': (c) => c.vm.toolsStatus !== 'toolsNotInstalled',
  'Interactive Guest': () => false,
};

const GETTERS: Record<VmSheetName, Record<string, Getter>> = {
  vInfo: VINFO,
  vCPU: VCPU,
  vMemory: VMEMORY,
  vDisk: VDISK,
  vPartition: VPARTITION,
  vNetwork: VNETWORK,
  vCD: VCD,
  vUSB: VUSB,
  vSnapshot: VSNAPSHOT,
  vTools: VTOOLS,
};

export function isVmSheet(sheet: string): sheet is VmSheetName {
  return Object.hasOwn(GETTERS, sheet);
}

export interface VmColumnSource {
  source: string;
  attribute: boolean;
}

/**
 * Yields the rows of a per-VM sheet as cells in column order. A column with no getter is
 * written empty, as RVTools does for facts it could not read.
 */
export function* vmSheetRows(
  estate: GeneratedEstate,
  index: EstateIndex,
  sheet: VmSheetName,
  columns: readonly VmColumnSource[],
  biosUuidAsVmUuid: boolean,
): Generator<CellValue[]> {
  const getters = GETTERS[sheet];
  const cellGetters: Getter[] = columns.map((column) => {
    if (column.attribute) return (c) => c.vm.customAttributes[column.source] ?? null;
    return getters[column.source] ?? (() => null);
  });
  const cells = (c: VmRowContext) => cellGetters.map((get) => get(c));
  for (const vm of estate.vms) {
    const c: VmRowContext = {
      vm,
      vc: vcenterOf(index, vm.vcenter),
      host: index.hosts.get(`${vm.vcenter}|${vm.host}`),
      cluster: index.clusters.get(`${vm.vcenter}|${vm.datacenter}|${vm.cluster}`),
      vmRef: index.vmRef.get(vm) ?? 0,
      biosUuidAsVmUuid,
      disk: null,
      partition: null,
      nic: null,
      cdrom: null,
      usb: null,
      snapshot: null,
    };
    switch (sheet) {
      case 'vDisk':
        for (const item of vm.disks) {
          c.disk = item;
          yield cells(c);
        }
        break;
      case 'vPartition':
        for (const item of vm.partitions) {
          c.partition = item;
          yield cells(c);
        }
        break;
      case 'vNetwork':
        for (const item of vm.nics) {
          c.nic = item;
          yield cells(c);
        }
        break;
      case 'vCD':
        for (const item of vm.cdroms) {
          c.cdrom = item;
          yield cells(c);
        }
        break;
      case 'vUSB':
        for (const item of vm.usbDevices) {
          c.usb = item;
          yield cells(c);
        }
        break;
      case 'vSnapshot':
        for (const item of vm.snapshots) {
          c.snapshot = item;
          yield cells(c);
        }
        break;
      default:
        yield cells(c);
    }
  }
}

/** Column names this module fills for a sheet: its own, and those shared by every VM sheet. */
export function vmSheetGetterNames(sheet: VmSheetName): { own: string[]; common: string[] } {
  const common = Object.keys(COMMON);
  return { own: Object.keys(GETTERS[sheet]).filter((name) => !common.includes(name)), common };
}
