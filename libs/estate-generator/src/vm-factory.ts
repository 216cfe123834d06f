import { SNAPSHOT_NAMES, type TierRole } from './application-catalog.js';
import {
  diskUuid,
  type EstateClock,
  type GuestAddressPool,
  type MacAddressPool,
  vmwareUuid,
} from './estate-context.js';
import type { ClusterRuntime } from './estate-topology.js';
import { type GuestOsProfile, OS_DRIFT } from './guest-os-catalog.js';
import {
  GUEST_MANAGED_TOOLS_VERSION,
  PCI_PASSTHROUGH_DEVICES,
  TOOLS_BUILDS,
  USB_DEVICES,
  VGPU_PROFILES,
} from './hardware-catalog.js';
import type {
  GeneratedApplication,
  GeneratedCdrom,
  GeneratedDisk,
  GeneratedNic,
  GeneratedPartition,
  GeneratedPowerState,
  GeneratedSnapshot,
  GeneratedUsbDevice,
  GeneratedVm,
  PassthroughKind,
  ToolsStatus,
  VmRole,
} from './model.js';
import type { SeededRandom } from './seeded-random.js';

export type Workload = TierRole | 'stray';

/**
 * A trap the builder wants planted on this VM, so that even a small estate has at least one
 * of each (the random rates alone would leave a 200-VM sample without passthrough, say).
 */
export type ForcedTrait =
  | 'pci'
  | 'vgpu'
  | 'sriov'
  | 'rdm'
  | 'independentDisk'
  | 'usb'
  | 'oldSnapshot'
  | 'connectedCdrom'
  | 'toolsNotRunning'
  | 'osDrift'
  | 'suspended'
  | 'longOff'
  | 'tpm';

export interface VmSpec {
  name: string;
  role: VmRole;
  os: GuestOsProfile;
  cluster: ClusterRuntime;
  folder: string;
  vapp: string | null;
  resourcePool?: string;
  workload: Workload;
  app: GeneratedApplication | null;
  /** Port group keys (see estate-topology) for the NICs; extra NICs may be added for databases. */
  networks: string[];
  power?: GeneratedPowerState;
  /** Force the VM to have been powered off for more than a year. */
  longOff?: boolean;
  cpus?: number;
  memoryMiB?: number;
  /** Disk sizes in GiB, first one the system disk. */
  diskGiB?: number[];
  annotation?: string | null;
  /** Directory on the datastore when the VM was renamed after creation. */
  vmxDirectory?: string;
  /** Leave out USB, passthrough, RDM and other rarities (infrastructure VMs, clones). */
  plain?: boolean;
  force?: ForcedTrait;
}

const MIB_PER_GIB = 1024;

const SIZE_BY_WORKLOAD: Record<
  Workload,
  { cpus: readonly (readonly [number, number])[]; memGiB: readonly (readonly [number, number])[] }
> = {
  web: {
    cpus: [
      [1, 1],
      [2, 6],
      [4, 3],
    ],
    memGiB: [
      [2, 1],
      [4, 4],
      [8, 4],
      [16, 1],
    ],
  },
  app: {
    cpus: [
      [2, 4],
      [4, 5],
      [8, 3],
      [16, 0.5],
    ],
    memGiB: [
      [4, 2],
      [8, 4],
      [16, 4],
      [32, 1.5],
      [64, 0.3],
    ],
  },
  db: {
    cpus: [
      [2, 1],
      [4, 4],
      [8, 4],
      [16, 2],
      [24, 0.5],
      [32, 0.4],
    ],
    memGiB: [
      [8, 1],
      [16, 3],
      [32, 4],
      [64, 3],
      [128, 1],
      [192, 0.3],
      [256, 0.3],
    ],
  },
  cache: {
    cpus: [
      [2, 3],
      [4, 2],
    ],
    memGiB: [
      [8, 2],
      [16, 3],
      [32, 1],
    ],
  },
  mq: {
    cpus: [
      [2, 2],
      [4, 4],
      [8, 1],
    ],
    memGiB: [
      [8, 3],
      [16, 3],
      [32, 1],
    ],
  },
  batch: {
    cpus: [
      [4, 3],
      [8, 3],
      [16, 1],
    ],
    memGiB: [
      [16, 3],
      [32, 2],
      [64, 1],
    ],
  },
  infra: {
    cpus: [
      [2, 5],
      [4, 3],
    ],
    memGiB: [
      [4, 3],
      [6, 1],
      [8, 3],
      [16, 1],
    ],
  },
  desktop: {
    cpus: [
      [2, 5],
      [4, 3],
    ],
    memGiB: [
      [4, 3],
      [8, 4],
      [16, 1],
    ],
  },
  stray: {
    cpus: [
      [1, 3],
      [2, 4],
      [4, 2],
      [8, 0.3],
    ],
    memGiB: [
      [1, 1],
      [2, 3],
      [4, 3],
      [8, 2],
      [12, 0.5],
      [16, 0.5],
    ],
  },
};

const DISK_COUNT: Record<Workload, readonly (readonly [number, number])[]> = {
  web: [
    [1, 6],
    [2, 3.5],
    [3, 0.5],
  ],
  app: [
    [1, 3.5],
    [2, 4],
    [3, 1.5],
    [4, 1],
  ],
  db: [
    [2, 1.5],
    [3, 2.5],
    [4, 2.5],
    [5, 1.5],
    [6, 1],
    [7, 0.5],
    [8, 0.5],
  ],
  cache: [
    [1, 5],
    [2, 5],
  ],
  mq: [
    [2, 6],
    [3, 4],
  ],
  batch: [
    [1, 3],
    [2, 5],
    [3, 2],
  ],
  infra: [
    [1, 7],
    [2, 3],
  ],
  desktop: [
    [1, 8],
    [2, 2],
  ],
  stray: [
    [1, 7],
    [2, 2],
    [3, 1],
  ],
};

const DATA_DISK_MEDIAN_GIB: Record<Workload, number> = {
  web: 40,
  app: 100,
  db: 350,
  cache: 50,
  mq: 200,
  batch: 250,
  infra: 50,
  desktop: 100,
  stray: 60,
};

const LINUX_DATA_MOUNTS: Record<Workload, readonly string[]> = {
  web: ['/var/www', '/data', '/var/log'],
  app: ['/opt/app', '/data', '/var/log/app', '/data2'],
  db: ['/u01', '/u02', '/oradata', '/var/lib/pgsql', '/backup', '/archive', '/redo'],
  cache: ['/var/lib/redis', '/data'],
  mq: ['/var/lib/kafka', '/data', '/var/lib/zookeeper'],
  batch: ['/data', '/scratch', '/export'],
  infra: ['/data'],
  desktop: ['/home'],
  stray: ['/data', '/mnt/test'],
};

const ISO_BY_FAMILY: Record<string, readonly string[]> = {
  linux: ['rhel-9.4-x86_64-dvd.iso', 'rhel-8.10-x86_64-dvd.iso', 'ubuntu-22.04.4-live-server-amd64.iso'],
  windows: [
    'SW_DVD9_Win_Server_STD_CORE_2022__64Bit_English_DC_STD_MLF_X22-74290.ISO',
    'SW_DVD9_Win_Server_STD_CORE_2019_1809.18_64Bit_English_DC_STD_MLF_X22-74330.ISO',
    'VMware-tools-windows-12.4.5-23787635.iso',
  ],
  other: ['FreeBSD-13.3-RELEASE-amd64-disc1.iso'],
};

export interface VmFactoryContext {
  random: SeededRandom;
  clock: EstateClock;
  macs: MacAddressPool;
  addresses: GuestAddressPool;
  domain: string;
}

interface DiskPlacement {
  datastore: string;
  vsan: boolean;
}

/** Builds one VM from a spec, drawing everything the spec leaves open. */
export class VmFactory {
  private readonly random: SeededRandom;

  constructor(private readonly context: VmFactoryContext) {
    this.random = context.random;
  }

  create(spec: VmSpec): GeneratedVm {
    const random = this.random;
    const { clock } = this.context;
    const { cluster, os } = spec;
    const vc = cluster.dc.vc;
    const moref = vc.morefs.take('vm-');
    const host = cluster.placeable.length > 0 ? random.pick(cluster.placeable) : cluster.hosts[0];
    const isTemplate = spec.role === 'template';
    const isPlaceholder = spec.role === 'srmPlaceholder';
    const isVcls = spec.role === 'vcls';
    const plain = spec.plain === true || isTemplate || isPlaceholder || isVcls;
    const force = spec.force;
    const needsRunning = force === 'toolsNotRunning' || force === 'connectedCdrom' || force === 'osDrift';

    const power: GeneratedPowerState =
      spec.power ??
      (needsRunning
        ? 'poweredOn'
        : force === 'suspended'
          ? 'suspended'
          : force === 'longOff'
            ? 'poweredOff'
            : undefined) ??
      random.weighted([
        ['poweredOn', spec.workload === 'stray' ? 55 : 86],
        ['poweredOff', spec.workload === 'stray' ? 43 : 12],
        ['suspended', spec.workload === 'desktop' ? 6 : 1.2],
      ] as const);
    const longOff =
      power === 'poweredOff' &&
      (force === 'longOff' || (spec.longOff ?? random.chance(isTemplate ? 0.7 : 0.45)));

    // Creation skews recent; a VM off for over a year must have been created before that.
    let createdDays = Math.floor(3650 * random.next() ** 1.6) + 1;
    if (longOff || force === 'oldSnapshot') createdDays = Math.max(createdDays, random.int(420, 3650));
    const changedDays =
      power === 'poweredOn'
        ? Math.min(createdDays, random.next() ** 3 * 120)
        : longOff
          ? random.int(366, createdDays - 1) + random.next()
          : Math.min(createdDays, random.int(2, 360) + random.next());
    const createdAt = clock.daysAgo(createdDays + random.next());
    const changedAt = clock.daysAgo(changedDays);
    const poweredOnAt =
      power === 'poweredOn' ? clock.daysAgo(Math.min(changedDays + random.next() * 200, createdDays)) : null;
    const suspendedAt = power === 'suspended' ? clock.daysAgo(random.int(1, 200) + random.next()) : null;

    // Sizing.
    const size = SIZE_BY_WORKLOAD[spec.workload];
    let cpus = spec.cpus ?? random.weighted(size.cpus);
    if (os.legacy) cpus = Math.min(cpus, 4);
    const memoryMiB = spec.memoryMiB ?? this.memoryFor(size.memGiB, os);
    const coresPerSocket = this.coresPerSocket(cpus);
    const sockets = cpus / coresPerSocket;

    const firmware: 'bios' | 'efi' = force === 'tpm' || random.chance(os.efiShare) ? 'efi' : 'bios';
    const secureBoot = firmware === 'efi' && (force === 'tpm' || random.chance(os.secureBootShare));
    const tpm = firmware === 'efi' && secureBoot && (force === 'tpm' || random.chance(os.tpmShare));
    const hwVersion = Math.min(random.int(os.hw[0], os.hw[1]), cluster.maxHw);

    // Tools and guest identity. vCenter has no live guest data for a VM it cannot reach.
    const connectionState: GeneratedVm['connectionState'] =
      isPlaceholder || isTemplate || isVcls || force !== undefined ? 'connected' : this.connectionState();
    const toolsStatus =
      force === 'toolsNotRunning' || connectionState !== 'connected'
        ? 'toolsNotRunning'
        : force === 'osDrift'
          ? 'toolsOk'
          : this.toolsStatus(spec, power, os);
    const toolsRunning = toolsStatus === 'toolsOk' || toolsStatus === 'toolsOld';
    const guestVisible = toolsRunning && power === 'poweredOn';
    const toolsVersion =
      toolsStatus === 'toolsNotInstalled'
        ? 0
        : os.openVmTools && toolsStatus !== 'toolsOld' && random.chance(0.6)
          ? GUEST_MANAGED_TOOLS_VERSION
          : toolsStatus === 'toolsOld'
            ? random.pick(TOOLS_BUILDS.slice(3))
            : random.pick(TOOLS_BUILDS.slice(0, 3));
    const drift =
      force === 'osDrift'
        ? (OS_DRIFT[os.id] ??
          (os.family === 'windows'
            ? 'Microsoft Windows Server 2022 (64-bit)'
            : 'Other 4.x or later Linux (64-bit)'))
        : guestVisible && OS_DRIFT[os.id] !== undefined && random.chance(0.05)
          ? OS_DRIFT[os.id]
          : null;
    const reportedName = drift ?? os.toolsName ?? os.configName;
    const osTools =
      toolsStatus === 'toolsNotInstalled'
        ? null
        : guestVisible
          ? reportedName
          : random.chance(0.4)
            ? reportedName
            : null;
    const guestDetailedData = guestVisible && drift === null && os.detail ? os.detail(random) : null;

    // Rarities, decided once so disks, NICs and memory can follow.
    const passthrough: PassthroughKind | null =
      force === 'pci' || force === 'vgpu' || force === 'sriov'
        ? force
        : !plain &&
            random.chance(spec.workload === 'desktop' ? 0.03 : spec.workload === 'batch' ? 0.01 : 0.002)
          ? random.weighted([
              ['vgpu', spec.workload === 'desktop' ? 6 : 3],
              ['pci', 3],
              ['sriov', spec.workload === 'desktop' ? 0 : 2],
            ] as const)
          : null;
    const passthroughDevice =
      passthrough === 'vgpu'
        ? random.pick(VGPU_PROFILES)
        : passthrough === 'pci'
          ? random.pick(PCI_PASSTHROUGH_DEVICES)
          : passthrough === 'sriov'
            ? 'Intel(R) Ethernet Controller E810-XXV SR-IOV VF'
            : null;

    const fileBase = spec.vmxDirectory ?? spec.name;
    const primary = this.placeDisks(cluster, spec.workload);
    // vSAN keeps VM files in a namespace object named by UUID, not by VM name.
    const vmxDirectory = primary.vsan
      ? `${random.hex(8)}-${random.hex(4)}-${random.hex(4)}-${random.hex(4)}-${random.hex(12)}`
      : fileBase;
    const disks = isPlaceholder
      ? []
      : this.disks(spec, os, primary, vmxDirectory, fileBase, plain, hwVersion, force);
    const partitions = guestVisible ? this.partitions(disks, os, firmware, spec.workload) : [];
    for (const disk of disks) {
      const onDisk = partitions.filter((partition) => partition.diskKey === disk.key);
      const consumed = onDisk.reduce((sum, partition) => sum + partition.capacityMiB - partition.freeMiB, 0);
      disk.guestMounts = onDisk.map((partition) => partition.mount);
      disk.usedMiB =
        onDisk.length > 0
          ? Math.min(disk.capacityMiB, consumed + random.int(100, 2000))
          : Math.round(disk.capacityMiB * (0.15 + random.next() * 0.6));
    }

    const nics = isVcls ? [] : this.nics(spec, power, guestVisible, passthrough, isPlaceholder);
    const primaryIp = guestVisible ? (nics.find((nic) => nic.ipv4.length > 0)?.ipv4[0] ?? null) : null;
    const cdroms = isVcls ? [] : this.cdroms(cluster, os, power, force === 'connectedCdrom');
    const usbDevices = plain ? [] : this.usbDevices(spec, force === 'usb');
    const snapshots =
      plain || passthrough !== null
        ? []
        : this.snapshots(
            primary.datastore,
            vmxDirectory,
            fileBase,
            createdDays,
            power,
            force === 'oldSnapshot',
          );
    if (snapshots.length > 0) {
      // A VM with snapshots runs on its delta disks: vDisk shows the -00000N.vmdk files.
      for (const disk of disks) {
        if (!disk.raw && disk.diskMode === 'persistent' && disk.sharingMode === 'sharingNone') {
          disk.path = disk.path.replace(/\.vmdk$/, `-${snapshots.length.toString().padStart(6, '0')}.vmdk`);
        }
      }
    }

    const memoryReservationLockedToMax = passthrough !== null;
    const memoryReservationMiB = memoryReservationLockedToMax
      ? memoryMiB
      : spec.workload === 'db' && random.chance(0.1)
        ? Math.round(memoryMiB / 2)
        : 0;

    const annotation =
      spec.annotation !== undefined
        ? spec.annotation
        : passthrough === 'vgpu'
          ? `NVIDIA vGPU profile ${passthroughDevice}`
          : passthrough === 'pci'
            ? `PCI passthrough: ${passthroughDevice}. Do not vMotion.`
            : passthrough === 'sriov'
              ? `SR-IOV NIC for packet capture (${passthroughDevice})`
              : this.annotation(spec);

    const dnsName = guestVisible ? `${hostnameOf(spec.name, moref)}.${this.context.domain}` : null;
    const instanceUuid = vmwareUuid(random, '50');
    const biosUuid = vmwareUuid(random, '42');

    const vm: GeneratedVm = {
      key: `${vc.vcenter.server}/${moref}`,
      name: spec.name,
      moref,
      vcenter: vc.vcenter.server,
      datacenter: cluster.dc.datacenter.name,
      cluster: cluster.cluster.name,
      host: host.name,
      folder: spec.folder,
      folderId: folderId(vc.folderIds, spec.folder, () => vc.morefs.take('group-v')),
      resourcePool: spec.resourcePool ?? `/${cluster.dc.datacenter.name}/${cluster.cluster.name}/Resources`,
      vapp: spec.vapp,
      instanceUuid,
      biosUuid,
      powerState: power,
      connectionState,
      template: isTemplate,
      srmPlaceholder: isPlaceholder,
      guestId: os.guestId,
      guestFamily: os.family,
      osConfig: os.configName,
      osTools,
      guestDetailedData,
      dnsName,
      primaryIp,
      toolsStatus,
      toolsRunningStatus:
        toolsRunning && power === 'poweredOn' ? 'guestToolsRunning' : 'guestToolsNotRunning',
      toolsVersion,
      toolsUpgradePolicy: random.chance(0.15) ? 'upgradeAtPowerCycle' : 'manual',
      cpus,
      sockets,
      coresPerSocket,
      memoryMiB,
      memoryReservationMiB,
      memoryReservationLockedToMax,
      cpuHotAdd: !plain && random.chance(0.15),
      cpuHotRemove: !plain && random.chance(0.03),
      memoryHotAdd: !plain && random.chance(0.2),
      latencySensitivity: passthrough === 'sriov' ? 'high' : 'normal',
      firmware,
      secureBoot,
      tpm,
      hwVersion,
      cbt: !isVcls && !isPlaceholder && random.chance(0.75),
      enableUuid: os.family === 'linux' && random.chance(0.15),
      fixedPassthruHotPlug: passthrough === 'pci' && random.chance(0.3),
      passthroughDevice,
      annotation,
      customAttributes: {},
      createdAt,
      changedAt,
      poweredOnAt,
      suspendedAt,
      datastore: primary.datastore,
      vmxDirectory,
      vmxPath: `[${primary.datastore}] ${vmxDirectory}/${fileBase}.vmx`,
      cpuUsageMhz:
        power === 'poweredOn' ? Math.round(cpus * cluster.cpu.mhz * random.next() ** 2 * 0.6) + 10 : 0,
      activeMemoryMiB: power === 'poweredOn' ? Math.round(memoryMiB * (0.03 + random.next() * 0.35)) : 0,
      consumedMemoryMiB: power === 'poweredOn' ? Math.round(memoryMiB * (0.5 + random.next() * 0.5)) : 0,
      disks,
      partitions,
      nics,
      cdroms,
      usbDevices,
      snapshots,
      truth: {
        role: spec.role,
        isTemplate,
        isSrmPlaceholder: isPlaceholder,
        isVcls,
        isInfrastructure: spec.role === 'infrastructure',
        hasRdm: false,
        hasPhysicalRdm: false,
        hasSharedDisk: false,
        sharedWith: [],
        hasIndependentDisk: false,
        passthrough,
        hasUsb: false,
        hasConnectedCdrom: false,
        snapshotCount: 0,
        oldestSnapshotDays: null,
        toolsNotRunning: false,
        toolsNotInstalled: false,
        efi: firmware === 'efi',
        secureBoot,
        tpm,
        cbt: false,
        cpuHotAdd: false,
        memoryHotAdd: false,
        multiNic: false,
        legacyOs: os.legacy,
        unusualOs: os.unusual,
        osMismatch: false,
        longPoweredOff: longOff,
        nameTraits: [],
        application: spec.app?.name ?? null,
        environment: spec.app?.environment ?? null,
      },
    };
    return vm;
  }

  private memoryFor(choices: readonly (readonly [number, number])[], os: GuestOsProfile): number {
    const random = this.random;
    let gib = random.weighted(choices);
    if (os.id === 'dos' || os.id === 'os2') return 64;
    if (os.legacy) gib = Math.min(gib, 8);
    // Now and then somebody types a size that is not a power of two.
    if (random.chance(0.05)) return gib * MIB_PER_GIB + random.pick([-2, 512, 1024, -1024 + 512]);
    return gib * MIB_PER_GIB;
  }

  private coresPerSocket(cpus: number): number {
    const random = this.random;
    if (cpus === 1 || random.chance(0.6)) return 1;
    const divisors = [2, 4, 8, 16, cpus].filter((d) => d <= cpus && cpus % d === 0);
    return random.pick(divisors);
  }

  private toolsStatus(spec: VmSpec, power: GeneratedPowerState, os: GuestOsProfile): ToolsStatus {
    const random = this.random;
    if (spec.role === 'vcls') return 'toolsOk';
    if (os.unusual && os.id !== 'appliance')
      return random.chance(0.7) ? 'toolsNotInstalled' : 'toolsNotRunning';
    if (power !== 'poweredOn') return random.chance(0.05) ? 'toolsNotInstalled' : 'toolsNotRunning';
    return random.weighted([
      ['toolsOk', 80],
      ['toolsOld', os.legacy ? 40 : 10],
      ['toolsNotRunning', 5],
      ['toolsNotInstalled', 3],
    ] as const);
  }

  private connectionState(): GeneratedVm['connectionState'] {
    return this.random.weighted([
      ['connected', 997],
      ['orphaned', 1],
      ['inaccessible', 1.5],
      ['disconnected', 0.5],
    ] as const);
  }

  private placeDisks(cluster: ClusterRuntime, workload: Workload): DiskPlacement {
    const random = this.random;
    if (workload !== 'db' && random.chance(0.04)) return { datastore: cluster.dc.tier2.name, vsan: false };
    const store = random.pick(cluster.datastores);
    return { datastore: store.name, vsan: store.type === 'vsan' };
  }

  private disks(
    spec: VmSpec,
    os: GuestOsProfile,
    primary: DiskPlacement,
    directory: string,
    fileBase: string,
    plain: boolean,
    hwVersion: number,
    force: ForcedTrait | undefined,
  ): GeneratedDisk[] {
    const random = this.random;
    const sizes = spec.diskGiB ?? this.diskSizes(spec.workload, os);
    if ((force === 'rdm' || force === 'independentDisk') && sizes.length < 2)
      sizes.push(random.pick([100, 250, 500]));
    const controller = this.controllerFor(os, hwVersion);
    const rdmIndex =
      force === 'rdm' || (!plain && sizes.length > 1 && random.chance(spec.workload === 'db' ? 0.06 : 0.01))
        ? sizes.length - 1
        : -1;
    const independentIndex =
      force === 'independentDisk' || (!plain && sizes.length > 1 && random.chance(0.02)) ? 1 : -1;
    const thinVm = random.chance(0.6);
    const otherStore =
      sizes.length > 2 && random.chance(0.1) && spec.cluster.datastores.length > 1
        ? random.pick(spec.cluster.datastores.filter((store) => store.name !== primary.datastore))
        : null;
    const disks: GeneratedDisk[] = [];
    for (let i = 0; i < sizes.length; i++) {
      // Databases spread data disks over controllers 1 and 2; 3 stays free for cluster disks.
      const bus = controller.family === 'scsi' && spec.workload === 'db' && i > 0 ? 1 + ((i - 1) % 2) : 0;
      const onBus = disks.filter((disk) => disk.controllerLabel === controller.label(bus)).length;
      const unit = controller.family === 'scsi' && onBus >= 7 ? onBus + 1 : onBus;
      const store = i > 1 && otherStore ? otherStore.name : primary.datastore;
      const dir = store === primary.datastore ? directory : fileBase;
      const raw = i === rdmIndex;
      const physical = raw && random.chance(0.6);
      const thin = !raw && (spec.workload === 'db' ? random.chance(0.4) : thinVm || random.chance(0.1));
      const eagerlyScrub = !thin && !raw && spec.workload === 'db' && random.chance(0.5);
      const diskMode = raw
        ? physical
          ? 'independent_persistent'
          : 'persistent'
        : i === independentIndex
          ? random.pick(['independent_persistent', 'independent_nonpersistent'] as const)
          : 'persistent';
      disks.push({
        label: `Hard disk ${i + 1}`,
        key: controller.keyBase + bus * 16 + unit,
        uuid: diskUuid(random),
        capacityMiB: sizes[i] * MIB_PER_GIB,
        thin,
        eagerlyScrub,
        diskMode,
        sharingMode: 'sharingNone',
        raw,
        rawCompatibilityMode: raw ? (physical ? 'physicalMode' : 'virtualMode') : null,
        rawLunId: raw ? `02000${random.int(0, 9)}00006${random.hex(31)}` : null,
        controllerLabel: controller.label(bus),
        controllerType: controller.type,
        unitNumber: unit,
        sharedBus: 'noSharing',
        path: `[${store}] ${dir}/${fileBase}${i === 0 ? '' : `_${i}`}.vmdk`,
        datastore: store,
        guestMounts: [],
        usedMiB: 0,
      });
    }
    return disks;
  }

  private diskSizes(workload: Workload, os: GuestOsProfile): number[] {
    const random = this.random;
    const count = random.weighted(DISK_COUNT[workload]);
    const system =
      os.family === 'windows'
        ? random.pick(os.legacy ? [40, 50, 60] : [60, 80, 90, 100, 120, 150])
        : os.family === 'linux'
          ? random.pick(os.legacy ? [16, 20, 30] : [20, 30, 40, 50, 60, 80, 100])
          : random.pick([10, 16, 20, 40]);
    const sizes = [system];
    for (let i = 1; i < count; i++) {
      const gib = Math.min(4096, Math.max(10, random.logNormal(DATA_DISK_MEDIAN_GIB[workload], 1.0)));
      sizes.push(
        gib < 100
          ? Math.round(gib / 5) * 5
          : gib < 1024
            ? Math.round(gib / 10) * 10
            : Math.round(gib / 256) * 256,
      );
    }
    return sizes;
  }

  private controllerFor(
    os: GuestOsProfile,
    hwVersion: number,
  ): {
    family: 'scsi' | 'sata' | 'nvme' | 'ide';
    type: string;
    keyBase: number;
    label: (bus: number) => string;
  } {
    const random = this.random;
    const scsi = (type: string) => ({
      family: 'scsi' as const,
      type,
      keyBase: 2000,
      label: (bus: number) => `SCSI controller ${bus}`,
    });
    if (os.id === 'dos' || os.id === 'os2' || os.id === 'netware') {
      return { family: 'ide', type: 'IDE', keyBase: 3000, label: (bus) => `IDE ${bus}` };
    }
    if (os.legacy) return scsi(os.family === 'windows' ? 'LSI Logic SAS' : 'LSI Logic');
    if (hwVersion >= 13 && random.chance(0.04)) {
      return { family: 'nvme', type: 'NVMe', keyBase: 31000, label: (bus) => `NVME controller ${bus}` };
    }
    if (random.chance(0.01))
      return { family: 'sata', type: 'AHCI', keyBase: 16000, label: (bus) => `SATA controller ${bus}` };
    return random.weighted([
      [scsi('VMware paravirtual SCSI'), 6],
      [scsi('LSI Logic SAS'), os.family === 'windows' ? 3 : 0.5],
      [scsi('LSI Logic'), 1],
      [scsi('BusLogic'), os.family === 'other' ? 1 : 0.02],
    ] as const);
  }

  private partitions(
    disks: GeneratedDisk[],
    os: GuestOsProfile,
    firmware: 'bios' | 'efi',
    workload: Workload,
  ): GeneratedPartition[] {
    const random = this.random;
    const partitions: GeneratedPartition[] = [];
    const freeShare = () =>
      random.chance(0.04)
        ? random.next() * 0.04
        : Math.min(0.97, Math.max(0.02, 0.45 + 0.2 * random.normal()));
    const add = (disk: GeneratedDisk, mount: string, capacityMiB: number) => {
      const capacity = Math.max(1, Math.round(capacityMiB));
      partitions.push({
        diskKey: disk.key,
        mount,
        capacityMiB: capacity,
        freeMiB: Math.round(capacity * freeShare()),
      });
    };
    if (os.family === 'other') return partitions;
    const usedMounts = new Set<string>();
    disks.forEach((disk, index) => {
      const usable = disk.capacityMiB - random.int(1, 8);
      if (os.family === 'windows') {
        const letter = String.fromCharCode(67 + index + (index >= 1 && random.chance(0.05) ? 1 : 0));
        add(disk, `${letter}:\\`, index === 0 ? usable - 550 : usable);
        return;
      }
      if (index === 0) {
        const boot = 1014;
        const efi = firmware === 'efi' ? 599 : 0;
        const swap = random.pick([2048, 4096, 8192]);
        add(disk, '/', usable - boot - efi - swap);
        add(disk, '/boot', boot);
        if (efi > 0) add(disk, '/boot/efi', efi);
        return;
      }
      const choices = LINUX_DATA_MOUNTS[workload].filter((mount) => !usedMounts.has(mount));
      const mount = choices.length > 0 ? random.pick(choices) : `/data${index}`;
      usedMounts.add(mount);
      add(disk, mount, usable);
    });
    return partitions;
  }

  private nics(
    spec: VmSpec,
    power: GeneratedPowerState,
    guestVisible: boolean,
    passthrough: PassthroughKind | null,
    isPlaceholder: boolean,
  ): GeneratedNic[] {
    const random = this.random;
    const dc = spec.cluster.dc;
    const keys = [...spec.networks];
    if (spec.workload === 'db' && random.chance(0.4)) keys.push('BACKUP');
    if (spec.workload !== 'desktop' && random.chance(0.12))
      keys.push(random.pick(['MGMT', 'BACKUP', 'LEGACY']));
    if (random.chance(0.03)) keys.push(random.pick(['MGMT', 'DMZ']), 'BACKUP');
    const legacyAdapter = spec.os.legacy || spec.os.family === 'other';
    return keys.slice(0, 10).map((key, index): GeneratedNic => {
      const portGroup = dc.portGroups.get(key) ?? dc.portGroups.get('VM Network');
      const orphaned = !isPlaceholder && random.chance(0.004);
      const adapter =
        passthrough === 'sriov' && index === 0
          ? 'SriovEthernetCard'
          : legacyAdapter
            ? random.weighted([
                ['E1000', 6],
                ['Vmxnet2', 2],
                ['PCNet32', spec.os.id === 'win2003' || spec.os.id === 'dos' ? 4 : 0.2],
              ] as const)
            : random.weighted([
                ['Vmxnet3', 88],
                ['E1000e', 8],
                ['E1000', 4],
              ] as const);
      const macType = random.chance(0.04) ? 'manual' : 'assigned';
      const connected = power === 'poweredOn' && !isPlaceholder && !orphaned && random.chance(0.97);
      const ipv4: string[] = [];
      if (guestVisible && connected && portGroup) {
        ipv4.push(this.context.addresses.take(portGroup));
        if (spec.workload === 'db' && index === 0 && random.chance(0.15))
          ipv4.push(this.context.addresses.take(portGroup));
      }
      const ipv6 =
        guestVisible && connected && random.chance(0.3)
          ? [
              `fe80::${random.hex(4)}:${random.hex(4)}:${random.hex(4)}:${random.hex(4)}`.replace(
                /:0+([0-9a-f])/g,
                ':$1',
              ),
            ]
          : [];
      const switchName = orphaned || !portGroup ? null : portGroup.switchName;
      return {
        label: `Network adapter ${index + 1}`,
        adapter,
        network: orphaned || !portGroup ? '' : portGroup.name,
        portGroupKind: orphaned || !portGroup ? null : portGroup.kind,
        // RVTools cannot always resolve the standard switch behind a port group and writes `VM`.
        switchColumn:
          switchName === null
            ? null
            : portGroup?.kind === 'standard' && random.chance(0.4)
              ? 'VM'
              : switchName,
        switchName,
        connected,
        startsConnected: isPlaceholder ? false : random.chance(0.98),
        mac: this.context.macs.take(macType),
        macType,
        ipv4,
        ipv6,
        directPathIo: adapter === 'Vmxnet3' && random.chance(0.8),
      };
    });
  }

  private cdroms(
    cluster: ClusterRuntime,
    os: GuestOsProfile,
    power: GeneratedPowerState,
    forceConnected: boolean,
  ): GeneratedCdrom[] {
    const random = this.random;
    if (!forceConnected && random.chance(0.08)) return [];
    const count = random.chance(0.02) ? 2 : 1;
    const drives: GeneratedCdrom[] = [];
    for (let i = 0; i < count; i++) {
      const kind =
        forceConnected && i === 0
          ? 'iso'
          : random.weighted([
              ['remote', 45],
              ['remoteAtapi', 35],
              ['iso', 14],
              ['toolsIso', 1],
              ['atapi', 3],
              ['client', 2],
            ] as const);
      const iso = random.pick(ISO_BY_FAMILY[os.family] ?? ISO_BY_FAMILY.other);
      const deviceType =
        kind === 'remote'
          ? 'Remote device'
          : kind === 'remoteAtapi'
            ? 'Remote ATAPI'
            : kind === 'iso'
              ? `ISO [${cluster.dc.isoLibrary.name}] iso/${iso}`
              : kind === 'toolsIso'
                ? `ISO [] /usr/lib/vmware/isoimages/${os.family === 'windows' ? 'windows' : 'linux'}.iso`
                : kind === 'atapi'
                  ? 'ATAPI'
                  : 'Client Device';
      const mounted = kind === 'iso' || kind === 'toolsIso' || kind === 'atapi';
      drives.push({
        label: `CD/DVD drive ${i + 1}`,
        connected: power === 'poweredOn' && mounted && (random.chance(0.75) || (forceConnected && i === 0)),
        startsConnected: mounted ? random.chance(0.7) : random.chance(0.4),
        deviceType,
      });
    }
    return drives;
  }

  private usbDevices(spec: VmSpec, forced: boolean): GeneratedUsbDevice[] {
    const random = this.random;
    const dongleTier =
      spec.app !== null && ['pos', 'cad', 'pbx'].some((code) => spec.app?.code.startsWith(code));
    if (!forced && !random.chance(dongleTier ? 0.15 : 0.006)) return [];
    const count = random.chance(0.2) ? 2 : 1;
    return Array.from({ length: count }, (_, i) => {
      const [name, family, speed] = random.pick(USB_DEVICES);
      return {
        label: `USB ${i + 1}`,
        deviceType: name,
        connected: random.chance(0.85),
        family,
        speed,
        ehciEnabled: speed !== 'full',
        autoConnect: random.chance(0.7),
        busNumber: 1,
        unitNumber: i + 1,
      };
    });
  }

  private snapshots(
    datastore: string,
    directory: string,
    fileBase: string,
    createdDays: number,
    power: GeneratedPowerState,
    forceOld: boolean,
  ): GeneratedSnapshot[] {
    const random = this.random;
    if (!forceOld && !random.chance(0.07)) return [];
    const count = random.weighted([
      [1, 7],
      [2, 2],
      [3, 1],
    ] as const);
    const oldestDays = Math.min(
      createdDays - 1,
      (forceOld
        ? random.int(366, 1400)
        : random.weighted([
            [random.int(0, 6), 4],
            [random.int(7, 180), 3.5],
            [random.int(366, 1400), 2.5],
          ] as const)) + random.next(),
    );
    const snapshots: GeneratedSnapshot[] = [];
    for (let i = 0; i < count; i++) {
      const days = oldestDays - (oldestDays * i) / count;
      const [name, description] = random.pick(SNAPSHOT_NAMES);
      snapshots.push({
        name: name === 'snap1' ? `snap${i + 1}` : name,
        description,
        createdAt: this.context.clock.daysAgo(days),
        filename: `[${datastore}] ${directory}/${fileBase}-Snapshot${random.int(1, 200)}.vmsn`,
        sizeVmsnMiB: Math.round((0.02 + random.next() * 8) * 1e6) / 1e6,
        sizeTotalMiB: Math.round(random.logNormal(8000, 1.2) * 1e4) / 1e4,
        quiesced: random.chance(0.3),
        state: power,
      });
    }
    return snapshots;
  }

  private annotation(spec: VmSpec): string | null {
    const random = this.random;
    if (!random.chance(0.15)) return null;
    const owner = spec.app?.owner ?? 'unknown';
    return random.pick([
      `Owner: ${owner}`,
      `Requested in REQ${random.int(10000, 99999)}, deployed by ${owner}`,
      `Deployed from template tpl-${spec.os.id}`,
      `Contact ${owner} before any change.\nMaintenance window: Sun 02:00-04:00`,
      `Licensed per core, "do not resize" (see contract ${random.int(100, 999)}-${random.int(1000, 9999)})`,
    ]);
  }
}

function folderId(ids: Map<string, string>, folder: string, take: () => string): string {
  let id = ids.get(folder);
  if (!id) {
    id = take();
    ids.set(folder, id);
  }
  return id;
}

/** Guest host name from the VM name: lowercase ASCII, or a made-up name when nothing is left. */
export function hostnameOf(name: string, moref: string): string {
  const ascii = name
    .toLowerCase()
    .replace(/%2f|%5c|%25/g, '-')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 63)
    .replace(/-$/, '');
  return ascii.length >= 2 ? ascii : `srv-${moref.replace(/^vm-/, '')}`;
}
