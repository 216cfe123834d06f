import type { GuestIpAddress, GuestNetworkInfo, GuestRoute } from '#libs/kubevirt';
import {
  baseVmdk,
  fetchServerThumbprint,
  flattenSnapshotTrees,
  type ManagedObjectReference,
  type TaskInfo,
  type VimObject,
  type VimValue,
  type VirtualDiskInfo,
  VsphereClient,
  type VsphereConnectOptions,
  VsphereFaultError,
} from '#libs/vsphere';
import type {
  SourceDiskChangeId,
  SourceHost,
  SourceSnapshot,
  SourceSnapshots,
  SourceTaskState,
  SourceVcenter,
  SourceVm,
} from './ports.js';
import type { SourcePowerState } from './types.js';

const vmRefOf = (value: string): ManagedObjectReference => ({ type: 'VirtualMachine', value });

/** vim25 arrays of one element decode as the element: read any field as a list. */
function listOf(value: VimValue | undefined): VimValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as VimValue];
}

function textOf(value: VimValue | undefined): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** A managed object reference decodes to exactly `{ type, value }`. */
function isRef(value: VimValue | undefined): value is ManagedObjectReference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes('type') && keys.includes('value');
}

function isObject(value: VimValue | undefined): value is VimObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRef(value);
}

/**
 * The guest's addresses and default routes from `guest.net` and `guest.ipStack`; a NIC's position
 * in `guest.net` is the `device` the routes name. DNS servers are the IP stack's.
 */
export function guestNetworkOf(
  net: VimValue | undefined,
  ipStack: VimValue | undefined,
): GuestNetworkInfo | null {
  const stacks = listOf(ipStack).filter(isObject);
  const dns = stacks
    .flatMap((stack) => (isObject(stack.dnsConfig) ? listOf(stack.dnsConfig.ipAddress).map(textOf) : []))
    .filter((server): server is string => server !== null);
  const addresses: GuestIpAddress[] = [];
  listOf(net)
    .filter(isObject)
    .forEach((nic, index) => {
      const mac = textOf(nic.macAddress);
      if (mac === null || !isObject(nic.ipConfig)) return;
      for (const entry of listOf(nic.ipConfig.ipAddress).filter(isObject)) {
        const ip = textOf(entry.ipAddress);
        const prefix = Number(textOf(entry.prefixLength));
        if (ip === null || !Number.isInteger(prefix)) continue;
        addresses.push({
          device: String(index),
          mac: mac.toLowerCase(),
          ip,
          prefixLength: prefix,
          origin: textOf(entry.origin),
          dns,
        });
      }
    });
  const routes: GuestRoute[] = [];
  for (const stack of stacks) {
    if (!isObject(stack.ipRouteConfig)) continue;
    for (const route of listOf(stack.ipRouteConfig.ipRoute).filter(isObject)) {
      const network = textOf(route.network);
      const gateway = isObject(route.gateway) ? route.gateway : undefined;
      const address = textOf(gateway?.ipAddress);
      const device = textOf(gateway?.device);
      if (network === null || address === null || device === null) continue;
      routes.push({ device, network: `${network}/${textOf(route.prefixLength) ?? ''}`, gateway: address });
    }
  }
  if (addresses.length === 0) return null;
  return { addresses, routes };
}

/** vCenter: `VirtualMachine.createSnapshot`; vcsim names its task the same. */
function isCreateSnapshotTask(task: TaskInfo): boolean {
  return task.descriptionId === 'VirtualMachine.createSnapshot';
}

/** vCenter: `VirtualMachineSnapshot.remove`; vcsim: `VirtualMachineSnapshot.removeSnapshot`. */
function isRemoveSnapshotTask(task: TaskInfo): boolean {
  return (
    task.descriptionId === 'VirtualMachineSnapshot.remove' ||
    task.descriptionId === 'VirtualMachineSnapshot.removeSnapshot'
  );
}

function isUnfinished(task: TaskInfo): boolean {
  return task.state === 'queued' || task.state === 'running';
}

function changeIdsOf(disks: readonly VirtualDiskInfo[]): SourceDiskChangeId[] {
  return disks.map((disk) => ({
    key: disk.key,
    backingFile: baseVmdk(disk.fileName),
    changeId: disk.changeId ?? null,
  }));
}

function powerStateOf(value: string | undefined): SourcePowerState {
  if (value === 'poweredOn' || value === 'poweredOff' || value === 'suspended') return value;
  throw new Error(`vCenter reported an unknown power state "${value ?? ''}"`);
}

/**
 * The executor's vCenter: one session per executor process, opened on first use and reused by
 * every VM (vCenter limits sessions per user); the client renews it when vCenter drops it.
 */
export class VsphereSourceVcenter implements SourceVcenter, SourceSnapshots {
  #client: Promise<VsphereClient> | undefined;
  #thumbprint: { at: number; value: Promise<string> } | undefined;

  constructor(
    private readonly options: VsphereConnectOptions,
    private readonly taskTimeoutMs = 10 * 60_000,
  ) {}

  private client(): Promise<VsphereClient> {
    if (!this.#client) {
      const connecting = VsphereClient.connect(this.options);
      this.#client = connecting;
      // A failed login is not cached: the next step tries again.
      connecting.catch(() => {
        if (this.#client === connecting) this.#client = undefined;
      });
    }
    return this.#client;
  }

  async findVmByInstanceUuid(instanceUuid: string): Promise<SourceVm | null> {
    const client = await this.client();
    const ref = await client.findVmByInstanceUuid(instanceUuid);
    if (!ref) return null;
    const properties = await client.getVmProperties(ref, [
      'name',
      'runtime.powerState',
      'guest.toolsRunningStatus',
      'config.uuid',
      'config.hardware.device',
    ]);
    const more = await client.retrieveProperties(ref, [
      'runtime.host',
      'config.instanceUuid',
      'config.nestedHVEnabled',
      'config.changeTrackingEnabled',
      'config.hardware.device',
      'guest.net',
      'guest.ipStack',
    ]);
    const devices = listOf(more['config.hardware.device']).filter(isObject);
    const diskUuids = new Map<number, string>();
    for (const device of devices) {
      const backing = device.backing;
      const uuid = isObject(backing) ? textOf(backing.uuid) : null;
      const key = Number(textOf(device.key));
      if (device._type === 'VirtualDisk' && uuid !== null) diskUuids.set(key, uuid);
    }
    const hostRef = more['runtime.host'];
    return {
      ref: ref.value,
      name: properties.name ?? ref.value,
      powerState: powerStateOf(properties.powerState),
      toolsRunning: properties.toolsRunningStatus === 'guestToolsRunning',
      biosUuid: properties.biosUuid ?? null,
      instanceUuid: textOf(more['config.instanceUuid']),
      disks: (properties.disks ?? []).map((disk) => ({
        key: disk.key,
        label: disk.label ?? null,
        // While snapshots exist the VM runs on deltas (`-000001.vmdk`); the disk is its base file.
        backingFile: baseVmdk(disk.fileName),
        capacityBytes: disk.capacityInBytes,
        uuid: diskUuids.get(disk.key) ?? null,
        changeId: disk.changeId ?? null,
      })),
      host: isRef(hostRef) ? await this.hostOf(client, hostRef) : null,
      guestNetwork: guestNetworkOf(more['guest.net'], more['guest.ipStack']),
      hasTpm: devices.some((device) => device._type === 'VirtualTPM'),
      nestedHv: more['config.nestedHVEnabled'] === true,
      changeTrackingEnabled: more['config.changeTrackingEnabled'] === true,
    };
  }

  /**
   * The host's place in the inventory as libvirt's vpx driver reads it: every folder kept, the
   * datacenter's hidden `host` folder and the root folder left out, and a standalone host named by
   * its compute resource (Forklift's `host.Path`, or the parent's for a `ComputeResource`).
   */
  private async hostOf(client: VsphereClient, host: ManagedObjectReference): Promise<SourceHost> {
    const own = await client.retrieveProperties(host, ['name', 'parent', 'config.dateTimeInfo']);
    const dateTime = own['config.dateTimeInfo'];
    const timeZone =
      isObject(dateTime) && isObject(dateTime.timeZone) ? textOf(dateTime.timeZone.name) : null;
    const chain: Array<{ ref: ManagedObjectReference; name: string }> = [
      { ref: host, name: textOf(own.name) ?? host.value },
    ];
    let parent = own.parent;
    for (let depth = 0; isRef(parent) && depth < 64; depth += 1) {
      const values = await client.retrieveProperties(parent, ['name', 'parent']);
      chain.push({ ref: parent, name: textOf(values.name) ?? parent.value });
      parent = values.parent;
    }
    const segments: string[] = [];
    chain.forEach((entry, index) => {
      const above = chain[index + 1];
      if (above === undefined) return; // the root folder
      if (entry.ref.type === 'Folder' && above.ref.type === 'Datacenter') return; // its host folder
      if (index === 0 && chain[1]?.ref.type === 'ComputeResource') return; // standalone: the resource names it
      segments.unshift(entry.name);
    });
    return { inventoryPath: segments.join('/'), timeZone: timeZone || null };
  }

  async state(ref: string): Promise<{ powerState: SourcePowerState; toolsRunning: boolean }> {
    const client = await this.client();
    const properties = await client.getVmProperties(vmRefOf(ref), [
      'runtime.powerState',
      'guest.toolsRunningStatus',
    ]);
    return {
      powerState: powerStateOf(properties.powerState),
      toolsRunning: properties.toolsRunningStatus === 'guestToolsRunning',
    };
  }

  async shutdownGuest(ref: string): Promise<void> {
    const client = await this.client();
    await client.shutdownGuest(vmRefOf(ref));
  }

  async powerOff(ref: string): Promise<void> {
    await this.powerTask(ref, 'poweredOff');
  }

  async powerOn(ref: string): Promise<void> {
    await this.powerTask(ref, 'poweredOn');
  }

  /** A step replayed after a crash may find the VM already in the wanted state: that is success. */
  private async powerTask(ref: string, wanted: 'poweredOn' | 'poweredOff'): Promise<void> {
    const client = await this.client();
    const vm = vmRefOf(ref);
    try {
      const task = wanted === 'poweredOff' ? await client.powerOffVm(vm) : await client.powerOnVm(vm);
      await client.waitForTask(task, { timeoutMs: this.taskTimeoutMs });
    } catch (error) {
      if (error instanceof VsphereFaultError && error.faultName === 'InvalidPowerState') {
        const { powerState } = await this.state(ref);
        if (powerState === wanted) return;
      }
      throw error;
    }
  }

  /**
   * Tasks are read before the snapshot tree: a task that ends between the two reads has its
   * snapshot in the tree, so a finished creation is never taken for a missing one.
   */
  async snapshotVm(
    vmRef: string,
    name: string,
    options: { description: string; quiesce: boolean },
  ): Promise<SourceTaskState> {
    const client = await this.client();
    const vm = vmRefOf(vmRef);
    const creations = (await client.getRecentTasks(vm)).filter(isCreateSnapshotTask);
    if (creations.some(isUnfinished)) return { state: 'running' };
    const named = flattenSnapshotTrees(await client.getSnapshotTree(vm))
      .filter((snapshot) => snapshot.name === name)
      .sort((a, b) => (b.id ?? 0) - (a.id ?? 0))[0];
    if (named) return { state: 'done', snapshotRef: named.snapshot.value };
    const latest = creations[creations.length - 1];
    if (latest?.state === 'error') {
      const fault = latest.error;
      return {
        state: 'failed',
        message:
          `vCenter could not snapshot VM ${vmRef} (task ${latest.task.value}): ` +
          `${fault?.faultName ?? 'UnknownFault'}${fault?.faultMessage ? `: ${fault.faultMessage}` : ''}`,
      };
    }
    await client.createSnapshot(vm, {
      name,
      description: options.description,
      memory: false,
      quiesce: options.quiesce,
    });
    return { state: 'running' };
  }

  async removeSnapshot(vmRef: string, snapshotRef: string): Promise<SourceTaskState> {
    const client = await this.client();
    const vm = vmRefOf(vmRef);
    if ((await client.getRecentTasks(vm)).filter(isRemoveSnapshotTask).some(isUnfinished))
      return { state: 'running' };
    const exists = flattenSnapshotTrees(await client.getSnapshotTree(vm)).some(
      (snapshot) => snapshot.snapshot.value === snapshotRef,
    );
    if (!exists) return { state: 'done' };
    await client.removeSnapshot(
      { type: 'VirtualMachineSnapshot', value: snapshotRef },
      { removeChildren: false, consolidate: true },
    );
    return { state: 'running' };
  }

  async listSnapshots(vmRef: string): Promise<SourceSnapshot[]> {
    const client = await this.client();
    return flattenSnapshotTrees(await client.getSnapshotTree(vmRefOf(vmRef))).map((snapshot) => ({
      ref: snapshot.snapshot.value,
      name: snapshot.name,
      createdAt: snapshot.createTime ?? null,
    }));
  }

  async snapshotChangeIds(_vmRef: string, snapshotRef: string): Promise<SourceDiskChangeId[]> {
    const client = await this.client();
    return changeIdsOf(await client.getSnapshotDisks({ type: 'VirtualMachineSnapshot', value: snapshotRef }));
  }

  async changeTracking(vmRef: string): Promise<{ enabled: boolean; disks: SourceDiskChangeId[] }> {
    const client = await this.client();
    const properties = await client.getVmProperties(vmRefOf(vmRef), [
      'config.changeTrackingEnabled',
      'config.hardware.device',
    ]);
    return { enabled: properties.changeTrackingEnabled === true, disks: changeIdsOf(properties.disks ?? []) };
  }

  /** Read again at most once a minute: a TLS handshake per VM Preflight would be wasted. */
  thumbprint(): Promise<string> {
    const cached = this.#thumbprint;
    if (cached && Date.now() - cached.at < 60_000) return cached.value;
    const value = fetchServerThumbprint(this.options.url);
    this.#thumbprint = { at: Date.now(), value };
    value.catch(() => {
      if (this.#thumbprint?.value === value) this.#thumbprint = undefined;
    });
    return value;
  }

  async close(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close();
  }
}
