/**
 * npm run bench:plan — planning 10,000 generated VMs (target < 2 s) and the number of waves
 * against the lower bound on three generated estates (goal: within 10%).
 */
import { assessInventory, defaultPolicy } from '#libs/assessment';
import { readRvtoolsInventory } from '#libs/rvtools';
import { parsePlanSettings, planWaves } from '#libs/waves';
import { benchWorkbook, table } from './bench-support.js';

const now = new Date('2026-11-01T00:00:00Z');
const estates = [
  { name: 'A: 10,000 VMs, 50 VMs/wave', vms: 10_000, seed: 7, constraints: { maxVmsPerWave: 50 } },
  {
    name: 'B: 3,000 VMs, 20 TiB/wave, 6 h window',
    vms: 3_000,
    seed: 21,
    constraints: { maxVmsPerWave: 100, maxDataGiBPerWave: 20_480, cutoverWindowHours: 6 },
  },
  {
    name: 'C: 1,000 VMs, 5 VMs/host, 12 h window',
    vms: 1_000,
    seed: 33,
    constraints: { maxVmsPerWave: 80, maxVmsPerHost: 5, cutoverWindowHours: 12 },
  },
];

const rows: Array<Record<string, string | number>> = [];
for (const estate of estates) {
  const inventory = await readRvtoolsInventory({ path: await benchWorkbook(estate.vms, estate.seed) });
  const assessments = assessInventory(inventory, { policy: defaultPolicy, now }).vms;
  const settings = parsePlanSettings({
    constraints: estate.constraints,
    grouping: { keys: ['rules', 'attribute', 'vapp'], attribute: 'Application' },
  });
  const input = { vms: inventory.vms, assessments, settings };
  planWaves(input);
  const runs: number[] = [];
  let plan = planWaves(input);
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    plan = planWaves(input);
    runs.push((performance.now() - started) / 1000);
  }
  const planned = plan.waves.reduce((sum, wave) => sum + wave.vmKeys.length, 0);
  rows.push({
    estate: estate.name,
    'rehost VMs planned': planned,
    'plan (s)': Math.min(...runs).toFixed(3),
    waves: plan.waves.length,
    'lower bound': plan.lowerBoundWaves,
    'waves / bound': (plan.waves.length / plan.lowerBoundWaves).toFixed(3),
  });
}
table(rows);
const worst = Math.max(...rows.map((row) => Number(row['waves / bound'])));
const tenK = Number(rows[0]?.['plan (s)']);
process.stdout.write(
  `\ntargets (10,000 VMs < 2 s; waves within 10% of the bound): ${tenK < 2 && worst <= 1.1 ? 'met' : 'NOT met'}\n`,
);
