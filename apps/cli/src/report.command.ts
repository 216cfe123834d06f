import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { ReportService } from '#libs/application';
import { UserFacingError } from '#libs/application';
import { toDns1123Label } from '#libs/kubevirt';
import { datastoreSourceOf, NO_NETWORK_SOURCE, networkSourceOf, UNNAMED_DATASTORE_SOURCE } from '#libs/waves';
import { type CliContext, printJson, withCliContext } from './cli-context.js';
import {
  cliPrincipal,
  printAssessment,
  printPlan,
  resolveInventory,
  runAssessment,
  services,
} from './estate-commands.js';

function reportService(context: CliContext): ReportService {
  return services(context).report;
}

export async function writeReport(context: CliContext, planId: string, out: string): Promise<void> {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  await reportService(context).writeWorkbook(planId, { path: out });
}

/** The bundled sample, found from the installed package whatever the working directory. */
export function bundledSample(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, '../../../../samples'),
    join(here, '../../../samples'),
    join(process.cwd(), 'samples'),
  ]) {
    const path = join(candidate, 'rvtools-sample-200.xlsx');
    if (existsSync(path)) return path;
  }
  throw new UserFacingError(
    'not-found',
    'The bundled sample samples/rvtools-sample-200.xlsx is missing from this installation',
  );
}

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('Write the wave report of a plan (xlsx), or its VMs / waves table as CSV or JSON')
    .argument('<planId>', 'plan id')
    .requiredOption('--out <file>', 'file to write')
    .option('--table <table>', 'with --format csv|json: vms or waves', 'vms')
    .option('--format <format>', 'xlsx (the workbook), csv or json', 'xlsx')
    .action(async (planId: string, options: { out: string; table: string; format: string }) => {
      if (!['xlsx', 'csv', 'json'].includes(options.format)) {
        throw new UserFacingError(
          'invalid-input',
          `--format must be xlsx, csv or json, got ${options.format}`,
        );
      }
      if (!['vms', 'waves'].includes(options.table)) {
        throw new UserFacingError('invalid-input', `--table must be vms or waves, got ${options.table}`);
      }
      await withCliContext(async (context) => {
        if (options.format === 'xlsx') {
          await writeReport(context, planId, options.out);
        } else {
          mkdirSync(dirname(resolve(options.out)), { recursive: true });
          const stream = createWriteStream(options.out);
          await reportService(context).writeTable(
            planId,
            options.table as 'vms' | 'waves',
            options.format as 'csv' | 'json',
            stream,
          );
          stream.end();
          await finished(stream);
        }
        process.stdout.write(`Wrote ${options.out}\n`);
      });
    });

  program
    .command('demo')
    .description('Import the bundled 200-VM sample, assess it, plan its waves and write the wave report')
    .option('--file <file>', 'an RVTools export to use instead of the bundled sample')
    .option('--out <file>', 'where to write the report', 'out/flotilla-wave-report.xlsx')
    .option('--json', 'print one JSON object with the ids and the report path')
    .action(async (options: { file?: string; out: string; json?: boolean }) => {
      const json = Boolean(options.json);
      await withCliContext(async (context) => {
        const file = options.file ?? bundledSample();
        const inventoryId = await resolveInventory(context, file, json);
        const assessment = await runAssessment(context, inventoryId, undefined);
        if (!json) printAssessment(assessment);
        const inventory = await services(context).inventory.loadModel(inventoryId);
        // A demo has no cluster to ask: every port group goes to a Multus network of the same name
        // and every datastore to the policy's default storage class; a real plan maps them by hand.
        const networks = new Set<string>();
        const datastores = new Set<string>();
        for (const vm of inventory?.vms ?? []) {
          for (const nic of vm.nics) networks.add(networkSourceOf(nic.network));
          for (const disk of vm.disks) datastores.add(datastoreSourceOf(disk.datastore));
          if (vm.disks.length === 0) datastores.add(UNNAMED_DATASTORE_SOURCE);
        }
        const storageClass = (assessment.vms.find((vm) => vm.sizing.disks[0]?.storageClass)?.sizing.disks[0]
          ?.storageClass ?? 'standard') as string;
        const plan = await services(context).planning.create(
          {
            assessmentId: assessment.assessmentId,
            name: 'Demo plan',
            settings: {
              networkMap: Object.fromEntries(
                [...networks].map((network) => [
                  network,
                  // A NIC the export names no network for stays behind, saying why.
                  network === NO_NETWORK_SOURCE
                    ? { type: 'ignored', reason: 'demo: the export names no port group for this NIC' }
                    : { type: 'multus', name: `flotilla-demo/${toDns1123Label(network, 'net')}` },
                ]),
              ),
              storageMap: Object.fromEntries(
                [...datastores].map((datastore) => [datastore, { storageClass }]),
              ),

              targetNamespace: { default: 'flotilla-demo' },
              // The generated estate tags each application's VMs with an `Application` attribute.
              grouping: { keys: ['rules', 'attribute', 'vapp'], attribute: 'Application' },
            },
          },
          cliPrincipal(),
        );
        if (!json) printPlan(plan);
        await writeReport(context, plan.id, options.out);
        if (json) {
          printJson({
            inventoryId,
            assessmentId: assessment.assessmentId,
            planId: plan.id,
            report: resolve(options.out),
            database: context.database.kind,
          });
        } else {
          process.stdout.write(
            `\nWave report: ${resolve(options.out)}\nDatabase: ${context.database.kind} (${context.database.location})\n`,
          );
        }
      });
    });
}
