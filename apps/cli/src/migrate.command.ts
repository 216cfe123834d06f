import type { Command } from 'commander';
import { pendingMigrations, runMigrationsLocked } from '#libs/persistence';
import { withCliContext } from './cli-context.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Bring the database schema up to date (the apps also do this at start)')
    .option('--check', 'only report pending migrations; exit 5 when some are pending')
    .action(async (options: { check?: boolean }) => {
      await withCliContext(
        async ({ database }) => {
          if (options.check) {
            const pending = await pendingMigrations(database.dataSource);
            process.stdout.write(
              pending.length ? `Pending: ${pending.join(', ')}\n` : 'Schema is up to date\n',
            );
            if (pending.length) process.exitCode = 5;
            return;
          }
          const applied = await runMigrationsLocked(database.dataSource);
          process.stdout.write(
            applied.length ? `Applied: ${applied.join(', ')}\n` : 'Schema is up to date\n',
          );
        },
        { migrationMode: 'none' },
      );
    });
}
