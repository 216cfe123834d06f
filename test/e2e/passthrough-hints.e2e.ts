/**
 * A VM whose annotation names a vGPU profile may carry a device that does not move: the
 * assessment warns, its score drops below 100 and the planner keeps it out of the pilot wave,
 * which should hold only VMs that move as they are.
 */
import { describe, expect, it } from 'vitest';
import { assessInventory, defaultPolicy } from '#libs/assessment';
import { parsePlanSettings, planWaves } from '#libs/waves';
import { makeDisk, makeInventory, makeVm } from '../../libs/assessment/src/testing/index.js';

describe('a passthrough hint through assessment and planning', () => {
  it('keeps a vGPU-annotated VM below 100 and out of the pilot wave', () => {
    const vms = Array.from({ length: 8 }, (_, index) =>
      makeVm({
        key: `vc/vm-${index}`,
        moref: `vm-${index}`,
        name: `app-${index}`,
        folder: `folder-${index}`,
        disks: [makeDisk({ path: `[ds-ssd-01] app-${index}/app-${index}.vmdk` })],
        annotation: index === 0 ? 'Render farm node, NVIDIA vGPU profile grid_t4-4q' : null,
      }),
    );
    const inventory = makeInventory(vms);
    const assessments = assessInventory(inventory, {
      policy: defaultPolicy,
      now: new Date('2025-06-15T00:00:00.000Z'),
    }).vms;
    const hinted = assessments[0];
    expect(hinted.concerns.map((concern) => concern.id)).toEqual(['possible-passthrough-device']);
    expect(hinted.concerns[0].evidence).toMatchObject({ field: 'annotation', match: 'vGPU' });
    expect(hinted.score).toBeLessThan(100);
    expect(assessments.slice(1).every((vm) => vm.score === 100)).toBe(true);

    const settings = parsePlanSettings({
      constraints: { pilot: { vms: 8, maxDataGiB: 10_000 } },
      grouping: { keys: ['folder'] },
    });
    const plan = planWaves({ vms: inventory.vms, assessments, settings });
    const pilot = plan.waves.find((wave) => wave.pilot);
    expect(pilot?.vmKeys.length).toBeGreaterThan(0);
    expect(pilot?.vmKeys).not.toContain(hinted.vmKey);
    expect(plan.waves.some((wave) => wave.vmKeys.includes(hinted.vmKey))).toBe(true);
  });
});
