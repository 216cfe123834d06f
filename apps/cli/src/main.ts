#!/usr/bin/env node
import { Command, CommanderError } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command, with the one line `flotilla --help` shows and the module that defines it. A
 * module (and Nest, TypeORM, exceljs behind it) is loaded only when its command runs or its own
 * help is asked for: `flotilla --help` loads none of them.
 */
const COMMANDS: Array<{ usage: string; summary: string; load: () => Promise<Register> }> = [
  {
    usage: 'import <file>',
    summary: 'Import an RVTools export (xlsx, a zip or folder of RVTools CSV files, or a vInfo CSV)',
    load: async () => (await import('./import.command.js')).registerImportCommand,
  },
  {
    usage: 'assess <inventory>',
    summary: 'Assess every VM of an inventory (or of an RVTools file, imported first)',
    load: async () => (await import('./estate-commands.js')).registerEstateCommands,
  },
  {
    usage: 'plan <source>',
    summary: 'Plan migration waves from an assessment (or an inventory or RVTools file, assessed first)',
    load: async () => (await import('./estate-commands.js')).registerEstateCommands,
  },
  {
    usage: 'generate',
    summary: 'Write a realistic, seeded RVTools export of N VMs (for trials, tests and benchmarks)',
    load: async () => (await import('./generate.command.js')).registerGenerateCommand,
  },
  {
    usage: 'report <planId>',
    summary: 'Write the wave report of a plan (xlsx), or its VMs / waves table as CSV or JSON',
    load: async () => (await import('./report.command.js')).registerReportCommands,
  },
  {
    usage: 'demo',
    summary: 'Import the bundled 200-VM sample, assess it, plan its waves and write the wave report',
    load: async () => (await import('./report.command.js')).registerReportCommands,
  },
  {
    usage: 'migrate',
    summary: 'Bring the database schema up to date (the apps also do this at start)',
    load: async () => (await import('./migrate.command.js')).registerMigrateCommand,
  },
  {
    usage: 'render <planId>',
    summary:
      'Write the manifests the executor would apply for a wave, as YAML files (secret values are placeholders)',
    load: async () => (await import('./render.command.js')).registerRenderCommand,
  },
  {
    usage: 'window <planId>',
    summary: "Book (or clear) a wave's change window; the plan is re-validated against it",
    load: async () => (await import('./window.command.js')).registerWindowCommand,
  },
  {
    usage: 'migration <planId>',
    summary: 'Set how a plan migrates: cold or warm per plan, wave and VM, booked cutovers',
    load: async () => (await import('./migration.command.js')).registerMigrationCommand,
  },
  {
    usage: 'execution',
    summary: 'Act on a running execution: cut its warm VMs over now or at a set time',
    load: async () => (await import('./execution.command.js')).registerExecutionCommands,
  },
  {
    usage: 'token',
    summary: 'Manage API tokens (the API needs one per caller)',
    load: async () => (await import('./token.command.js')).registerTokenCommand,
  },
];

const program = new Command()
  .name('flotilla')
  .description('Assess, plan and execute vSphere to KubeVirt migrations in waves')
  .showHelpAfterError()
  .exitOverride();

const nameOf = (usage: string) => usage.split(' ')[0] as string;
const words = process.argv.slice(2).filter((argument) => !argument.startsWith('-'));
// `flotilla help import` asks for the import command's own help.
const asked = words[0] === 'help' ? words[1] : words[0];
const wanted = COMMANDS.find((command) => nameOf(command.usage) === asked);
if (wanted) {
  (await wanted.load())(program);
} else {
  // Help, or an unknown command: the one-line summaries are all commander needs.
  for (const command of COMMANDS) program.command(command.usage).description(command.summary);
}

/** A failed command prints one line on stderr and exits non-zero; stack traces only with FLOTILLA_DEBUG. */
async function exitCodeFor(error: unknown): Promise<number> {
  const [{ ConfigurationError }, { EmbeddedDatabaseInUseError }, { UserFacingError }] = await Promise.all([
    import('#libs/config'),
    import('#libs/core'),
    import('#libs/application'),
  ]);
  if (error instanceof ConfigurationError || error instanceof EmbeddedDatabaseInUseError) return 2;
  if (error instanceof UserFacingError) return error.kind === 'not-found' ? 4 : 3;
  return 1;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`flotilla: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (process.env.FLOTILLA_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(await exitCodeFor(error));
}
