import { VsphereError, VsphereFaultError, VsphereTimeoutError } from './errors.js';
import { describeRef, type ManagedObjectReference } from './managed-object.js';
import {
  type CertificateTrust,
  createVsphereAgent,
  normalizeThumbprint,
  parseVsphereUrl,
} from './server-certificate.js';
import {
  readSnapshotTrees,
  readTaskInfo,
  type TaskInfo,
  type VmSnapshotTree,
} from './snapshot-properties.js';
import { element, field, refElement, typedElement, type XmlFragment } from './soap-envelope.js';
import {
  childNamed,
  childrenNamed,
  childText,
  readLocalizedFault,
  readRef,
  toVimValue,
  type VimValue,
  type XmlNode,
} from './soap-response.js';
import { VimSoapTransport } from './soap-transport.js';
import {
  propSetOf,
  readDisks,
  readVmProperties,
  type VirtualDiskInfo,
  VM_PROPERTY_PATHS,
  VM_SUMMARY_PATHS,
  type VmPowerState,
  type VmProperties,
  type VmPropertyPath,
} from './vm-properties.js';

export interface VsphereConnectOptions {
  /** `https://vcenter.example.com/sdk` (the path defaults to `/sdk`). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /**
   * SHA-1 (or SHA-256) thumbprint of the server certificate to pin, in any usual spelling. When set,
   * a server presenting another certificate is refused before anything is sent to it.
   */
  readonly thumbprint?: string;
  /** Skip certificate verification entirely (no pin, no CA check); for labs only. */
  readonly insecure?: boolean;
  /** Deadline of each HTTP exchange, default 60 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

/** The parts of the vCenter ServiceContent this client uses, plus what identifies the server. */
export interface VsphereServiceContent {
  readonly apiType: string;
  readonly apiVersion: string;
  readonly fullName: string;
  /** vCenter's own instance UUID (RVTools' `VI SDK UUID`). */
  readonly instanceUuid: string;
  readonly rootFolder: ManagedObjectReference;
  readonly propertyCollector: ManagedObjectReference;
  readonly viewManager: ManagedObjectReference;
  readonly searchIndex: ManagedObjectReference;
  readonly sessionManager: ManagedObjectReference;
}

export interface TaskOutcome {
  readonly task: ManagedObjectReference;
  readonly state: 'success';
  readonly result?: VimValue;
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Longest pause between two polls; polling starts faster and backs off to this. Default 1 s. */
  readonly pollIntervalMs?: number;
}

const SERVICE_INSTANCE: ManagedObjectReference = { type: 'ServiceInstance', value: 'ServiceInstance' };
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_TASK_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_PAGE_SIZE = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function requiredRef(node: XmlNode, name: string): ManagedObjectReference {
  const ref = readRef(childNamed(node, name));
  if (!ref)
    throw new VsphereError(`vSphere ServiceContent has no ${name}; is this a vCenter or ESXi /sdk endpoint?`);
  return ref;
}

function readServiceContent(returnval: XmlNode): VsphereServiceContent {
  const about = childNamed(returnval, 'about');
  return {
    apiType: (about && childText(about, 'apiType')) ?? '',
    apiVersion: (about && childText(about, 'apiVersion')) ?? '',
    fullName: (about && childText(about, 'fullName')) ?? '',
    instanceUuid: (about && childText(about, 'instanceUuid')) ?? '',
    rootFolder: requiredRef(returnval, 'rootFolder'),
    propertyCollector: requiredRef(returnval, 'propertyCollector'),
    viewManager: requiredRef(returnval, 'viewManager'),
    searchIndex: requiredRef(returnval, 'searchIndex'),
    sessionManager: requiredRef(returnval, 'sessionManager'),
  };
}

/** A `PropertyFilterSpec` for `paths` of objects of `type`, starting from `objectSet`. */
function filterSpec(type: string, paths: readonly string[], objectSet: XmlFragment): XmlFragment {
  const pathSet = paths.map((path) => element('pathSet', null, path));
  return element('specSet', null, element('propSet', null, field('type', type), ...pathSet), objectSet);
}

/** Replaces the password wherever a server (or a library) might have echoed it into a message. */
function scrubSecret<T>(error: T, secret: string): T {
  // Very short passwords would blank out ordinary words; no server echoes those in practice.
  if (secret.length < 4 || !(error instanceof Error)) return error;
  const scrub = (text: string): string => text.split(secret).join('***');
  if (error.message.includes(secret)) error.message = scrub(error.message);
  if (error instanceof VsphereFaultError && error.faultMessage.includes(secret)) {
    Object.defineProperty(error, 'faultMessage', { value: scrub(error.faultMessage) });
  }
  return error;
}

/**
 * A small vim25 SOAP client for the executor: one vCenter session, reused across calls, renewed
 * once when the server reports `NotAuthenticated` (idle timeout, vpxd restart), and ended by
 * `close()`. Credentials live only in private fields and never reach messages or logs.
 */
export class VsphereClient {
  readonly #transport: VimSoapTransport;
  readonly #username: string;
  readonly #password: string;
  readonly #content: VsphereServiceContent;
  readonly #origin: string;
  #logins = 0;
  #generation = 0;
  #loginInFlight: Promise<void> | undefined;
  #closed = false;

  private constructor(
    transport: VimSoapTransport,
    content: VsphereServiceContent,
    credentials: { username: string; password: string },
    origin: string,
  ) {
    this.#transport = transport;
    this.#origin = origin;
    this.#content = content;
    this.#username = credentials.username;
    this.#password = credentials.password;
  }

  /** Retrieves the ServiceContent and logs in; the returned client owns one session. */
  static async connect(options: VsphereConnectOptions): Promise<VsphereClient> {
    if (options.username.trim() === '') throw new VsphereError('vSphere username is empty');
    if (options.password === '') throw new VsphereError(`vSphere password for ${options.username} is empty`);
    const endpoint = parseVsphereUrl(options.url);
    const trust: CertificateTrust =
      options.thumbprint !== undefined
        ? { kind: 'pinned', thumbprint: normalizeThumbprint(options.thumbprint) }
        : options.insecure
          ? { kind: 'insecure' }
          : { kind: 'ca' };
    const transport = new VimSoapTransport({
      endpoint,
      agent: createVsphereAgent(trust),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      userAgent: options.userAgent ?? 'flotilla-vsphere',
    });
    try {
      const response = await transport.call('RetrieveServiceContent', SERVICE_INSTANCE);
      const returnval = childNamed(response, 'returnval');
      if (!returnval) throw new VsphereError('vSphere RetrieveServiceContent returned nothing');
      const content = readServiceContent(returnval);
      if (content.apiVersion !== '') transport.apiVersion = content.apiVersion;
      const client = new VsphereClient(transport, content, options, endpoint.sdkUrl.origin);
      await client.#renewSession(client.#generation);
      return client;
    } catch (error) {
      transport.destroy();
      throw scrubSecret(error, options.password);
    }
  }

  /** Connects, runs `work`, and always closes the session, whatever `work` did. */
  static async withSession<T>(
    options: VsphereConnectOptions,
    work: (client: VsphereClient) => Promise<T>,
  ): Promise<T> {
    const client = await VsphereClient.connect(options);
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    await client.close();
    return result;
  }

  get serviceContent(): VsphereServiceContent {
    return this.#content;
  }

  /** How many times this client logged in (1 after connect; more only after session renewals). */
  get loginCount(): number {
    return this.#logins;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Any properties of any managed object, decoded generically (see `toVimValue`). */
  async retrieveProperties(
    ref: ManagedObjectReference,
    paths: readonly string[],
  ): Promise<Record<string, VimValue>> {
    const objects = await this.#retrieve(
      filterSpec(ref.type, paths, element('objectSet', null, refElement('obj', ref))),
      undefined,
      ref,
    );
    const values: Record<string, VimValue> = {};
    for (const object of objects) {
      for (const [path, val] of propSetOf(object)) values[path] = toVimValue(val);
    }
    return values;
  }

  async getVmProperties(
    vm: ManagedObjectReference,
    paths: readonly VmPropertyPath[] = VM_PROPERTY_PATHS,
  ): Promise<VmProperties> {
    const objects = await this.#retrieve(
      filterSpec('VirtualMachine', paths, element('objectSet', null, refElement('obj', vm))),
      undefined,
      vm,
    );
    const object = objects[0];
    return readVmProperties(vm, object ? propSetOf(object) : new Map());
  }

  /** Every VM (templates included) under the root folder, paged through the PropertyCollector. */
  async listVms(
    options: { paths?: readonly VmPropertyPath[]; pageSize?: number } = {},
  ): Promise<VmProperties[]> {
    const view = readRef(
      childNamed(
        await this.#invoke('CreateContainerView', this.#content.viewManager, [
          refElement('container', this.#content.rootFolder),
          field('type', 'VirtualMachine'),
          field('recursive', true),
        ]),
        'returnval',
      ),
    );
    if (!view) throw new VsphereError('vSphere CreateContainerView returned no view');
    try {
      const traverse = typedElement(
        'selectSet',
        'TraversalSpec',
        field('name', 'traverseView'),
        field('type', 'ContainerView'),
        field('path', 'view'),
        field('skip', false),
      );
      const objectSet = element('objectSet', null, refElement('obj', view), field('skip', true), traverse);
      const objects = await this.#retrieve(
        filterSpec('VirtualMachine', options.paths ?? VM_SUMMARY_PATHS, objectSet),
        options.pageSize ?? DEFAULT_PAGE_SIZE,
      );
      const vms: VmProperties[] = [];
      for (const object of objects) {
        const ref = readRef(childNamed(object, 'obj'));
        if (ref) vms.push(readVmProperties(ref, propSetOf(object)));
      }
      return vms;
    } finally {
      // Views live as long as the session; a long-running executor must not pile them up.
      await this.#invoke('DestroyView', view).catch(() => undefined);
    }
  }

  /** SearchIndex.FindByUuid on instance UUIDs (`config.instanceUuid`); null when no VM has it. */
  findVmByInstanceUuid(uuid: string): Promise<ManagedObjectReference | null> {
    return this.#findVmByUuid(uuid, true);
  }

  /** SearchIndex.FindByUuid on BIOS UUIDs (`config.uuid`), which clones can share: first match wins. */
  findVmByBiosUuid(uuid: string): Promise<ManagedObjectReference | null> {
    return this.#findVmByUuid(uuid, false);
  }

  /** Asks VMware Tools to shut the guest down; returns at once (the VM powers off later). */
  async shutdownGuest(vm: ManagedObjectReference): Promise<void> {
    await this.#invoke('ShutdownGuest', vm, [], vm);
  }

  /** Hard power-off; resolves to the task, to be awaited with `waitForTask`. */
  powerOffVm(vm: ManagedObjectReference): Promise<ManagedObjectReference> {
    return this.#startTask('PowerOffVM_Task', vm);
  }

  powerOnVm(vm: ManagedObjectReference): Promise<ManagedObjectReference> {
    return this.#startTask('PowerOnVM_Task', vm);
  }

  /** `CreateSnapshot_Task`; resolves to the task, whose result is the new snapshot's reference. */
  createSnapshot(
    vm: ManagedObjectReference,
    options: { name: string; description: string; memory: boolean; quiesce: boolean },
  ): Promise<ManagedObjectReference> {
    return this.#startTask('CreateSnapshot_Task', vm, [
      field('name', options.name),
      field('description', options.description),
      field('memory', options.memory),
      field('quiesce', options.quiesce),
    ]);
  }

  /**
   * `RemoveSnapshot_Task` on the snapshot; with `consolidate` the delta disks are merged into their
   * parents in the same task.
   */
  removeSnapshot(
    snapshot: ManagedObjectReference,
    options: { removeChildren: boolean; consolidate: boolean },
  ): Promise<ManagedObjectReference> {
    return this.#startTask('RemoveSnapshot_Task', snapshot, [
      field('removeChildren', options.removeChildren),
      field('consolidate', options.consolidate),
    ]);
  }

  /** `ReconfigVM_Task` turning changed block tracking on or off (active after the VM's next stun). */
  setChangeTracking(vm: ManagedObjectReference, enabled: boolean): Promise<ManagedObjectReference> {
    return this.#startTask('ReconfigVM_Task', vm, [
      element('spec', null, field('changeTrackingEnabled', enabled)),
    ]);
  }

  /** The VM's `snapshot.rootSnapshotList`; empty when it has no snapshot. */
  async getSnapshotTree(vm: ManagedObjectReference): Promise<VmSnapshotTree[]> {
    const objects = await this.#retrieve(
      filterSpec('VirtualMachine', ['snapshot'], element('objectSet', null, refElement('obj', vm))),
      undefined,
      vm,
    );
    const info = objects[0] ? propSetOf(objects[0]).get('snapshot') : undefined;
    return info ? readSnapshotTrees(childrenNamed(info, 'rootSnapshotList')) : [];
  }

  /** The disks as the snapshot captured them (`config.hardware.device` of the VirtualMachineSnapshot). */
  async getSnapshotDisks(snapshot: ManagedObjectReference): Promise<VirtualDiskInfo[]> {
    const objects = await this.#retrieve(
      filterSpec(
        'VirtualMachineSnapshot',
        ['config.hardware.device'],
        element('objectSet', null, refElement('obj', snapshot)),
      ),
      undefined,
      snapshot,
    );
    const devices = objects[0] ? propSetOf(objects[0]).get('config.hardware.device') : undefined;
    return devices ? readDisks(devices) : [];
  }

  /** A task's `info`, once (see `waitForTask` to wait for its end). */
  async getTaskInfo(task: ManagedObjectReference): Promise<TaskInfo> {
    const [info] = await this.#taskInfos([task]);
    if (!info) throw new VsphereError(`vSphere task ${task.value} has no info`);
    return info;
  }

  /**
   * The entity's `recentTask` (running, queued and recently finished tasks on it) with their
   * `info`, oldest first by queue time. Tasks vCenter forgot between the two reads are left out.
   */
  async getRecentTasks(entity: ManagedObjectReference): Promise<TaskInfo[]> {
    const { recentTask } = await this.retrieveProperties(entity, ['recentTask']);
    const refs = (
      Array.isArray(recentTask) ? recentTask : recentTask === undefined ? [] : [recentTask]
    ).filter(
      (value): value is ManagedObjectReference =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        'type' in value &&
        'value' in value,
    );
    if (refs.length === 0) return [];
    const infos = await this.#taskInfos(refs);
    return infos.sort((a, b) => (a.queueTime ?? '').localeCompare(b.queueTime ?? ''));
  }

  async #taskInfos(tasks: readonly ManagedObjectReference[]): Promise<TaskInfo[]> {
    // One exchange for all: a task that disappeared in between comes back in missingSet, not as a fault.
    const objectSets = tasks.map((task) => element('objectSet', null, refElement('obj', task)));
    const spec = element(
      'specSet',
      null,
      element('propSet', null, field('type', 'Task'), element('pathSet', null, 'info')),
      ...objectSets,
    );
    const objects = await this.#retrieve(spec, undefined, tasks.length === 1 ? tasks[0] : undefined);
    const infos: TaskInfo[] = [];
    for (const object of objects) {
      const ref = readRef(childNamed(object, 'obj'));
      const info = propSetOf(object).get('info');
      if (ref && info) infos.push(readTaskInfo(ref, info));
    }
    return infos;
  }

  /**
   * Polls `info` until the task ends. A failed task throws `VsphereFaultError` carrying the fault's
   * type and localized message; running past the deadline throws `VsphereTimeoutError`.
   */
  async waitForTask(task: ManagedObjectReference, options: WaitOptions = {}): Promise<TaskOutcome> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let pause = 50;
    let lastState = 'unknown';
    for (;;) {
      const objects = await this.#retrieve(
        filterSpec('Task', ['info'], element('objectSet', null, refElement('obj', task))),
        undefined,
        task,
      );
      const info = objects[0] ? propSetOf(objects[0]).get('info') : undefined;
      if (!info) throw new VsphereError(`vSphere task ${task.value} has no info`);
      lastState = childText(info, 'state') ?? 'unknown';
      if (lastState === 'success') {
        const result = childNamed(info, 'result');
        return result ? { task, state: 'success', result: toVimValue(result) } : { task, state: 'success' };
      }
      if (lastState === 'error') {
        const error = childNamed(info, 'error');
        const fault = error ? readLocalizedFault(error) : { faultName: 'UnknownFault', faultMessage: '' };
        const entity = readRef(childNamed(info, 'entity'));
        throw new VsphereFaultError({
          ...fault,
          method: childText(info, 'descriptionId') || childText(info, 'name') || 'task',
          task,
          ...(entity ? { target: entity } : {}),
        });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new VsphereTimeoutError(`vSphere task ${task.value} still ${lastState} after ${timeoutMs} ms`);
      }
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, options.pollIntervalMs ?? 1_000);
    }
  }

  /** Polls `runtime.powerState` until it equals `state`; throws `VsphereTimeoutError` past the deadline. */
  async waitForPowerState(
    vm: ManagedObjectReference,
    state: VmPowerState,
    timeoutMs: number,
    options: Pick<WaitOptions, 'pollIntervalMs'> = {},
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let pause = 50;
    for (;;) {
      const { powerState } = await this.getVmProperties(vm, ['runtime.powerState']);
      if (powerState === state) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new VsphereTimeoutError(
          `vSphere VM ${vm.value} is still ${powerState ?? 'in an unknown power state'} after ${timeoutMs} ms, ` +
            `waiting for ${state}`,
        );
      }
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, options.pollIntervalMs ?? 1_000);
    }
  }

  /**
   * Ends the server session. The client stays usable: a later call logs in again. A session the
   * server already dropped counts as ended.
   */
  async logout(): Promise<void> {
    await this.#loginInFlight?.catch(() => undefined);
    if (!this.#transport.hasSession) return;
    try {
      await this.#transport.call('Logout', this.#content.sessionManager);
    } catch (error) {
      if (!(error instanceof VsphereFaultError && error.faultName === 'NotAuthenticated')) {
        throw scrubSecret(error, this.#password);
      }
    } finally {
      this.#transport.forgetSession();
      this.#generation += 1;
    }
  }

  /**
   * Logs out and releases the connections; idempotent. Rethrows a failed Logout after the local
   * resources are released, so a session the server may still hold is never silent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.logout();
    } finally {
      this.#transport.destroy();
    }
  }

  async #findVmByUuid(uuid: string, instanceUuid: boolean): Promise<ManagedObjectReference | null> {
    const response = await this.#invoke('FindByUuid', this.#content.searchIndex, [
      field('uuid', uuid),
      field('vmSearch', true),
      field('instanceUuid', instanceUuid),
    ]);
    return readRef(childNamed(response, 'returnval')) ?? null;
  }

  async #startTask(
    method: string,
    target: ManagedObjectReference,
    params: readonly XmlFragment[] = [],
  ): Promise<ManagedObjectReference> {
    const task = readRef(childNamed(await this.#invoke(method, target, params, target), 'returnval'));
    if (!task) throw new VsphereError(`vSphere ${method} on ${describeRef(target)} returned no task`);
    return task;
  }

  /** RetrievePropertiesEx, following `token` through ContinueRetrievePropertiesEx; returns ObjectContents. */
  async #retrieve(
    spec: XmlFragment,
    maxObjects: number | undefined,
    target?: ManagedObjectReference,
  ): Promise<XmlNode[]> {
    const collector = this.#content.propertyCollector;
    const options = element('options', null, field('maxObjects', maxObjects));
    const objects: XmlNode[] = [];
    let result = childNamed(
      await this.#invoke('RetrievePropertiesEx', collector, [spec, options], target),
      'returnval',
    );
    while (result) {
      objects.push(...childrenNamed(result, 'objects'));
      const token = childText(result, 'token');
      if (token === undefined) break;
      try {
        result = childNamed(
          await this.#invoke('ContinueRetrievePropertiesEx', collector, [field('token', token)]),
          'returnval',
        );
      } catch (error) {
        // The server keeps the remaining pages for the session until told otherwise.
        await this.#invoke('CancelRetrievePropertiesEx', collector, [field('token', token)]).catch(
          () => undefined,
        );
        throw error;
      }
    }
    return objects;
  }

  /** One vim call in the session: logs in if needed, and renews the session once if the server dropped it. */
  async #invoke(
    method: string,
    self: ManagedObjectReference,
    params: readonly XmlFragment[] = [],
    target?: ManagedObjectReference,
  ): Promise<XmlNode> {
    if (this.#closed) throw new VsphereError(`vSphere client is closed; cannot call ${method}`);
    await this.#loginInFlight;
    if (!this.#transport.hasSession) await this.#renewSession(this.#generation);
    const generation = this.#generation;
    try {
      return await this.#transport.call(method, self, params, target);
    } catch (error) {
      if (!(error instanceof VsphereFaultError && error.faultName === 'NotAuthenticated') || this.#closed) {
        throw scrubSecret(error, this.#password);
      }
    }
    await this.#renewSession(generation);
    try {
      return await this.#transport.call(method, self, params, target);
    } catch (error) {
      throw scrubSecret(error, this.#password);
    }
  }

  /**
   * Logs in unless another caller already renewed the session seen at `generation`: concurrent
   * calls that all hit NotAuthenticated share one Login.
   */
  async #renewSession(generation: number): Promise<void> {
    // A session opened after close() would never be logged out.
    if (this.#closed) throw new VsphereError('vSphere client is closed; not logging in again');
    if (this.#loginInFlight) return this.#loginInFlight;
    if (generation !== this.#generation && this.#transport.hasSession) return;
    const login = (async () => {
      // vCenter refuses Login on a request that still carries a live session cookie.
      this.#transport.forgetSession();
      await this.#transport.call('Login', this.#content.sessionManager, [
        field('userName', this.#username),
        field('password', this.#password),
      ]);
      this.#logins += 1;
      this.#generation += 1;
    })();
    this.#loginInFlight = login;
    try {
      await login;
    } catch (error) {
      if (error instanceof VsphereFaultError) {
        throw scrubSecret(
          new VsphereFaultError({
            faultName: error.faultName,
            faultMessage: `${error.faultMessage} (user ${JSON.stringify(this.#username)} at ${this.#origin})`,
            method: 'Login',
          }),
          this.#password,
        );
      }
      throw scrubSecret(error, this.#password);
    } finally {
      this.#loginInFlight = undefined;
    }
  }
}
