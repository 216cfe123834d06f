import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { AssessmentSummary, SizingTotals, VmAssessment } from '#libs/assessment';
import type { InventoryVm } from '#libs/inventory';
import type { AccessStore, AssessmentStore, InventoryStore, Principal } from '#libs/persistence';
import {
  readWaveEdits,
  type WaveEditMove,
  type WaveReportInput,
  WaveReportReadError,
  type WaveReportSizing,
  type WaveReportVm,
  writeVmsCsv,
  writeVmsJson,
  writeWaveReport,
  writeWavesCsv,
  writeWavesJson,
} from '#libs/reports';
import type { PlanEdit, Violation } from '#libs/waves';
import { notFound, UserFacingError } from './errors.js';
import type { PlanningService, StoredPlan } from './planning.service.js';

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

export interface ImportEditsOutcome {
  planId: string;
  version: number;
  rows: ImportedEditRow[];
  problems: Array<{ sheet: string; row: number; message: string }>;
  violations: Violation[];
  invalidatedWaves: number[];
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
  constructor(
    private readonly inventories: InventoryStore,
    private readonly assessments: AssessmentStore,
    private readonly planning: PlanningService,
    private readonly access: AccessStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

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

    const networkUse = new Map<string, number>();
    const storageUse = new Map<string, { vms: number; provisionedMiB: number }>();
    const vms: WaveReportVm[] = assessed.map((vm: VmAssessment) => {
      const source = vmByKey.get(vm.vmKey);
      const networks = [
        ...new Set((source?.nics ?? []).map((nic) => nic.network).filter((name): name is string => !!name)),
      ];
      const datastores = [
        ...new Set(vm.sizing.disks.map((disk) => disk.datastore).filter((name): name is string => !!name)),
      ];
      const moving = waveOf.has(vm.vmKey);
      if (moving) {
        for (const network of networks) networkUse.set(network, (networkUse.get(network) ?? 0) + 1);
        for (const disk of vm.sizing.disks) {
          const datastore = disk.datastore ?? '(unknown)';
          const use = storageUse.get(datastore) ?? { vms: 0, provisionedMiB: 0 };
          use.provisionedMiB += disk.capacityMiB;
          storageUse.set(datastore, use);
        }
        for (const datastore of datastores) {
          const use = storageUse.get(datastore);
          if (use) use.vms += 1;
        }
      }
      const targetNetworks = networks.map((network) => {
        const target = networkMap[network];
        if (!target) return `${network}: unmapped`;
        return target.type === 'multus' ? target.name : target.type;
      });
      const storageClasses = [
        ...new Set(
          vm.sizing.disks.map(
            (disk) =>
              (disk.datastore && storageMap[disk.datastore]?.storageClass) || disk.storageClass || 'unmapped',
          ),
        ),
      ];
      return {
        key: vm.vmKey,
        name: vm.name,
        disposition: vm.disposition,
        effort: vm.effort,
        score: vm.score,
        wave: waveOf.get(vm.vmKey) ?? null,
        group: groupOf.get(vm.vmKey) ?? null,
        os: vm.os.osName ?? source?.guestOsTools ?? source?.guestOsConfig ?? 'unknown',
        osFamily: vm.os.family,
        preference: vm.os.preference,
        vcpus: source?.cpus ?? vm.sizing.sockets * vm.sizing.coresPerSocket,
        memoryGiB: gib(source?.memoryMiB ?? vm.sizing.memoryMiB),
        provisionedGiB: gib(
          source?.provisionedMiB ?? vm.sizing.disks.reduce((sum, disk) => sum + disk.capacityMiB, 0),
        ),
        usedGiB: gib(source?.inUseMiB ?? vm.transfer.dataMiB),
        transferGiB: gib(vm.transfer.dataMiB),
        storageClasses,
        targetNetworks,
        estimatedTransferHours: Math.round(vm.transfer.hours * 100) / 100,
        concerns: vm.concerns,
      };
    });

    const approvals = new Map(plan.waves.map((wave) => [wave.number, wave]));
    const waves = plan.result.waves.map((wave) => ({
      number: wave.number,
      name: wave.pilot ? `Wave ${wave.number} (pilot)` : `Wave ${wave.number}`,
      window: null,
      vmCount: wave.vmKeys.length,
      groups: wave.groups,
      dataGiB: wave.dataGiB,
      estimatedHours: wave.estimatedHours,
      concurrency: wave.concurrency.peakStreams,
      hosts: wave.hosts,
      datastores: wave.datastores,
      status: approvals.get(wave.number)?.status ?? 'draft',
    }));

    const nonTemplates = inventory.vms.filter((vm) => !vm.template);
    return {
      plan: { id: plan.id, name: plan.name, version: plan.version, contentHash: reportContentHash(plan) },
      generatedAt: this.clock().toISOString(),
      countedTo: assessment.countedTo,
      estate: {
        vms: nonTemplates.length,
        vcpus: nonTemplates.reduce((sum, vm) => sum + vm.cpus, 0),
        memoryGiB: gib(nonTemplates.reduce((sum, vm) => sum + vm.memoryMiB, 0)),
        provisionedGiB: gib(nonTemplates.reduce((sum, vm) => sum + (vm.provisionedMiB ?? 0), 0)),
        usedGiB: gib(nonTemplates.reduce((sum, vm) => sum + (vm.inUseMiB ?? 0), 0)),
        transferGiB: Math.round(waves.reduce((sum, wave) => sum + wave.dataGiB, 0) * 100) / 100,
        transferHours: Math.round(waves.reduce((sum, wave) => sum + wave.estimatedHours, 0) * 100) / 100,
      },
      counts: {
        byDisposition: { rehost: summary.rehost, retain: summary.retain, retire: summary.retire },
        byEffort: summary.byEffort,
        byOsFamily: summary.byOsFamily,
        byConcern: summary.byConcern,
      },
      sizing: {
        estate: sizingToReport(summary.sizing.estate),
        clusters: Object.entries(summary.sizing.byCluster).map(([cluster, totals]) => ({
          cluster,
          ...sizingToReport(totals),
        })),
      },
      waves,
      vms,
      networkMap: [...new Set([...Object.keys(networkMap), ...networkUse.keys()])]
        .sort()
        .map((sourceNetwork) => {
          const target = networkMap[sourceNetwork];
          return {
            sourceNetwork,
            targetNetwork: !target ? 'unmapped' : target.type === 'multus' ? target.name : target.type,
            targetType: target?.type ?? 'unmapped',
            vms: networkUse.get(sourceNetwork) ?? 0,
          };
        }),
      storageMap: [...new Set([...Object.keys(storageMap), ...storageUse.keys()])].sort().map((datastore) => {
        const target = storageMap[datastore];
        const use = storageUse.get(datastore);
        return {
          datastore,
          storageClass: target?.storageClass ?? 'unmapped',
          accessMode: target?.accessMode ?? null,
          volumeMode: target?.volumeMode ?? null,
          vms: use?.vms ?? 0,
          provisionedGiB: gib(use?.provisionedMiB ?? 0),
        };
      }),
      policy: flattenPolicy(assessment.policy),
    };
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
    let edits: Awaited<ReturnType<typeof readWaveEdits>>;
    try {
      edits = await readWaveEdits(path, { fileName });
    } catch (error) {
      if (error instanceof WaveReportReadError)
        throw new UserFacingError('invalid-input', error.message, 'not-a-wave-report');
      throw error;
    }
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
      },
    });
    rows.sort((a, b) => a.sheet.localeCompare(b.sheet) || a.row - b.row);
    return {
      planId: plan.id,
      version: outcome?.plan.version ?? plan.version,
      rows,
      problems: edits.problems,
      violations: outcome?.violations ?? plan.result.violations,
      invalidatedWaves: outcome?.invalidatedWaves ?? [],
    };
  }
}
