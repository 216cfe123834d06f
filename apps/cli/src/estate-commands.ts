import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  AccessService,
  type AssessmentOutcome,
  AssessmentService,
  InventoryImportService,
  InventoryService,
  PlanningService,
  type PlanView,
  ReportService,
  UserFacingError,
} from '#libs/application';
import type { VmAssessment } from '#libs/assessment';
import { type Principal, ROLES } from '#libs/persistence';
import { type CliContext, printJson, terminalProgress, withCliContext } from './cli-context.js';
import { printImportSummary } from './import.command.js';
import { addMigrationFlags, type MigrationFlags, migrationSettingsFromFlags } from './migration-flags.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The CLI acts with every role, as the person at the terminal; the audit log names them. */
export function cliPrincipal(): Principal {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return { actor: `cli:${user}`, roles: [...ROLES] };
}

/** The application services commands call (built once per process by the core); the stores stay behind them. */
export function services(context: CliContext) {
  return {
    access: context.get(AccessService),
    inventory: context.get(InventoryService),
    importer: context.get(InventoryImportService),
    assessment: context.get(AssessmentService),
    planning: context.get(PlanningService),
    report: context.get(ReportService),
  };
}

function isFile(path: string): boolean {
  return existsSync(path) && (statSync(path).isFile() || statSync(path).isDirectory());
}

export function readDocument(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserFacingError('invalid-input', `Cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new UserFacingError(
      'invalid-input',
      `${path}: not valid YAML or JSON: ${(error as Error).message}`,
    );
  }
}

/** `<inventoryId|file>`: a file is imported first (quietly when `json`). */
export async function resolveInventory(context: CliContext, ref: string, json: boolean): Promise<string> {
  const { importer, inventory } = services(context);
  if (isFile(ref)) {
    const progress = terminalProgress();
    const result = await importer.importFile(ref, {
      onProgress: ({ sheet, rows }) => progress(`Reading ${sheet}: ${rows} rows`),
      principal: cliPrincipal(),
    });
    progress.done();
    if (!json) printImportSummary(result);
    return result.inventoryId;
  }
  if (!UUID.test(ref)) throw new UserFacingError('not-found', `${ref} is neither a file nor an inventory id`);
  await inventory.get(ref);
  return ref;
}

export function toAssessJson(outcome: AssessmentOutcome) {
  return {
    assessmentId: outcome.assessmentId,
    inventoryId: outcome.inventoryId,
    policyHash: outcome.policyHash,
    countedTo: outcome.countedTo,
    countedToBasis: outcome.countedToBasis,
    summary: outcome.summary,
    vms: outcome.vms.map((vm: VmAssessment) => ({
      name: vm.name,
      vmId: vm.moref ?? vm.vmKey,
      vmKey: vm.vmKey,
      disposition: vm.disposition,
      outOfScope: vm.outOfScope,
      effort: vm.effort,
      score: vm.score,
      targetName: vm.targetName,
      os: vm.os,
      concerns: vm.concerns.map((concern) => ({
        id: concern.id,
        severity: concern.severity,
        message: concern.message,
      })),
      reasons: vm.reasons,
      warm: vm.warm,
    })),
  };
}

export function printAssessment(outcome: AssessmentOutcome): void {
  const s = outcome.summary;
  const lines = [
    `Assessment ${outcome.assessmentId} of inventory ${outcome.inventoryId}`,
    `  ages counted to ${outcome.countedTo.slice(0, 10)} (${describeCountedTo(outcome.countedToBasis)})`,
    `  rehost ${s.rehost}, retain ${s.retain}, retire ${s.retire}; out of scope ${s.outOfScope} (templates ${s.templates})`,
    `  effort: low ${s.byEffort.low}, medium ${s.byEffort.medium}, high ${s.byEffort.high}`,
    `  warm-ready: ${s.warmReady ?? 0} of ${s.rehost} to rehost (CBT on, no snapshot, no shared or independent disk)`,
    `  target: ${s.sizing.estate.vcpus} vCPU, ${Math.round(s.sizing.estate.memoryMiB / 1024)} GiB memory, ${Math.round(s.sizing.estate.storageMiB / 1024)} GiB storage, ${s.sizing.estate.workerNodes} worker nodes`,
    '  top concerns:',
    ...Object.entries(s.byConcern)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([id, count]) => `    ${id}: ${count}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describeCountedTo(basis: AssessmentOutcome['countedToBasis']): string {
  switch (basis) {
    case 'as-of':
      return 'as asked';
    case 'export':
      return "the export's date";
    case 'clock':
      return 'today: the export does not say when it was written';
  }
}

export async function runAssessment(
  context: CliContext,
  inventoryId: string,
  policyFile: string | undefined,
  asOf?: string,
): Promise<AssessmentOutcome> {
  const { assessment } = services(context);
  const policy = policyFile
    ? assessment.parsePolicyText(readFileSync(policyFile, 'utf8'), policyFile)
    : undefined;
  return assessment.assess(inventoryId, { policy, asOf }, cliPrincipal());
}

const SETTINGS_KEYS = [
  'constraints',
  'grouping',
  'dependencies',
  'ordering',
  'networkMap',
  'storageMap',
  'targetNamespace',
  'manual',
  'guestConversion',
  'changeWindows',
  'migration',
];

/** `--constraints FILE` holds either whole plan settings or just the constraints. */
export function settingsFromFile(path: string): Record<string, unknown> {
  const document = readDocument(path, 'constraints file');
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new UserFacingError('invalid-input', `${path}: expected a mapping of plan settings or constraints`);
  }
  const keys = Object.keys(document);
  return keys.some((key) => SETTINGS_KEYS.includes(key))
    ? (document as Record<string, unknown>)
    : { constraints: document };
}

export function parseNetworkMapping(value: string): [string, unknown] {
  const at = value.lastIndexOf('=');
  if (at <= 0)
    throw new UserFacingError(
      'invalid-input',
      `--map-network ${value}: expected SOURCE=pod|multus:NAMESPACE/NAME|ignored[:REASON]`,
    );
  const source = value.slice(0, at);
  const target = value.slice(at + 1);
  if (target === 'pod') return [source, { type: 'pod' }];
  if (target === 'ignored') return [source, { type: 'ignored' }];
  if (target.startsWith('ignored:'))
    return [source, { type: 'ignored', reason: target.slice('ignored:'.length) }];
  if (target.startsWith('multus:')) return [source, { type: 'multus', name: target.slice('multus:'.length) }];
  throw new UserFacingError(
    'invalid-input',
    `--map-network ${value}: the target must be pod, ignored or multus:NAMESPACE/NAME`,
  );
}

export function parseStorageMapping(value: string): [string, unknown] {
  const at = value.lastIndexOf('=');
  if (at <= 0)
    throw new UserFacingError(
      'invalid-input',
      `--map-storage ${value}: expected DATASTORE=CLASS[:VOLUMEMODE[:ACCESSMODE]] or DATASTORE=excluded:REASON`,
    );
  const target = value.slice(at + 1);
  // `excluded:WHY`: the disks stay behind, with the reason the approver reads.
  if (target.startsWith('excluded:'))
    return [value.slice(0, at), { excluded: true, reason: target.slice('excluded:'.length) }];
  const [storageClass, volumeMode, accessMode] = target.split(':');
  return [
    value.slice(0, at),
    { storageClass, ...(volumeMode ? { volumeMode } : {}), ...(accessMode ? { accessMode } : {}) },
  ];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function toPlanJson(plan: PlanView) {
  return {
    planId: plan.id,
    version: plan.version,
    status: plan.status,
    lowerBoundWaves: plan.lowerBoundWaves,
    lowerBound: plan.lowerBound,
    violations: plan.violations,
    excluded: plan.excluded.length,
    waves: plan.waves.map((wave) => ({
      number: wave.number,
      pilot: wave.pilot,
      vms: wave.vms.map((vm) => vm.name),
      groups: wave.groups,
      dataGiB: wave.dataGiB,
      estimatedHours: wave.estimatedHours,
      migration: wave.migration ?? null,
      warmVms: wave.vms.filter((vm) => vm.migrationType === 'warm').map((vm) => vm.name),
      hosts: wave.hosts,
      datastores: wave.datastores,
      status: wave.approval?.status ?? 'draft',
    })),
  };
}

export function printPlan(plan: PlanView): void {
  const lines = [
    `Plan ${plan.id} (${plan.status}): ${plan.waves.length} waves, lower bound ${plan.lowerBoundWaves}`,
    ...plan.waves.map(
      (wave) =>
        `  wave ${wave.number}${wave.pilot ? ' (pilot)' : ''}: ${wave.vms.length} VMs, ${wave.groups.length} groups, ${wave.dataGiB} GiB, ~${wave.estimatedHours} h; ${printWaveMigration(wave)}`,
    ),
    `  violations: ${plan.violations.length}`,
    ...plan.violations
      .slice(0, 10)
      .map((violation) => `    ${violation.severity} ${violation.code}: ${violation.message}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `cold`, or the warm share, cutover and downtime of a wave, on one line. */
export function printWaveMigration(wave: PlanView['waves'][number]): string {
  const migration = wave.migration;
  if (migration === undefined) return 'cold (planned before warm migration: re-plan for estimates)';
  const downtime = `downtime ~${migration.downtimeMinutes.planned} min (all warm ${migration.downtimeMinutes.warm}, all cold ${migration.downtimeMinutes.cold})`;
  if (migration.warmVms === 0) return `cold, ${downtime}`;
  const cutover =
    migration.cutoverAt === null ? 'cutover when an operator says' : `cutover ${migration.cutoverAt}`;
  return `${migration.warmVms} warm / ${migration.coldVms} cold, cutover-ready after ~${migration.hoursToCutoverReady} h, ${cutover}, ${downtime}`;
}

export async function resolveAssessment(context: CliContext, ref: string, json: boolean): Promise<string> {
  const { assessment } = services(context);
  if (!isFile(ref) && UUID.test(ref) && (await assessment.exists(ref))) return ref;
  const inventoryId = await resolveInventory(context, ref, json);
  const latest = await assessment.latestForInventory(inventoryId);
  if (latest && !isFile(ref)) return latest.id;
  const outcome = await runAssessment(context, inventoryId, undefined);
  if (!json) printAssessment(outcome);
  return outcome.assessmentId;
}

export function registerEstateCommands(program: Command): void {
  program
    .command('assess')
    .description('Assess every VM of an inventory (or of an RVTools file, imported first)')
    .argument('<inventory>', 'inventory id or RVTools file')
    .option('--policy <file>', 'assessment policy (YAML or JSON); default: the stored or built-in policy')
    .option(
      '--as-of <date>',
      "count power-off and snapshot ages to this date (YYYY-MM-DD); default: the export's date",
    )
    .option('--json', 'print one JSON object')
    .action(async (ref: string, options: { policy?: string; asOf?: string; json?: boolean }) => {
      await withCliContext(async (context) => {
        const inventoryId = await resolveInventory(context, ref, Boolean(options.json));
        const outcome = await runAssessment(context, inventoryId, options.policy, options.asOf);
        if (options.json) printJson(toAssessJson(outcome));
        else printAssessment(outcome);
      });
    });

  addMigrationFlags(
    program
      .command('plan')
      .description(
        'Plan migration waves from an assessment (or an inventory or RVTools file, assessed first)',
      ),
  )
    .argument('<source>', 'assessment id, inventory id or RVTools file')
    .option('--constraints <file>', 'plan settings or constraints (YAML or JSON)')
    .option('--name <name>', 'plan name')
    .option(
      '--map-network <mapping>',
      'SOURCE=pod|multus:NAMESPACE/NAME|ignored[:REASON] (repeatable; "(no network)" for NICs with none)',
      collect,
      [],
    )
    .option(
      '--map-storage <mapping>',
      'DATASTORE=CLASS[:VOLUMEMODE[:ACCESSMODE]]|excluded:REASON (repeatable; "(unnamed datastore)" for disks on none)',
      collect,
      [],
    )
    .option('--json', 'print one JSON object')
    .action(
      async (
        ref: string,
        options: {
          constraints?: string;
          name?: string;
          mapNetwork: string[];
          mapStorage: string[];
          json?: boolean;
        } & MigrationFlags,
      ) => {
        await withCliContext(async (context) => {
          const json = Boolean(options.json);
          const settings: Record<string, unknown> = options.constraints
            ? settingsFromFile(options.constraints)
            : {};
          const networkMap = {
            ...((settings.networkMap as Record<string, unknown>) ?? {}),
            ...Object.fromEntries(options.mapNetwork.map(parseNetworkMapping)),
          };
          const storageMap = {
            ...((settings.storageMap as Record<string, unknown>) ?? {}),
            ...Object.fromEntries(options.mapStorage.map(parseStorageMapping)),
          };
          const migration = {
            ...((settings.migration as Record<string, unknown>) ?? {}),
            ...migrationSettingsFromFlags(options),
          };
          const assessmentId = await resolveAssessment(context, ref, json);
          const plan = await services(context).planning.create(
            {
              assessmentId,
              name: options.name,
              settings: { ...settings, networkMap, storageMap, migration },
            },
            cliPrincipal(),
          );
          if (json) printJson(toPlanJson(plan));
          else printPlan(plan);
        });
      },
    );
}
