import type { VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import { GroupDependencyGraph } from './dependency-graph.js';
import { buildMoveGroups } from './move-groups.js';
import {
  DEFAULT_MIGRATION_SETTINGS,
  type MigrationTypeResolver,
  migrationTypeResolver,
  type NetworkTarget,
  type PlanSettings,
  type StorageTarget,
  usesRawCopy,
} from './settings.js';
import type { TransferThroughput } from './transfer-schedule.js';
import type { ExcludedVm, MoveGroup, PlanInput } from './types.js';
import { type DiskTransfer, diskTransfers, EFFORT_RANK, notRehostReason } from './vm-profile.js';

export const MIB_PER_GIB = 1024;
export const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_MINUTE = 60;
const MINUTES_PER_HOUR = 60;

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
  /** Seconds from the last byte copied to a booted guest: conversion (none for a raw copy) and boot. */
  afterCopySeconds: number;
}

export interface HostShare {
  known: boolean;
  vms: number;
  dataMiB: number;
  /** Sizes of the disks it copies, largest first. */
  disksMiB: number[];
  /** VMs moved warm: they need the change window only for their cutover. */
  warmVms: number;
  /**
   * What the host copies inside the change window, largest first: a cold VM's disks whole, a warm
   * VM's final delta (the estimate of its downtime). The same array as `disksMiB` when none is warm.
   */
  windowDisksMiB: number[];
  windowMiB: number;
  /** Also inside the window, after the copy: the longest conversion and boot of its warm VMs (0 with none). */
  cutoverAfterSeconds: number;
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
  /**
   * Share of a disk's capacity a warm VM's final delta copies: what its disks change in one
   * pre-copy interval (at most the whole disk).
   */
  readonly finalDeltaShare: number;
  /**
   * One wave number per way the plan resolves cold and warm (null: a wave with no type of its
   * own; then one wave per distinct `byWave` type): a unit's window load in any wave is one of these.
   */
  readonly migrationFlavourWaves: ReadonlyArray<number | null>;
  /** When the plan is checked, if the caller said (see {@link PlanInput.now}). */
  readonly now: number | null;
  /** No VM can move warm: window loads are the full copies, computed once. */
  private readonly allCold: boolean;
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
    this.now = input.now ?? null;
    const migration = settings.migration ?? DEFAULT_MIGRATION_SETTINGS;
    this.finalDeltaShare = Math.min(
      1,
      (migration.changeRatePercentPerHour / 100) * (migration.precopyIntervalMinutes / MINUTES_PER_HOUR),
    );
    const flavourWaves = new Map<string, number | null>([['default', null]]);
    for (const [wave, type] of Object.entries(migration.byWave)) {
      if (!flavourWaves.has(type)) flavourWaves.set(type, Number(wave));
    }
    this.migrationFlavourWaves = [...flavourWaves.values()];
    this.allCold =
      migration.type === 'cold' &&
      migration.warmVms.length === 0 &&
      !Object.values(migration.byWave).includes('warm');
    const afterCopySeconds = (name: string): number =>
      ((usesRawCopy(settings, name) ? 0 : migration.conversionMinutes) + migration.bootMinutes) *
      SECONDS_PER_MINUTE;

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
        afterCopySeconds: afterCopySeconds(vm.name),
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

  /** Whether the plan moves this VM warm in this wave (null: a wave with no type of its own). */
  isWarm(record: VmRecord, wave: number | null): boolean {
    return !this.allCold && this.migrationType(wave, record.vm.name) === 'warm';
  }

  /** A warm VM's final delta of one disk: what the cutover copies (the downtime estimate's). */
  finalDeltaMiB(disk: DiskTransfer): number {
    return disk.capacityMiB * this.finalDeltaShare;
  }

  /**
   * The load of a set of VMs in wave `wave` (null: a wave with no migration type of its own). A
   * disk shared by several of them is copied once, by the first holder in key order, matching
   * Forklift's shared-disk handling. The window figures count a warm VM's cutover only.
   */
  loadOf(vmKeys: Iterable<string>, wave: number | null = null): TransferLoad {
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
        share = {
          known: record.hostKnown,
          vms: 0,
          dataMiB: 0,
          disksMiB: [],
          warmVms: 0,
          windowDisksMiB: [],
          windowMiB: 0,
          cutoverAfterSeconds: 0,
        };
        hosts.set(record.hostKey, share);
      }
      share.vms += 1;
      const warm = this.isWarm(record, wave);
      if (warm) {
        share.warmVms += 1;
        share.cutoverAfterSeconds = Math.max(share.cutoverAfterSeconds, record.afterCopySeconds);
      }
      for (const disk of record.disks) {
        if (copied.has(disk.id)) continue;
        copied.add(disk.id);
        share.dataMiB += disk.dataMiB;
        share.disksMiB.push(disk.dataMiB);
        const windowMiB = warm ? this.finalDeltaMiB(disk) : disk.dataMiB;
        share.windowMiB += windowMiB;
        share.windowDisksMiB.push(windowMiB);
        dataMiB += disk.dataMiB;
        largestDiskMiB = Math.max(largestDiskMiB, disk.dataMiB);
      }
      for (const datastore of record.datastores)
        datastoreVms.set(datastore, (datastoreVms.get(datastore) ?? 0) + 1);
    }
    for (const share of hosts.values()) {
      share.disksMiB.sort((a, b) => b - a);
      if (share.warmVms === 0) share.windowDisksMiB = share.disksMiB;
      else share.windowDisksMiB.sort((a, b) => b - a);
    }
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
