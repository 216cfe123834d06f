import { describe, expect, it } from 'vitest';
import type { Inventory, InventoryVm } from '#libs/inventory';
import { assessInventory } from './assess.js';
import { defaultPolicy } from './default-policy.js';
import { makeDisk, makeInventory, makeSnapshot, makeVm } from './testing/index.js';
import type { WarmReadiness } from './types.js';

const NOW = new Date('2025-06-15T00:00:00.000Z');

function warmOf(
  vm: InventoryVm,
  others: InventoryVm[] = [],
  inventory: Partial<Inventory> = {},
): WarmReadiness {
  const result = assessInventory(makeInventory([vm, ...others], inventory), {
    policy: defaultPolicy,
    now: NOW,
  });
  const assessed = result.vms.find((candidate) => candidate.vmKey === vm.key);
  if (!assessed) throw new Error('VM not assessed');
  return assessed.warm;
}

describe('warm readiness', () => {
  it('is ready with CBT on, no snapshot, no shared and no independent disk', () => {
    expect(warmOf(makeVm({ cbtEnabled: true }))).toEqual({ ready: true, reasons: [] });
  });

  it('says CBT is off, or that the export does not tell', () => {
    expect(warmOf(makeVm({ cbtEnabled: false }))).toEqual({
      ready: false,
      reasons: [expect.stringMatching(/^Changed Block Tracking is off \(vInfo CBT\)/)],
    });
    expect(warmOf(makeVm({ cbtEnabled: null })).reasons).toEqual([
      expect.stringMatching(/^Changed Block Tracking is not known to be on \(vInfo CBT is empty/),
    ]);
  });

  it('names existing snapshots, and an export without a vSnapshot sheet', () => {
    const withSnapshots = makeVm({
      cbtEnabled: true,
      snapshots: [makeSnapshot({ name: 'before-patch' }), makeSnapshot({ name: 'nightly' })],
    });
    expect(warmOf(withSnapshots).reasons).toEqual([
      expect.stringMatching(/^2 snapshots exist \("before-patch", "nightly"\)/),
    ]);
    const sheets = makeInventory([]).source.sheets.filter((sheet) => sheet !== 'vSnapshot');
    const noSheet = warmOf(makeVm({ cbtEnabled: true }), [], {
      source: { ...makeInventory([]).source, sheets },
    });
    expect(noSheet).toEqual({ ready: false, reasons: [expect.stringMatching(/no vSnapshot sheet/)] });
  });

  it('names multi-writer, shared-file and independent disks', () => {
    const multiWriter = makeVm({
      cbtEnabled: true,
      disks: [
        makeDisk(),
        makeDisk({ label: 'Hard disk 2', sharingMode: 'sharingMultiWriter', path: '[ds] q.vmdk' }),
      ],
    });
    expect(warmOf(multiWriter).reasons).toEqual([expect.stringMatching(/^shared disk Hard disk 2:/)]);
    const partner = makeVm({ key: 'vc/vm-200', moref: 'vm-200', name: 'app02', cbtEnabled: true });
    expect(warmOf(makeVm({ cbtEnabled: true }), [partner]).reasons).toEqual([
      expect.stringMatching(/^shared disk Hard disk 1:/),
    ]);
    const independent = makeVm({
      cbtEnabled: true,
      disks: [makeDisk({ diskMode: 'independent_persistent', independent: true })],
    });
    expect(warmOf(independent).reasons).toEqual([expect.stringMatching(/^independent disk Hard disk 1:/)]);
  });

  it('lists every reason at once and counts the ready VMs to rehost in the summary', () => {
    const blocked = makeVm({
      cbtEnabled: false,
      snapshots: [makeSnapshot()],
      disks: [makeDisk({ diskMode: 'independent_nonpersistent', independent: true })],
    });
    expect(warmOf(blocked).reasons).toHaveLength(3);
    const ready = makeVm({
      key: 'vc/vm-300',
      moref: 'vm-300',
      name: 'web01',
      cbtEnabled: true,
      disks: [makeDisk({ path: '[ds-ssd-01] web01/web01.vmdk' })],
    });
    const result = assessInventory(makeInventory([blocked, ready]), { policy: defaultPolicy, now: NOW });
    expect(result.vms.filter((vm) => vm.disposition === 'rehost').map((vm) => vm.name)).toContain('web01');
    expect(result.summary.warmReady).toBe(1);
  });
});
