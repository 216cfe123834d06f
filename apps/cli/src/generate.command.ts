import type { Command } from 'commander';
import { UserFacingError } from '#libs/application';
import { generateRvtoolsFile, type RvtoolsFileFormat, type RvtoolsVariant } from '#libs/estate-generator';
import { printJson } from './cli-context.js';

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('Write a realistic, seeded RVTools export of N VMs (for trials, tests and benchmarks)')
    .requiredOption('--out <path>', 'file (xlsx, csv-zip) or folder (csv-dir) to write')
    .option('--vms <count>', 'number of VMs', '200')
    .option('--seed <seed>', 'random seed: the same seed writes the same estate', '42')
    .option('--format <format>', 'xlsx, csv-zip or csv-dir', 'xlsx')
    .option('--variant <variant>', 'RVTools column variant: 4.x (MiB headers) or 3.x (MB headers)', '4.x')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        out: string;
        vms: string;
        seed: string;
        format: string;
        variant: string;
        json?: boolean;
      }) => {
        const vms = Number(options.vms);
        const seed = Number(options.seed);
        if (!Number.isInteger(vms) || vms < 1)
          throw new UserFacingError(
            'invalid-input',
            `--vms must be a positive whole number, got ${options.vms}`,
          );
        if (!Number.isInteger(seed))
          throw new UserFacingError('invalid-input', `--seed must be a whole number, got ${options.seed}`);
        let generated: Awaited<ReturnType<typeof generateRvtoolsFile>>;
        try {
          generated = await generateRvtoolsFile({
            vms,
            seed,
            out: options.out,
            format: options.format as RvtoolsFileFormat,
            variant: options.variant as RvtoolsVariant,
          });
        } catch (error) {
          if (error instanceof RangeError) throw new UserFacingError('invalid-input', error.message);
          throw error;
        }
        if (options.json) printJson(generated);
        else
          process.stdout.write(
            `Wrote ${generated.vms} VMs (${generated.format}, RVTools ${generated.variant}, seed ${generated.seed}) to ${generated.path}\n`,
          );
      },
    );
}
