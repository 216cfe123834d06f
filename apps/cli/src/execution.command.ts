import type { Command } from 'commander';
import { ExecutionService, UserFacingError } from '#libs/application';
import { printJson, withCliContext } from './cli-context.js';
import { cliPrincipal } from './estate-commands.js';

interface CutoverFlags {
  at?: string;
  json?: boolean;
}

export function registerExecutionCommands(program: Command): void {
  const execution = program
    .command('execution')
    .description('Act on a running execution (needs REDIS_URL: the executor is nudged through its queue)');
  execution
    .command('cutover <executionId>')
    .description('Cut the warm VMs of an execution over now, or set when they cut over')
    .option('--at <time>', 'cutover time, ISO 8601 with an offset (2026-01-10T22:00:00Z); default now')
    .option('--json', 'print the execution as JSON')
    .action(async (executionId: string, flags: CutoverFlags) => {
      if (flags.at !== undefined && Number.isNaN(Date.parse(flags.at)))
        throw new UserFacingError('invalid-input', `--at must be an ISO 8601 date-time, got "${flags.at}"`);
      await withCliContext(async (context) => {
        const view = await context.get(ExecutionService).cutover(executionId, flags.at, cliPrincipal());
        if (flags.json) {
          printJson(view);
          return;
        }
        const warm = view.vms.filter((vm) => vm.warm !== null);
        const lines = [
          `Execution ${view.id}: cutover at ${view.cutoverAt ?? 'not set'} (${warm.length} warm VM(s))`,
          ...warm.map(
            (vm) =>
              `  ${vm.name}: ${vm.warm?.cutover}, ${vm.warm?.precopies ?? 0} pre-copies, phase ${vm.phase}`,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
