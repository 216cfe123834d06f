import type { EstateClock } from './estate-context.js';
import type { GeneratedVm, GeneratedVmTruth } from './model.js';

/**
 * Fills the derived part of each VM's truth from the VM itself, once the estate is complete
 * (shared disks and duplicate names are only known then). Deriving instead of recording keeps
 * the truth consistent with the data even when a later step edits a VM.
 */
export function finalizeTruth(vms: GeneratedVm[], clock: EstateClock): void {
  const nameCounts = new Map<string, number>();
  for (const vm of vms) nameCounts.set(vm.name, (nameCounts.get(vm.name) ?? 0) + 1);

  for (const vm of vms) {
    const truth = vm.truth;
    truth.hasRdm = vm.disks.some((disk) => disk.raw);
    truth.hasPhysicalRdm = vm.disks.some((disk) => disk.raw && disk.rawCompatibilityMode === 'physicalMode');
    truth.hasSharedDisk = truth.sharedWith.length > 0;
    truth.hasIndependentDisk = vm.disks.some((disk) => disk.diskMode.startsWith('independent'));
    truth.hasUsb = vm.usbDevices.length > 0;
    truth.hasConnectedCdrom = vm.cdroms.some((cdrom) => cdrom.connected);
    truth.snapshotCount = vm.snapshots.length;
    truth.oldestSnapshotDays =
      vm.snapshots.length === 0
        ? null
        : Math.floor(Math.max(...vm.snapshots.map((snapshot) => clock.ageDays(snapshot.createdAt))));
    truth.toolsNotRunning = vm.powerState === 'poweredOn' && vm.toolsStatus === 'toolsNotRunning';
    truth.toolsNotInstalled = vm.toolsStatus === 'toolsNotInstalled';
    truth.cbt = vm.cbt;
    truth.cpuHotAdd = vm.cpuHotAdd;
    truth.memoryHotAdd = vm.memoryHotAdd;
    truth.multiNic = vm.nics.length > 1;
    truth.osMismatch = vm.osTools !== null && vm.osTools !== vm.osConfig;
    truth.nameTraits = nameTraits(vm.name, (nameCounts.get(vm.name) ?? 0) > 1);
  }
}

export function nameTraits(name: string, duplicate: boolean): GeneratedVmTruth['nameTraits'] {
  const traits: GeneratedVmTruth['nameTraits'] = [];
  if (/[^\u0020-\u007e]/.test(name)) traits.push('unicode');
  if (name.includes(' ')) traits.push('spaces');
  if (name.length > 63) traits.push('long');
  if (/%(2f|5c|25)/i.test(name)) traits.push('escaped');
  if (duplicate) traits.push('duplicate');
  if (/(^|-)old(-\d+)?$/i.test(name)) traits.push('old');
  if (/^tmp-/i.test(name)) traits.push('tmp');
  if (/(-bak(-\d+)?$)|^backup-of-/i.test(name)) traits.push('bak');
  return traits;
}
