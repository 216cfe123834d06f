import type { EstateClock } from './estate-context.js';
import { MorefSequence, pad2, vmwareUuid } from './estate-context.js';
import {
  CPU_MODELS,
  type CpuModel,
  DATACENTER_NAMES,
  ESXI_RELEASES,
  type EsxiRelease,
  HOST_MEMORY_GIB,
  SERVER_MODELS,
  VCENTER_RELEASES,
  type VcenterRelease,
} from './hardware-catalog.js';
import type {
  GeneratedCluster,
  GeneratedDatacenter,
  GeneratedDatastore,
  GeneratedDistributedSwitch,
  GeneratedHost,
  GeneratedPortGroup,
  GeneratedVcenter,
} from './model.js';
import type { SeededRandom } from './seeded-random.js';

export type ClusterPurpose = 'PROD' | 'NONPROD' | 'MGMT' | 'DMZ' | 'VDI';

const PURPOSE_ORDER: readonly ClusterPurpose[] = ['PROD', 'NONPROD', 'MGMT', 'DMZ', 'VDI'];

export interface VcenterRuntime {
  vcenter: GeneratedVcenter;
  release: VcenterRelease;
  morefs: MorefSequence;
  datacenters: DatacenterRuntime[];
  vsanCount: number;
  folderIds: Map<string, string>;
}

export interface DatacenterRuntime {
  vc: VcenterRuntime;
  datacenter: GeneratedDatacenter;
  code: string;
  clusters: ClusterRuntime[];
  portGroups: Map<string, GeneratedPortGroup>;
  isoLibrary: GeneratedDatastore;
  tier2: GeneratedDatastore;
  dvSwitch: GeneratedDistributedSwitch;
}

export interface ClusterRuntime {
  dc: DatacenterRuntime;
  cluster: GeneratedCluster;
  purpose: ClusterPurpose;
  hosts: GeneratedHost[];
  /** Hosts that take VMs (not in maintenance mode). */
  placeable: GeneratedHost[];
  datastores: GeneratedDatastore[];
  maxHw: number;
  cpu: CpuModel;
}

export interface EstateTopology {
  vcenters: VcenterRuntime[];
  datacenters: DatacenterRuntime[];
  clusters: ClusterRuntime[];
}

export interface TopologyOptions {
  vcenters: number;
  datacentersPerVcenter: number;
  clusters: number;
  hostsPerCluster: number;
  domain: string;
}

/** Port groups every datacenter carries on its distributed switch: name -> VLAN. */
const DISTRIBUTED_PORT_GROUPS: readonly (readonly [string, number])[] = [
  ['PROD-WEB', 110],
  ['PROD-APP', 120],
  ['PROD-DB', 130],
  ['UAT-WEB', 210],
  ['UAT-APP', 220],
  ['UAT-DB', 230],
  ['DEV-APP', 320],
  ['TEST-APP', 420],
  ['DMZ', 500],
  ['VDI', 600],
  ['MGMT', 10],
  ['BACKUP', 900],
];

export function buildTopology(
  random: SeededRandom,
  clock: EstateClock,
  options: TopologyOptions,
): EstateTopology {
  const vcenters: VcenterRuntime[] = [];
  const datacenters: DatacenterRuntime[] = [];
  const clusters: ClusterRuntime[] = [];
  let subnetOctet = 10;

  for (let v = 0; v < options.vcenters; v++) {
    const release = v === 0 ? VCENTER_RELEASES[0] : random.pick(VCENTER_RELEASES);
    const vc: VcenterRuntime = {
      vcenter: {
        server: `vcsa${pad2(v + 1)}.${options.domain}`,
        uuid: vmwareUuid(random),
        version: release.version,
        build: release.build,
        apiVersion: release.apiVersion,
        patchLevel: release.patchLevel,
      },
      release,
      morefs: new MorefSequence(random),
      datacenters: [],
      vsanCount: 0,
      folderIds: new Map(),
    };
    vcenters.push(vc);
    for (let d = 0; d < options.datacentersPerVcenter; d++) {
      const index = datacenters.length;
      const baseName = DATACENTER_NAMES[index % DATACENTER_NAMES.length];
      const round = Math.floor(index / DATACENTER_NAMES.length);
      const name = round === 0 ? baseName : `${baseName}${round + 1}`;
      const code = name.replace(/^DC-/, '');
      const datacenter: GeneratedDatacenter = {
        vcenter: vc.vcenter.server,
        name,
        moref: vc.morefs.take('datacenter-'),
      };
      const dvsName = `DSwitch-${code}`;
      const dvSwitch: GeneratedDistributedSwitch = {
        vcenter: vc.vcenter.server,
        datacenter: name,
        name: dvsName,
        moref: vc.morefs.take('dvs-'),
        version: release.version.startsWith('8') ? '8.0.0' : '7.0.3',
        createdAt: clock.daysAgo(random.int(400, 2500)),
        hosts: [],
        mtu: random.chance(0.3) ? 9000 : 1500,
      };
      const portGroups = new Map<string, GeneratedPortGroup>();
      for (const [pgName, vlan] of DISTRIBUTED_PORT_GROUPS) {
        const fullName = `${pgName}-VLAN${vlan}`;
        portGroups.set(pgName, {
          vcenter: vc.vcenter.server,
          datacenter: name,
          name: fullName,
          kind: 'distributed',
          switchName: dvsName,
          vlan,
          moref: vc.morefs.take('dvportgroup-'),
          subnet: `10.${subnetOctet++ % 250}.0.0/16`,
          hosts: [],
        });
      }
      // Standard port groups survive from before the distributed switch; they exist per host.
      portGroups.set('VM Network', {
        vcenter: vc.vcenter.server,
        datacenter: name,
        name: 'VM Network',
        kind: 'standard',
        switchName: 'vSwitch0',
        vlan: 0,
        moref: null,
        subnet: `192.168.${subnetOctet++ % 250}.0/24`,
        hosts: [],
      });
      portGroups.set('LEGACY', {
        vcenter: vc.vcenter.server,
        datacenter: name,
        name: 'Legacy-VLAN50',
        kind: 'standard',
        switchName: 'vSwitch1',
        vlan: 50,
        moref: null,
        subnet: `10.${subnetOctet++ % 250}.0.0/16`,
        hosts: [],
      });
      const isoLibrary = nfsDatastore(
        random,
        vc,
        name,
        `nfs-iso-${code.toLowerCase()}`,
        options.domain,
        'iso',
      );
      const tier2 = nfsDatastore(random, vc, name, `NFS-TIER2-${code}`, options.domain, 'tier2');
      const dc: DatacenterRuntime = {
        vc,
        datacenter,
        code,
        clusters: [],
        portGroups,
        isoLibrary,
        tier2,
        dvSwitch,
      };
      vc.datacenters.push(dc);
      datacenters.push(dc);
    }
  }

  const clusterCount = Math.max(options.clusters, datacenters.length);
  let hostNumber = 0;
  for (let c = 0; c < clusterCount; c++) {
    const dc = datacenters[c % datacenters.length];
    const vc = dc.vc;
    const purpose = PURPOSE_ORDER[dc.clusters.length] ?? 'PROD';
    const samePurpose = dc.clusters.filter((existing) => existing.purpose === purpose).length;
    const name = `${dc.code}-${purpose}-CL${pad2(samePurpose + 1)}`;
    const cpu = random.weighted(CPU_MODELS.map((model) => [model, model.weight] as const));
    const esxi = random.weighted(ESXI_RELEASES.map((release) => [release, release.weight] as const));
    // Clusters caught half-way through an upgrade run two builds side by side.
    const older = random.chance(0.1) ? olderRelease(esxi) : null;
    // The first cluster is always on VMFS and the last (from two up) on vSAN, so every estate
    // has both kinds of disk paths (vSAN names VM folders by UUID).
    const vsan = c > 0 && (c === clusterCount - 1 || random.chance(0.25));
    const haEnabled = random.chance(0.9);
    const cluster: GeneratedCluster = {
      vcenter: vc.vcenter.server,
      datacenter: dc.datacenter.name,
      name,
      moref: vc.morefs.take('domain-c'),
      haEnabled,
      admissionControl: haEnabled && random.chance(0.8),
      drsEnabled: random.chance(0.8),
      drsBehavior: random.weighted([
        ['fullyAutomated', 6],
        ['partiallyAutomated', 2],
        ['manual', 1],
      ] as const),
      vsan,
      cpuModel: cpu.name,
      evcMode: random.chance(0.5) ? cpu.evc : null,
      vmotions: random.int(10, 20000),
    };
    const runtime: ClusterRuntime = {
      dc,
      cluster,
      purpose,
      hosts: [],
      placeable: [],
      datastores: [],
      maxHw: Math.min(esxi.maxHw, older?.maxHw ?? esxi.maxHw),
      cpu,
    };
    const server = random.weighted(SERVER_MODELS.map((model) => [model, model.weight] as const));
    const memoryGiB = random.weighted(HOST_MEMORY_GIB);
    const hostCount = options.hostsPerCluster;
    for (let h = 0; h < hostCount; h++) {
      hostNumber++;
      const release = older && h >= hostCount / 2 ? older : esxi;
      const hostName = `${dc.code.toLowerCase()}-esx${hostNumber.toString().padStart(3, '0')}.${options.domain}`;
      const serial = `${server.serialPrefix}${random.hex(9 - server.serialPrefix.length).toUpperCase()}`;
      const host: GeneratedHost = {
        vcenter: vc.vcenter.server,
        datacenter: dc.datacenter.name,
        cluster: name,
        name: hostName,
        moref: vc.morefs.take('host-'),
        uuid: vmwareUuid(random),
        vendor: server.vendor,
        model: server.model,
        serial,
        biosVersion: server.biosVersion,
        biosDate: clock.daysAgo(random.int(500, 1500)),
        cpuModel: cpu.name,
        cpuMhz: cpu.mhz,
        sockets: 2,
        coresPerSocket: cpu.coresPerSocket,
        hyperThreading: random.chance(0.85),
        // ESXi reports a little less than the installed memory.
        memoryMiB: memoryGiB * 1024 - random.int(200, 1500),
        esxFullName: `VMware ESXi ${release.version} build-${release.build}`,
        esxVersion: release.version,
        bootTime: clock.daysAgo(random.int(5, 300) + random.next()),
        // One host of a larger cluster is always being patched.
        maintenanceMode: hostCount >= 6 && h === hostCount - 1 && c % 3 === 0,
        nics: random.pick([2, 4, 6]),
        hbas: random.pick([2, 3, 4]),
        ntpServer: `ntp.${options.domain}`,
        dnsServers: ['10.0.0.10', '10.0.0.11'],
        managementIp: `10.250.${hostNumber >> 8}.${hostNumber & 0xff}`,
        maxEvc: cpu.evc,
      };
      runtime.hosts.push(host);
      if (!host.maintenanceMode) runtime.placeable.push(host);
      dc.dvSwitch.hosts.push(hostName);
      dc.portGroups.get('VM Network')?.hosts.push(hostName);
      if (dc.clusters.length === 0) dc.portGroups.get('LEGACY')?.hosts.push(hostName);
      dc.isoLibrary.hosts.push(hostName);
      dc.tier2.hosts.push(hostName);
    }
    runtime.datastores = clusterDatastores(random, runtime);
    dc.clusters.push(runtime);
    clusters.push(runtime);
  }
  for (const dc of datacenters) {
    for (const portGroup of dc.portGroups.values()) {
      if (portGroup.kind === 'distributed') portGroup.hosts = dc.dvSwitch.hosts;
    }
  }
  return { vcenters, datacenters, clusters };
}

function olderRelease(release: EsxiRelease): EsxiRelease | null {
  const index = ESXI_RELEASES.indexOf(release);
  return index > 0 ? ESXI_RELEASES[index - 1] : null;
}

function nfsDatastore(
  random: SeededRandom,
  vc: VcenterRuntime,
  datacenter: string,
  name: string,
  domain: string,
  volume: string,
): GeneratedDatastore {
  return {
    vcenter: vc.vcenter.server,
    datacenter,
    name,
    moref: vc.morefs.take('datastore-'),
    type: volume === 'iso' ? 'NFS' : 'NFS41',
    capacityMiB: 0,
    inUseMiB: 0,
    provisionedMiB: 0,
    freeMiB: 0,
    cluster: null,
    hosts: [],
    url: `ds:///vmfs/volumes/${random.hex(8)}-${random.hex(8)}/`,
    address: `nas01.${domain}:/vol/${volume}`,
    vmfsVersion: null,
    vmCount: 0,
  };
}

function clusterDatastores(random: SeededRandom, runtime: ClusterRuntime): GeneratedDatastore[] {
  const { cluster, dc } = runtime;
  const vc = dc.vc;
  const hostNames = runtime.hosts.map((host) => host.name);
  if (cluster.vsan) {
    // vSAN names every new datastore `vsanDatastore`; vCenter appends (1), (2) on collision.
    const name = vc.vsanCount === 0 ? 'vsanDatastore' : `vsanDatastore (${vc.vsanCount})`;
    vc.vsanCount++;
    return [
      {
        vcenter: vc.vcenter.server,
        datacenter: dc.datacenter.name,
        name,
        moref: vc.morefs.take('datastore-'),
        type: 'vsan',
        capacityMiB: 0,
        inUseMiB: 0,
        provisionedMiB: 0,
        freeMiB: 0,
        cluster: cluster.name,
        hosts: hostNames,
        url: `ds:///vmfs/volumes/vsan:${random.hex(16)}-${random.hex(16)}/`,
        address: `vsan:${random.hex(16)}-${random.hex(16)}`,
        vmfsVersion: null,
        vmCount: 0,
      },
    ];
  }
  const count = Math.min(12, Math.max(2, Math.ceil(runtime.hosts.length / 2)));
  const stores: GeneratedDatastore[] = [];
  for (let i = 0; i < count; i++) {
    stores.push({
      vcenter: vc.vcenter.server,
      datacenter: dc.datacenter.name,
      name: `${cluster.name}-VMFS-${pad2(i + 1)}`,
      moref: vc.morefs.take('datastore-'),
      type: 'VMFS',
      capacityMiB: 0,
      inUseMiB: 0,
      provisionedMiB: 0,
      freeMiB: 0,
      cluster: cluster.name,
      hosts: hostNames,
      url: `ds:///vmfs/volumes/${random.hex(8)}-${random.hex(8)}-${random.hex(4)}-${random.hex(12)}/`,
      address: `naa.6${random.hex(31)}`,
      vmfsVersion: random.chance(0.85) ? '6.82' : '5.81',
      vmCount: 0,
    });
  }
  return stores;
}
