import type { InventoryDisk, InventoryNic, InventoryVm } from '#libs/inventory';
import type { VmMigrationSpec } from '../migration-spec.js';

/** A SCSI disk on `ds-gold`; override what a case is about. */
export function inventoryDisk(overrides: Partial<InventoryDisk> = {}): InventoryDisk {
  return {
    label: 'Hard disk 1',
    key: 2000,
    capacityMiB: 40960,
    thin: true,
    diskMode: 'persistent',
    independent: false,
    sharingMode: 'sharingNone',
    raw: false,
    rawMode: null,
    controller: 'SCSI controller 0',
    controllerType: 'scsi',
    unitNumber: 0,
    path: '[ds-gold] web-01/web-01.vmdk',
    datastore: 'ds-gold',
    ...overrides,
  };
}

/** A vmxnet3 NIC on `VM Network`, connected at power-on. */
export function inventoryNic(overrides: Partial<InventoryNic> = {}): InventoryNic {
  return {
    label: 'Network adapter 1',
    adapterType: 'vmxnet3',
    network: 'VM Network',
    switchName: null,
    mac: '00:50:56:aa:bb:01',
    connected: true,
    startsConnected: true,
    directPathIo: false,
    ipv4: ['10.0.0.11'],
    ipv6: [],
    ...overrides,
  };
}

export function inventoryVm(overrides: Partial<InventoryVm> = {}): InventoryVm {
  return {
    key: 'vc01.example.com/vm-101',
    name: 'web-01',
    moref: 'vm-101',
    uuid: '5003a1b2-0000-4000-8000-00000000c0de',
    biosUuid: '4203a1b2-1111-4222-8333-444455556666',
    vcenter: { server: 'vc01.example.com', uuid: 'e1f6c8b2-9f0d-4a7c-9e4b-1d2c3b4a5f60' },
    datacenter: 'DC1',
    cluster: 'Cluster A',
    host: 'esx01.example.com',
    folder: null,
    resourcePool: null,
    vapp: null,
    powerState: 'poweredOn',
    connectionState: 'connected',
    template: false,
    srmPlaceholder: false,
    guestOsConfig: 'Red Hat Enterprise Linux 9 (64-bit)',
    guestOsTools: null,
    guestId: 'rhel9_64Guest',
    dnsName: 'web-01.example.com',
    primaryIp: '10.0.0.11',
    toolsStatus: 'toolsOk',
    toolsVersion: '12352',
    toolsRunningStatus: 'guestToolsRunning',
    cpus: 4,
    sockets: 2,
    coresPerSocket: 2,
    memoryMiB: 8192,
    cpuHotAdd: false,
    cpuHotRemove: false,
    memoryHotAdd: false,
    cpuAffinity: null,
    numaAffinity: null,
    firmware: 'bios',
    secureBoot: false,
    hardwareVersion: 'vmx-19',
    cbtEnabled: false,
    ftState: 'notConfigured',
    nestedHv: false,
    hasTpm: false,
    passthroughDevices: [],
    latencySensitivity: 'normal',
    consolidationNeeded: false,
    annotation: null,
    customAttributes: {},
    createdAt: null,
    poweredOnAt: null,
    configChangedAt: null,
    provisionedMiB: 40960,
    inUseMiB: 20480,
    disks: [inventoryDisk()],
    partitions: [],
    nics: [inventoryNic()],
    snapshots: [],
    usbDevices: [],
    cdroms: [],
    source: {},
    ...overrides,
  };
}

export function migrationSpec(overrides: Partial<VmMigrationSpec> = {}): VmMigrationSpec {
  return {
    vm: inventoryVm(),
    planId: '0b6f1d6e-4a51-4c8e-9a0e-3f7d2c1b0a99',
    waveNumber: 2,
    executionId: '7e57c0de-1234-4abc-8def-0123456789ab',
    targetNamespace: 'migrated',
    networkMap: { 'VM Network': { type: 'pod' }, 'DB VLAN 20': { type: 'multus', name: 'migrated/vlan20' } },
    storageMap: { 'ds-gold': { storageClass: 'ceph-rbd' } },
    vcenter: {
      url: 'https://vc01.example.com/sdk',
      thumbprint: '3F:9A:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:12:34',
    },
    vddkInitImage: 'registry.example.com/vddk:8.0.3',
    compatibilityMode: false,
    preference: 'rhel.9',
    start: true,
    ...overrides,
  };
}
