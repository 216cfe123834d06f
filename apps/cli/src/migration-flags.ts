import type { Command } from 'commander';
import { UserFacingError } from '#libs/application';

/** The `--migration`, `--wave-migration`, `--warm-vms`, `--cold-vms`, `--cutover` and `--precopy-interval` flags. */
export interface MigrationFlags {
  migration?: string;
  waveMigration: string[];
  warmVms: string[];
  coldVms: string[];
  cutover: string[];
  precopyInterval?: string;
  changeRate?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const patterns = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern.length > 0),
];

export function addMigrationFlags(command: Command): Command {
  return command
    .option('--migration <type>', "the plan's default migration type: cold or warm")
    .option('--wave-migration <wave=type>', 'WAVE=cold|warm|default for one wave (repeatable)', collect, [])
    .option(
      '--warm-vms <patterns>',
      'VMs moved warm: names, globs or /regexes/, comma-separated',
      patterns,
      [],
    )
    .option('--cold-vms <patterns>', 'VMs moved cold whatever else says (wins over --warm-vms)', patterns, [])
    .option(
      '--cutover <wave=time>',
      'WAVE=ISO 8601 time the warm VMs cut over, or WAVE=none (repeatable)',
      collect,
      [],
    )
    .option('--precopy-interval <minutes>', 'minutes between two pre-copies of a warm VM (default 60)')
    .option(
      '--change-rate <percent>',
      'share of a disk written per hour, for the downtime estimate (default 2)',
    );
}

function waveEntry(flag: string, value: string): [string, string] {
  const at = value.indexOf('=');
  const wave = value.slice(0, at);
  if (at <= 0 || !/^[1-9]\d*$/.test(wave))
    throw new UserFacingError('invalid-input', `${flag} ${value}: expected WAVE=VALUE with a wave number`);
  return [wave, value.slice(at + 1)];
}

function number(flag: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed))
    throw new UserFacingError('invalid-input', `${flag} must be a number, got "${value}"`);
  return parsed;
}

/**
 * The merge-patch of `settings.migration` the flags ask for; `default`/`none` clear a wave's
 * entry (null). Values are checked by the plan settings schema, which names the field.
 */
export function migrationPatchFromFlags(flags: MigrationFlags): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (flags.migration !== undefined) patch.type = flags.migration;
  if (flags.waveMigration.length > 0) {
    patch.byWave = Object.fromEntries(
      flags.waveMigration.map((value) => {
        const [wave, type] = waveEntry('--wave-migration', value);
        return [wave, type === 'default' ? null : type];
      }),
    );
  }
  if (flags.warmVms.length > 0) patch.warmVms = flags.warmVms;
  if (flags.coldVms.length > 0) patch.coldVms = flags.coldVms;
  if (flags.cutover.length > 0) {
    patch.cutoverAt = Object.fromEntries(
      flags.cutover.map((value) => {
        const [wave, at] = waveEntry('--cutover', value);
        return [wave, at === 'none' ? null : at];
      }),
    );
  }
  if (flags.precopyInterval !== undefined)
    patch.precopyIntervalMinutes = number('--precopy-interval', flags.precopyInterval);
  if (flags.changeRate !== undefined)
    patch.changeRatePercentPerHour = number('--change-rate', flags.changeRate);
  return patch;
}

/** For a new plan: the patch without the cleared entries. */
export function migrationSettingsFromFlags(flags: MigrationFlags): Record<string, unknown> {
  const patch = migrationPatchFromFlags(flags);
  for (const field of ['byWave', 'cutoverAt']) {
    const entries = patch[field] as Record<string, unknown> | undefined;
    if (entries === undefined) continue;
    patch[field] = Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== null));
  }
  return patch;
}
