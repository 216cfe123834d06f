import type { Command } from 'commander';
import { UserFacingError } from '#libs/application';
import { printJson, withCliContext } from './cli-context.js';
import { cliPrincipal, printWaveMigration, services } from './estate-commands.js';
import { addMigrationFlags, type MigrationFlags, migrationPatchFromFlags } from './migration-flags.js';

export function registerMigrationCommand(program: Command): void {
  addMigrationFlags(
    program
      .command('migration <planId>')
      .description(
        'Set how a plan migrates: cold or warm per plan, wave and VM, booked cutovers; waves keep their VMs, changed ones go back to draft',
      ),
  )
    .option('--json', 'print the waves and the violations as JSON')
    .action(async (planId: string, flags: MigrationFlags & { json?: boolean }) => {
      const patch = migrationPatchFromFlags(flags);
      if (Object.keys(patch).length === 0)
        throw new UserFacingError('invalid-input', 'migration needs at least one flag (see --help)');
      await withCliContext(async (context) => {
        const outcome = await services(context).planning.updateMigration(planId, patch, cliPrincipal());
        const warmCodes = new Set(['warm-not-ready', 'cutover-outside-window', 'cutover-before-ready']);
        const violations = outcome.violations.filter((violation) => warmCodes.has(violation.code));
        if (flags.json) {
          printJson({
            planId,
            version: outcome.plan.version,
            migration: outcome.plan.settings.migration,
            waves: outcome.plan.waves.map((wave) => ({
              number: wave.number,
              migration: wave.migration ?? null,
            })),
            invalidatedWaves: outcome.invalidatedWaves,
            violations,
          });
          return;
        }
        const lines = [
          ...outcome.plan.waves.map((wave) => `  wave ${wave.number}: ${printWaveMigration(wave)}`),
          outcome.invalidatedWaves.length > 0
            ? `  back to draft: wave ${outcome.invalidatedWaves.join(', ')}`
            : '  no approval changed',
          ...violations.map((violation) => `  ${violation.severity} ${violation.code}: ${violation.message}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
