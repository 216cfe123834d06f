import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { type AssessmentSummary, NO_CLUSTER, type SizingTotals, type VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import type { AccessStore, AssessmentStore, InventoryStore, Principal } from '#libs/persistence';
import {
  type CutoverEdit,
  type MigrationEdit,
  type WaveEditMove,
  type WaveReportInput,
  type WaveReportSizing,
  type WaveReportVm,
  type WaveWindowEdit,
  writeVmsCsv,
  writeVmsJson,
  writeWaveReport,
  writeWavesCsv,
  writeWavesJson,
} from '#libs/reports';
import type { RvtoolsReadLimits } from '#libs/rvtools';
import {
  DEFAULT_MIGRATION_SETTINGS,
  datastoreSourceOf,
  describeNetworkTarget,
  describeStorageTarget,
  isExcludedStorage,
  listMapSources,
  migrationTypeOf,
  migrationTypeResolver,
  type NetworkTarget,
  NO_NETWORK_SOURCE,
  networkSourceOf,
  networkTargetOf,
  type PlanEdit,
  type StorageTarget,
  storageTargetOf,
  usesRawCopy,
  type Violation,
} from '#libs/waves';
import { notFound, UserFacingError } from './errors.js';
import { type PlanningService, parseChangeWindow, type StoredPlan } from './planning.service.js';
import {
  type ParseBudget,
  type ParseLimits,
  readWaveEditsInSandbox,
  splitParseLimits,
  WAVE_REPORT_PARSE_BUDGET,
} from './upload-parse-sandbox.js';

const MIB_PER_GIB = 1024;
const gib = (mib: number): number => Math.round((mib / MIB_PER_GIB) * 100) / 100;

/** What the load-back did with each edited row. */
export interface ImportedEditRow {
  sheet: string;
  row: number;
  vmKey: string;
  vmName: string;
  fromWave: number | null;
  toWave: number | null;
  outcome: 'applied' | 'refused' | 'unchanged';
  message: string;
}

/** What the load-back did with each wave's change window in the schedule sheet. */
export interface ImportedWindowRow {
  sheet: string;
  row: number;
  wave: number;
  window: { start: string; end: string; zone: string } | null;
  outcome: 'applied' | 'refused' | 'unchanged';
  message: string;
}

/** What the load-back did with a VM's Migration cell or a wave's Cutover cell. */
export interface ImportedMigrationRow {
  sheet: string;
  row: number;
  /** `migration`: a VM's cold/warm; `cutover`: a wave's booked cutover. */
  field: 'migration' | 'cutover';
  vmKey: string | null;
  wave: number | null;
  /** `cold`/`warm`, or the cutover instant (ISO 8601), or null when cleared. */
  value: string | null;
  outcome: 'applied' | 'refused' | 'unchanged';
  message: string;
}

export interface ImportEditsOutcome {
  planId: string;
  version: number;
  rows: ImportedEditRow[];
  windows: ImportedWindowRow[];
  migrations: ImportedMigrationRow[];
  problems: Array<{ sheet: string; row: number; message: string }>;
  violations: Violation[];
  invalidatedWaves: number[];
}

const ALL_CLUSTERS = '\u0000all';

/** Whether a plan's VM-name pattern matches the name (a refused pattern matches nothing). */
function compileVmNamePatternMatches(pattern: string, name: string): boolean {
  return (
    migrationTypeOf(
      { migration: { ...DEFAULT_MIGRATION_SETTINGS, coldVms: [pattern], type: 'warm' } },
      null,
      name,
    ) === 'cold'
  );
}

interface StorageTally {
  storageGiB: number;
  byClassGiB: Record<string, number>;
}

function tallyStorage(
  tallies: Map<string, StorageTally>,
  scope: string,
  byClassGiB: Readonly<Record<string, number>>,
): void {
  let tally = tallies.get(scope);
  if (tally === undefined) {
    tally = { storageGiB: 0, byClassGiB: {} };
    tallies.set(scope, tally);
  }
  for (const [name, value] of Object.entries(byClassGiB)) {
    tally.storageGiB += value;
    tally.byClassGiB[name] = (tally.byClassGiB[name] ?? 0) + value;
  }
}

/**
 * The sizing's storage from the VM rows (plan storage classes, `unmapped` where the plan has no
 * entry) so it adds up to the VMs sheet, whatever the export left out.
 */
function withStorage(sizing: WaveReportSizing, tally: StorageTally | undefined): WaveReportSizing {
  const round = (value: number): number => Math.round(value * 100) / 100;
  return {
    ...sizing,
    storageGiB: round(tally?.storageGiB ?? 0),
    storageByClassGiB: Object.fromEntries(
      Object.entries(tally?.byClassGiB ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => [name, round(value)]),
    ),
  };
}

function sizingToReport(totals: SizingTotals): WaveReportSizing {
  return {
    vms: totals.vms,
    vcpus: totals.vcpus,
    memoryGiB: gib(totals.memoryMiB),
    memoryWithOverheadGiB: gib(totals.memoryWithOverheadMiB),
    storageGiB: gib(totals.storageMiB),
    storageByClassGiB: Object.fromEntries(
      Object.entries(totals.storageByClassMiB).map(([name, mib]) => [name, gib(mib)]),
    ),
    workerNodes: totals.workerNodes,
  };
}

/** Scalar settings of a policy as `a.b.c = value` rows, for the report's Policy sheet. */
function flattenPolicy(
  value: unknown,
  prefix = '',
): Array<{ key: string; value: string | number | boolean | null }> {
  if (value === null || typeof value !== 'object') {
    return [{ key: prefix, value: value as string | number | boolean | null }];
  }
  if (Array.isArray(value)) {
    return value.every((item) => item === null || typeof item !== 'object')
      ? [{ key: prefix, value: value.join(', ') }]
      : [{ key: prefix, value: `${value.length} entries` }];
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    flattenPolicy(child, prefix ? `${prefix}.${key}` : key),
  );
}

/** The hash a report carries: which plan, at which version, with which wave contents. */
export function reportContentHash(plan: StoredPlan): string {
  const hash = createHash('sha256').update(`${plan.id}\n${plan.version}\n`);
  for (const wave of plan.waves) hash.update(`${wave.number}:${wave.contentHash}\n`);
  return hash.digest('hex');
}

/** Writes the planners' workbook (and CSV/JSON tables) and loads their edits back. */
export class ReportService {
  private readonly loadBackLimits: Partial<RvtoolsReadLimits>;
  private readonly loadBackBudget: ParseBudget;

  constructor(
    private readonly inventories: InventoryStore,
    private readonly assessments: AssessmentStore,
    private readonly planning: PlanningService,
    private readonly access: AccessStore,
    /** What reading an edited report back may cost (FLOTILLA_MAX_REPORT_*, FLOTILLA_REPORT_PARSE_*). */
    loadBackLimits: ParseLimits = {},
    private readonly clock: () => Date = () => new Date(),
  ) {
    ({ readLimits: this.loadBackLimits, budget: this.loadBackBudget } = splitParseLimits(
      loadBackLimits,
      WAVE_REPORT_PARSE_BUDGET,
    ));
  }

  async buildInput(planId: string): Promise<WaveReportInput> {
    const plan = await this.planning.getStored(planId);
    const assessment = await this.assessments.get(plan.assessmentId);
    if (!assessment) throw notFound('Assessment', plan.assessmentId);
    const inventory = await this.inventories.load(plan.inventoryId, { withSource: false });
    if (!inventory) throw notFound('Inventory', plan.inventoryId);
    const assessed = await this.assessments.allVms(plan.assessmentId);
    const summary: AssessmentSummary = assessment.summary;
    const vmByKey = new Map<string, InventoryVm>(inventory.vms.map((vm) => [vm.key, vm]));

    const waveOf = new Map<string, number>();
    for (const wave of plan.result.waves) for (const key of wave.vmKeys) waveOf.set(key, wave.number);
    const groupOf = new Map<string, string>();
    for (const group of plan.result.groups) for (const key of group.vmKeys) groupOf.set(key, group.name);
    const { networkMap, storageMap } = plan.settings;

    /** Target storage of VMs in waves per storage map source, for the Storage map sheet. */
    const storageUseMiB = new Map<string, number>();
    /** Storage of the VMs the sizing covers, summed from the same per-VM figures as the VMs sheet. */
    const sizedStorage = new Map<string, StorageTally>();
    const migrationType = migrationTypeResolver(plan.settings);
    const vms: WaveReportVm[] = assessed.map((vm: VmAssessment) => {
      const source = vmByKey.get(vm.vmKey);
      const networks = [...new Set((source?.nics ?? []).map((nic) => networkSourceOf(nic.network)))];
      const moving = waveOf.has(vm.vmKey);
      // The planner looks disks up as the inventory lists them; a VM sized from vInfo alone has no
      // disk rows, and the plan looks its data up under the unnamed datastore.
      const listedDisks = (source?.disks.length ?? 0) > 0;
      const byClassMiB: Record<string, number> = {};
      let targetMiB = 0;
      for (const disk of vm.sizing.disks) {
        const datastore = listedDisks ? disk.datastore : null;
        const storageClass = describeStorageTarget(storageTargetOf(storageMap, datastore));
        byClassMiB[storageClass] = (byClassMiB[storageClass] ?? 0) + disk.requestMiB;
        targetMiB += disk.requestMiB;
        if (moving) {
          const key = datastoreSourceOf(datastore);
          storageUseMiB.set(key, (storageUseMiB.get(key) ?? 0) + disk.requestMiB);
        }
      }
      const storageByClassGiB = Object.fromEntries(
        Object.entries(byClassMiB).map(([name, mib]) => [name, gib(mib)]),
      );
      const targetStorageGiB = gib(targetMiB);
      if (vm.disposition === 'rehost') {
        const cluster = source?.cluster ?? NO_CLUSTER;
        for (const scope of [ALL_CLUSTERS, cluster]) tallyStorage(sizedStorage, scope, storageByClassGiB);
      }
      return {
        key: vm.vmKey,
        name: vm.name,
        disposition: vm.override?.disposition ?? vm.disposition,
        outOfScope: vm.outOfScope,
        effort: vm.effort,
        score: vm.score,
        wave: waveOf.get(vm.vmKey) ?? null,
        group: groupOf.get(vm.vmKey) ?? null,
        os: vm.os.osName ?? source?.guestOsTools ?? source?.guestOsConfig ?? 'unknown',
        osFamily: vm.os.family,
        preference: vm.os.preference,
        conversion: usesRawCopy(plan.settings, vm.name) ? 'raw copy' : 'virt-v2v',
        migration: migrationType(waveOf.get(vm.vmKey) ?? null, vm.name),
        // Verdicts stored before warm readiness existed carry none.
        warmReadiness: vm.warm
          ? vm.warm.ready
            ? 'ready'
            : vm.warm.reasons.join('; ')
          : 'not assessed: run the assessment again',
        vcpus: source?.cpus ?? vm.sizing.sockets * vm.sizing.coresPerSocket,
        memoryGiB: gib(source?.memoryMiB ?? vm.sizing.memoryMiB),
        provisionedGiB: gib(
          source?.provisionedMiB ?? vm.sizing.disks.reduce((sum, disk) => sum + disk.capacityMiB, 0),
        ),
        usedGiB: gib(source?.inUseMiB ?? vm.transfer.dataMiB),
        transferGiB: gib(vm.transfer.dataMiB),
        targetStorageGiB,
        storageByClassGiB,
        storageClasses: Object.keys(storageByClassGiB),
        targetNetworks: networks.map((network) => {
          const target = networkTargetOf(networkMap, network === NO_NETWORK_SOURCE ? null : network);
          return target === undefined ? `${network}: unmapped` : describeNetworkTarget(target);
        }),
        estimatedTransferHours: Math.round(vm.transfer.hours * 100) / 100,
        concerns: vm.concerns,
      };
    });

    const approvals = new Map(plan.waves.map((wave) => [wave.number, wave]));
    const windows = plan.settings.changeWindows ?? {};
    const waves = plan.result.waves.map((wave) => ({
      number: wave.number,
      name: wave.pilot ? `Wave ${wave.number} (pilot)` : `Wave ${wave.number}`,
      window: windows[String(wave.number)] ?? null,
      vmCount: wave.vmKeys.length,
      groups: wave.groups,
      dataGiB: wave.dataGiB,
      estimatedHours: wave.estimatedHours,
      concurrency: wave.concurrency.peakStreams,
      hosts: wave.hosts,
      datastores: wave.datastores,
      status: approvals.get(wave.number)?.status ?? 'draft',
      migration: wave.migration
        ? {
            warmVms: wave.migration.warmVms,
            coldVms: wave.migration.coldVms,
            cutoverAt: wave.migration.cutoverAt,
            hoursToCutoverReady: wave.migration.hoursToCutoverReady,
            downtimeWarmMinutes: wave.migration.downtimeMinutes.warm,
            downtimeColdMinutes: wave.migration.downtimeMinutes.cold,
            downtimePlannedMinutes: wave.migration.downtimeMinutes.planned,
          }
        : null,
    }));
    const nameOf = (key: string): string => vmByKey.get(key)?.name ?? key;
    const sources = listMapSources(plan.result.waves, inventory.vms, assessed, plan.settings);

    return {
      plan: { id: plan.id, name: plan.name, version: plan.version, contentHash: reportContentHash(plan) },
      generatedAt: this.clock().toISOString(),
      countedTo: assessment.countedTo,
      sizing: {
        scope: 'rehost VMs',
        estate: withStorage(sizingToReport(summary.sizing.estate), sizedStorage.get(ALL_CLUSTERS)),
        clusters: Object.entries(summary.sizing.byCluster).map(([cluster, totals]) => ({
          cluster,
          ...withStorage(sizingToReport(totals), sizedStorage.get(cluster)),
        })),
      },
      waves,
      violations: plan.result.violations.map((violation) => ({
        wave: violation.wave,
        severity: violation.severity,
        code: violation.code,
        message: violation.message,
        vms: violation.vmKeys.map(nameOf),
        groups: violation.groups,
      })),
      vms,
      networkMap: sources.networks.map((entry) => {
        const target = (entry.target as NetworkTarget | null) ?? undefined;
        return {
          sourceNetwork: entry.source,
          targetNetwork: describeNetworkTarget(target),
          targetType: target?.type ?? 'unmapped',
          reason: target?.type === 'ignored' ? (target.reason ?? null) : null,
          vms: entry.vms,
        };
      }),
      storageMap: sources.datastores.map((entry) => {
        const target = (entry.target as StorageTarget | null) ?? undefined;
        const excluded = target !== undefined && isExcludedStorage(target);
        return {
          datastore: entry.source,
          storageClass: describeStorageTarget(target),
          reason: target !== undefined && isExcludedStorage(target) ? target.reason : null,
          accessMode: target !== undefined && !excluded ? (target.accessMode ?? null) : null,
          volumeMode: target !== undefined && !excluded ? (target.volumeMode ?? null) : null,
          vms: entry.vms,
          targetStorageGiB: gib(storageUseMiB.get(entry.source) ?? 0),
        };
      }),
      policy: flattenPolicy(assessment.policy),
    };
  }

  /** Books the change windows the planner changed in the schedule sheet; each row says what happened. */
  private async importWindows(
    planId: string,
    edited: readonly WaveWindowEdit[],
    principal: Principal,
  ): Promise<{
    rows: ImportedWindowRow[];
    outcome: Awaited<ReturnType<PlanningService['setChangeWindows']>> | null;
  }> {
    const plan = await this.planning.getStored(planId);
    const booked = plan.settings.changeWindows ?? {};
    const waves = new Set(plan.result.waves.map((wave) => wave.number));
    const rows: ImportedWindowRow[] = [];
    const changes: Array<{ wave: number; window: WaveWindowEdit['window'] }> = [];
    const same = (a: WaveWindowEdit['window'], b: WaveWindowEdit['window']): boolean =>
      a === null || b === null
        ? a === b
        : Date.parse(a.start) === Date.parse(b.start) &&
          Date.parse(a.end) === Date.parse(b.end) &&
          a.zone === b.zone;
    for (const edit of edited) {
      const base = { sheet: edit.sheet, row: edit.row, wave: edit.wave, window: edit.window };
      if (!waves.has(edit.wave)) {
        rows.push({ ...base, outcome: 'refused', message: `the plan has no wave ${edit.wave}` });
        continue;
      }
      if (same(booked[String(edit.wave)] ?? null, edit.window)) {
        rows.push({ ...base, outcome: 'unchanged', message: 'as booked' });
        continue;
      }
      // Checked one by one so a bad row is refused on its own; the good ones are booked together.
      const problem = edit.window === null ? null : parseChangeWindow(edit.window);
      if (typeof problem === 'string') {
        rows.push({ ...base, outcome: 'refused', message: problem });
        continue;
      }
      changes.push({ wave: edit.wave, window: edit.window });
      rows.push({ ...base, outcome: 'applied', message: edit.window ? 'window booked' : 'window cleared' });
    }
    if (changes.length === 0) return { rows, outcome: null };
    return { rows, outcome: await this.planning.setChangeWindows(planId, changes, principal, plan.version) };
  }

  /**
   * Applies the Migration cells (a VM moved cold or warm by its exact name in the plan's
   * `warmVms`/`coldVms`) and the schedule's Cutover cells, together through the planner's
   * migration settings; a VM a `coldVms` pattern keeps cold is refused, naming the pattern.
   */
  private async importMigrations(
    planId: string,
    migrations: readonly MigrationEdit[],
    cutovers: readonly CutoverEdit[],
    principal: Principal,
  ): Promise<{
    rows: ImportedMigrationRow[];
    outcome: Awaited<ReturnType<PlanningService['updateMigration']>> | null;
  }> {
    const plan = await this.planning.getStored(planId);
    const current = { ...DEFAULT_MIGRATION_SETTINGS, ...plan.settings.migration };
    const waveOf = new Map<string, { wave: number; name: string }>();
    for (const wave of plan.result.waves)
      for (const vm of wave.vms) waveOf.set(vm.key, { wave: wave.number, name: vm.name });
    const rows: ImportedMigrationRow[] = [];
    let warmVms = [...current.warmVms];
    let coldVms = [...current.coldVms];
    const cutoverAt: Record<string, string | null> = {};
    let changed = false;
    for (const edit of migrations) {
      const base = {
        sheet: edit.sheet,
        row: edit.row,
        field: 'migration' as const,
        vmKey: edit.vmKey,
        wave: waveOf.get(edit.vmKey)?.wave ?? null,
        value: edit.migration,
      };
      const member = waveOf.get(edit.vmKey);
      if (member === undefined) {
        // Rows of VMs in no wave show the plan's default; only a change is worth refusing.
        const name = edit.vmName || edit.vmKey;
        if (migrationTypeOf({ migration: { ...current, warmVms, coldVms } }, null, name) !== edit.migration)
          rows.push({ ...base, outcome: 'refused', message: 'the VM is in no wave of this plan' });
        continue;
      }
      const before = migrationTypeOf(
        { migration: { ...current, warmVms, coldVms } },
        member.wave,
        member.name,
      );
      if (before === edit.migration) {
        rows.push({ ...base, outcome: 'unchanged', message: `already ${before}` });
        continue;
      }
      const nextWarm = warmVms.filter((pattern) => pattern !== member.name);
      const nextCold = coldVms.filter((pattern) => pattern !== member.name);
      (edit.migration === 'warm' ? nextWarm : nextCold).push(member.name);
      const after = migrationTypeOf(
        { migration: { ...current, warmVms: nextWarm, coldVms: nextCold } },
        member.wave,
        member.name,
      );
      if (after !== edit.migration) {
        const pattern = nextCold.find((candidate) => compileVmNamePatternMatches(candidate, member.name));
        rows.push({
          ...base,
          outcome: 'refused',
          message: `migration.coldVms pattern "${pattern ?? '?'}" keeps it cold; change that pattern instead`,
        });
        continue;
      }
      warmVms = nextWarm;
      coldVms = nextCold;
      changed = true;
      rows.push({ ...base, outcome: 'applied', message: `moved ${edit.migration}` });
    }
    const waves = new Set(plan.result.waves.map((wave) => wave.number));
    for (const edit of cutovers) {
      const base = {
        sheet: edit.sheet,
        row: edit.row,
        field: 'cutover' as const,
        vmKey: null,
        wave: edit.wave,
        value: edit.cutoverAt,
      };
      if (!waves.has(edit.wave)) {
        if (edit.cutoverAt !== null)
          rows.push({ ...base, outcome: 'refused', message: `the plan has no wave ${edit.wave}` });
        continue;
      }
      const booked = current.cutoverAt[String(edit.wave)] ?? null;
      const same =
        booked === null || edit.cutoverAt === null
          ? booked === edit.cutoverAt
          : Date.parse(booked) === Date.parse(edit.cutoverAt);
      if (same) {
        rows.push({ ...base, outcome: 'unchanged', message: 'as booked' });
        continue;
      }
      cutoverAt[String(edit.wave)] = edit.cutoverAt;
      changed = true;
      rows.push({
        ...base,
        outcome: 'applied',
        message: edit.cutoverAt ? 'cutover booked' : 'cutover cleared',
      });
    }
    if (!changed) return { rows, outcome: null };
    const outcome = await this.planning.updateMigration(
      planId,
      { warmVms, coldVms, cutoverAt },
      principal,
      plan.version,
    );
    return { rows, outcome };
  }

  /** `report`: a plan id, or the input already built for it (a download builds it once, for its headers too). */
  async writeWorkbook(
    report: string | WaveReportInput,
    output: { path: string } | { stream: Writable },
  ): Promise<WaveReportInput> {
    const input = typeof report === 'string' ? await this.buildInput(report) : report;
    await writeWaveReport(input, output);
    return input;
  }

  async writeTable(
    report: string | WaveReportInput,
    table: 'vms' | 'waves',
    format: 'csv' | 'json',
    stream: Writable,
  ): Promise<void> {
    const input = typeof report === 'string' ? await this.buildInput(report) : report;
    if (table === 'vms')
      await (format === 'csv' ? writeVmsCsv(input.vms, stream) : writeVmsJson(input.vms, stream));
    else await (format === 'csv' ? writeWavesCsv(input, stream) : writeWavesJson(input, stream));
  }

  /**
   * Applies the wave moves a planner made in the workbook, row by row, through the planner's own
   * edits: the same validation, approval invalidation and audit as API edits.
   */
  async importEdits(
    planId: string,
    path: string,
    fileName: string,
    principal: Principal,
  ): Promise<ImportEditsOutcome> {
    // Parsed in a worker with its own heap and deadline, like an inventory upload.
    const edits = await readWaveEditsInSandbox(
      { path, fileName, limits: this.loadBackLimits },
      this.loadBackBudget,
    );
    const plan = await this.planning.getStored(planId);
    if (edits.planId !== plan.id) {
      throw new UserFacingError(
        'conflict',
        `${fileName} is the report of plan ${edits.planId}, not of plan ${plan.id}; download this plan's report and edit that`,
        'wrong-plan',
      );
    }
    if (edits.planHash !== reportContentHash(plan)) {
      throw new UserFacingError(
        'conflict',
        `${fileName} was written for version ${edits.planVersion ?? '?'} of plan ${plan.id}, which has changed since (now version ${plan.version}); download the report again and redo the edits there`,
        'stale-report',
      );
    }
    const currentWave = new Map<string, number>();
    for (const wave of plan.result.waves) for (const key of wave.vmKeys) currentWave.set(key, wave.number);
    const rows: ImportedEditRow[] = [];
    const toApply: Array<{ move: WaveEditMove; edit: PlanEdit }> = [];
    for (const move of edits.moves) {
      const from = currentWave.get(move.vmKey) ?? null;
      const base = {
        sheet: move.sheet,
        row: move.row,
        vmKey: move.vmKey,
        vmName: move.vmName,
        fromWave: from,
        toWave: move.toWave,
      };
      if (move.toWave === from) {
        rows.push({ ...base, outcome: 'unchanged', message: 'already in that wave' });
        continue;
      }
      const edit: PlanEdit =
        move.toWave === null
          ? { kind: 'exclude-vm', vmKey: move.vmKey }
          : from === null && plan.result.excluded.some((excluded) => excluded.vmKey === move.vmKey)
            ? { kind: 'include-vm', vmKey: move.vmKey, toWave: move.toWave }
            : { kind: 'move-vm', vmKey: move.vmKey, toWave: move.toWave };
      toApply.push({ move, edit });
    }
    let outcome: Awaited<ReturnType<PlanningService['applyEdits']>> | null = null;
    const refusals = await this.planning.previewEdits(
      plan,
      toApply.map((candidate) => candidate.edit),
    );
    const accepted: Array<{ move: WaveEditMove; edit: PlanEdit }> = [];
    toApply.forEach((candidate, index) => {
      const refusal = refusals[index] ?? null;
      const base = {
        sheet: candidate.move.sheet,
        row: candidate.move.row,
        vmKey: candidate.move.vmKey,
        vmName: candidate.move.vmName,
        fromWave: currentWave.get(candidate.move.vmKey) ?? null,
        toWave: candidate.move.toWave,
      };
      if (refusal) {
        rows.push({ ...base, outcome: 'refused', message: refusal });
        return;
      }
      accepted.push(candidate);
      rows.push({
        ...base,
        outcome: 'applied',
        message:
          candidate.move.toWave === null
            ? 'taken out of every wave'
            : `moved to wave ${candidate.move.toWave}`,
      });
    });
    if (accepted.length > 0) {
      outcome = await this.planning.applyEdits(
        plan.id,
        accepted.map((entry) => entry.edit),
        principal,
        plan.version,
      );
    }
    const windows = await this.importWindows(plan.id, edits.windows, principal);
    if (windows.outcome) outcome = windows.outcome;
    const migrations = await this.importMigrations(plan.id, edits.migrations, edits.cutovers, principal);
    if (migrations.outcome) outcome = migrations.outcome;
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'plan.import-edits',
      resourceType: 'plan',
      resourceId: plan.id,
      before: { version: plan.version },
      after: {
        file: fileName,
        applied: rows.filter((row) => row.outcome === 'applied').length,
        refused: rows.filter((row) => row.outcome === 'refused').length,
        migrations: migrations.rows.filter((row) => row.outcome === 'applied').length,
      },
    });
    rows.sort((a, b) => a.sheet.localeCompare(b.sheet) || a.row - b.row);
    return {
      planId: plan.id,
      version: outcome?.plan.version ?? plan.version,
      rows,
      windows: windows.rows,
      migrations: migrations.rows,
      problems: edits.problems,
      violations: outcome?.violations ?? plan.result.violations,
      invalidatedWaves: outcome?.invalidatedWaves ?? [],
    };
  }
}
