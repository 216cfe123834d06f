import type { Command } from 'commander';
import type { ImportResult } from '#libs/application';
import { printJson, terminalProgress, withCliContext } from './cli-context.js';
import { cliPrincipal, services } from './estate-commands.js';

export function toImportJson(result: ImportResult) {
  return {
    inventoryId: result.inventoryId,
    name: result.name,
    fileName: result.fileName,
    format: result.format,
    rvtoolsVersion: result.rvtoolsVersion,
    ...result.summary,
    diagnostics: result.diagnostics,
  };
}

export function printImportSummary(result: ImportResult): void {
  const s = result.summary;
  const lines = [
    `Imported ${result.fileName} as inventory ${result.inventoryId}${result.rvtoolsVersion ? ` (RVTools ${result.rvtoolsVersion})` : ''}`,
    ...(s.exportedAt
      ? [
          `  exported ${s.exportedAt.slice(0, 10)} (from ${s.exportedAtBasis ?? 'the file'}): ages count to that day`,
        ]
      : []),
    `  VMs ${s.vms} (templates ${s.templates}, powered on ${s.poweredOn}, powered off ${s.poweredOff})`,
    `  vCPU ${s.vcpus}, memory ${s.memoryGiB} GiB, disks ${s.disks}, provisioned ${s.provisionedGiB} GiB, in use ${s.inUseGiB} GiB`,
    `  datacenters ${s.datacenters}, clusters ${s.clusters}, hosts ${s.hosts}, datastores ${s.datastores}, networks ${s.networks}`,
    `  diagnostics: ${s.diagnostics.error} errors, ${s.diagnostics.warning} warnings, ${s.diagnostics.info} notes`,
  ];
  for (const diagnostic of result.diagnostics.slice(0, 10)) {
    const where = [diagnostic.sheet, diagnostic.row ? `row ${diagnostic.row}` : null, diagnostic.column]
      .filter(Boolean)
      .join(', ');
    lines.push(`    ${diagnostic.severity}: ${where ? `${where}: ` : ''}${diagnostic.message}`);
  }
  if (result.diagnostics.length > 10)
    lines.push(`    ... and ${result.diagnostics.length - 10} more (use --json)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('Import an RVTools export (xlsx, a zip or folder of RVTools CSV files, or a vInfo CSV)')
    .argument('<file>', 'the RVTools export')
    .option('--name <name>', 'a name for the inventory (default: the file name)')
    .option('--json', 'print one JSON object with the summary and diagnostics')
    .action(async (file: string, options: { name?: string; json?: boolean }) => {
      await withCliContext(async (context) => {
        const progress = terminalProgress();
        const result = await services(context).importer.importFile(file, {
          name: options.name,
          principal: cliPrincipal(),
          onProgress: ({ sheet, rows }) => progress(`Reading ${sheet}: ${rows} rows`),
        });
        progress.done();
        if (options.json) printJson(toImportJson(result));
        else printImportSummary(result);
      });
    });
}
