import {
  fetchServerThumbprint,
  type ManagedObjectReference,
  VsphereClient,
  type VsphereConnectOptions,
  VsphereFaultError,
} from '#libs/vsphere';
import type { SourceVcenter, SourceVm } from './ports.js';
import type { SourcePowerState } from './types.js';

const vmRefOf = (value: string): ManagedObjectReference => ({ type: 'VirtualMachine', value });

function powerStateOf(value: string | undefined): SourcePowerState {
  if (value === 'poweredOn' || value === 'poweredOff' || value === 'suspended') return value;
  throw new Error(`vCenter reported an unknown power state "${value ?? ''}"`);
}

/**
 * The executor's vCenter: one session per executor process, opened on first use and reused by
 * every VM (vCenter limits sessions per user); the client renews it when vCenter drops it.
 */
export class VsphereSourceVcenter implements SourceVcenter {
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
    return {
      ref: ref.value,
      name: properties.name ?? ref.value,
      powerState: powerStateOf(properties.powerState),
      toolsRunning: properties.toolsRunningStatus === 'guestToolsRunning',
      biosUuid: properties.biosUuid ?? null,
      disks: (properties.disks ?? []).map((disk) => ({
        key: disk.key,
        label: disk.label ?? null,
        backingFile: disk.fileName,
        capacityBytes: disk.capacityInBytes,
      })),
    };
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
