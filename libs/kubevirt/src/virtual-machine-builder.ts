import { createHash } from 'node:crypto';
import type { InventoryDisk, InventoryNic, InventoryVm } from '#libs/inventory';
import { planDisks } from './data-volume-builder.js';
import type {
  Annotations,
  OwnerReferencePatch,
  RunStrategy,
  VirtualMachine,
  VmDisk,
  VmDomain,
  VmFirmware,
  VmInterface,
  VmNetwork,
  VmTpm,
  VmVolume,
} from './manifest-types.js';
import {
  lookup,
  sourceBiosUuid,
  specError,
  type VmMigrationSpec,
  vmwareSystemSerial,
} from './migration-spec.js';
import {
  ANNOTATION_GUEST_CONVERSION,
  ANNOTATION_ORIGINAL_NAME,
  buildLabels,
  buildVmKeyAnnotations,
  isLabelValue,
  LABEL_VM,
  toLabelValue,
  vmObjectNames,
} from './object-names.js';

/** What the VM needs of a copied disk: its PVC's name (a built DataVolume's, or one read back from the cluster). */
export interface DataVolumeRef {
  metadata: { name: string };
}

/** Prefix of the annotations carrying vSphere custom attributes (Forklift: `vsphere.forklift.konveyor.io/`). */
export const CUSTOM_ATTRIBUTE_ANNOTATION_PREFIX = 'vsphere.flotilla.io/';

/** Forklift's `mapCPU`: sockets x cores as vSphere shows them; a topology that does not divide keeps every vCPU. */
export function cpuTopology(vm: InventoryVm, nestedHv: boolean | null = vm.nestedHv): VmDomain['cpu'] {
  const cpus = Math.trunc(vm.cpus);
  const divides = (n: number | null): n is number =>
    n !== null && Number.isInteger(n) && n >= 1 && cpus % n === 0;
  let cores = 1;
  if (divides(vm.coresPerSocket)) {
    cores = vm.coresPerSocket;
  } else if (divides(vm.sockets)) {
    cores = cpus / vm.sockets;
  }
  const cpu: VmDomain['cpu'] = { sockets: cpus / cores, cores, threads: 1 };
  // Forklift's mapCPU: both vendors' flags, optional, since a policy of require on both could
  // never be met (no CPU has vmx and svm) and would leave the VM unschedulable.
  if (nestedHv === true) {
    cpu.features = [
      { name: 'vmx', policy: 'optional' },
      { name: 'svm', policy: 'optional' },
    ];
  }
  return cpu;
}

function firmwareOf(spec: VmMigrationSpec): Pick<VmDomain, 'firmware' | 'features'> {
  const serial = vmwareSystemSerial(sourceBiosUuid(spec));
  if (spec.vm.firmware === 'efi') {
    const secureBoot = spec.vm.secureBoot === true;
    const firmware: VmFirmware = { serial, bootloader: { efi: { secureBoot } } };
    // KubeVirt refuses Secure Boot without SMM.
    return secureBoot ? { firmware, features: { smm: { enabled: true } } } : { firmware };
  }
  return { firmware: { serial, bootloader: { bios: {} } } };
}

/**
 * Forklift's `mapTpm`: a persistent vTPM when the source had one (BitLocker keys survive reboots),
 * otherwise an explicitly disabled one, so a preference cannot add one (MTV-2014: Windows Server
 * 2022 did not boot). vCenter's answer at Preflight wins; an export that does not say counts as none.
 */
function tpmOf(spec: VmMigrationSpec): VmTpm {
  return (spec.hasTpm ?? spec.vm.hasTpm) === true ? { persistent: true } : { enabled: false };
}

/**
 * Forklift's `DiskSerial`: the VMDK UUID with only [A-Za-z0-9-] kept, cut to 20 characters (what
 * QEMU passes on); without one, 20 hex characters of sha256("<vm id>:<disk key>").
 */
export function diskSerial(disk: InventoryDisk, vmId: string): string {
  const fromUuid = (disk.uuid ?? '').replace(/[^A-Za-z0-9-]/g, '');
  if (fromUuid !== '') return fromUuid.slice(0, 20);
  return createHash('sha256')
    .update(`${vmId}:${disk.key ?? 0}`)
    .digest('hex')
    .slice(0, 20);
}

/**
 * Forklift's custom-attribute annotations: the attribute name kept when it is a valid label value,
 * else runs of other characters become `_`, trimmed and cut to 63; values as they are.
 */
export function customAttributeAnnotations(vm: InventoryVm): Annotations {
  const annotations: Annotations = {};
  for (const [name, value] of Object.entries(vm.customAttributes)) {
    const key = isLabelValue(name)
      ? name
      : name
          .replace(/[^a-zA-Z0-9_.-]+/g, '_')
          .replace(/^[_.-]+|[_.-]+$/g, '')
          .slice(0, 63)
          .replace(/[_.-]+$/g, '');
    if (key !== '') annotations[`${CUSTOM_ATTRIBUTE_ANNOTATION_PREFIX}${key}`] = value;
  }
  return annotations;
}

function runStrategyOf(spec: VmMigrationSpec): RunStrategy {
  const power = spec.sourcePowerState ?? spec.vm.powerState;
  return spec.start && power === 'poweredOn' ? 'Always' : 'Halted';
}

const MAC_ADDRESS = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

function macOf(spec: VmMigrationSpec, nic: InventoryNic): string | undefined {
  if (nic.mac === null || nic.mac.trim() === '') return undefined;
  const mac = nic.mac.trim();
  if (!MAC_ADDRESS.test(mac)) {
    throw specError(spec, `NIC "${nic.label}" has a malformed MAC address "${nic.mac}"`);
  }
  return mac.toLowerCase().replaceAll('-', ':');
}

/** Forklift's `mapNetworks`: one interface per mapped NIC, in source order, named `net-N`. */
function networksOf(spec: VmMigrationSpec): { interfaces: VmInterface[]; networks: VmNetwork[] } {
  const interfaces: VmInterface[] = [];
  const networks: VmNetwork[] = [];
  let podNic: string | null = null;
  for (const nic of spec.vm.nics) {
    if (nic.network === null) {
      throw specError(spec, `NIC "${nic.label}" has no source network to look up in the network map`);
    }
    const target = lookup(spec.networkMap, nic.network);
    if (target === undefined) {
      throw specError(
        spec,
        `NIC "${nic.label}" is on network "${nic.network}", which the network map does not cover`,
      );
    }
    if (target.type === 'ignored') continue;
    const name = `net-${networks.length}`;
    const iface: VmInterface = { name, model: spec.compatibilityMode ? 'e1000e' : 'virtio' };
    const mac = macOf(spec, nic);
    if (mac !== undefined) iface.macAddress = mac;
    if (target.type === 'pod') {
      if (podNic !== null) {
        throw specError(
          spec,
          `NICs "${podNic}" and "${nic.label}" both map to the pod network; KubeVirt allows one pod network per VM`,
        );
      }
      podNic = nic.label;
      iface.masquerade = {};
      networks.push({ name, pod: {} });
    } else {
      if (target.name.trim() === '') {
        throw specError(spec, `NIC "${nic.label}" maps to a Multus network without a name`);
      }
      iface.bridge = {};
      networks.push({ name, multus: { networkName: target.name } });
    }
    if ((nic.startsConnected ?? nic.connected) === false) iface.state = 'down';
    interfaces.push(iface);
  }
  return { interfaces, networks };
}

function disksOf(
  spec: VmMigrationSpec,
  dataVolumes: readonly DataVolumeRef[],
): { disks: VmDisk[]; volumes: VmVolume[] } {
  const planned = planDisks(spec);
  const bootIndex = spec.bootDiskIndex ?? 0;
  if (!Number.isInteger(bootIndex) || bootIndex < 0 || bootIndex >= planned.length) {
    throw specError(spec, `boot disk index ${bootIndex} is outside its ${planned.length} disk(s)`);
  }
  const available = new Set(dataVolumes.map((dv) => dv.metadata.name));
  const disks: VmDisk[] = [];
  const volumes: VmVolume[] = [];
  for (const { index, disk, dataVolumeName, shared } of planned) {
    if (!available.has(dataVolumeName)) {
      throw specError(spec, `disk "${disk.label}" has no copied disk (PVC) "${dataVolumeName}"`);
    }
    const name = `vol-${index}`;
    const vmDisk: VmDisk = { name, disk: { bus: spec.compatibilityMode ? 'sata' : 'virtio' } };
    if (index === bootIndex) vmDisk.bootOrder = 1;
    vmDisk.serial = diskSerial(disk, spec.vm.moref ?? spec.vm.key);
    if (shared) {
      vmDisk.shareable = true;
      vmDisk.cache = 'none';
    }
    disks.push(vmDisk);
    volumes.push({ name, persistentVolumeClaim: { claimName: dataVolumeName } });
  }
  return { disks, volumes };
}

/**
 * The `kubevirt.io/v1` VirtualMachine mapped from the source VM (Forklift's `VirtualMachine`),
 * over DataVolumes that already exist: no `dataVolumeTemplates`. The executor moves PVC ownership
 * to it afterwards with {@link buildOwnerReferencePatch}.
 */
export function buildVirtualMachine(
  spec: VmMigrationSpec,
  dataVolumes: readonly DataVolumeRef[],
): VirtualMachine {
  const names = vmObjectNames(spec);
  const vm = spec.vm;
  if (vm.template) {
    throw specError(spec, 'is a template; templates are not migrated');
  }
  if (!(vm.cpus >= 1)) throw specError(spec, `has ${vm.cpus} vCPUs`);
  if (!(vm.memoryMiB > 0)) throw specError(spec, `has ${vm.memoryMiB} MiB of memory`);

  const { disks, volumes } = disksOf(spec, dataVolumes);
  const { interfaces, networks } = networksOf(spec);
  const domain: VmDomain = {
    cpu: cpuTopology(vm, spec.nestedHv ?? vm.nestedHv),
    memory: { guest: `${Math.ceil(vm.memoryMiB)}Mi` },
    ...firmwareOf(spec),
    devices: {
      disks,
      interfaces,
      // A converted guest has virtio drivers; an unconverted one only USB's.
      inputs: [{ type: 'tablet', bus: spec.compatibilityMode ? 'usb' : 'virtio', name: 'tablet' }],
      tpm: tpmOf(spec),
    },
  };
  // With no interface at all KubeVirt would attach a pod NIC the source never had.
  if (interfaces.length === 0) domain.devices.autoattachPodInterface = false;
  const timeZone = spec.hostTimeZone?.trim();
  if (timeZone) domain.clock = { timezone: timeZone };

  const annotations: Annotations = {
    ...customAttributeAnnotations(vm),
    ...buildVmKeyAnnotations(spec),
    [ANNOTATION_GUEST_CONVERSION]: spec.compatibilityMode ? 'raw-copy' : 'virt-v2v',
  };
  if (names.virtualMachine !== vm.name) annotations[ANNOTATION_ORIGINAL_NAME] = vm.name;

  const machine: VirtualMachine = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: names.virtualMachine,
      namespace: names.namespace,
      labels: buildLabels(spec),
      annotations,
    },
    spec: {
      runStrategy: runStrategyOf(spec),
      template: {
        metadata: { labels: { [LABEL_VM]: toLabelValue(vm.key) } },
        spec: { domain, networks, volumes },
      },
    },
  };
  if (spec.preference !== null && spec.preference.trim() !== '') {
    machine.spec.preference = {
      name: spec.preference.trim(),
      kind: spec.preferenceKind ?? 'VirtualMachineClusterPreference',
    };
  }
  return machine;
}

/**
 * A merge patch making the created VM the owner of a copied disk's PVC, so deleting the VM
 * deletes its disks (Forklift's `EnsureVM`). A merge patch replaces the whole list, which also
 * drops the DataVolume's controller reference, as Forklift does: the PVC then outlives its DataVolume.
 */
export function buildOwnerReferencePatch(vm: {
  metadata: { name: string; uid?: string };
}): OwnerReferencePatch {
  const uid = vm.metadata.uid;
  if (uid === undefined || uid === '') {
    throw new Error(
      `VirtualMachine "${vm.metadata.name}" has no uid yet; read it back from the API server first`,
    );
  }
  return {
    metadata: {
      ownerReferences: [
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachine',
          name: vm.metadata.name,
          uid,
          blockOwnerDeletion: true,
          controller: false,
        },
      ],
    },
  };
}
