import { fieldAliases as f, normalizeHeader } from './header-normalization.js';

/**
 * RVTools column names per sheet, with the spellings of other versions. Headers are compared
 * normalized (see normalizeHeader), so `Provisioned MB` (3.x) and `Provisioned MiB` (4.1.2+)
 * are one spelling already; aliases cover real renames (`vCenter UUID` -> `VI SDK UUID`).
 * Sources: the genuine exports in ../shared/samples/rvtools (RVTools 3.x to 4.7.1), RVTools
 * 3.x CSV exports quoted in public projects, kubev2v/migration-planner.
 */

/** Columns every per-VM sheet carries to say which VM a row belongs to. */
export const VM_IDENTITY_FIELDS = {
  name: f('VM', 'VM Name', 'Virtual Machine'),
  moref: f('VM ID', 'VMID', 'Object ID', 'MoRef', 'MoRef ID'),
  uuid: f('VM UUID', 'UUID', 'Instance UUID'),
  vcenterServer: f('VI SDK Server', 'vCenter Server', 'vCenter'),
  vcenterUuid: f('VI SDK UUID', 'vCenter UUID'),
};

export const VINFO_FIELDS = {
  biosUuid: f('SMBIOS UUID', 'BIOS UUID'),
  powerState: f('Powerstate', 'Power State'),
  template: f('Template'),
  srmPlaceholder: f('SRM Placeholder'),
  connectionState: f('Connection state'),
  dnsName: f('DNS Name', 'Guest Host Name'),
  primaryIp: f('Primary IP Address', 'Primary IP', 'IP Address'),
  cpus: f('CPUs', 'Num CPU', 'vCPUs'),
  memoryMiB: f('Memory', 'Memory MB', 'Memory Size'),
  provisionedMiB: f('Provisioned MB', 'Provisioned'),
  totalDiskCapacityMiB: f('Total disk capacity MB'),
  diskCount: f('Disks', 'Num Disks'),
  nicCount: f('NICs', 'Num NICs'),
  vmxPath: f('Path'),
  inUseMiB: f('In Use MB', 'In Use'),
  datacenter: f('Datacenter', 'Data Center'),
  cluster: f('Cluster'),
  host: f('Host'),
  folder: f('Folder'),
  resourcePool: f('Resource pool'),
  vapp: f('vApp'),
  guestOsConfig: f('OS according to the configuration file', 'OS'),
  guestOsTools: f('OS according to the VMware Tools', 'OS Tools'),
  guestId: f('Guest ID', 'GuestId', 'Guest OS ID'),
  firmware: f('Firmware'),
  secureBoot: f('EFI Secure boot', 'Secure Boot'),
  hardwareVersion: f('HW version', 'Hardware Version', 'VM Version'),
  cbt: f('CBT', 'Changed Block Tracking'),
  ftState: f('FT State'),
  latencySensitivity: f('Latency Sensitivity'),
  consolidationNeeded: f('Consolidation Needed'),
  annotation: f('Annotation', 'Notes'),
  createdAt: f('Creation date', 'Create Date'),
  poweredOnAt: f('PowerOn', 'Power On'),
  configChangedAt: f('Change Version'),
  cpuAffinity: f('CPU Affinity', 'Affinity'),
  numaAffinity: f('NUMA Affinity', 'Numa Node Affinity'),
  nestedHv: f('Nested HV Enabled', 'Nested HV', 'NestedHVEnabled', 'Hardware virtualization'),
  tpm: f('vTPM', 'TPM', 'Has vTPM'),
  toolsStatus: f('Tools Status', 'Tools'),
  toolsVersion: f('Tools Version'),
  toolsRunningStatus: f('Tools Running Status', 'Tools running'),
};

export const VCPU_FIELDS = {
  cpus: f('CPUs'),
  sockets: f('Sockets'),
  coresPerSocket: f('Cores p/s', 'Cores per socket', 'Cores per Socket'),
  hotAdd: f('Hot Add'),
  hotRemove: f('Hot Remove'),
  affinity: f('Affinity', 'CPU Affinity'),
  numaAffinity: f('NUMA Affinity', 'Numa Node Affinity'),
  nestedHv: f('Nested HV Enabled', 'Nested HV', 'NestedHVEnabled'),
};

export const VMEMORY_FIELDS = {
  sizeMiB: f('Size MB', 'Size'),
  hotAdd: f('Hot Add'),
};

export const VDISK_FIELDS = {
  label: f('Disk', 'Disk Name'),
  key: f('Disk Key'),
  capacityMiB: f('Capacity MB', 'Capacity'),
  thin: f('Thin'),
  diskMode: f('Disk Mode', 'Mode'),
  sharingMode: f('Sharing mode'),
  raw: f('Raw'),
  rawMode: f('Raw Com. Mode', 'Raw Comp. Mode', 'Raw Compatibility Mode'),
  // `Controller` is the controller model (VMware paravirtual SCSI), `Label` its name (SCSI controller 0).
  controllerModel: f('Controller'),
  controllerLabel: f('Label'),
  unitNumber: f('Unit #', 'Unit number'),
  // `Disk Path` is the guest mount point list; the backing file is `Path`.
  path: f('Path', 'Disk File', 'File Name'),
  uuid: f('Disk UUID'),
};

export const VPARTITION_FIELDS = {
  mount: f('Disk', 'Partition', 'Path'),
  capacityMiB: f('Capacity MB', 'Capacity'),
  freeMiB: f('Free MB', 'Free'),
  diskKey: f('Disk Key'),
};

export const VNETWORK_FIELDS = {
  label: f('NIC label', 'Network adapter', 'Label'),
  adapter: f('Adapter', 'Adapter Type'),
  network: f('Network', 'Port Group'),
  switchName: f('Switch'),
  mac: f('Mac Address', 'MAC'),
  connected: f('Connected'),
  startsConnected: f('Starts Connected', 'Start Connected'),
  directPathIo: f('Direct Path IO', 'DirectPath IO'),
  ipv4: f('IPv4 Address', 'IPv4 Addresses', 'IP Address'),
  ipv6: f('IPv6 Address', 'IPv6 Addresses'),
};

export const VSNAPSHOT_FIELDS = {
  name: f('Name', 'Snapshot', 'Snapshot Name'),
  description: f('Description'),
  createdAt: f('Date / time', 'Date', 'Created'),
  sizeMiB: f('Size MB (total)', 'Size MB', 'Size'),
  quiesced: f('Quiesced'),
};

export const VTOOLS_FIELDS = {
  status: f('Tools', 'Tools Status', 'Status'),
  version: f('Tools Version'),
  runningStatus: f('Tools Running Status', 'Running Status'),
  vmVersion: f('VM Version'),
};

export const VUSB_FIELDS = {
  label: f('Device Node', 'Device', 'Label'),
  connected: f('Connected'),
  family: f('Family'),
  speed: f('Speed'),
};

export const VCD_FIELDS = {
  label: f('Device Node', 'Device', 'Label'),
  connected: f('Connected'),
  startsConnected: f('Starts Connected', 'Start Connected'),
  deviceType: f('Device Type'),
  backing: f('ISO Path', 'Backing', 'File', 'Summary'),
};

export const VHOST_FIELDS = {
  name: f('Host', 'Name'),
  datacenter: f('Datacenter'),
  cluster: f('Cluster'),
  cpuModel: f('CPU Model'),
  cpuSockets: f('# CPU'),
  cpuCores: f('# Cores'),
  memoryMiB: f('# Memory'),
  esxiVersion: f('ESX Version', 'ESXi Version'),
  timeZone: f('Time Zone Name', 'Time Zone'),
  vendor: f('Vendor'),
  model: f('Model'),
  vmCount: f('# VMs total', '# VMs'),
  vcenterServer: f('VI SDK Server'),
};

export const VCLUSTER_FIELDS = {
  name: f('Name', 'Cluster'),
  datacenter: f('Datacenter'),
  haEnabled: f('HA enabled'),
  drsEnabled: f('DRS enabled'),
  drsBehavior: f('DRS default VM behavior'),
  dpmEnabled: f('DPM enabled'),
  hostCount: f('NumHosts', '# Hosts'),
  totalCpuMhz: f('TotalCpu', 'Total Cpu'),
  totalMemoryMiB: f('TotalMemory', 'Total Memory'),
};

export const VDATASTORE_FIELDS = {
  name: f('Name', 'Datastore'),
  type: f('Type'),
  capacityMiB: f('Capacity MB', 'Capacity'),
  freeMiB: f('Free MB', 'Free space MB', 'Free'),
  hosts: f('Hosts'),
};

/** vPort (standard port groups), dvPort (distributed port groups), dvSwitch (switches). */
export const PORT_GROUP_FIELDS = {
  portGroup: f('Port Group', 'Port', 'Portgroup'),
  switchName: f('Switch', 'Name'),
  vlan: f('VLAN', 'VLAN ID'),
  datacenter: f('Datacenter'),
};

export const VSOURCE_FIELDS = {
  server: f('VI SDK Server', 'Server'),
  uuid: f('VI SDK UUID', 'vCenter UUID'),
  fullName: f('Fullname', 'Full name'),
};

export const VMETADATA_FIELDS = {
  version: f('RVTools version'),
  majorVersion: f('RVTools major version'),
  /** When RVTools wrote the workbook: a date cell. */
  createdAt: f('xlsx creation datetime'),
  server: f('Server', 'VI SDK Server'),
};

/**
 * Every vInfo column some RVTools version writes. A vInfo column not in this set is a custom
 * attribute (RVTools puts one column per attribute between `Annotation` and `Datacenter`).
 */
export const KNOWN_VINFO_KEYS: ReadonlySet<string> = new Set(
  [
    'VM',
    'Powerstate',
    'Template',
    'SRM Placeholder',
    'Config status',
    'DNS Name',
    'Connection state',
    'Guest state',
    'Heartbeat',
    'Consolidation Needed',
    'PowerOn',
    'Suspended To Memory',
    'Suspend time',
    'Suspend Interval',
    'Creation date',
    'Change Version',
    'CPUs',
    'Overall Cpu Readiness',
    'Memory',
    'Active Memory',
    'NICs',
    'Disks',
    'Total disk capacity MiB',
    'Fixed Passthru HotPlug',
    'min Required EVC Mode Key',
    'Latency Sensitivity',
    'Op Notification Timeout',
    'EnableUUID',
    'CBT',
    'Primary IP Address',
    'Num Monitors',
    'Video Ram KiB',
    'Resource pool',
    'Folder ID',
    'Folder',
    'vApp',
    'DAS protection',
    'FT State',
    'FT Role',
    'FT Latency',
    'FT Bandwidth',
    'FT Sec. Latency',
    'Vm Failover In Progress',
    'Provisioned MiB',
    'In Use MiB',
    'Unshared MiB',
    'HA Restart Priority',
    'HA Isolation Response',
    'HA VM Monitoring',
    'Cluster rule(s)',
    'Cluster rule name(s)',
    'Boot Required',
    'Boot delay',
    'Boot retry delay',
    'Boot retry enabled',
    'Boot BIOS setup',
    'Reboot PowerOff',
    'EFI Secure boot',
    'Firmware',
    'HW version',
    'HW upgrade status',
    'HW upgrade policy',
    'HW target',
    'Path',
    'Log directory',
    'Snapshot directory',
    'Suspend directory',
    'Annotation',
    'Datacenter',
    'Cluster',
    'Host',
    'OS according to the configuration file',
    'OS according to the VMware Tools',
    'Customization Info',
    'Guest Detailed Data',
    'VM ID',
    'SMBIOS UUID',
    'VM UUID',
    'VI SDK Server type',
    'VI SDK API Version',
    'VI SDK Server',
    'VI SDK UUID',
    // Older and renamed spellings.
    'vCenter UUID',
    'Object ID',
    'Config Checksum',
    'Memory Reservation',
    'Total disk capacity',
    'Power State',
    // The fields we read, under every spelling we accept (already normalized; normalizing is idempotent).
    ...Object.values(VM_IDENTITY_FIELDS).flat(),
    ...Object.values(VINFO_FIELDS).flat(),
  ].map(normalizeHeader),
);

/** `Network #1` .. `Network #8` (the count grew between versions). */
export const VINFO_NETWORK_COLUMN = /^networknum\d+$/;

/** Columns of per-VM sheets that follow the custom attributes (they end the attribute block). */
export const AFTER_CUSTOM_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(
  [
    'Datacenter',
    'Cluster',
    'Host',
    'Folder',
    'OS according to the configuration file',
    'OS according to the VMware Tools',
    'VMRef',
    'VM ID',
    'VM UUID',
    'VI SDK Server',
    'VI SDK UUID',
  ].map(normalizeHeader),
);

export const ANNOTATION_KEY = normalizeHeader('Annotation');

/**
 * RVTools CSV exports name columns after its internal fields, prefixed with the tab
 * (`vInfoVMName`); after the prefix, most are the workbook header without spaces, these are not.
 * Keyed by normalized tab prefix (`*` for every tab), values are normalized workbook headers.
 */
export const INTERNAL_HEADER_ALIASES: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map(
  Object.entries({
    '*': {
      vmname: 'VM',
      vmid: 'VM ID',
      objectid: 'Object ID',
      uuid: 'VM UUID',
      visdkserver: 'VI SDK Server',
      visdkuuid: 'VI SDK UUID',
      datacenter: 'Datacenter',
      srmplaceholder: 'SRM Placeholder',
      os: 'OS according to the configuration file',
      ostools: 'OS according to the VMware Tools',
    },
    vinfo: {
      guesthostname: 'DNS Name',
      numvirtualdisks: 'Disks',
      provisioned: 'Provisioned MiB',
      inuse: 'In Use MiB',
      unshared: 'Unshared MiB',
      createdate: 'Creation date',
      notes: 'Annotation',
      version: 'HW version',
      hwversion: 'HW version',
      resourcepool: 'Resource pool',
      primaryipaddress: 'Primary IP Address',
      smbiosuuid: 'SMBIOS UUID',
      totaldiskcapacitymib: 'Total disk capacity MiB',
      ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`network${n}`, `Network #${n}`])),
    },
    vcpu: { corespersocket: 'Cores p/s' },
    vmemory: { sizemib: 'Size MiB' },
    vdisk: { name: 'Disk', key: 'Disk Key', capacitymib: 'Capacity MiB', diskmode: 'Disk Mode' },
    vpartition: { capacitymib: 'Capacity MiB', freemib: 'Free MiB', consumedmib: 'Consumed MiB' },
    vnetwork: { name: 'Network', macaddress: 'Mac Address', label: 'NIC label' },
    vhost: {
      name: 'Host',
      cpumodel: 'CPU Model',
      numcpu: '# CPU',
      numcpucores: '# Cores',
      memorysize: '# Memory',
      fullname: 'ESX Version',
      vmstotal: '# VMs total',
      vms: '# VMs',
    },
    vdatastore: { name: 'Name', capacity: 'Capacity MiB', freespace: 'Free MiB' },
    vcluster: { name: 'Name', numhosts: 'NumHosts', totalcpu: 'TotalCpu', totalmemory: 'TotalMemory' },
  }).map(([tab, aliases]) => [
    tab,
    new Map(Object.entries(aliases).map(([rest, header]) => [rest, normalizeHeader(header)])),
  ]),
);
