import type { StatusCause } from './api-status.js';
import { asArray, asObject, asString, isJsonObject, type JsonObject } from './json.js';
import { parseQuantity } from './quantity.js';

/**
 * A subset of the checks KubeVirt's virt-api validating webhook makes on a VirtualMachine
 * (pkg/virt-api/webhooks/validating-webhook/admitters): the ones a migration tool's manifests
 * can get wrong. Messages follow KubeVirt's wording where it is known.
 */

const RUN_STRATEGIES = ['Always', 'RerunOnFailure', 'Manual', 'Halted', 'Once', 'WaitAsReceiver'];
const DISK_BUSES = ['virtio', 'sata', 'scsi', 'usb'];
const INTERFACE_MODELS = ['e1000', 'e1000e', 'igb', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio'];
const INTERFACE_BINDINGS = [
  'bridge',
  'masquerade',
  'sriov',
  'slirp',
  'macvtap',
  'passt',
  'passtBinding',
  'binding',
];
const NETWORK_SOURCES = ['pod', 'multus', 'resourceClaim'];
const DISK_TARGETS = ['disk', 'lun', 'cdrom'];
const VOLUME_SOURCES = [
  'cloudInitConfigDrive',
  'cloudInitNoCloud',
  'configMap',
  'containerDisk',
  'containerPath',
  'dataVolume',
  'downwardAPI',
  'downwardMetrics',
  'emptyDisk',
  'ephemeral',
  'hostDisk',
  'memoryDump',
  'persistentVolumeClaim',
  'secret',
  'serviceAccount',
  'sysprep',
];
const MAC_ADDRESS = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

function objects(value: JsonObject[keyof JsonObject] | undefined): JsonObject[] {
  return asArray(value).filter(isJsonObject);
}

function checkNames(items: JsonObject[], field: string, causes: StatusCause[]): Set<string> {
  const names = new Set<string>();
  items.forEach((item, index) => {
    const name = asString(item.name) ?? '';
    if (names.has(name)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${field}[${index}].name`,
        message: `${field}[${index}].name and ${field}[${[...names].indexOf(name)}].name must not have the same Name.`,
      });
    }
    names.add(name);
  });
  return names;
}

function checkDisks(spec: JsonObject, base: string, volumeNames: Set<string>, causes: StatusCause[]): void {
  const disksField = `${base}.domain.devices.disks`;
  const disks = objects(asObject(asObject(spec.domain)?.devices)?.disks);
  checkNames(disks, disksField, causes);
  const bootOrders = new Map<number, string>();
  disks.forEach((disk, index) => {
    const field = `${disksField}[${index}]`;
    const name = asString(disk.name) ?? '';
    if (!volumeNames.has(name)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.name`,
        message: `${field}.name '${name}' not found.`,
      });
    }
    const targets = DISK_TARGETS.filter((target) => disk[target] !== undefined);
    if (targets.length > 1) {
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `${field} can only have a single target type defined`,
      });
    }
    const target = asObject(disk[targets[0] ?? 'disk']);
    const bus = asString(target?.bus);
    if (bus === 'ide') {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.${targets[0] ?? 'disk'}.bus`,
        message: 'IDE bus is not supported',
      });
    } else if (bus !== undefined && !DISK_BUSES.includes(bus)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.${targets[0] ?? 'disk'}.bus`,
        message: `${field} is set with an unrecognized bus ${bus}, must be one of: [${DISK_BUSES.join(' ')}]`,
      });
    }
    if (disk.bootOrder !== undefined) {
      const order = Number(disk.bootOrder);
      if (order < 1) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${field}.bootOrder`,
          message: `${field} must have a boot order > 0, if supplied`,
        });
      } else if (bootOrders.has(order)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${field}.bootOrder`,
          message: `Boot order for ${field}.bootOrder already set for a different device.`,
        });
      }
      bootOrders.set(order, field);
    }
  });
  const interfaces = objects(asObject(asObject(spec.domain)?.devices)?.interfaces);
  interfaces.forEach((iface, index) => {
    if (iface.bootOrder === undefined) return;
    const field = `${base}.domain.devices.interfaces[${index}]`;
    const order = Number(iface.bootOrder);
    if (bootOrders.has(order)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.bootOrder`,
        message: `Boot order for ${field}.bootOrder already set for a different device.`,
      });
    }
    bootOrders.set(order, field);
  });
}

function checkVolumes(spec: JsonObject, base: string, causes: StatusCause[]): Set<string> {
  const volumes = objects(spec.volumes);
  const names = checkNames(volumes, `${base}.volumes`, causes);
  volumes.forEach((volume, index) => {
    const sources = VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
    if (sources.length !== 1) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${base}.volumes[${index}]`,
        message: `${base}.volumes[${index}] must have exactly one source type set`,
      });
    }
    const claim = asObject(volume.persistentVolumeClaim);
    if (claim && !asString(claim.claimName)) {
      causes.push({
        reason: 'FieldValueRequired',
        field: `${base}.volumes[${index}].persistentVolumeClaim.claimName`,
        message: 'Required value',
      });
    }
    const dataVolume = asObject(volume.dataVolume);
    if (dataVolume && !asString(dataVolume.name)) {
      causes.push({
        reason: 'FieldValueRequired',
        field: `${base}.volumes[${index}].dataVolume.name`,
        message: 'Required value',
      });
    }
  });
  return names;
}

function checkNetworks(spec: JsonObject, base: string, causes: StatusCause[]): void {
  const networks = objects(spec.networks);
  const interfaces = objects(asObject(asObject(spec.domain)?.devices)?.interfaces);
  const networkByName = new Map<string, JsonObject>();
  checkNames(networks, `${base}.networks`, causes);
  checkNames(interfaces, `${base}.domain.devices.interfaces`, causes);
  let podNetworks = 0;
  networks.forEach((network, index) => {
    const field = `${base}.networks[${index}]`;
    networkByName.set(asString(network.name) ?? '', network);
    const sources = NETWORK_SOURCES.filter((source) => network[source] !== undefined);
    if (sources.length === 0)
      causes.push({ reason: 'FieldValueRequired', field, message: 'should have a network type' });
    if (sources.length > 1)
      causes.push({ reason: 'FieldValueInvalid', field, message: 'should have only one network type' });
    if (network.pod !== undefined) podNetworks++;
    const multus = asObject(network.multus);
    if (multus && !asString(multus.networkName)) {
      causes.push({
        reason: 'FieldValueRequired',
        field: `${field}.multus.networkName`,
        message: 'CNI delegating plugin must have a networkName',
      });
    }
    const interfaceExists = interfaces.some((iface) => iface.name === network.name);
    if (!interfaceExists) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.name`,
        message: `${field}.name '${asString(network.name) ?? ''}' not found.`,
      });
    }
  });
  if (podNetworks > 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: `${base}.networks`,
      message: `more than one interface is connected to a pod network in ${base}.networks`,
    });
  }
  interfaces.forEach((iface, index) => {
    const field = `${base}.domain.devices.interfaces[${index}]`;
    const name = asString(iface.name) ?? '';
    const network = networkByName.get(name);
    if (!network) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.name`,
        message: `${field}.name '${name}' not found.`,
      });
    }
    const bindings = INTERFACE_BINDINGS.filter((binding) => iface[binding] !== undefined);
    if (bindings.length > 1) {
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `${field} has more than one interface binding method`,
      });
    }
    if (iface.masquerade !== undefined && network && network.pod === undefined) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.name`,
        message: 'Masquerade interface only implemented with pod network',
      });
    }
    const mac = asString(iface.macAddress);
    if (mac !== undefined && !MAC_ADDRESS.test(mac)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.macAddress`,
        message: `interface ${name} has malformed MAC address (${mac}).`,
      });
    }
    const model = asString(iface.model);
    if (model !== undefined && !INTERFACE_MODELS.includes(model)) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: `${field}.model`,
        message: `interface ${name} uses model ${model} that is not supported.`,
      });
    }
    const state = asString(iface.state);
    if (state !== undefined && !['up', 'down', 'absent'].includes(state)) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: `${field}.state`,
        message: `logical link state "${state}" is not supported`,
      });
    }
    if (state === 'absent' && iface.bridge === undefined) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}.state`,
        message: '"absent" state is supported only for bridge binding',
      });
    }
  });
}

function checkFirmwareAndMemory(
  spec: JsonObject,
  base: string,
  hasInstancetype: boolean,
  causes: StatusCause[],
): void {
  const domain = asObject(spec.domain) ?? {};
  const bootloader = asObject(asObject(domain.firmware)?.bootloader);
  const efi = asObject(bootloader?.efi);
  if (efi && bootloader?.bios !== undefined) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: `${base}.domain.firmware.bootloader`,
      message: `${base}.domain.firmware.bootloader has both EFI and BIOS configured, but they are mutually exclusive.`,
    });
  }
  const smm = asObject(asObject(domain.features)?.smm);
  const smmDisabled = smm !== undefined && smm.enabled === false;
  if (efi && efi.secureBoot !== false && smmDisabled) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: `${base}.domain.firmware.bootloader.efi.secureBoot`,
      message: `${base}.domain.firmware.bootloader.efi.secureBoot has EFI SecureBoot enabled. SecureBoot requires SMM, which is currently disabled.`,
    });
  }
  const memory = asObject(domain.memory);
  const guest = memory?.guest;
  const resources = asObject(domain.resources);
  const requested = asObject(resources?.requests)?.memory;
  const limit = asObject(resources?.limits)?.memory;
  const hugepages = asObject(memory?.hugepages)?.pageSize;
  if (
    !hasInstancetype &&
    guest === undefined &&
    requested === undefined &&
    hugepages === undefined &&
    limit === undefined
  ) {
    causes.push({
      reason: 'FieldValueRequired',
      field: `${base}.domain`,
      message: `no memory requested, at least one of '${base}.domain.memory.guest', '${base}.domain.memory.hugepages.size' or '${base}.domain.resources.requests.memory' must be set`,
    });
  }
  const guestBytes = parseQuantity(guest);
  const limitBytes = parseQuantity(limit);
  if (guestBytes !== undefined && limitBytes !== undefined && guestBytes > limitBytes) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: `${base}.domain.memory.guest`,
      message: `${base}.domain.memory.guest '${String(guest)}' must be equal to or less than the memory limit ${base}.domain.resources.limits.memory '${String(limit)}'`,
    });
  }
  const cpu = asObject(domain.cpu);
  for (const key of ['sockets', 'cores', 'threads']) {
    if (cpu?.[key] !== undefined && Number(cpu[key]) < 1) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${base}.domain.cpu.${key}`,
        message: `${base}.domain.cpu.${key} must be greater than or equal to 1`,
      });
    }
  }
}

/** Semantic checks of a VirtualMachine (the webhook runs them after schema validation passed). */
export function checkVirtualMachineRules(
  vm: JsonObject,
  clusterPreferences?: readonly string[],
): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = asObject(vm.spec) ?? {};
  const runStrategy = asString(spec.runStrategy);
  if (runStrategy !== undefined && spec.running !== undefined) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.running',
      message:
        'Running and RunStrategy are mutually exclusive. Note that Running is deprecated, please use RunStrategy instead',
    });
  }
  if (runStrategy !== undefined && !RUN_STRATEGIES.includes(runStrategy)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.runStrategy',
      message: `Invalid RunStrategy (${runStrategy})`,
    });
  }
  const preference = asObject(spec.preference);
  if (preference && clusterPreferences) {
    const kind = asString(preference.kind) ?? 'VirtualMachineClusterPreference';
    const name = asString(preference.name) ?? '';
    if (kind === 'VirtualMachineClusterPreference' && !clusterPreferences.includes(name)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.preference',
        message: `Failure to find preference: virtualmachineclusterpreferences.instancetype.kubevirt.io "${name}" not found`,
      });
    }
  }
  const template = asObject(asObject(spec.template)?.spec);
  if (!template) return causes;
  const base = 'spec.template.spec';
  const volumeNames = checkVolumes(template, base, causes);
  checkDisks(template, base, volumeNames, causes);
  checkNetworks(template, base, causes);
  checkFirmwareAndMemory(template, base, spec.instancetype !== undefined, causes);
  return causes;
}
