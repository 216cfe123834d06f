import type { Command } from 'commander';
import { UserFacingError } from '#libs/application';
import { ROLES, type Role } from '#libs/persistence';
import { printJson, withCliContext } from './cli-context.js';
import { cliPrincipal, services } from './estate-commands.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('Manage API tokens (the API needs one per caller)');
  token
    .command('create')
    .description('Create an API token; its clear text is printed once and never stored')
    .requiredOption('--name <name>', 'who or what uses the token')
    .option('--role <role>', `a role (${ROLES.join(', ')}); repeatable`, collect, [])
    .option('--json', 'print one JSON object')
    .action(async (options: { name: string; role: string[]; json?: boolean }) => {
      const roles = options.role.length ? options.role : ['viewer'];
      const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (unknown.length)
        throw new UserFacingError(
          'invalid-input',
          `Unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`,
        );
      await withCliContext(async (context) => {
        const created = await services(context).access.createToken(
          options.name,
          roles as Role[],
          cliPrincipal(),
        );
        if (options.json) printJson(created);
        else process.stdout.write(`${created.token}\n`);
      });
    });
}
