#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UserFacingError } from '#libs/application';
import { ConfigurationError } from '#libs/config';
import { registerEstateCommands } from './estate-commands.js';
import { registerGenerateCommand } from './generate.command.js';
import { registerImportCommand } from './import.command.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerRenderCommand } from './render.command.js';
import { registerReportCommands } from './report.command.js';
import { registerTokenCommand } from './token.command.js';
import { registerWindowCommand } from './window.command.js';

const program = new Command()
  .name('flotilla')
  .description('Assess, plan and execute vSphere to KubeVirt migrations in waves')
  .showHelpAfterError()
  .exitOverride();

registerImportCommand(program);
registerEstateCommands(program);
registerGenerateCommand(program);
registerReportCommands(program);
registerMigrateCommand(program);
registerRenderCommand(program);
registerTokenCommand(program);
registerWindowCommand(program);

/** A failed command prints one line on stderr and exits non-zero; stack traces only with FLOTILLA_DEBUG. */
function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigurationError) return 2;
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
  process.exit(exitCodeFor(error));
}
