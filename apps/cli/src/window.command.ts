import type { Command } from 'commander';
import { UserFacingError } from '#libs/application';
import { printJson, withCliContext } from './cli-context.js';
import { cliPrincipal, services } from './estate-commands.js';

interface WindowFlags {
  wave: string;
  start?: string;
  end?: string;
  zone: string;
  clear?: boolean;
  json?: boolean;
}

export function registerWindowCommand(program: Command): void {
  program
    .command('window <planId>')
    .description("Book (or clear) a wave's change window; the plan is re-validated against it")
    .requiredOption('--wave <n>', 'wave number')
    .option('--start <time>', 'window start, ISO 8601 with an offset (2026-01-10T22:00:00Z)')
    .option('--end <time>', 'window end, ISO 8601 with an offset')
    .option('--zone <zone>', 'IANA time zone the report shows the window in', 'UTC')
    .option('--clear', 'remove the booked window')
    .option('--json', 'print the wave and the violations as JSON')
    .action(async (planId: string, flags: WindowFlags) => {
      const wave = Number(flags.wave);
      if (!Number.isInteger(wave) || wave < 1)
        throw new UserFacingError(
          'invalid-input',
          `--wave must be a wave number (1, 2, ...), got "${flags.wave}"`,
        );
      if (!flags.clear && (flags.start === undefined || flags.end === undefined))
        throw new UserFacingError('invalid-input', 'window needs --start and --end, or --clear');
      const window = flags.clear ? null : { start: flags.start, end: flags.end, zone: flags.zone };
      await withCliContext(async (context) => {
        const outcome = await services(context).planning.setChangeWindows(
          planId,
          [{ wave, window }],
          cliPrincipal(),
        );
        const booked = outcome.plan.settings.changeWindows[String(wave)] ?? null;
        const violations = outcome.violations.filter((violation) => violation.wave === wave);
        if (flags.json) {
          printJson({ planId, version: outcome.plan.version, wave, window: booked, violations });
          return;
        }
        const lines = [
          booked
            ? `Wave ${wave}: change window ${booked.start} to ${booked.end} (${booked.zone})`
            : `Wave ${wave}: no change window booked`,
          ...violations.map((violation) => `  ${violation.severity} ${violation.code}: ${violation.message}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
