import type { InventoryDisk, InventoryVm } from '#libs/inventory';
import type { CompiledPolicy } from './compiled-policy.js';
import type { ConcernId } from './concern-ids.js';
import { type AssessmentContext, hasSheet } from './context.js';
import { findPassthroughHint } from './passthrough-hints.js';
import { daysBetween, isPoweredOffLong, type LastActivity, parseDate } from './retirement.js';
import { sourceCell, sourceCells } from './source-cells.js';
import type { Concern, GuestOsMapping, TargetSizing } from './types.js';

type Evidence = Concern['evidence'];

/** Everything a rule may look at for one VM, computed once before the rules run. */
export interface VmFacts {
  readonly vm: InventoryVm;
  readonly context: AssessmentContext;
  readonly policy: CompiledPolicy;
  /** The instant ages are counted to: the export's date unless the assessment says otherwise. */
  readonly countedToMs: number;
  readonly os: GuestOsMapping;
  readonly sizing: TargetSizing;
  readonly targetName: string;
  readonly activity: LastActivity | null;
  /** Kind of infrastructure appliance the name says the VM is, or null. */
  readonly appliance: string | null;
}

export interface Finding {
  message: string;
  evidence: Evidence;
}

/**
 * One check. Severity and the on/off switch come from the policy (`rules.<id>`), so a rule only
 * decides whether it fires and why. A rule fires at most once per VM and lists every device
 * concerned in its evidence, so counts per concern id are counts of VMs.
 */
export interface ConcernRule {
  readonly id: ConcernId;
  check(facts: VmFacts): Finding | null;
}

const MAX_LISTED = 10;

/** Joins names for a message or evidence, naming at most ten. */
export function listNames(items: readonly string[]): string {
  if (items.length <= MAX_LISTED) return items.join(', ');
  return `${items.slice(0, MAX_LISTED).join(', ')} (+${items.length - MAX_LISTED} more)`;
}

const list = listNames;

function diskLabel(disk: InventoryDisk, index: number): string {
  return disk.label?.trim() || `disk #${index + 1}`;
}

/** Disks shared with other VMs (multi-writer or the same VMDK) and SCSI bus sharing of one VM. */
export function sharedDisksOf(
  vm: InventoryVm,
  context: AssessmentContext,
): { labels: string[]; otherNames: string[]; busSharing: string[] } {
  const labels: string[] = [];
  const others = new Set<string>();
  const sharedFiles = context.sharedDiskFiles.get(vm.key);
  if (sharedFiles) {
    for (const { otherVmKeys } of sharedFiles) {
      for (const key of otherVmKeys) others.add(context.vmNames.get(key) ?? key);
    }
  }
  vm.disks.forEach((disk, index) => {
    const multiWriter = (disk.sharingMode ?? '').toLowerCase() === 'sharingmultiwriter';
    if (multiWriter || sharedFiles?.some((file) => file.diskIndex === index))
      labels.push(diskLabel(disk, index));
  });
  const busSharing = sourceCells(vm, 'vDisk', 'Shared Bus').filter(
    (value) => !/^(nosharing|false|none)$/i.test(value),
  );
  return { labels, otherNames: [...others].sort(), busSharing };
}

/** Disks in independent mode (persistent or not): VDDK cannot read them, snapshots skip them. */
export function independentDisksOf(vm: InventoryVm): string[] {
  return disksWhere(vm, isIndependent);
}

function isIndependent(disk: InventoryDisk): boolean {
  return disk.independent || /^independent/i.test(disk.diskMode ?? '');
}

function disksWhere(vm: InventoryVm, predicate: (disk: InventoryDisk) => boolean): string[] {
  const labels: string[] = [];
  vm.disks.forEach((disk, index) => {
    if (predicate(disk)) labels.push(diskLabel(disk, index));
  });
  return labels;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function text(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

const GIB = 1024;

/** Readiness rules: they run for every VM in migration scope. */
export const READINESS_RULES: readonly ConcernRule[] = [
  {
    // kubev2v/forklift validation/policies/io/konveyor/forklift/vmware/rdm_disk.rego says Warning
    // since RDMs can move with copy-offload (XCOPY); Flotilla copies through VDDK only, which
    // cannot read an RDM LUN, so Critical here.
    id: 'rdm-disk',
    check({ vm }) {
      const rdm = vm.disks.filter((disk) => disk.raw);
      if (rdm.length === 0) return null;
      const labels = disksWhere(vm, (disk) => disk.raw);
      return {
        message: `Raw device mapping${rdm.length > 1 ? 's' : ''} on ${list(labels)}: CDI cannot copy an RDM LUN; present the LUN to the cluster or move its data to a VMDK first.`,
        evidence: { disks: list(labels), count: rdm.length, rawMode: rdm[0].rawMode, path: rdm[0].path },
      };
    },
  },
  {
    // passthrough_device.rego: Critical. RVTools' vNetwork "Direct Path IO" is true on every
    // vmxnet3 NIC (it reports UPT compatibility, on by default: every vmxnet3 NIC of the kylow
    // sample says True, every e1000 False), so on vmxnet3 it is no passthrough. An SR-IOV NIC is
    // no passthrough device either (sriov_device.rego is its own Warning: the VM moves with an
    // SR-IOV network); inventories imported before that distinction list it here, so it is skipped.
    id: 'passthrough-device',
    check({ vm }) {
      const devices = vm.passthroughDevices.filter((device) => device.trim() !== '' && !isSriov(device));
      const nics = vm.nics
        .filter(
          (nic) => nic.directPathIo === true && !isVmxnet3(nic.adapterType) && !isSriov(nic.adapterType),
        )
        .map((nic) => `${nic.label} (DirectPath I/O)`);
      const all = [...devices, ...nics];
      if (all.length === 0) return null;
      return {
        message: `Passthrough device${all.length > 1 ? 's' : ''} ${list(all)}: PCI passthrough, DirectPath I/O and vGPU devices do not move with the VM; remove them or plan equivalent host devices in the cluster.`,
        evidence: { devices: list(all), count: all.length },
      };
    },
  },
  {
    // sriov_device.rego: Warning. The VM can be rehosted: map the NIC's network to an SR-IOV
    // network (SR-IOV operator) or accept a virtio NIC.
    id: 'sriov-nic',
    check({ vm }) {
      const nics = vm.nics.filter((nic) => isSriov(nic.adapterType)).map((nic) => nic.label);
      if (nics.length === 0) return null;
      return {
        message: `SR-IOV on ${list(nics)}: the VM can be rehosted with an SR-IOV network on the cluster (SR-IOV operator); mapped to any other network the NIC becomes virtio.`,
        evidence: { nics: list(nics), count: nics.length },
      };
    },
  },
  {
    // shared_disk.rego: Warning (shareable_disk.rego was removed in MTV-2330). A multi-writer disk, a VMDK that several
    // VMs use, or a SCSI controller with bus sharing (guest clustering) all need storage that
    // allows shared access, and the VMs must move together.
    id: 'shared-disk',
    check({ vm, context }) {
      const { labels, otherNames, busSharing } = sharedDisksOf(vm, context);
      if (labels.length === 0 && busSharing.length === 0) return null;
      const parts = [
        labels.length > 0 ? `shared disk${labels.length > 1 ? 's' : ''} ${list(labels)}` : null,
        otherNames.length > 0 ? `also used by ${list(otherNames)}` : null,
        busSharing.length > 0 ? `SCSI bus sharing ${busSharing[0]}` : null,
      ].filter((part) => part !== null);
      return {
        message: `${parts.join('; ')}: needs a storage class with shared (RWX block) access, and the VMs sharing it must migrate in the same wave.`,
        evidence: {
          disks: list(labels),
          count: labels.length,
          sharedWith: otherNames.length > 0 ? list(otherNames) : null,
          busSharing: busSharing[0] ?? null,
        },
      };
    },
  },
  {
    // disk_mode.rego says Warning since independent disks can move with copy-offload (XCOPY);
    // Flotilla copies through VDDK only, which cannot transfer them, so Critical here.
    id: 'independent-disk',
    check({ vm }) {
      const labels = independentDisksOf(vm);
      if (labels.length === 0) return null;
      const first = vm.disks.find(isIndependent);
      return {
        message: `Independent disk mode on ${list(labels)}: VDDK cannot transfer independent disks; switch them to dependent mode in vSphere before migrating.`,
        evidence: { disks: list(labels), count: labels.length, diskMode: first?.diskMode ?? null },
      };
    },
  },
  {
    // datastore.rego: Critical. Only judged when vDisk gave a backing file to parse.
    id: 'disk-not-on-datastore',
    check({ vm }) {
      const labels = disksWhere(vm, (disk) => text(disk.path) !== null && text(disk.datastore) === null);
      if (labels.length === 0) return null;
      const first = vm.disks.find((disk) => text(disk.path) !== null && text(disk.datastore) === null);
      return {
        message: `${list(labels)} not on a datastore${first?.path ? ` (${first.path})` : ''}: Forklift cannot read a disk it cannot place on a datastore.`,
        evidence: { disks: list(labels), count: labels.length, path: first?.path ?? null },
      };
    },
  },
  {
    // disk_size.rego: Critical for a capacity of zero or less.
    id: 'invalid-disk-capacity',
    check({ vm }) {
      const bad = vm.disks.filter((disk) => !(disk.capacityMiB > 0));
      if (bad.length === 0) return null;
      const labels = disksWhere(vm, (disk) => !(disk.capacityMiB > 0));
      return {
        message: `Invalid capacity (${bad[0].capacityMiB} MiB) on ${list(labels)}: a DataVolume needs a size greater than zero.`,
        evidence: {
          disks: list(labels),
          count: bad.length,
          capacityMiB: Number.isFinite(bad[0].capacityMiB) ? bad[0].capacityMiB : null,
        },
      };
    },
  },
  {
    // disk_count.rego says Warning, but CNV's 165-disk cap (CNV-91554) is a hard limit: the VM
    // could not start with more, so the default policy makes it Critical.
    id: 'too-many-disks',
    check({ vm, policy }) {
      const max = policy.policy.thresholds.maxDisks;
      if (vm.disks.length <= max) return null;
      return {
        message: `${vm.disks.length} disks, more than the ${max} a KubeVirt VM can attach.`,
        evidence: { disks: vm.disks.length, maxDisks: max },
      };
    },
  },
  {
    // No Forklift rule: very large disks copy for hours per disk and may exceed what a storage
    // class allows for one volume.
    id: 'disk-too-large',
    check({ vm, policy }) {
      const limitMiB = policy.policy.thresholds.diskTooLargeGiB * GIB;
      const big = vm.disks.filter((disk) => disk.capacityMiB > limitMiB);
      if (big.length === 0) return null;
      const labels = disksWhere(vm, (disk) => disk.capacityMiB > limitMiB);
      const largest = Math.max(...big.map((disk) => disk.capacityMiB));
      return {
        message: `${list(labels)} larger than ${policy.policy.thresholds.diskTooLargeGiB} GiB (largest ${formatGiB(largest)} GiB): a long copy, and the storage class must allow volumes that big.`,
        evidence: {
          disks: list(labels),
          count: big.length,
          largestMiB: largest,
          thresholdGiB: policy.policy.thresholds.diskTooLargeGiB,
        },
      };
    },
  },
  {
    // vm_os.rego: Warning. Forklift's current rule is an allow-list (Red Hat's virt-v2v support:
    // RHEL 7-10, Windows 10/11, Server 2016-2025) and flags every other guest; Flotilla flags the
    // guests its policy's OS list marks unsupported (RHEL 6 and older, Photon OS, ... each with the
    // reason as evidence) and lets Ubuntu, SLES, Debian and other guests KubeVirt runs pass, so a
    // Forklift "unsupported" on those is a support-contract question, not a migration blocker.
    // Whether such a VM stays on vSphere is the disposition's call (`disposition.retainOsSupport`).
    id: 'unsupported-os',
    check({ os }) {
      if (os.support !== 'unsupported') return null;
      return {
        message: `guest OS "${os.osName ?? 'unknown'}" is not supported on KubeVirt (or cannot be converted by virt-v2v).`,
        evidence: {
          os: os.osName ?? null,
          family: os.family,
          matchedBy: os.matchedBy ?? null,
          reason: os.reason ?? null,
        },
      };
    },
  },
  {
    // No Forklift rule on its main branch (a vm_os_upgrade_recommendation.rego, Information, exists
    // only on a side branch, e5c0a39f8). A warning because an end-of-life guest needs an owner's
    // decision (upgrade first, or accept running it unsupported).
    id: 'legacy-os',
    check({ os }) {
      if (os.support !== 'legacy') return null;
      return {
        message: `guest OS "${os.osName ?? 'unknown'}" is end-of-life: it can move, but consider upgrading it first${os.needsDriverConversion ? ' (older Windows needs the legacy virtio drivers)' : ''}.`,
        evidence: { os: os.osName ?? null, family: os.family, preference: os.preference },
      };
    },
  },
  {
    id: 'unknown-os',
    check({ os }) {
      if (os.support !== 'unknown') return null;
      return {
        message: os.osName
          ? `guest OS "${os.osName}" is not in the policy's guest OS list: check that KubeVirt and virt-v2v support it.`
          : 'the export does not name the guest OS: check that KubeVirt and virt-v2v support it.',
        evidence: { os: os.osName ?? null, family: os.family },
      };
    },
  },
  {
    // Forklift's PowerOffSource phase asks VMware Tools for a guest shutdown; without Tools the
    // VM is powered off hard.
    id: 'tools-not-running',
    check({ vm }) {
      if (vm.powerState !== 'poweredOn') return null;
      const status = text(vm.toolsStatus);
      const running = text(vm.toolsRunningStatus);
      const guestState = status === null && running === null ? sourceCell(vm, 'vInfo', 'Guest state') : null;
      const notRunning =
        status === 'toolsNotRunning' ||
        status === 'toolsNotInstalled' ||
        running === 'guestToolsNotRunning' ||
        guestState === 'notRunning';
      if (!notRunning) return null;
      return {
        message: `VMware Tools ${status === 'toolsNotInstalled' ? 'not installed' : 'not running'} on a powered-on VM: no graceful guest shutdown, the VM will be powered off hard before the copy.`,
        evidence: { powerState: vm.powerState, toolsStatus: status, toolsRunningStatus: running, guestState },
      };
    },
  },
  {
    // snapshot.rego: Information.
    id: 'snapshot-present',
    check({ vm }) {
      if (vm.snapshots.length === 0) return null;
      const newest = newestSnapshot(vm);
      return {
        message: `${plural(vm.snapshots.length, 'snapshot')}: the current state is migrated, snapshots are not.`,
        evidence: {
          snapshots: vm.snapshots.length,
          newest: newest?.name ?? null,
          newestAt: newest?.createdAt ?? null,
        },
      };
    },
  },
  {
    // No Forklift rule: long-lived snapshots grow delta files that slow every read of the copy.
    id: 'old-snapshot',
    check({ vm, policy, countedToMs }) {
      const limit = policy.policy.thresholds.oldSnapshotDays;
      let oldest: { name: string; at: string; days: number } | null = null;
      let count = 0;
      for (const snapshot of vm.snapshots) {
        const ms = parseDate(snapshot.createdAt);
        if (ms === null || snapshot.createdAt === null) continue;
        const days = daysBetween(ms, countedToMs);
        if (days < limit) continue;
        count += 1;
        if (oldest === null || days > oldest.days)
          oldest = { name: snapshot.name, at: snapshot.createdAt, days };
      }
      if (oldest === null) return null;
      return {
        message: `${plural(count, 'snapshot')} older than ${limit} days (oldest "${oldest.name}", ${oldest.days} days): consolidate before migrating.`,
        evidence: {
          count,
          oldest: oldest.name,
          oldestAt: oldest.at,
          days: oldest.days,
          thresholdDays: limit,
        },
      };
    },
  },
  {
    // consolidation_needed.rego: Warning (it was Information before Forklift's MTV-2330 update).
    id: 'consolidation-needed',
    check({ vm }) {
      if (vm.consolidationNeeded !== true) return null;
      return {
        message: 'vSphere reports that the disks need consolidation: consolidate before migrating.',
        evidence: { consolidationNeeded: true },
      };
    },
  },
  {
    // changed_block_tracking.rego says Warning because warm migration needs CBT; cold migration,
    // Flotilla's path, does not, hence Information.
    id: 'cbt-disabled',
    check({ vm }) {
      if (vm.cbtEnabled !== false) return null;
      return {
        message: 'Changed Block Tracking is off: only cold migration is possible (warm migration needs CBT).',
        evidence: { cbtEnabled: false },
      };
    },
  },
  {
    // cpu_memory_hotplug.rego: Warning.
    id: 'cpu-memory-hotplug',
    check({ vm }) {
      if (vm.cpuHotAdd !== true && vm.cpuHotRemove !== true && vm.memoryHotAdd !== true) return null;
      const enabled = [
        vm.cpuHotAdd === true ? 'CPU hot add' : null,
        vm.cpuHotRemove === true ? 'CPU hot remove' : null,
        vm.memoryHotAdd === true ? 'memory hot add' : null,
      ].filter((item) => item !== null);
      return {
        message: `${enabled.join(', ')} enabled: not carried over; review CPU and memory sizing after migration.`,
        evidence: { cpuHotAdd: vm.cpuHotAdd, cpuHotRemove: vm.cpuHotRemove, memoryHotAdd: vm.memoryHotAdd },
      };
    },
  },
  {
    // cpu_affinity.rego: Warning.
    id: 'cpu-affinity',
    check({ vm }) {
      const affinity = text(vm.cpuAffinity);
      if (affinity === null) return null;
      return {
        message: `CPU affinity (${affinity}) is set: the VM migrates without it.`,
        evidence: { cpuAffinity: affinity },
      };
    },
  },
  {
    // numa_affinity.rego: Warning.
    id: 'numa-affinity',
    check({ vm }) {
      const affinity = text(vm.numaAffinity);
      if (affinity === null) return null;
      return {
        message: `NUMA node affinity (${affinity}) is set: the VM migrates without it.`,
        evidence: { numaAffinity: affinity },
      };
    },
  },
  {
    // host_affinity.rego: Warning. The model has no field for DRS rules yet: read vInfo's
    // "Cluster rule(s)" / "Cluster rule name(s)" cells.
    id: 'host-affinity',
    check({ vm }) {
      const rules = sourceCell(vm, 'vInfo', 'Cluster rule(s)');
      const names = sourceCell(vm, 'vInfo', 'Cluster rule name(s)');
      if (rules === null && names === null) return null;
      return {
        message: `member of DRS rule${names ? ` "${names}"` : 's'}${rules ? ` (${rules})` : ''}: the VM migrates without it; recreate it as node affinity or anti-affinity if still needed.`,
        evidence: { clusterRules: rules, clusterRuleNames: names },
      };
    },
  },
  {
    // fault_tolerance.rego: Information.
    id: 'fault-tolerance',
    check({ vm }) {
      const state = text(vm.ftState);
      if (state === null || state.toLowerCase() === 'notconfigured') return null;
      return {
        message: `vSphere Fault Tolerance is configured (${state}): KubeVirt has no equivalent; the VM loses that protection.`,
        evidence: { ftState: state },
      };
    },
  },
  {
    // usb_controller.rego: Warning.
    id: 'usb-device',
    check({ vm }) {
      if (vm.usbDevices.length === 0) return null;
      const labels = vm.usbDevices.map((device) => device.label);
      return {
        message: `USB device${labels.length > 1 ? 's' : ''} attached (${list(labels)}): not migrated; attach an equivalent after migration if needed.`,
        evidence: { devices: list(labels), count: labels.length },
      };
    },
  },
  {
    // No Forklift rule: a connected ISO or host drive is not migrated, and the guest may expect it.
    id: 'cdrom-connected',
    check({ vm }) {
      const connected = vm.cdroms.filter(
        (cdrom) => cdrom.connected === true || cdrom.startsConnected === true,
      );
      if (connected.length === 0) return null;
      return {
        message: `${list(connected.map((cdrom) => cdrom.label))} connected${connected[0].backing ? ` (${connected[0].backing})` : ''}: the media is not migrated; disconnect it first.`,
        evidence: {
          drives: list(connected.map((cdrom) => cdrom.label)),
          count: connected.length,
          backing: connected[0].backing,
        },
      };
    },
  },
  {
    // tpm_enabled.rego: Warning: TPM contents (BitLocker keys, measured boot) are not transferred.
    id: 'tpm',
    check({ vm }) {
      if (vm.hasTpm !== true) return null;
      return {
        message:
          'virtual TPM present: its contents are not transferred; suspend BitLocker or similar before migrating.',
        evidence: { hasTpm: true },
      };
    },
  },
  {
    // No Forklift rule any more (uefi_boot.rego was removed in 357ec58bc, MTV-2330: KubeVirt
    // boots EFI guests with Secure Boot). Kept as Information because the NVRAM (enrolled keys,
    // boot entries) is not copied: a guest with custom keys may not boot.
    id: 'secure-boot',
    check({ vm }) {
      if (vm.secureBoot !== true) return null;
      return {
        message:
          'UEFI Secure Boot is on: NVRAM is not copied; check the guest boots with the target firmware keys.',
        evidence: { firmware: vm.firmware, secureBoot: true },
      };
    },
  },
  {
    // name.rego: Warning in current Forklift (renamed automatically, original kept in an annotation).
    id: 'name-not-dns1123',
    check({ vm, targetName }) {
      if (targetName === vm.name) return null;
      return {
        message: `"${vm.name}" is not a valid Kubernetes name: the VM will be created as "${targetName}".`,
        evidence: { name: vm.name, targetName },
      };
    },
  },
  {
    // Two VMs that sanitize to one name cannot both land in one namespace.
    id: 'target-name-conflict',
    check({ vm, context, targetName }) {
      const users = context.targetNameUsers.get(targetName);
      if (!users || users.length < 2) return null;
      const others = users.filter((key) => key !== vm.key).map((key) => context.vmNames.get(key) ?? key);
      if (others.length === 0) return null;
      return {
        message: `target name "${targetName}" is also the target name of ${list(others)}: they cannot share a namespace; rename one or plan different namespaces.`,
        evidence: { targetName, others: list(others), count: others.length },
      };
    },
  },
  {
    // No Forklift rule: nested virtualization needs nodes that expose VMX/SVM to guests.
    id: 'nested-virtualization',
    check({ vm }) {
      if (vm.nestedHv !== true) return null;
      return {
        message:
          'nested hardware virtualization is exposed to the guest: the target nodes must allow nested virtualization.',
        evidence: { nestedHv: true },
      };
    },
  },
  {
    // filesystem_size.rego: Critical. virt-v2v needs free space in the guest to convert it
    // (https://libguestfs.org/virt-v2v.1.html#disk-space).
    id: 'guest-free-space',
    check({ vm, policy }) {
      const limits = policy.policy.thresholds.guestFreeSpace;
      const failing: { mount: string; freeMiB: number; requiredMiB: number }[] = [];
      for (const partition of vm.partitions) {
        if (partition.freeMiB === null || !Number.isFinite(partition.freeMiB)) continue;
        const mount = partition.mount.trim();
        const required = /^\/$/.test(mount)
          ? limits.rootMiB
          : /^\/boot\/?$/.test(mount)
            ? limits.bootMiB
            : /^c:[\\/]?$/i.test(mount)
              ? limits.windowsSystemMiB
              : limits.otherMiB;
        if (partition.freeMiB < required)
          failing.push({ mount, freeMiB: partition.freeMiB, requiredMiB: required });
      }
      if (failing.length === 0) return null;
      const described = failing.map(
        (item) => `${item.mount} (${Math.floor(item.freeMiB)} MiB free, needs ${item.requiredMiB})`,
      );
      return {
        message: `too little free space for guest conversion on ${list(described)}: free some space before migrating.`,
        evidence: {
          filesystems: list(described),
          count: failing.length,
          mount: failing[0].mount,
          freeMiB: failing[0].freeMiB,
          requiredMiB: failing[0].requiredMiB,
        },
      };
    },
  },
  {
    // A VM larger than one worker node cannot be scheduled at all.
    id: 'exceeds-worker-node',
    check({ sizing, policy }) {
      const node = policy.policy.sizing.workerNode;
      const vcpus = sizing.sockets * sizing.coresPerSocket * sizing.threads;
      if (vcpus <= node.cpus && sizing.memoryWithOverheadMiB <= node.memoryMiB) return null;
      return {
        message: `needs ${vcpus} vCPUs and ${sizing.memoryWithOverheadMiB} MiB with overhead, more than one worker node (${node.cpus} CPUs, ${node.memoryMiB} MiB) offers.`,
        evidence: {
          vcpus,
          memoryWithOverheadMiB: sizing.memoryWithOverheadMiB,
          nodeCpus: node.cpus,
          nodeMemoryMiB: node.memoryMiB,
        },
      };
    },
  },
  {
    id: 'infrastructure-appliance',
    check({ vm, appliance }) {
      if (appliance === null) return null;
      return {
        message: `looks like a ${appliance} infrastructure appliance: it serves vSphere itself and stays with it unless someone decides otherwise.`,
        evidence: { applianceKind: appliance, name: vm.name },
      };
    },
  },
  {
    // A VM whose files vCenter cannot reach cannot be read either.
    id: 'orphaned',
    check({ vm }) {
      const state = vm.connectionState;
      if (state !== 'orphaned' && state !== 'inaccessible' && state !== 'invalid') return null;
      return {
        message: `vCenter reports the VM as ${state}: its files cannot be read until that is fixed.`,
        evidence: { connectionState: state },
      };
    },
  },
  {
    id: 'disconnected',
    check({ vm }) {
      if (vm.connectionState !== 'disconnected') return null;
      return {
        message:
          'the VM is disconnected (its host is not connected to vCenter): reconnect the host before migrating; the exported data may be stale.',
        evidence: { connectionState: vm.connectionState, host: vm.host },
      };
    },
  },
  {
    // A suspended VM's memory image is not migrated: the guest cold-boots on KubeVirt.
    id: 'suspended',
    check({ vm }) {
      if (vm.powerState !== 'suspended') return null;
      return {
        message:
          'the VM is suspended: its memory state is lost; resume and shut it down cleanly before migrating.',
        evidence: { powerState: vm.powerState },
      };
    },
  },
  {
    id: 'powered-off-long',
    check({ vm, activity, policy }) {
      if (activity === null || !isPoweredOffLong(vm, activity, policy)) return null;
      return {
        message: `powered off with no configuration change, snapshot or creation for ${activity.days} days (since ${activity.at}): possibly unused.`,
        evidence: {
          powerState: vm.powerState,
          lastActivityAt: activity.at,
          lastActivityBasis: activity.basis,
          days: activity.days,
          thresholdDays: policy.policy.thresholds.poweredOffDays,
        },
      };
    },
  },
  {
    // Judged only when the export says how many NICs there are (vInfo "NICs") or carried vNetwork.
    id: 'no-network',
    check({ vm, context }) {
      if (vm.nics.length > 0) return null;
      const counted = sourceCell(vm, 'vInfo', 'NICs');
      const none = counted !== null ? Number(counted) === 0 : hasSheet(context, 'vNetwork');
      if (!none) return null;
      return {
        message:
          'no network adapter: check whether the VM is still in use and how it should be reached after migration.',
        evidence: { nics: 0, vinfoNics: counted },
      };
    },
  },
  {
    // Not a Forklift rule: annotations, names and custom attributes often say what RVTools cannot
    // (it has no device list): a vGPU profile, "PCI passthrough". A hint, not proof, so a Warning
    // that keeps the VM out of the pilot wave (effort `hardwareCheck`) until someone has looked.
    id: 'possible-passthrough-device',
    check({ vm }) {
      const hint = findPassthroughHint(vm);
      if (hint === null) return null;
      return {
        message: `${hint.field} mentions "${hint.match}": the VM may use a GPU or PCI passthrough device, which does not move with it; check the hardware before planning it.`,
        evidence: { field: hint.field, text: hint.text, match: hint.match, count: hint.count },
      };
    },
  },
  {
    // drs_enabled.rego: Information. KubeVirt balances with the descheduler, not DRS.
    id: 'drs-enabled',
    check({ vm, context }) {
      const cluster = vm.cluster ? context.clusters.get(vm.cluster) : undefined;
      if (cluster?.drsEnabled !== true) return null;
      return {
        message: `cluster "${cluster.name}" runs DRS${cluster.drsBehavior ? ` (${cluster.drsBehavior})` : ''}: the VM moves without DRS balancing; the cluster's descheduler takes that role.`,
        evidence: { cluster: cluster.name, drsEnabled: true, drsBehavior: cluster.drsBehavior },
      };
    },
  },
  {
    // dpm_enabled.rego: Information.
    id: 'dpm-enabled',
    check({ vm, context }) {
      const cluster = vm.cluster ? context.clusters.get(vm.cluster) : undefined;
      if (cluster?.dpmEnabled !== true) return null;
      return {
        message: `cluster "${cluster.name}" runs Distributed Power Management: KubeVirt has no equivalent; the VM moves without it.`,
        evidence: { cluster: cluster.name, dpmEnabled: true },
      };
    },
  },
  {
    // hostname.rego: Warning ("the hostname might be renamed during migration"). RVTools' DNS Name
    // comes from VMware Tools of a running guest, so it is judged for powered-on VMs only: for a
    // VM that is off an empty name is no evidence.
    id: 'hostname-empty',
    check({ vm }) {
      if (vm.powerState !== 'poweredOn' || text(vm.dnsName) !== null) return null;
      return {
        message:
          'the guest reports no host name: the guest may be renamed during migration; set its host name first.',
        evidence: { dnsName: null, powerState: vm.powerState },
      };
    },
  },
  {
    // hostname.rego: Warning.
    id: 'hostname-default',
    check({ vm }) {
      const name = text(vm.dnsName);
      if (name?.toLowerCase() !== 'localhost.localdomain') return null;
      return {
        message: `the guest's host name is the default "${name}": it may be renamed during migration; set a real host name first.`,
        evidence: { dnsName: name },
      };
    },
  },
  {
    // ip_state.rego: Warning: keeping static IPs needs the addresses the running guest reports.
    // Judged for powered-on VMs only (RVTools has IPs of running guests only), and not for a VM
    // the export shows without any NIC (no-network says that).
    id: 'missing-ip',
    check({ vm, context }) {
      if (vm.powerState !== 'poweredOn') return null;
      if (vm.nics.length === 0 && hasSheet(context, 'vNetwork')) return null;
      const hasIp =
        text(vm.primaryIp) !== null || vm.nics.some((nic) => nic.ipv4.length > 0 || nic.ipv6.length > 0);
      if (hasIp) return null;
      return {
        message:
          'the guest reports no IP address: its static IPs cannot be preserved; check VMware Tools and the guest network before migrating.',
        evidence: { primaryIp: null, nics: vm.nics.length, toolsStatus: vm.toolsStatus },
      };
    },
  },
];

/** Scope rules: the only ones run for VMs outside migration scope. */
export const SCOPE_RULES: readonly ConcernRule[] = [
  {
    id: 'template',
    check({ vm }) {
      if (!vm.template) return null;
      return { message: 'a template, not a VM: out of migration scope.', evidence: { template: true } };
    },
  },
  {
    id: 'srm-placeholder',
    check({ vm }) {
      if (!vm.srmPlaceholder) return null;
      return {
        message: 'a Site Recovery Manager placeholder: its protected VM is migrated from the protected site.',
        evidence: { srmPlaceholder: true },
      };
    },
  },
  {
    id: 'cluster-service-vm',
    check({ vm, policy }) {
      const pattern = policy.clusterServiceVmPatterns.find((candidate) => candidate.test(vm.name));
      if (!pattern) return null;
      return {
        message: 'a vSphere Cluster Services (vCLS) VM: managed by vCenter, out of migration scope.',
        evidence: { name: vm.name, pattern: pattern.source },
      };
    },
  },
];

export function evaluateRules(rules: readonly ConcernRule[], facts: VmFacts, into: Concern[]): void {
  for (const rule of rules) {
    const setting = facts.policy.rules[rule.id];
    if (!setting.enabled) continue;
    const finding = rule.check(facts);
    if (finding) {
      into.push({
        id: rule.id,
        severity: setting.severity,
        message: capitalize(finding.message),
        evidence: finding.evidence,
      });
    }
  }
}

function formatGiB(mib: number): string {
  const gib = mib / GIB;
  return Number.isInteger(gib) ? String(gib) : gib.toFixed(1);
}

function capitalize(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

function isVmxnet3(adapterType: string | null): boolean {
  return /vmxnet\s*3/i.test(adapterType ?? '');
}

function isSriov(adapterType: string | null): boolean {
  return /sr-?iov/i.test(adapterType ?? '');
}

function newestSnapshot(vm: InventoryVm): InventoryVm['snapshots'][number] | null {
  let newest: InventoryVm['snapshots'][number] | null = null;
  let newestMs = Number.NEGATIVE_INFINITY;
  for (const snapshot of vm.snapshots) {
    const ms = parseDate(snapshot.createdAt) ?? Number.NEGATIVE_INFINITY;
    if (newest === null || ms > newestMs) {
      newest = snapshot;
      newestMs = ms;
    }
  }
  return newest;
}
