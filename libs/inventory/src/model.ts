/**
 * The normalized vSphere inventory: what one import of an RVTools export (or any other source)
 * says about an estate. Plain data only, so it can be built by a parser, stored as JSON and
 * checked by pure rules without a database.
 *
 * Units: sizes are MiB unless the name says otherwise (RVTools "MB" columns were already MiB
 * before the 4.1.2 rename). Dates are ISO-8601 strings (UTC) or null when the source is silent.
 * Tri-state booleans: null means "the export did not say", which is different from false.
 */

export type PowerState = 'poweredOn' | 'poweredOff' | 'suspended' | 'unknown';
export type ConnectionState =
  | 'connected'
  | 'disconnected'
  | 'inaccessible'
  | 'invalid'
  | 'orphaned'
  | 'unknown';
export type Firmware = 'bios' | 'efi' | 'unknown';

export interface VcenterRef {
  /** `VI SDK Server` (host name of the vCenter). */
  server: string | null;
  /** `VI SDK UUID` (`vCenter UUID` before RVTools 3.9). */
  uuid: string | null;
}

export interface InventoryDisk {
  /** e.g. `Hard disk 1`. */
  label: string;
  /** vSphere device key (`Disk Key`), e.g. 2000. Joins vPartition rows to disks. */
  key: number | null;
  capacityMiB: number;
  /** Thin provisioned; null when unknown. */
  thin: boolean | null;
  /** persistent, independent_persistent, independent_nonpersistent, nonpersistent, ... */
  diskMode: string | null;
  independent: boolean;
  /** sharingNone / sharingMultiWriter. */
  sharingMode: string | null;
  /** Raw device mapping; `rawMode` says physical/virtual compatibility. */
  raw: boolean;
  rawMode: string | null;
  /** Controller label, e.g. `SCSI controller 0`, and the device's unit on it. */
  controller: string | null;
  controllerType: 'scsi' | 'sata' | 'ide' | 'nvme' | 'unknown';
  unitNumber: number | null;
  /** Backing file as vSphere writes it: `[datastore name] folder/file.vmdk`. */
  path: string | null;
  /** Datastore name parsed from `path`. */
  datastore: string | null;
  /**
   * The VMDK's own UUID (`backing.uuid`, RVTools `Disk UUID`): the guest sees it as the disk's
   * serial, so the migrated disk keeps it. Optional: inventories imported before it was read lack it.
   */
  uuid?: string | null;
}

export interface InventoryPartition {
  /** Guest mount point or drive letter: `/`, `/boot`, `C:\`. */
  mount: string;
  capacityMiB: number | null;
  freeMiB: number | null;
  /** Disk key the volume lives on, when RVTools knows it (4.x). */
  diskKey: number | null;
}

export interface InventoryNic {
  /** e.g. `Network adapter 1`. */
  label: string;
  /** vmxnet3, e1000, e1000e, vmxnet2, ... */
  adapterType: string | null;
  /** Port group or dvPortgroup name. */
  network: string | null;
  /** Distributed switch name when the port group is distributed. */
  switchName: string | null;
  mac: string | null;
  connected: boolean | null;
  startsConnected: boolean | null;
  directPathIo: boolean | null;
  ipv4: string[];
  ipv6: string[];
}

export interface InventorySnapshot {
  name: string;
  description: string | null;
  createdAt: string | null;
  sizeMiB: number | null;
  quiesced: boolean | null;
}

export interface InventoryUsbDevice {
  label: string;
  connected: boolean | null;
  family: string | null;
  speed: string | null;
}

export interface InventoryCdrom {
  label: string;
  connected: boolean | null;
  startsConnected: boolean | null;
  deviceType: string | null;
  /** ISO path or host device. */
  backing: string | null;
}

export interface InventoryVm {
  /** Stable key inside one inventory: `${vcenter}/${moref}` or the VM UUID when there is no moref. */
  key: string;
  name: string;
  /** Managed object id, e.g. `vm-1234` (`VM ID`). */
  moref: string | null;
  /** `VM UUID`: the instance UUID since RVTools 4.3.1, the BIOS UUID before. */
  uuid: string | null;
  /** `SMBIOS UUID` (4.4.1+), the BIOS UUID used as KubeVirt firmware serial. */
  biosUuid: string | null;
  vcenter: VcenterRef;
  datacenter: string | null;
  cluster: string | null;
  host: string | null;
  folder: string | null;
  resourcePool: string | null;
  vapp: string | null;
  powerState: PowerState;
  connectionState: ConnectionState;
  template: boolean;
  srmPlaceholder: boolean;
  /** Guest OS as configured on the VM (`OS according to the configuration file`). */
  guestOsConfig: string | null;
  /** Guest OS as reported by VMware Tools. */
  guestOsTools: string | null;
  /** vSphere guest id when the export carries it (e.g. `rhel9_64Guest`). */
  guestId: string | null;
  dnsName: string | null;
  primaryIp: string | null;
  /** toolsOk, toolsOld, toolsNotRunning, toolsNotInstalled. */
  toolsStatus: string | null;
  toolsVersion: string | null;
  /** guestToolsRunning, guestToolsNotRunning, ... */
  toolsRunningStatus: string | null;
  cpus: number;
  sockets: number | null;
  coresPerSocket: number | null;
  memoryMiB: number;
  cpuHotAdd: boolean | null;
  cpuHotRemove: boolean | null;
  memoryHotAdd: boolean | null;
  /** CPU affinity set on the VM (vCPU sheet `Affinity` / vInfo). */
  cpuAffinity: string | null;
  numaAffinity: string | null;
  firmware: Firmware;
  secureBoot: boolean | null;
  /** `vmx-19` */
  hardwareVersion: string | null;
  cbtEnabled: boolean | null;
  /** FT state, e.g. notConfigured / running. */
  ftState: string | null;
  /** Nested hardware-assisted virtualization exposed to the guest. */
  nestedHv: boolean | null;
  hasTpm: boolean | null;
  /** PCI passthrough / vGPU / DirectPath devices named by the export. */
  passthroughDevices: string[];
  latencySensitivity: string | null;
  consolidationNeeded: boolean | null;
  annotation: string | null;
  /** Custom attributes (tags) keyed by their attribute name, values as exported. */
  customAttributes: Record<string, string>;
  createdAt: string | null;
  /** `PowerOn`: last power-on time; cleared by vCenter at power-off. */
  poweredOnAt: string | null;
  /** `Change Version`: last configuration change, evidence for how long a VM has been off. */
  configChangedAt: string | null;
  provisionedMiB: number | null;
  inUseMiB: number | null;
  disks: InventoryDisk[];
  partitions: InventoryPartition[];
  nics: InventoryNic[];
  snapshots: InventorySnapshot[];
  usbDevices: InventoryUsbDevice[];
  cdroms: InventoryCdrom[];
  /** Every source row of this VM as read, by sheet, header -> text; for rules not modelled yet. */
  source: Record<string, Record<string, string>[]>;
}

export interface InventoryHost {
  name: string;
  datacenter: string | null;
  cluster: string | null;
  cpuModel: string | null;
  cpuSockets: number | null;
  cpuCores: number | null;
  memoryMiB: number | null;
  esxiVersion: string | null;
  timeZone: string | null;
  vendor: string | null;
  model: string | null;
  vmCount: number | null;
}

export interface InventoryCluster {
  name: string;
  datacenter: string | null;
  haEnabled: boolean | null;
  drsEnabled: boolean | null;
  drsBehavior: string | null;
  dpmEnabled: boolean | null;
  hostCount: number | null;
  totalCpuMhz: number | null;
  totalMemoryMiB: number | null;
}

export interface InventoryDatastore {
  name: string;
  /** VMFS, NFS, vsan, vvol. */
  type: string | null;
  capacityMiB: number | null;
  freeMiB: number | null;
  hosts: string[];
}

export interface InventoryNetwork {
  name: string;
  /** `standard` port group or `distributed` port group. */
  kind: 'standard' | 'distributed' | 'unknown';
  switchName: string | null;
  vlan: string | null;
}

export interface InventoryDatacenter {
  name: string;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** A row-level problem that did not stop the import: where it is and what was wrong. */
export interface ImportDiagnostic {
  severity: DiagnosticSeverity;
  sheet: string | null;
  /** 1-based row number as a spreadsheet shows it (header is row 1). */
  row: number | null;
  column: string | null;
  value?: string | null;
  message: string;
}

export interface InventorySourceInfo {
  /** File name as uploaded. */
  fileName: string;
  format: 'xlsx' | 'csv-zip' | 'csv-folder' | 'csv';
  /** RVTools version when the export says it (vMetaData / vSource), else a guess from headers. */
  rvtoolsVersion: string | null;
  /** Sheets found, in file order. */
  sheets: string[];
  vcenters: VcenterRef[];
  /**
   * When RVTools wrote the export (ISO-8601, UTC as RVTools dates carry no zone); null when
   * nothing in the file says. Absent on inventories imported before it was recorded.
   */
  exportedAt?: string | null;
  /** Where `exportedAt` comes from: vMetaData's creation time, the file name, or the newest date in the file. */
  exportedAtBasis?: ExportDateBasis | null;
}

export type ExportDateBasis = 'vMetaData' | 'file-name' | 'newest-timestamp';

export interface Inventory {
  source: InventorySourceInfo;
  datacenters: InventoryDatacenter[];
  clusters: InventoryCluster[];
  hosts: InventoryHost[];
  datastores: InventoryDatastore[];
  networks: InventoryNetwork[];
  vms: InventoryVm[];
  diagnostics: ImportDiagnostic[];
}

export interface InventorySummary {
  vms: number;
  templates: number;
  poweredOn: number;
  poweredOff: number;
  hosts: number;
  clusters: number;
  datacenters: number;
  datastores: number;
  networks: number;
  disks: number;
  provisionedGiB: number;
  inUseGiB: number;
  vcpus: number;
  memoryGiB: number;
  diagnostics: { error: number; warning: number; info: number };
  /** When RVTools wrote the export (ages are counted to it); absent on older summaries. */
  exportedAt?: string | null;
  exportedAtBasis?: ExportDateBasis | null;
}
