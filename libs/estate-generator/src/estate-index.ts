import type {
  GeneratedCluster,
  GeneratedEstate,
  GeneratedHost,
  GeneratedPortGroup,
  GeneratedVcenter,
  GeneratedVm,
} from './model.js';

/** Lookups the sheet writers need, built once per write (everything keyed by vCenter first). */
export interface EstateIndex {
  vcenters: Map<string, GeneratedVcenter>;
  hosts: Map<string, GeneratedHost>;
  clusters: Map<string, GeneratedCluster>;
  hostLoad: Map<
    string,
    { vms: number; running: number; vcpus: number; vramMiB: number; usedMiB: number; cpuMhz: number }
  >;
  clusterHosts: Map<string, GeneratedHost[]>;
  /** Standard port groups present on each host (`vcenter|host`). */
  hostPortGroups: Map<string, GeneratedPortGroup[]>;
  vmRef: Map<GeneratedVm, number>;
}

export function indexEstate(estate: GeneratedEstate): EstateIndex {
  const vcenters = new Map(estate.vcenters.map((vc) => [vc.server, vc]));
  const hosts = new Map(estate.hosts.map((host) => [`${host.vcenter}|${host.name}`, host]));
  const clusters = new Map(
    estate.clusters.map((cluster) => [`${cluster.vcenter}|${cluster.datacenter}|${cluster.name}`, cluster]),
  );
  const clusterHosts = new Map<string, GeneratedHost[]>();
  for (const host of estate.hosts) {
    const key = `${host.vcenter}|${host.datacenter}|${host.cluster}`;
    const list = clusterHosts.get(key) ?? [];
    list.push(host);
    clusterHosts.set(key, list);
  }
  const hostPortGroups = new Map<string, GeneratedPortGroup[]>();
  for (const portGroup of estate.portGroups) {
    if (portGroup.kind !== 'standard') continue;
    for (const hostName of portGroup.hosts) {
      const key = `${portGroup.vcenter}|${hostName}`;
      const list = hostPortGroups.get(key) ?? [];
      list.push(portGroup);
      hostPortGroups.set(key, list);
    }
  }
  const hostLoad: EstateIndex['hostLoad'] = new Map();
  const vmRef = new Map<GeneratedVm, number>();
  estate.vms.forEach((vm, index) => {
    vmRef.set(vm, 100 + index);
    const key = `${vm.vcenter}|${vm.host}`;
    const load = hostLoad.get(key) ?? { vms: 0, running: 0, vcpus: 0, vramMiB: 0, usedMiB: 0, cpuMhz: 0 };
    load.vms++;
    if (vm.powerState === 'poweredOn') {
      load.running++;
      load.vcpus += vm.cpus;
      load.vramMiB += vm.memoryMiB;
      load.usedMiB += vm.activeMemoryMiB;
      load.cpuMhz += vm.cpuUsageMhz;
    }
    hostLoad.set(key, load);
  });
  return { vcenters, hosts, clusters, hostLoad, clusterHosts, hostPortGroups, vmRef };
}

export function vcenterOf(index: EstateIndex, server: string): GeneratedVcenter {
  const vc = index.vcenters.get(server);
  if (!vc) throw new Error(`estate has no vCenter ${server}`);
  return vc;
}
