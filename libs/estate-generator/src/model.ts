/**
 * A generated vSphere estate: plain data, deterministic for a seed. It describes what vCenter
 * knows (the same facts RVTools exports), plus a `truth` per VM that says which traps were
 * planted, so an assessment can be checked against what was generated.
 *
 * Units: sizes are MiB unless the name says otherwise. Dates are ISO-8601 strings in UTC.
 */

export interface GenerateEstateOptions {
  /** Number of VMs in vInfo, templates, SRM placeholders and vCLS VMs included. */
  vms: number;
  /** Default 1. */
  seed?: number;
  /** Default 1. VM morefs restart per vCenter, so `vm-1234` can exist in two of them. */
  vcenters?: number;
  /** Datacenters per vCenter. Default 1, or 2 from 2,000 VMs up. */
  datacentersPerVcenter?: number;
  /** Clusters in the whole estate (at least one per datacenter). Default: about one per 300 VMs, at least 2 from 100 VMs. */
  clusters?: number;
  /** Default: enough hosts for about 22 VMs per host, between 2 and 32. */
  hostsPerCluster?: number;
  /** The moment the export was taken; all ages are relative to it. Default 2025-06-30T08:00:00Z. */
  asOf?: string;
  /** DNS domain for hosts, vCenters and guests. Default `corp.example.com`. */
  domain?: string;
}

export type GeneratedPowerState = 'poweredOn' | 'poweredOff' | 'suspended';
export type GuestFamily = 'linux' | 'windows' | 'other';
export type DatastoreType = 'VMFS' | 'NFS' | 'NFS41' | 'vsan';
export type PortGroupKind = 'standard' | 'distributed';
export type PassthroughKind = 'pci' | 'vgpu' | 'sriov';
export type DiskMode =
  | 'persistent'
  | 'independent_persistent'
  | 'independent_nonpersistent'
  | 'nonpersistent';
export type SharingMode = 'sharingNone' | 'sharingMultiWriter';
export type RawCompatibilityMode = 'physicalMode' | 'virtualMode';
export type ToolsStatus = 'toolsOk' | 'toolsOld' | 'toolsNotRunning' | 'toolsNotInstalled';
export type ToolsRunningStatus = 'guestToolsRunning' | 'guestToolsNotRunning' | 'guestToolsExecutingScripts';
export type VmRole = 'workload' | 'template' | 'srmPlaceholder' | 'vcls' | 'infrastructure';

/** Custom attributes apply to VMs only, or to every managed entity (then hosts, clusters and datastores carry the column too). */
export interface CustomAttributeDefinition {
  name: string;
  scope: 'VirtualMachine' | 'global';
}

export interface GeneratedVcenter {
  /** `VI SDK Server`, the host name RVTools connected to. */
  server: string;
  /** `VI SDK UUID` (instance UUID of the vCenter). */
  uuid: string;
  version: string;
  build: string;
  apiVersion: string;
  patchLevel: string;
}

export interface GeneratedDatacenter {
  vcenter: string;
  name: string;
  moref: string;
}

export interface GeneratedCluster {
  vcenter: string;
  datacenter: string;
  name: string;
  moref: string;
  haEnabled: boolean;
  admissionControl: boolean;
  drsEnabled: boolean;
  drsBehavior: 'fullyAutomated' | 'partiallyAutomated' | 'manual';
  vsan: boolean;
  /** Every host of the cluster has the same CPU model (EVC or not). */
  cpuModel: string;
  evcMode: string | null;
  /** Number of VMotions since creation, as vCenter counts them. */
  vmotions: number;
}

export interface GeneratedHost {
  vcenter: string;
  datacenter: string;
  cluster: string;
  name: string;
  moref: string;
  uuid: string;
  vendor: string;
  model: string;
  serial: string;
  biosVersion: string;
  biosDate: string;
  cpuModel: string;
  cpuMhz: number;
  sockets: number;
  coresPerSocket: number;
  hyperThreading: boolean;
  memoryMiB: number;
  /** e.g. `VMware ESXi 8.0.3 build-24022510`. */
  esxFullName: string;
  esxVersion: string;
  bootTime: string;
  maintenanceMode: boolean;
  nics: number;
  hbas: number;
  ntpServer: string;
  dnsServers: string[];
  managementIp: string;
  maxEvc: string;
}

export interface GeneratedDatastore {
  vcenter: string;
  datacenter: string;
  name: string;
  moref: string;
  type: DatastoreType;
  capacityMiB: number;
  /** Sum of VM disks placed here (thin disks counted at their used size). */
  inUseMiB: number;
  /** Sum of VM disk capacities placed here. */
  provisionedMiB: number;
  freeMiB: number;
  /** Cluster the datastore is mounted on; null for datastores shared by every cluster of the datacenter. */
  cluster: string | null;
  hosts: string[];
  url: string;
  /** naa id for VMFS, `server:/export` for NFS. */
  address: string;
  vmfsVersion: string | null;
  vmCount: number;
}

export interface GeneratedDistributedSwitch {
  vcenter: string;
  datacenter: string;
  name: string;
  moref: string;
  version: string;
  createdAt: string;
  hosts: string[];
  mtu: number;
}

export interface GeneratedPortGroup {
  vcenter: string;
  datacenter: string;
  name: string;
  kind: PortGroupKind;
  /** Standard vSwitch name (`vSwitch0`) or distributed switch name. */
  switchName: string;
  vlan: number;
  /** dvportgroup moref; null for standard port groups (they exist per host). */
  moref: string | null;
  /** First three octets of the /24 the port group's guests live in. */
  subnet: string;
  /** Hosts that carry the port group (standard ones only exist where configured). */
  hosts: string[];
}

export interface GeneratedApplication {
  /** Value of the `Application` custom attribute, e.g. `Payroll`. */
  name: string;
  /** Name prefix of the application's VMs, e.g. `pay`. */
  code: string;
  environment: 'Production' | 'UAT' | 'Development' | 'Test';
  owner: string;
  /** Folder the application's VMs live in, `/DC/Department/Application`. */
  folder: string;
  vapp: string | null;
  vmKeys: string[];
}

export interface GeneratedDisk {
  label: string;
  key: number;
  uuid: string;
  capacityMiB: number;
  thin: boolean;
  eagerlyScrub: boolean;
  diskMode: DiskMode;
  sharingMode: SharingMode;
  raw: boolean;
  rawCompatibilityMode: RawCompatibilityMode | null;
  rawLunId: string | null;
  /** `SCSI controller 0`, `SATA controller 0`, `NVME controller 0`, `IDE 0`. */
  controllerLabel: string;
  /** `VMware paravirtual SCSI`, `LSI Logic SAS`, `LSI Logic`, `BusLogic`, `AHCI`, `NVMe`, `IDE`. */
  controllerType: string;
  unitNumber: number;
  /** noSharing / virtualSharing / physicalSharing (the SCSI bus sharing of the controller). */
  sharedBus: 'noSharing' | 'virtualSharing' | 'physicalSharing';
  /** Backing file: `[datastore] folder/file.vmdk` (for an RDM, the mapping file). */
  path: string;
  datastore: string;
  /** Guest mount points on this disk (`/`, `C:\`), as vDisk `Disk Path` shows them. */
  guestMounts: string[];
  /** What the guest has written; thin disks occupy this much on the datastore. */
  usedMiB: number;
}

export interface GeneratedPartition {
  diskKey: number;
  mount: string;
  capacityMiB: number;
  freeMiB: number;
}

export interface GeneratedNic {
  label: string;
  /** As RVTools writes it: `Vmxnet3`, `E1000`, `E1000e`, `Vmxnet2`, `PCNet32`, `SriovEthernetCard`. */
  adapter: string;
  /** Port group name; empty string for a NIC whose backing network is gone. */
  network: string;
  portGroupKind: PortGroupKind | null;
  /** What vNetwork `Switch` shows: the switch name, or the `VM` placeholder RVTools writes when it cannot resolve it. */
  switchColumn: string | null;
  switchName: string | null;
  connected: boolean;
  startsConnected: boolean;
  mac: string;
  macType: 'assigned' | 'manual' | 'generated';
  ipv4: string[];
  ipv6: string[];
  directPathIo: boolean;
}

export interface GeneratedCdrom {
  label: string;
  connected: boolean;
  startsConnected: boolean;
  /** `Remote device`, `Remote ATAPI`, `ATAPI`, `ISO [ds] path.iso`, `Client Device`. */
  deviceType: string;
}

export interface GeneratedUsbDevice {
  label: string;
  deviceType: string;
  connected: boolean;
  family: string;
  speed: string;
  ehciEnabled: boolean;
  autoConnect: boolean;
  busNumber: number;
  unitNumber: number;
}

export interface GeneratedSnapshot {
  name: string;
  description: string;
  createdAt: string;
  filename: string;
  sizeVmsnMiB: number;
  sizeTotalMiB: number;
  quiesced: boolean;
  state: GeneratedPowerState;
}

export interface GeneratedVmTruth {
  role: VmRole;
  isTemplate: boolean;
  isSrmPlaceholder: boolean;
  isVcls: boolean;
  /** vCenter, NSX, backup proxy and similar: out of migration scope. */
  isInfrastructure: boolean;
  hasRdm: boolean;
  hasPhysicalRdm: boolean;
  /** Shares at least one disk file (multi-writer or an RDM LUN) with another VM. */
  hasSharedDisk: boolean;
  /** Keys of the VMs the shared disks are shared with. */
  sharedWith: string[];
  hasIndependentDisk: boolean;
  passthrough: PassthroughKind | null;
  hasUsb: boolean;
  hasConnectedCdrom: boolean;
  snapshotCount: number;
  /** Age in days of the oldest snapshot, at `asOf`; null without snapshots. */
  oldestSnapshotDays: number | null;
  toolsNotRunning: boolean;
  toolsNotInstalled: boolean;
  efi: boolean;
  secureBoot: boolean;
  /** vTPM present. RVTools has no column for it, so only the truth knows. */
  tpm: boolean;
  cbt: boolean;
  cpuHotAdd: boolean;
  memoryHotAdd: boolean;
  multiNic: boolean;
  /** Operating system no longer supported by its vendor, or older than KubeVirt guest support. */
  legacyOs: boolean;
  /** Appliances, BSDs, Solaris, DOS...: a guest a KubeVirt conversion will not handle. */
  unusualOs: boolean;
  /** Configured guest OS differs from what VMware Tools reports. */
  osMismatch: boolean;
  /** Powered off with a last configuration change more than a year before `asOf`. */
  longPoweredOff: boolean;
  nameTraits: Array<'unicode' | 'spaces' | 'long' | 'escaped' | 'duplicate' | 'old' | 'tmp' | 'bak'>;
  /** Canonical application (the `Application` attribute may be missing or spelled differently). */
  application: string | null;
  environment: GeneratedApplication['environment'] | null;
}

export interface GeneratedVm {
  /** `${vcenter server}/${moref}`: unique in the estate. */
  key: string;
  name: string;
  moref: string;
  vcenter: string;
  datacenter: string;
  cluster: string;
  host: string;
  /** `/Datacenter/Folder/Sub` as RVTools writes the VM folder. */
  folder: string;
  folderId: string;
  resourcePool: string;
  vapp: string | null;
  /** Instance UUID (`VM UUID` in RVTools 4.3.1 and later). */
  instanceUuid: string;
  /** BIOS UUID (`SMBIOS UUID`; `VM UUID` before 4.3.1). */
  biosUuid: string;
  powerState: GeneratedPowerState;
  connectionState: 'connected' | 'disconnected' | 'inaccessible' | 'orphaned';
  template: boolean;
  srmPlaceholder: boolean;
  guestId: string;
  guestFamily: GuestFamily;
  /** `OS according to the configuration file`. */
  osConfig: string;
  /** `OS according to the VMware Tools`; null when tools never reported. */
  osTools: string | null;
  /** Guest Detailed Data (tools 11+), key='value' pairs. */
  guestDetailedData: string | null;
  dnsName: string | null;
  primaryIp: string | null;
  toolsStatus: ToolsStatus;
  toolsRunningStatus: ToolsRunningStatus;
  /** 12389 style build number; 2147483647 for guest-managed (open-vm-tools), 0 when not installed. */
  toolsVersion: number;
  toolsUpgradePolicy: 'manual' | 'upgradeAtPowerCycle';
  cpus: number;
  sockets: number;
  coresPerSocket: number;
  memoryMiB: number;
  memoryReservationMiB: number;
  memoryReservationLockedToMax: boolean;
  cpuHotAdd: boolean;
  cpuHotRemove: boolean;
  memoryHotAdd: boolean;
  latencySensitivity: 'normal' | 'high' | 'low' | 'medium';
  firmware: 'bios' | 'efi';
  secureBoot: boolean;
  tpm: boolean;
  hwVersion: number;
  cbt: boolean;
  enableUuid: boolean;
  fixedPassthruHotPlug: boolean;
  passthroughDevice: string | null;
  annotation: string | null;
  /** Values by attribute name; absent when the attribute is not set on this VM. */
  customAttributes: Record<string, string>;
  createdAt: string;
  /** `Change Version`: the last configuration change. */
  changedAt: string;
  /** Last power-on; null when not powered on (vSphere clears it at power off). */
  poweredOnAt: string | null;
  suspendedAt: string | null;
  /** Datastore holding the .vmx. */
  datastore: string;
  /**
   * Folder of the VM on its datastore: the name at creation time (before any rename), or on
   * vSAN the UUID of the VM's namespace object.
   */
  vmxDirectory: string;
  /** `[datastore] directory/name.vmx`. */
  vmxPath: string;
  /** Demand at export time; zero when not running. */
  cpuUsageMhz: number;
  activeMemoryMiB: number;
  consumedMemoryMiB: number;
  disks: GeneratedDisk[];
  partitions: GeneratedPartition[];
  nics: GeneratedNic[];
  cdroms: GeneratedCdrom[];
  usbDevices: GeneratedUsbDevice[];
  snapshots: GeneratedSnapshot[];
  truth: GeneratedVmTruth;
}

export interface GeneratedEstate {
  seed: number;
  asOf: string;
  domain: string;
  customAttributes: CustomAttributeDefinition[];
  vcenters: GeneratedVcenter[];
  datacenters: GeneratedDatacenter[];
  clusters: GeneratedCluster[];
  hosts: GeneratedHost[];
  datastores: GeneratedDatastore[];
  distributedSwitches: GeneratedDistributedSwitch[];
  portGroups: GeneratedPortGroup[];
  applications: GeneratedApplication[];
  vms: GeneratedVm[];
}
