import type { VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { GroupDependencyGraph } from './dependency-graph.js';
import { buildMoveGroups } from './move-groups.js';
import {
  type MigrationTypeResolver,
  migrationTypeResolver,
  type NetworkTarget,
  type PlanSettings,
  type StorageTarget,
} from './settings.js';
import type { TransferThroughput } from './transfer-schedule.js';
import type { ExcludedVm, MoveGroup, PlanInput } from './types.js';
import { type DiskTransfer, diskTransfers, EFFORT_RANK, notRehostReason } from './vm-profile.js';

export const MIB_PER_GIB = 1024;
export const SECONDS_PER_HOUR = 3600;

/** One VM with everything the planner derives from its inventory row and assessment. */
export interface VmRecord {
  vm: InventoryVm;
  assessment: VmAssessment | undefined;
  notRehost: ExcludedVm['reason'] | null;
  /** Source ESXi host; VMs with no known host are each their own host (no shared limit). */
  hostKey: string;
  hostKnown: boolean;
  disks: DiskTransfer[];
  datastores: string[];
  dataMiB: number;
  /** 0 low .. 2 high; 3 when not assessed. */
  effortRank: number;
  group: string;
}

export interface HostShare {
  known: boolean;
  vms: number;
  dataMiB: number;
  /** Sizes of the disks it copies, largest first. */
  disksMiB: number[];
}

/** What a set of VMs asks of one wave. */
export interface TransferLoad {
  vmCount: number;
  dataMiB: number;
  largestDiskMiB: number;
  hosts: Map<string, HostShare>;
  /** VMs touching each datastore. */
  datastoreVms: Map<string, number>;
  /** The same entries as arrays: the packer scans them for every candidate wave. */
  hostList: [string, HostShare][];
  datastoreList: [string, number][];
}

/** The limits of one wave. */
export interface WaveCaps {
  vms: number;
  dataMiB: number;
  windowSeconds: number;
  hostVms: number | null;
  datastoreVms: number | null;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function recordMap<T>(record: Record<string, T>): Map<string, T> {
  return new Map(Object.entries(record));
}

/** The indexes every planning step shares, built once from a plan's input. */
export class PlanningContext {
  readonly settings: PlanSettings;
  readonly throughput: TransferThroughput;
  readonly regularCaps: WaveCaps;
  /** Null when the plan has no pilot. */
  readonly pilotCaps: WaveCaps | null;
  readonly records = new Map<string, VmRecord>();
  readonly groups: MoveGroup[];
  readonly groupByName = new Map<string, MoveGroup>();
  readonly dependencies: GroupDependencyGraph;
  readonly networkMap: Map<string, NetworkTarget>;
  readonly storageMap: Map<string, StorageTarget>;
  /** Cold or warm for a VM in a wave, the plan's patterns compiled once. */
  readonly migrationType: MigrationTypeResolver;
  private readonly namespaceByWave: Map<string, string>;
  private readonly namespaceByGroup: Map<string, string>;

  constructor(input: PlanInput) {
    const { settings } = input;
    this.settings = settings;
    const constraints = settings.constraints;
    this.throughput = {
      perDiskMiBps: constraints.perDiskMiBps,
      perHostMiBps: constraints.perHostMiBps,
      concurrentDisksPerHost: constraints.concurrentDisksPerHost,
    };
    this.regularCaps = {
      vms: constraints.maxVmsPerWave,
      dataMiB: constraints.maxDataGiBPerWave * MIB_PER_GIB,
      windowSeconds: constraints.cutoverWindowHours * SECONDS_PER_HOUR,
      hostVms: constraints.maxVmsPerHost,
      datastoreVms: constraints.maxVmsPerDatastore,
    };
    const pilot = constraints.pilot;
    this.pilotCaps =
      pilot === null || pilot.vms === 0
        ? null
        : {
            ...this.regularCaps,
            vms: Math.min(pilot.vms, this.regularCaps.vms),
            dataMiB: Math.min(pilot.maxDataGiB * MIB_PER_GIB, this.regularCaps.dataMiB),
          };
    this.networkMap = recordMap(settings.networkMap);
    this.storageMap = recordMap(settings.storageMap);
    this.namespaceByWave = recordMap(settings.targetNamespace.byWave);
    this.namespaceByGroup = recordMap(settings.targetNamespace.byGroup);
    this.migrationType = migrationTypeResolver(settings);

    const assessmentByKey = new Map(input.assessments.map((assessment) => [assessment.vmKey, assessment]));
    const transfers = new Map<string, DiskTransfer[]>();
    for (const vm of input.vms) transfers.set(vm.key, diskTransfers(vm, assessmentByKey.get(vm.key)));
    this.groups = buildMoveGroups(
      input.vms,
      assessmentByKey,
      (vm) => transfers.get(vm.key) ?? [],
      settings.grouping,
    );
    const groupOfVm = new Map<string, string>();
    for (const group of this.groups) {
      this.groupByName.set(group.name, group);
      for (const key of group.vmKeys) groupOfVm.set(key, group.name);
    }
    for (const vm of input.vms) {
      const assessment = assessmentByKey.get(vm.key);
      const disks = transfers.get(vm.key) ?? [];
      const datastores: string[] = [];
      for (const disk of vm.disks) {
        if (disk.datastore !== null && !datastores.includes(disk.datastore)) datastores.push(disk.datastore);
      }
      datastores.sort(byString);
      const host = vm.host?.trim() || null;
      this.records.set(vm.key, {
        vm,
        assessment,
        notRehost: notRehostReason(assessment),
        hostKey: host ?? `?${vm.key}`,
        hostKnown: host !== null,
        disks,
        datastores,
        dataMiB: disks.reduce((sum, disk) => sum + disk.dataMiB, 0),
        effortRank: assessment ? EFFORT_RANK[assessment.effort] : 3,
        group: groupOfVm.get(vm.key) as string,
      });
    }
    this.dependencies = new GroupDependencyGraph(
      this.groups.map((group) => group.name),
      settings.dependencies,
    );
  }

  waveNamespace(wave: number): string {
    return this.namespaceByWave.get(String(wave)) ?? this.settings.targetNamespace.default;
  }

  /** A group's own namespace wins over its wave's. */
  vmNamespace(vmKey: string, wave: number): string {
    const group = this.records.get(vmKey)?.group;
    return (group === undefined ? undefined : this.namespaceByGroup.get(group)) ?? this.waveNamespace(wave);
  }

  /**
   * The load of a set of VMs. A disk shared by several of them is copied once, by the first
   * holder in key order, matching Forklift's shared-disk handling.
   */
  loadOf(vmKeys: Iterable<string>): TransferLoad {
    const keys = [...vmKeys].filter((key) => this.records.has(key)).sort(byString);
    const hosts = new Map<string, HostShare>();
    const datastoreVms = new Map<string, number>();
    const copied = new Set<string>();
    let dataMiB = 0;
    let largestDiskMiB = 0;
    for (const key of keys) {
      const record = this.records.get(key) as VmRecord;
      let share = hosts.get(record.hostKey);
      if (share === undefined) {
        share = { known: record.hostKnown, vms: 0, dataMiB: 0, disksMiB: [] };
        hosts.set(record.hostKey, share);
      }
      share.vms += 1;
      for (const disk of record.disks) {
        if (copied.has(disk.id)) continue;
        copied.add(disk.id);
        share.dataMiB += disk.dataMiB;
        share.disksMiB.push(disk.dataMiB);
        dataMiB += disk.dataMiB;
        largestDiskMiB = Math.max(largestDiskMiB, disk.dataMiB);
      }
      for (const datastore of record.datastores)
        datastoreVms.set(datastore, (datastoreVms.get(datastore) ?? 0) + 1);
    }
    for (const share of hosts.values()) share.disksMiB.sort((a, b) => b - a);
    return {
      vmCount: keys.length,
      dataMiB,
      largestDiskMiB,
      hosts,
      datastoreVms,
      hostList: [...hosts],
      datastoreList: [...datastoreVms],
    };
  }
}
