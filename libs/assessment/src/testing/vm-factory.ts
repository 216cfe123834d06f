import type {
  Inventory,
  InventoryCdrom,
  InventoryDisk,
  InventoryNic,
  InventoryPartition,
  InventorySnapshot,
  InventoryUsbDevice,
  InventoryVm,
} from '#libs/inventory';

/**
 * Builders for crafted inventory data in tests. The defaults describe a VM that moves as it is:
 * a powered-on RHEL 9 guest with VMware Tools running, CBT on, one thin 40 GiB disk on a
 * datastore with plenty of free space in the guest and one connected vmxnet3 NIC. Override only
 * what a test is about.
 */
export function makeVm(partial: Partial<InventoryVm> = {}): InventoryVm {
  const moref = partial.moref === undefined ? 'vm-100' : partial.moref;
  const vcenter = partial.vcenter ?? {
    server: 'vcenter.example.com',
    uuid: '11111111-2222-3333-4444-555555555555',
  };
  const name = partial.name ?? 'app01';
  return {
    key: partial.key ?? `${vcenter.uuid ?? vcenter.server}/${moref ?? name}`,
    name,
    moref,
    uuid: '42000000-0000-0000-0000-000000000100',
    biosUuid: '42000000-0000-0000-0000-000000000101',
    vcenter,
    datacenter: 'dc1',
    cluster: 'cluster-a',
    host: 'esx01.example.com',
    folder: 'apps',
    resourcePool: null,
    vapp: null,
    powerState: 'poweredOn',
    connectionState: 'connected',
    template: false,
    srmPlaceholder: false,
    guestOsConfig: 'Red Hat Enterprise Linux 9 (64-bit)',
    guestOsTools: 'Red Hat Enterprise Linux 9 (64-bit)',
    guestId: 'rhel9_64Guest',
    dnsName: 'app01.example.com',
    primaryIp: '10.0.0.10',
    toolsStatus: 'toolsOk',
    toolsVersion: '12352',
    toolsRunningStatus: 'guestToolsRunning',
    cpus: 2,
    sockets: 2,
    coresPerSocket: 1,
    memoryMiB: 4096,
    cpuHotAdd: false,
    cpuHotRemove: false,
    memoryHotAdd: false,
    cpuAffinity: null,
    numaAffinity: null,
    firmware: 'bios',
    secureBoot: false,
    hardwareVersion: 'vmx-19',
    cbtEnabled: true,
    ftState: 'notConfigured',
    nestedHv: false,
    hasTpm: false,
    passthroughDevices: [],
    latencySensitivity: 'normal',
    consolidationNeeded: false,
    annotation: null,
    customAttributes: {},
    createdAt: '2023-01-10T09:00:00.000Z',
    poweredOnAt: '2025-06-01T08:00:00.000Z',
    configChangedAt: '2025-05-30T12:00:00.000Z',
    provisionedMiB: 44_000,
    inUseMiB: 12_000,
    disks: [makeDisk()],
    partitions: [
      makePartition({ mount: '/', capacityMiB: 30_000, freeMiB: 20_000 }),
      makePartition({ mount: '/boot', capacityMiB: 1_000, freeMiB: 700 }),
    ],
    nics: [makeNic()],
    snapshots: [],
    usbDevices: [],
    cdroms: [],
    source: {},
    ...partial,
  };
}

export function makeDisk(partial: Partial<InventoryDisk> = {}): InventoryDisk {
  const datastore = partial.datastore === undefined ? 'ds-ssd-01' : partial.datastore;
  return {
    label: 'Hard disk 1',
    key: 2000,
    capacityMiB: 40_960,
    thin: true,
    diskMode: 'persistent',
    independent: false,
    sharingMode: 'sharingNone',
    raw: false,
    rawMode: null,
    controller: 'SCSI controller 0',
    controllerType: 'scsi',
    unitNumber: 0,
    path: datastore === null ? null : `[${datastore}] app01/app01.vmdk`,
    ...partial,
    datastore,
  };
}

export function makePartition(partial: Partial<InventoryPartition> = {}): InventoryPartition {
  return { mount: '/', capacityMiB: 30_000, freeMiB: 20_000, diskKey: 2000, ...partial };
}

export function makeNic(partial: Partial<InventoryNic> = {}): InventoryNic {
  return {
    label: 'Network adapter 1',
    adapterType: 'vmxnet3',
    network: 'VM Network',
    switchName: null,
    mac: '00:50:56:00:00:01',
    connected: true,
    startsConnected: true,
    // RVTools reports DirectPath IO true on every vmxnet3 NIC (UPT compatibility).
    directPathIo: true,
    ipv4: ['10.0.0.10'],
    ipv6: [],
    ...partial,
  };
}

export function makeSnapshot(partial: Partial<InventorySnapshot> = {}): InventorySnapshot {
  return {
    name: 'before-patch',
    description: null,
    createdAt: '2025-05-01T10:00:00.000Z',
    sizeMiB: 1_024,
    quiesced: false,
    ...partial,
  };
}

export function makeUsbDevice(partial: Partial<InventoryUsbDevice> = {}): InventoryUsbDevice {
  return { label: 'USB 1', connected: true, family: 'storage', speed: 'high', ...partial };
}

export function makeCdrom(partial: Partial<InventoryCdrom> = {}): InventoryCdrom {
  return {
    label: 'CD/DVD drive 1',
    connected: false,
    startsConnected: false,
    deviceType: 'Remote ATAPI',
    backing: null,
    ...partial,
  };
}

/** An inventory around the given VMs; `sheets` defaults to the sheets these builders fill. */
export function makeInventory(vms: InventoryVm[], partial: Partial<Inventory> = {}): Inventory {
  return {
    source: {
      fileName: 'RVTools_export.xlsx',
      format: 'xlsx',
      rvtoolsVersion: '4.6.1',
      sheets: [
        'vInfo',
        'vCPU',
        'vMemory',
        'vDisk',
        'vPartition',
        'vNetwork',
        'vCD',
        'vUSB',
        'vSnapshot',
        'vTools',
      ],
      vcenters: [{ server: 'vcenter.example.com', uuid: '11111111-2222-3333-4444-555555555555' }],
    },
    datacenters: [{ name: 'dc1' }],
    clusters: [],
    hosts: [],
    datastores: [],
    networks: [],
    diagnostics: [],
    ...partial,
    vms,
  };
}
