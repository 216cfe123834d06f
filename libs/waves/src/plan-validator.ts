import {
  datastoreSourceOf,
  NO_NETWORK_SOURCE,
  networkSourceOf,
  UNNAMED_DATASTORE_SOURCE,
} from './map-sources.js';
import {
  MIB_PER_GIB,
  PlanningContext,
  SECONDS_PER_HOUR,
  type TransferLoad,
  type WaveCaps,
} from './planning-context.js';
import {
  type ChangeWindow,
  cutoverAtOf,
  isExcludedStorage,
  type ManualEdits,
  migrationTypeOf,
} from './settings.js';
import { hostTransferBoundsSeconds } from './transfer-schedule.js';
import type { PlanInput, Violation, ViolationCode, ViolationSeverity, WavePlan } from './types.js';
import type { WaveDraft } from './wave-description.js';
import { capacityExcess, exceedsAny, hostTransferSeconds, withinCap } from './wave-load.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const gib = (mib: number): string => `${(mib / MIB_PER_GIB).toFixed(1)} GiB`;
const hours = (seconds: number): string => `${(seconds / SECONDS_PER_HOUR).toFixed(2)} h`;
const NAMES_SHOWN = 5;

function bookedWindowSeconds(window: ChangeWindow | undefined): number | null {
  if (window === undefined) return null;
  const seconds = (Date.parse(window.end) - Date.parse(window.start)) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** Re-checks a plan's waves against every constraint, the maps, the groups and the dependencies. */
class PlanValidator {
  private readonly violations: Violation[] = [];
  /** VM key -> wave numbers holding it. */
  private readonly placement = new Map<string, number[]>();
  private readonly excluded: Set<string>;

  constructor(
    private readonly ctx: PlanningContext,
    private readonly drafts: readonly WaveDraft[],
    private readonly manual: ManualEdits,
  ) {
    this.excluded = new Set(manual.excludedVms);
    for (const draft of drafts) {
      for (const key of new Set(draft.vmKeys)) {
        const waves = this.placement.get(key);
        if (waves === undefined) this.placement.set(key, [draft.number]);
        else waves.push(draft.number);
      }
    }
  }

  run(): Violation[] {
    this.checkMembership();
    for (const draft of this.drafts) this.checkWave(draft);
    this.checkPins();
    this.checkGroups();
    this.checkDependencies();
    this.checkTargetNames();
    return this.violations.sort(
      (a, b) =>
        (a.wave ?? 0) - (b.wave ?? 0) ||
        byString(a.code, b.code) ||
        byString(a.message, b.message) ||
        byString(a.vmKeys.join(','), b.vmKeys.join(',')),
    );
  }

  private add(
    code: ViolationCode,
    severity: ViolationSeverity,
    wave: number | null,
    message: string,
    vmKeys: Iterable<string> = [],
    groups: Iterable<string> = [],
  ): void {
    this.violations.push({
      code,
      severity,
      wave,
      message,
      vmKeys: [...new Set(vmKeys)].sort(byString),
      groups: [...new Set(groups)].sort(byString),
    });
  }

  /**
   * A wave's limits. A booked change window replaces the plan's cutover window for that wave, in
   * both directions: the wave must fit the window people actually booked.
   */
  private capsOf(wave: number, pilot: boolean): { caps: WaveCaps; booked: boolean } {
    const planCaps = pilot && this.ctx.pilotCaps !== null ? this.ctx.pilotCaps : this.ctx.regularCaps;
    const bookedSeconds = bookedWindowSeconds(this.ctx.settings.changeWindows?.[String(wave)]);
    return bookedSeconds === null
      ? { caps: planCaps, booked: false }
      : { caps: { ...planCaps, windowSeconds: bookedSeconds }, booked: true };
  }

  private names(keys: Iterable<string>): string {
    const names = [...keys].map((key) => this.ctx.records.get(key)?.vm.name ?? key).sort(byString);
    const shown = names.slice(0, NAMES_SHOWN).join(', ');
    return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
  }

  private groupsOf(keys: Iterable<string>): string[] {
    const groups: string[] = [];
    for (const key of keys) {
      const group = this.ctx.records.get(key)?.group;
      if (group !== undefined) groups.push(group);
    }
    return groups;
  }

  private checkMembership(): void {
    const unplanned: string[] = [];
    for (const [key, waves] of this.placement) {
      if (!this.ctx.records.has(key)) {
        for (const wave of waves)
          this.add('vm-unknown', 'error', wave, `VM ${key} is not in the inventory`, [key]);
        continue;
      }
      if (waves.length > 1) {
        this.add(
          'vm-duplicated',
          'error',
          null,
          `VM ${this.names([key])} is in waves ${waves.join(', ')}`,
          [key],
          this.groupsOf([key]),
        );
      }
    }
    for (const [key, record] of this.ctx.records) {
      if (record.notRehost === null && !this.excluded.has(key) && !this.placement.has(key))
        unplanned.push(key);
    }
    if (unplanned.length > 0) {
      this.add(
        'vm-not-planned',
        'warning',
        null,
        `${unplanned.length} rehost VM(s) are in no wave and not excluded: ${this.names(unplanned)}`,
        unplanned,
        this.groupsOf(unplanned),
      );
    }
  }

  private checkWave(draft: WaveDraft): void {
    const ctx = this.ctx;
    const wave = draft.number;
    const keys = [...new Set(draft.vmKeys)].filter((key) => ctx.records.has(key));
    if (keys.length === 0) {
      this.add('empty-wave', 'warning', wave, `Wave ${wave} is empty`);
      return;
    }
    const { caps, booked } = this.capsOf(wave, draft.pilot);
    const load = ctx.loadOf(keys, wave);
    const excess = capacityExcess(load, caps, ctx.throughput);
    const groups = this.groupsOf(keys);
    const sizeCode: ViolationCode = draft.pilot ? 'pilot-over-cap' : 'wave-over-vm-cap';
    const dataCode: ViolationCode = draft.pilot ? 'pilot-over-cap' : 'wave-over-data-cap';
    const label = draft.pilot ? 'Pilot wave' : `Wave ${wave}`;
    if (excess.vms)
      this.add(sizeCode, 'error', wave, `${label} has ${load.vmCount} VMs, cap ${caps.vms}`, keys, groups);
    if (excess.data) {
      this.add(
        dataCode,
        'error',
        wave,
        `${label} copies ${gib(load.dataMiB)}, cap ${gib(caps.dataMiB)}`,
        keys,
        groups,
      );
    }
    const onHost = (host: string): string[] => keys.filter((key) => ctx.records.get(key)?.hostKey === host);
    for (const [host, seconds] of excess.windowHosts) {
      const vms = onHost(host);
      const share = load.hosts.get(host);
      const hostName = share?.known ? `host ${host}` : `VM ${this.names(vms)} (unknown host)`;
      // Warm VMs need the window only for their cutover: say what was counted.
      const what = !share?.warmVms
        ? 'to copy'
        : share.warmVms === share.vms
          ? 'to cut over its warm VMs (final delta, conversion, boot)'
          : 'to copy its cold VMs and cut over its warm VMs (final delta, conversion, boot)';
      this.add(
        'wave-over-window',
        'error',
        wave,
        `${label}: ${hostName} needs ${hours(seconds)} ${what}, ${booked ? 'booked change window' : 'window'} ${hours(caps.windowSeconds)}`,
        vms,
        this.groupsOf(vms),
      );
    }
    for (const [host, count] of excess.hostVms) {
      const vms = onHost(host);
      this.add(
        'host-cap',
        'error',
        wave,
        `${label}: ${count} VMs from host ${host}, cap ${caps.hostVms}`,
        vms,
        this.groupsOf(vms),
      );
    }
    for (const [datastore, count] of excess.datastoreVms) {
      const vms = keys.filter((key) => ctx.records.get(key)?.datastores.includes(datastore));
      this.add(
        'datastore-cap',
        'error',
        wave,
        `${label}: ${count} VMs on datastore ${datastore}, cap ${caps.datastoreVms}`,
        vms,
        this.groupsOf(vms),
      );
    }

    const notRehost = keys.filter((key) => ctx.records.get(key)?.notRehost !== null);
    for (const key of notRehost) {
      const reason = ctx.records.get(key)?.notRehost;
      this.add(
        'vm-not-rehost',
        'error',
        wave,
        `VM ${this.names([key])} is ${reason}, not rehost`,
        [key],
        this.groupsOf([key]),
      );
    }
    const excludedHere = keys.filter((key) => this.excluded.has(key));
    if (excludedHere.length > 0) {
      this.add(
        'vm-excluded-in-wave',
        'error',
        wave,
        `Excluded VM(s) in wave ${wave}: ${this.names(excludedHere)}`,
        excludedHere,
        this.groupsOf(excludedHere),
      );
    }
    if (draft.pilot) {
      const risky = keys.filter((key) => {
        const record = ctx.records.get(key);
        return (
          record !== undefined &&
          (record.effortRank > 0 ||
            (record.assessment?.concerns ?? []).some((concern) => concern.severity === 'critical'))
        );
      });
      if (risky.length > 0) {
        this.add(
          'pilot-not-low-risk',
          'warning',
          wave,
          `Pilot wave holds VM(s) that are not low effort or have critical concerns: ${this.names(risky)}`,
          risky,
          this.groupsOf(risky),
        );
      }
    }
    const unknownHost = keys.filter((key) => ctx.records.get(key)?.hostKnown === false);
    if (unknownHost.length > 0) {
      this.add(
        'unknown-host',
        'warning',
        wave,
        `No source host known for ${this.names(unknownHost)}: their copy time assumes a host of their own`,
        unknownHost,
        this.groupsOf(unknownHost),
      );
    }
    this.checkMaps(wave, keys);
    this.checkWarm(wave, keys, load);
  }

  /**
   * Warm VMs must be warm-ready (Forklift refuses them at plan validation too), one violation per
   * VM so each names its reasons; a booked cutover outside the wave's change window is a warning.
   */
  private checkWarm(wave: number, keys: string[], load: TransferLoad): void {
    const settings = this.ctx.settings;
    const warm = keys.filter((key) => {
      const record = this.ctx.records.get(key);
      return record !== undefined && migrationTypeOf(settings, wave, record.vm.name) === 'warm';
    });
    for (const key of warm) {
      const readiness = this.ctx.records.get(key)?.assessment?.warm;
      if (readiness?.ready === true) continue;
      const reasons = readiness?.reasons.join('; ') || 'no warm readiness assessed: run the assessment again';
      this.add(
        'warm-not-ready',
        'error',
        wave,
        `VM ${this.names([key])} cannot move warm: ${reasons} (move it cold with migration.coldVms, or fix it and re-assess)`,
        [key],
        this.groupsOf([key]),
      );
    }
    const cutoverAt = cutoverAtOf(settings, wave);
    if (cutoverAt !== null && warm.length > 0) this.checkCutoverReachable(wave, warm, load, cutoverAt);
    const window = settings.changeWindows?.[String(wave)];
    if (cutoverAt === null || window === undefined || warm.length === 0) return;
    const at = Date.parse(cutoverAt);
    if (at < Date.parse(window.start) || at >= Date.parse(window.end)) {
      this.add(
        'cutover-outside-window',
        'warning',
        wave,
        `Wave ${wave}: cutover booked at ${cutoverAt}, outside its change window ${window.start} – ${window.end}`,
        warm,
        this.groupsOf(warm),
      );
    }
  }

  /**
   * Pre-copies need no window, only to be done before the booked cutover: the wave's initial copy
   * (its `hoursToCutoverReady`, every VM of the wave sharing the hosts) started now must end by
   * then. Otherwise the warm VMs cut over late, once ready (a warning: the executor still works).
   */
  private checkCutoverReachable(wave: number, warm: string[], load: TransferLoad, cutoverAt: string): void {
    const now = this.ctx.now;
    if (now === null) return;
    let copySeconds = 0;
    for (const seconds of hostTransferSeconds(load, this.ctx.throughput).values())
      copySeconds = Math.max(copySeconds, seconds);
    const readyAt = now + copySeconds * 1000;
    if (readyAt <= Date.parse(cutoverAt)) return;
    this.add(
      'cutover-before-ready',
      'warning',
      wave,
      `Wave ${wave}: cutover booked at ${cutoverAt}, but the wave's initial copy takes ${hours(copySeconds)}: started now, its warm VMs are cutover-ready at ${new Date(readyAt).toISOString()} at the earliest and cut over then (book a later cutover)`,
      warm,
      this.groupsOf(warm),
    );
  }

  private checkMaps(wave: number, keys: string[]): void {
    const ctx = this.ctx;
    const unmappedNetworks = new Map<string, string[]>();
    const unmappedDatastores = new Map<string, string[]>();
    const podNics: string[] = [];
    const accessModes = new Map<string, string[]>();
    const push = (map: Map<string, string[]>, name: string, key: string): void => {
      const list = map.get(name);
      if (list === undefined) map.set(name, [key]);
      else if (list[list.length - 1] !== key) list.push(key);
    };
    for (const key of keys) {
      const record = ctx.records.get(key);
      if (record === undefined) continue;
      let pod = 0;
      for (const nic of record.vm.nics) {
        const source = networkSourceOf(nic.network);
        const target = ctx.networkMap.get(source);
        if (target === undefined) push(unmappedNetworks, source, key);
        else if (target.type === 'pod') pod += 1;
      }
      if (pod > 1) podNics.push(key);
      for (const disk of record.disks) {
        const source = datastoreSourceOf(disk.datastore);
        const target = ctx.storageMap.get(source);
        if (target === undefined) {
          push(unmappedDatastores, source, key);
          continue;
        }
        if (isExcludedStorage(target)) continue;
        const shared = disk.multiWriter || (disk.path !== null && this.isSharedPath(record.group, disk.path));
        if (shared && target.accessMode !== 'ReadWriteMany') push(accessModes, source, key);
      }
    }
    for (const [network, vms] of unmappedNetworks) {
      this.add(
        'unmapped-network',
        'error',
        wave,
        network === NO_NETWORK_SOURCE
          ? `NICs with no network have no target: map "${NO_NETWORK_SOURCE}" in the network map (pod, multus or ignored with a reason) (${this.names(vms)})`
          : `Network ${network} has no target in the network map (${this.names(vms)})`,
        vms,
        this.groupsOf(vms),
      );
    }
    for (const [datastore, vms] of unmappedDatastores) {
      this.add(
        'unmapped-datastore',
        'error',
        wave,
        datastore === UNNAMED_DATASTORE_SOURCE
          ? `Disks on no named datastore have no target: map "${UNNAMED_DATASTORE_SOURCE}" in the storage map (a storage class, or excluded with a reason) (${this.names(vms)})`
          : `Datastore ${datastore} has no storage class in the storage map (${this.names(vms)})`,
        vms,
        this.groupsOf(vms),
      );
    }
    for (const key of podNics) {
      this.add(
        'multiple-pod-nics',
        'error',
        wave,
        `VM ${this.names([key])} has more than one NIC mapped to the pod network; at most one may use it`,
        [key],
        this.groupsOf([key]),
      );
    }
    for (const [datastore, vms] of accessModes) {
      this.add(
        'shared-disk-access-mode',
        'warning',
        wave,
        `Shared disks on datastore ${datastore} need ReadWriteMany in the storage map to stay attached to every VM (${this.names(vms)})`,
        vms,
        this.groupsOf(vms),
      );
    }
  }

  private isSharedPath(group: string, path: string): boolean {
    return this.ctx.groupByName.get(group)?.sharedDisks.includes(path) ?? false;
  }

  private checkPins(): void {
    for (const [key, pinned] of Object.entries(this.manual.pins)) {
      const record = this.ctx.records.get(key);
      const waves = this.placement.get(key) ?? [];
      if (record === undefined || record.notRehost !== null || this.excluded.has(key)) {
        if (waves.length === 0) {
          const why =
            record === undefined ? 'unknown' : this.excluded.has(key) ? 'excluded' : record.notRehost;
          this.add(
            'pin-ignored',
            'warning',
            pinned,
            `VM ${this.names([key])} is pinned to wave ${pinned} but is ${why}`,
            [key],
          );
        }
        continue;
      }
      if (!waves.includes(pinned)) {
        const where = waves.length === 0 ? 'in no wave' : `in wave ${waves.join(', ')}`;
        this.add(
          'pin-not-honoured',
          'error',
          pinned,
          `VM ${this.names([key])} is pinned to wave ${pinned} but is ${where}`,
          [key],
          this.groupsOf([key]),
        );
      }
    }
  }

  private checkGroups(): void {
    const ctx = this.ctx;
    for (const group of ctx.groups) {
      const planned = group.vmKeys.filter((key) => this.placement.has(key));
      if (planned.length === 0) continue;
      const waves = [...new Set(planned.flatMap((key) => this.placement.get(key) ?? []))].sort(
        (a, b) => a - b,
      );
      if (waves.length > 1) {
        const parts = waves.map((wave) => {
          const inWave = planned.filter((key) => this.placement.get(key)?.includes(wave));
          return `wave ${wave}: ${this.names(inWave)}`;
        });
        this.add(
          'group-split',
          'error',
          null,
          `Group ${group.name} is split over waves (${parts.join('; ')})`,
          planned,
          [group.name],
        );
      }
      const excluded = group.rehostVmKeys.filter((key) => this.excluded.has(key));
      if (excluded.length > 0) {
        const sharesDisk = group.sharedDisks.length > 0;
        this.add(
          'group-partially-excluded',
          sharesDisk ? 'error' : 'warning',
          null,
          `Group ${group.name} moves without its excluded member(s) ${this.names(excluded)}${sharesDisk ? ', with which it shares disks' : ''}`,
          [...planned, ...excluded],
          [group.name],
        );
      }
      if (group.sharedDisks.length > 0)
        this.checkSharedDiskPartners(group.name, group.sharedDisks, group.vmKeys);
      // A group alone in a wave with a booked window is measured against that window.
      const wave = waves.length === 1 ? waves[0] : null;
      const caps = wave !== null ? this.capsOf(wave, false).caps : ctx.regularCaps;
      if (!this.mayExceedAlone(planned, caps, wave)) continue;
      const load = ctx.loadOf(planned, wave);
      const excess = capacityExcess(load, caps, ctx.throughput);
      if (exceedsAny(excess)) {
        const reasons: string[] = [];
        if (excess.vms) reasons.push(`${load.vmCount} VMs > ${caps.vms}`);
        if (excess.data) reasons.push(`${gib(load.dataMiB)} > ${gib(caps.dataMiB)}`);
        for (const [host, seconds] of excess.windowHosts) {
          reasons.push(
            `${hours(seconds)} of copy on ${load.hosts.get(host)?.known ? host : 'one host'} > window`,
          );
        }
        for (const [host, count] of excess.hostVms) reasons.push(`${count} VMs on host ${host}`);
        for (const [datastore, count] of excess.datastoreVms)
          reasons.push(`${count} VMs on datastore ${datastore}`);
        this.add(
          'group-too-large',
          'error',
          waves.length === 1 ? waves[0] : null,
          `Group ${group.name} does not fit in one wave (${reasons.join(', ')}); it gets a wave of its own`,
          planned,
          [group.name],
        );
      }
    }
  }

  /**
   * Cheap screen before the exact check: everything on one host at the upper time bound (a warm
   * VM's final delta and its conversion and boot in the window, as the exact check counts them).
   */
  private mayExceedAlone(keys: readonly string[], caps: WaveCaps, wave: number | null): boolean {
    if (keys.length > caps.vms) return true;
    if (caps.hostVms !== null && keys.length > caps.hostVms) return true;
    if (caps.datastoreVms !== null && keys.length > caps.datastoreVms) return true;
    let dataMiB = 0;
    let windowMiB = 0;
    let largestMiB = 0;
    let afterSeconds = 0;
    for (const key of keys) {
      const record = this.ctx.records.get(key);
      if (record === undefined) continue;
      const warm = this.ctx.isWarm(record, wave);
      if (warm) afterSeconds = Math.max(afterSeconds, record.afterCopySeconds);
      for (const disk of record.disks) {
        const inWindow = warm ? this.ctx.finalDeltaMiB(disk) : disk.dataMiB;
        dataMiB += disk.dataMiB;
        windowMiB += inWindow;
        largestMiB = Math.max(largestMiB, inWindow);
      }
    }
    if (!withinCap(dataMiB, caps.dataMiB)) return true;
    return !withinCap(
      hostTransferBoundsSeconds(windowMiB, largestMiB, this.ctx.throughput).upper + afterSeconds,
      caps.windowSeconds,
    );
  }

  /** A VM left on vSphere keeps using a disk that the wave powers off and copies. */
  private checkSharedDiskPartners(group: string, sharedDisks: string[], members: string[]): void {
    for (const path of sharedDisks) {
      const holders = members.filter((key) =>
        this.ctx.records.get(key)?.disks.some((disk) => disk.path === path),
      );
      const moving = holders.filter((key) => this.placement.has(key));
      const staying = holders.filter((key) => !this.placement.has(key));
      if (moving.length === 0 || staying.length === 0) continue;
      const waves = [...new Set(moving.flatMap((key) => this.placement.get(key) ?? []))];
      this.add(
        'shared-disk-partner-not-moving',
        'error',
        waves.length === 1 ? waves[0] : null,
        `Disk ${path} is shared by ${this.names(moving)} (planned) and ${this.names(staying)} (not planned)`,
        holders,
        [group],
      );
    }
  }

  private checkDependencies(): void {
    const graph = this.ctx.dependencies;
    for (const dependency of graph.unknown) {
      const missing = [dependency.before, dependency.after].filter((name) => !this.ctx.groupByName.has(name));
      this.add(
        'dependency-unknown-group',
        'warning',
        null,
        `Dependency ${dependency.before} -> ${dependency.after} names unknown group(s): ${missing.join(', ')}`,
        [],
        [dependency.before, dependency.after],
      );
    }
    for (const cycle of graph.cycles) {
      this.add(
        'dependency-cycle',
        'error',
        null,
        `Groups ${cycle.join(', ')} depend on each other in a cycle; their order is not enforced`,
        [],
        cycle,
      );
    }
    const wavesOf = new Map<string, number[]>();
    for (const name of graph.topologicalOrder()) {
      const group = this.ctx.groupByName.get(name);
      const waves = group?.vmKeys.flatMap((key) => this.placement.get(key) ?? []) ?? [];
      if (waves.length > 0) wavesOf.set(name, waves);
    }
    const active = (group: string): boolean => wavesOf.has(group);
    for (const [after, afterWaves] of wavesOf) {
      const first = Math.min(...afterWaves);
      for (const before of graph.activePredecessorsOf(after, active)) {
        const last = Math.max(...(wavesOf.get(before) as number[]));
        if (last < first) continue;
        this.add(
          'dependency-order',
          'error',
          first,
          `Group ${before} must move before ${after}, but ${before} is in wave ${last} and ${after} in wave ${first}`,
          [],
          [before, after],
        );
      }
    }
  }

  private checkTargetNames(): void {
    const holders = new Map<string, { key: string; wave: number }[]>();
    for (const draft of this.drafts) {
      for (const key of new Set(draft.vmKeys)) {
        const record = this.ctx.records.get(key);
        if (record === undefined) continue;
        const name = record.assessment?.targetName ?? record.vm.name;
        const id = `${this.ctx.vmNamespace(key, draft.number)}/${name}`;
        const list = holders.get(id) ?? [];
        list.push({ key, wave: draft.number });
        holders.set(id, list);
      }
    }
    for (const [id, list] of holders) {
      const keys = new Set(list.map((entry) => entry.key));
      if (keys.size < 2) continue;
      this.add(
        'target-name-conflict',
        'error',
        Math.max(...list.map((entry) => entry.wave)),
        `VMs ${this.names(keys)} would all become ${id}`,
        keys,
        this.groupsOf(keys),
      );
    }
  }
}

export function collectViolations(
  ctx: PlanningContext,
  drafts: readonly WaveDraft[],
  manual: ManualEdits,
): Violation[] {
  return new PlanValidator(ctx, drafts, manual).run();
}

/**
 * Re-checks every constraint of a plan, typically after edits: capacity, window, host and
 * datastore caps, pilot, groups, dependencies, maps and target names. Uses `plan.manual` for
 * pins and exclusions and `input.settings` for everything else.
 */
export function validatePlan(plan: WavePlan, input: PlanInput): Violation[] {
  return collectViolations(new PlanningContext(input), plan.waves, plan.manual);
}

/**
 * The errors that stop a wave from being approved: its own, and plan-wide ones (a split group, a
 * cycle, a duplicated VM) that involve its VMs or groups.
 */
export function approvalBlockers(plan: WavePlan, waveNumber: number): Violation[] {
  const wave = plan.waves.find((candidate) => candidate.number === waveNumber);
  if (wave === undefined) return [];
  const vmKeys = new Set(wave.vmKeys);
  const groups = new Set(wave.groups);
  return plan.violations.filter(
    (violation) =>
      violation.severity === 'error' &&
      (violation.wave === waveNumber ||
        (violation.wave === null &&
          (violation.vmKeys.some((key) => vmKeys.has(key)) ||
            violation.groups.some((group) => groups.has(group))))),
  );
}
