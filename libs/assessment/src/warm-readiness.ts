import type { InventoryVm } from '#libs/inventory';
import { independentDisksOf, listNames, sharedDisksOf } from './concern-rules.js';
import { type AssessmentContext, hasSheet } from './context.js';
import type { WarmReadiness } from './types.js';

/**
 * Whether the VM can move warm (pre-copies while it runs), with every reason it cannot, as
 * Forklift's warm guards say: CBT on, no snapshot already there, no shared and no independent
 * disk. What the export does not tell (CBT not `True`, no vSnapshot or vDisk sheet) counts as not
 * ready: a warm migration that fails at its first snapshot costs more than a cold one. The VDDK
 * image is the executor's setting, checked when a wave starts.
 */
export function assessWarmReadiness(vm: InventoryVm, context: AssessmentContext): WarmReadiness {
  const reasons: string[] = [];
  if (vm.cbtEnabled === false) {
    reasons.push('Changed Block Tracking is off (vInfo CBT): enable it on the VM and its disks in vSphere');
  } else if (vm.cbtEnabled === null) {
    // Genuine RVTools exports write `True` or nothing: an empty cell is CBT off as often as unknown.
    reasons.push(
      'Changed Block Tracking is not known to be on (vInfo CBT is empty, as RVTools leaves it when CBT is off, or the export has no CBT column): enable it on the VM and its disks in vSphere, then export again',
    );
  }
  if (!hasSheet(context, 'vSnapshot')) {
    reasons.push('the export has no vSnapshot sheet: existing snapshots are unknown');
  } else if (vm.snapshots.length > 0) {
    const names = vm.snapshots.map((snapshot) => `"${snapshot.name}"`);
    reasons.push(
      `${vm.snapshots.length === 1 ? 'a snapshot exists' : `${vm.snapshots.length} snapshots exist`} (${listNames(names)}): remove or consolidate before a warm migration`,
    );
  }
  if (!hasSheet(context, 'vDisk')) {
    reasons.push('the export has no vDisk sheet: disk modes and sharing are unknown');
  } else {
    const shared = sharedDisksOf(vm, context);
    if (shared.labels.length > 0)
      reasons.push(
        `shared disk${shared.labels.length > 1 ? 's' : ''} ${listNames(shared.labels)}: snapshots cannot include them`,
      );
    else if (shared.busSharing.length > 0)
      reasons.push(`SCSI bus sharing ${shared.busSharing[0]}: snapshots cannot include shared disks`);
    const independent = independentDisksOf(vm);
    if (independent.length > 0)
      reasons.push(
        `independent disk${independent.length > 1 ? 's' : ''} ${listNames(independent)}: snapshots skip them`,
      );
  }
  return { ready: reasons.length === 0, reasons };
}
