import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateRvtoolsFile } from '#libs/estate-generator';
import { registerEstateCommands } from '../../apps/cli/src/estate-commands.js';
import { registerMigrationCommand } from '../../apps/cli/src/migration.command.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Runs one CLI command in-process on the test database and returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerEstateCommands(program);
  registerMigrationCommand(program);
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'flotilla', ...args]);
  } finally {
    write.mockRestore();
  }
  return printed.join('');
}

interface JsonVm {
  name: string;
  disposition: string;
  warm: { ready: boolean; reasons: string[] };
}
interface JsonWave {
  number: number;
  vms: string[];
  warmVms: string[];
  migration: {
    warmVms: number;
    coldVms: number;
    cutoverAt: string | null;
    hoursToCutoverReady: number | null;
  };
}

describe('flotilla assess, plan and migration: warm readiness and warm waves', () => {
  let database: TestDatabase;
  let scratch: string;
  const before = process.env.DATABASE_URL;

  beforeAll(async () => {
    database = await createTestDatabase();
    process.env.DATABASE_URL = database.url;
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-cli-warm-'));
  });

  afterAll(async () => {
    if (before === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = before;
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints warm readiness, plans warm with booked cutovers and changes them on a stored plan', async () => {
    const file = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 40, seed: 14, out: file });
    const assessed = JSON.parse(await cli('assess', file, '--json'));
    const vms: JsonVm[] = assessed.vms;
    const unready = vms.filter((vm) => vm.disposition === 'rehost' && !vm.warm.ready).map((vm) => vm.name);
    expect(unready.length).toBeGreaterThan(0);
    expect(assessed.summary.warmReady).toBe(
      vms.filter((vm) => vm.disposition === 'rehost' && vm.warm.ready).length,
    );
    expect(await cli('assess', assessed.inventoryId)).toContain(
      `warm-ready: ${assessed.summary.warmReady} of ${assessed.summary.rehost} to rehost`,
    );

    const cutover = '2026-03-07T22:00:00Z';
    const plan = JSON.parse(
      await cli(
        'plan',
        assessed.assessmentId,
        '--json',
        '--migration',
        'warm',
        '--cold-vms',
        unready.join(','),
        '--cutover',
        `1=${cutover}`,
        '--precopy-interval',
        '30',
      ),
    );
    expect(
      plan.violations.filter((violation: { code: string }) => violation.code === 'warm-not-ready'),
    ).toEqual([]);
    const waves: JsonWave[] = plan.waves;
    expect(waves[0].migration.cutoverAt).toBe(cutover);
    for (const wave of waves) {
      expect(wave.warmVms.some((name) => unready.includes(name))).toBe(false);
      expect(wave.migration.warmVms + wave.migration.coldVms).toBe(wave.vms.length);
    }
    expect(waves.reduce((sum, wave) => sum + wave.migration.warmVms, 0)).toBe(assessed.summary.warmReady);

    const changed = JSON.parse(
      await cli('migration', plan.planId, '--json', '--wave-migration', '1=cold', '--cutover', '1=none'),
    );
    expect(changed.migration).toMatchObject({
      type: 'warm',
      byWave: { '1': 'cold' },
      cutoverAt: {},
      precopyIntervalMinutes: 30,
    });
    expect(changed.waves[0].migration).toMatchObject({
      warmVms: 0,
      cutoverAt: null,
      hoursToCutoverReady: null,
    });
    const text = await cli('migration', plan.planId, '--wave-migration', '1=default');
    expect(text).toMatch(
      /wave 1: \d+ warm \/ \d+ cold, cutover-ready after ~[\d.]+ h, cutover when an operator says/,
    );

    await expect(cli('migration', plan.planId, '--cutover', '1=soon')).rejects.toThrow(
      /migration\.cutoverAt\.1 must be an ISO 8601 time/,
    );
    await expect(cli('migration', plan.planId, '--precopy-interval', 'hourly')).rejects.toThrow(
      /--precopy-interval must be a number/,
    );
  });
});
