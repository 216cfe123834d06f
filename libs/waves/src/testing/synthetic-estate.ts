import type { Concern, Effort, VmAssessment } from '#libs/assessment';
import type { InventoryDisk, InventoryNic, InventoryVm } from '#libs/inventory';
import { type PlanSettingsInput, parsePlanSettings } from '../settings.js';
import type { PlanInput } from '../types.js';

/**
 * Seeded estates for the planner's tests and benchmark. Not part of the public surface: the
 * inventory and assessment are built directly, without the parser or the rules.
 */

/** mulberry32: small, fast and good enough to shuffle test estates reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function testDisk(overrides: Partial<InventoryDisk> = {}): InventoryDisk {
  const datastore = overrides.datastore === undefined ? 'ds-1' : overrides.datastore;
  return {
    label: 'Hard disk 1',
    key: 2000,
    capacityMiB: 10_240,
    thin: true,
    diskMode: 'persistent',
    independent: false,
    sharingMode: 'sharingNone',
    raw: false,
    rawMode: null,
    controller: 'SCSI controller 0',
    controllerType: 'scsi',
    unitNumber: 0,
    path: overrides.path === undefined ? `[${datastore}] vm/disk.vmdk` : overrides.path,
    ...overrides,
    datastore,
  };
}

export function testNic(overrides: Partial<InventoryNic> = {}): InventoryNic {
  return {
    label: 'Network adapter 1',
    adapterType: 'vmxnet3',
    network: 'VM Network',
    switchName: null,
    mac: '00:50:56:00:00:01',
    connected: true,
    startsConnected: true,
    directPathIo: false,
    ipv4: [],
    ipv6: [],
    ...overrides,
  };
}

/** A VM whose disk paths default to `[ds] <name>/<name>_<n>.vmdk` (unique per VM). */
export function testVm(name: string, overrides: Partial<InventoryVm> = {}): InventoryVm {
  const disks = overrides.disks ?? [testDisk({ path: `[ds-1] ${name}/${name}.vmdk` })];
  return {
    key: `vc1/${name}`,
    name,
    moref: `vm-${name}`,
    uuid: null,
    biosUuid: null,
    vcenter: { server: 'vc1', uuid: null },
    datacenter: 'dc1',
    cluster: 'cl1',
    host: 'esx-1',
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
    dnsName: null,
    primaryIp: null,
    toolsStatus: 'toolsOk',
    toolsVersion: null,
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
    cbtEnabled: false,
    ftState: null,
    nestedHv: false,
    hasTpm: false,
    passthroughDevices: [],
    latencySensitivity: null,
    consolidationNeeded: false,
    annotation: null,
    customAttributes: {},
    createdAt: null,
    poweredOnAt: null,
    configChangedAt: null,
    provisionedMiB: null,
    inUseMiB: null,
    partitions: [],
    nics: [testNic()],
    snapshots: [],
    usbDevices: [],
    cdroms: [],
    source: {},
    ...overrides,
    disks,
  };
}

export function testAssessment(vm: InventoryVm, overrides: Partial<VmAssessment> = {}): VmAssessment {
  const dataMiB = overrides.transfer?.dataMiB ?? vm.disks.reduce((sum, disk) => sum + disk.capacityMiB, 0);
  return {
    vmKey: vm.key,
    name: vm.name,
    moref: vm.moref,
    disposition: 'rehost',
    outOfScope: null,
    effort: 'low',
    score: 90,
    reasons: [],
    concerns: [],
    retire: null,
    os: { family: 'rhel', preference: 'rhel.9', support: 'supported', needsDriverConversion: false },
    sizing: {
      sockets: vm.sockets ?? vm.cpus,
      coresPerSocket: vm.coresPerSocket ?? 1,
      threads: 1,
      memoryMiB: vm.memoryMiB,
      memoryWithOverheadMiB: vm.memoryMiB + 256,
      disks: [],
      storageByClassMiB: {},
    },
    transfer: {
      dataMiB,
      largestDiskMiB: Math.max(0, ...vm.disks.map((disk) => disk.capacityMiB)),
      hours: 0,
    },
    warm: { ready: true, reasons: [] },
    targetName: vm.name.toLowerCase(),
    override: null,
    ...overrides,
  };
}

export interface SyntheticEstateShape {
  seed: number;
  vms: number;
  hosts: number;
  datastores: number;
  networks: number;
  /** Share of VMs tagged with an `Application` attribute (apps of 2-12 VMs). */
  applicationShare: number;
  /** Pairs of VMs sharing a multi-writer disk (clusters). */
  sharedDiskPairs: number;
  /** Share of VMs with a 1-4 TiB data disk. */
  largeVmShare: number;
  /** Share of VMs that are retain/retire rather than rehost. */
  nonRehostShare: number;
}

export interface SyntheticEstate {
  vms: InventoryVm[];
  assessments: VmAssessment[];
  networks: string[];
  datastores: string[];
}

const GIB = 1024;
const EFFORT_BY_DRAW: Effort[] = ['low', 'low', 'low', 'medium', 'medium', 'high'];

/** An estate with realistic spreads: many small VMs, a tail of large ones, apps and clusters. */
export function buildSyntheticEstate(shape: SyntheticEstateShape): SyntheticEstate {
  const random = seededRandom(shape.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const hosts = Array.from(
    { length: shape.hosts },
    (_, index) => `esx-${String(index + 1).padStart(3, '0')}`,
  );
  const datastores = Array.from(
    { length: shape.datastores },
    (_, index) => `ds-${String(index + 1).padStart(3, '0')}`,
  );
  const networks = Array.from({ length: shape.networks }, (_, index) => `vlan-${100 + index}`);
  const vms: InventoryVm[] = [];
  const assessments: VmAssessment[] = [];
  let application = 0;
  let applicationLeft = 0;
  for (let index = 0; index < shape.vms; index += 1) {
    const name = `vm-${String(index + 1).padStart(5, '0')}`;
    const datastore = pick(datastores);
    const diskCount = 1 + Math.floor(random() * 3);
    const disks: InventoryDisk[] = [];
    for (let diskIndex = 0; diskIndex < diskCount; diskIndex += 1) {
      const base = diskIndex === 0 ? 20 + random() * 60 : 10 + random() ** 3 * 500;
      const capacityGiB = diskIndex === 1 && random() < shape.largeVmShare ? 1024 + random() * 3072 : base;
      disks.push(
        testDisk({
          label: `Hard disk ${diskIndex + 1}`,
          key: 2000 + diskIndex,
          unitNumber: diskIndex,
          capacityMiB: Math.round(capacityGiB * GIB),
          datastore,
          path: `[${datastore}] ${name}/${name}_${diskIndex}.vmdk`,
        }),
      );
    }
    if (applicationLeft === 0 && random() < shape.applicationShare / 6) {
      application += 1;
      applicationLeft = 2 + Math.floor(random() * 11);
    }
    const customAttributes: Record<string, string> = {};
    if (applicationLeft > 0) {
      customAttributes.Application = `app-${application}`;
      applicationLeft -= 1;
    }
    const vm = testVm(name, {
      host: pick(hosts),
      disks,
      nics: [testNic({ network: pick(networks) })],
      customAttributes,
    });
    vms.push(vm);
    const used = 0.4 + random() * 0.5;
    const capacity = disks.reduce((sum, disk) => sum + disk.capacityMiB, 0);
    const effort = pick(EFFORT_BY_DRAW);
    const concerns: Concern[] =
      effort === 'low'
        ? []
        : [{ id: 'old-tools', severity: 'warning', message: 'VMware Tools are old', evidence: {} }];
    const nonRehost = random() < shape.nonRehostShare;
    assessments.push(
      testAssessment(vm, {
        effort,
        score: effort === 'low' ? 90 : effort === 'medium' ? 70 : 40,
        concerns,
        disposition: nonRehost ? pick(['retain', 'retire'] as const) : 'rehost',
        transfer: { dataMiB: Math.round(capacity * used), largestDiskMiB: 0, hours: 0 },
      }),
    );
  }
  for (let pair = 0; pair < shape.sharedDiskPairs && vms.length >= 2; pair += 1) {
    const first = vms[Math.floor(random() * vms.length)];
    const second = vms[Math.floor(random() * vms.length)];
    if (first === second) continue;
    const datastore = first.disks[0].datastore as string;
    const shared = testDisk({
      label: 'Hard disk 9',
      key: 2009,
      capacityMiB: 50 * GIB,
      sharingMode: 'sharingMultiWriter',
      thin: false,
      datastore,
      path: `[${datastore}] ${first.name}/${first.name}_shared.vmdk`,
    });
    first.disks.push(shared);
    second.disks.push({ ...shared });
  }
  return { vms, assessments, networks, datastores };
}

/** A VM with one disk per size, each at its own path `[datastore] name/name_<n>.vmdk`. */
export function sizedVm(
  name: string,
  diskGiB: readonly number[],
  overrides: Partial<InventoryVm> = {},
  datastore = 'ds-1',
): InventoryVm {
  return testVm(name, {
    disks: diskGiB.map((gib, index) =>
      testDisk({
        label: `Hard disk ${index + 1}`,
        key: 2000 + index,
        unitNumber: index,
        capacityMiB: gib * GIB,
        datastore,
        path: `[${datastore}] ${name}/${name}_${index}.vmdk`,
      }),
    ),
    ...overrides,
  });
}

/** A plan input whose maps cover every network and datastore of the VMs (pod / `standard`). */
export function mappedPlanInput(
  vms: InventoryVm[],
  assessments: VmAssessment[],
  overrides: PlanSettingsInput = {},
): PlanInput {
  const networks = new Set<string>();
  const datastores = new Set<string>();
  for (const vm of vms) {
    for (const nic of vm.nics) if (nic.network !== null) networks.add(nic.network);
    for (const disk of vm.disks) if (disk.datastore !== null) datastores.add(disk.datastore);
  }
  const settings = parsePlanSettings({
    networkMap: Object.fromEntries([...networks].map((network) => [network, { type: 'pod' as const }])),
    storageMap: Object.fromEntries(
      [...datastores].map((datastore) => [datastore, { storageClass: 'standard' }]),
    ),
    ...overrides,
  });
  return { vms, assessments, settings };
}
