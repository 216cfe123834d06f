import { createHash } from 'node:crypto';
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ManagedObjectReference, VsphereClient } from '#libs/vsphere';
import { testCertificate } from './soap-stub.js';
import { startVcsim, type VcsimInstance, type VcsimOptions } from './vcsim.js';

/**
 * Changed block tracking in front of vcsim. vcsim 0.24 stores `config.changeTrackingEnabled` and
 * models snapshots, but its disk backings never carry a `changeId`. This layer is an HTTPS SOAP
 * proxy (vcsim's own test certificate, so the same thumbprint) that forwards every call to vcsim
 * and writes ESXi-like change IDs into the disk backings it returns:
 *
 * - a VM whose CBT is on and active: each disk `<cbt uuid>/<sequence>`; the CBT UUID is per disk
 *   and per activation (turning CBT off and on again is a CBT reset: new UUID);
 * - CBT turned on through `ReconfigVM_Task` becomes active at the VM's next stun, i.e. its next
 *   snapshot or power-on, as on ESXi; `enableChangeTracking` turns it on and active at once;
 * - `CreateSnapshot_Task` freezes the VM's change IDs into the new snapshot (its
 *   `config.hardware.device`) and advances the VM's sequence, so each snapshot's change IDs are
 *   those a later `QueryChangedDiskAreas(changeId=...)` would start from.
 *
 * Not modelled: delta disk file names (`-000001.vmdk`), QueryChangedDiskAreas itself, per-disk
 * CBT settings (`scsiX:Y.ctkEnabled`).
 */
export interface ChangeTrackingLayer {
  /** `https://127.0.0.1:PORT/sdk` of the layer (give this to the executor and to CDI). */
  readonly url: string;
  /** The same certificate as vcsim: the same SHA-1 thumbprint. */
  readonly thumbprint: string;
  /**
   * Turns CBT on for these VMs (names or `vm-N` references) through the layer, active at once,
   * like VMs that have run with CBT for a while.
   */
  enableChangeTracking(vms: readonly string[]): Promise<void>;
  /** Turns CBT off (`ReconfigVM_Task`); change IDs disappear. */
  disableChangeTracking(vms: readonly string[]): Promise<void>;
  /** The change ID the layer reports now for a VM's disk, or null (CBT off or not yet active). */
  currentChangeId(vmRef: string, diskKey: number): string | null;
  /**
   * The next `CreateSnapshot_Task` on this VM (name or `vm-N`) fails like vCenter's: the task ends
   * in `error` with this fault and no snapshot is left (e.g. a quiesced snapshot of a Windows guest
   * without VSS: `ApplicationQuiesceFault`).
   */
  failNextSnapshot(vm: string, fault?: { faultName: string; message: string }): Promise<void>;
  close(): Promise<void>;
}

export interface ChangeTrackingVcsim extends ChangeTrackingLayer {
  readonly username: string;
  readonly password: string;
  /** The vcsim behind the layer (its own URL bypasses the layer). */
  readonly vcsim: VcsimInstance;
}

interface Tracking {
  enabled: boolean;
  active: boolean;
  generation: number;
  sequence: number;
}

interface FrozenChangeIds {
  vm: string;
  generation: number;
  sequence: number;
}

/** ESXi writes the disk's CBT UUID as 16 hex bytes, spaced, with a dash in the middle. */
function cbtUuid(vm: string, diskKey: number, generation: number): string {
  const bytes = createHash('sha1').update(`${vm}/${diskKey}/${generation}`).digest('hex').slice(0, 32);
  const pairs = bytes.match(/../g) ?? [];
  return `${pairs.slice(0, 8).join(' ')}-${pairs.slice(8).join(' ')}`;
}

function changeId(vm: string, diskKey: number, generation: number, sequence: number): string {
  return `${cbtUuid(vm, diskKey, generation)}/${sequence}`;
}

const THIS_REF = /<_this[^>]*type="([^"]+)"[^>]*>([^<]+)<\/_this>/;
const METHOD = /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/;
const OBJECTS = /<objects>([\s\S]*?)<\/objects>/g;
const OBJ_REF = /<obj[^>]*type="([^"]+)"[^>]*>([^<]+)<\/obj>/;
// vcsim (Go's encoder) binds the XSI namespace to the prefix `XMLSchema-instance`, vCenter to `xsi`.
const DISK = /(<VirtualDevice[^>]*[\w-]+:type="VirtualDisk"[^>]*>)([\s\S]*?)(<\/VirtualDevice>)/g;

const RECENT_TASKS_KEPT = 20;

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A finished task's `info` turned into a failure: state error, no result, the fault. */
function asFailedTask(objectXml: string, fault: { faultName: string; message: string }): string {
  return objectXml
    .replace(/<result[^>]*>[^<]*<\/result>/, '')
    .replace(
      /<state>success<\/state>/,
      `<state>error</state><error><fault xsi:type="${fault.faultName}"></fault>` +
        `<localizedMessage>${escapeText(fault.message)}</localizedMessage></error>`,
    );
}

/** vcsim leaves a VM's `recentTask` empty; vCenter lists the tasks run on it. */
function withRecentTasks(objectXml: string, tasks: readonly string[]): string {
  const list = tasks.map((task) => `<ManagedObjectReference type="Task">${task}</ManagedObjectReference>`);
  const propSet = `<propSet><name>recentTask</name><val xsi:type="ArrayOfManagedObjectReference">${list.join('')}</val></propSet>`;
  return objectXml
    .replace(/<propSet><name>recentTask<\/name>[\s\S]*?<\/propSet>/, '')
    .replace(/<missingSet><path>recentTask<\/path>[\s\S]*?<\/missingSet>/, '')
    .replace('</obj>', `</obj>${propSet}`);
}

/**
 * Writes `changeId` into each VirtualDisk backing of one `ObjectContent`, and names the file the
 * `delta`-th delta of its base (`disk1-000002.vmdk`) as ESXi does while snapshots exist.
 */
function withDiskState(
  objectXml: string,
  delta: number,
  changeIdOf: (diskKey: number) => string | null,
): string {
  return objectXml.replace(DISK, (_whole, open: string, inner: string, close: string) => {
    const key = Number(/<key>(-?\d+)<\/key>/.exec(inner)?.[1]);
    const id = Number.isFinite(key) ? changeIdOf(key) : null;
    let rewritten = inner.replace(/<changeId>[^<]*<\/changeId>/, '');
    if (id !== null) rewritten = rewritten.replace('</backing>', `<changeId>${id}</changeId></backing>`);
    if (delta > 0)
      rewritten = rewritten.replace(
        /(<fileName>[^<]*?)(\.vmdk<\/fileName>)/,
        `$1-${String(delta).padStart(6, '0')}$2`,
      );
    return `${open}${rewritten}${close}`;
  });
}

/** Starts the layer in front of a running vcsim. */
export async function startChangeTrackingLayer(
  vcsim: VcsimInstance,
  options: {
    /** Name VM disks after their snapshot deltas (`-000001.vmdk`) like ESXi (default true). */
    deltaDiskNames?: boolean;
  } = {},
): Promise<ChangeTrackingLayer> {
  const deltaDiskNames = options.deltaDiskNames ?? true;
  const { cert, key } = testCertificate();
  const upstream = new URL(vcsim.url);
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
  const tracking = new Map<string, Tracking>();
  const frozen = new Map<string, FrozenChangeIds>();
  const recentTasks = new Map<string, string[]>();
  const vmOfSnapshot = new Map<string, string>();
  const pendingFailures = new Map<string, { faultName: string; message: string }>();
  const failedTasks = new Map<string, { faultName: string; message: string }>();
  // Delta file number a VM's disks run on now, and the one each snapshot captured.
  const vmDelta = new Map<string, number>();
  const snapshotDelta = new Map<string, number>();
  // The layer's own session to vcsim, to read task results and resolve VM names.
  const own = await VsphereClient.connect({
    url: vcsim.url,
    username: vcsim.username,
    password: vcsim.password,
    thumbprint: vcsim.thumbprint,
  });

  const activate = (vm: string): void => {
    const state = tracking.get(vm);
    if (!state?.enabled || state.active) return;
    state.active = true;
    state.generation += 1;
    state.sequence = 1;
  };

  const currentChangeId = (vm: string, diskKey: number): string | null => {
    const state = tracking.get(vm);
    if (!state?.enabled || !state.active) return null;
    return changeId(vm, diskKey, state.generation, state.sequence);
  };

  const rewriteObjects = (xml: string, requestBody: string): string =>
    xml.replace(OBJECTS, (whole: string, inner: string) => {
      const ref = OBJ_REF.exec(inner);
      if (!ref) return whole;
      const [, type, value] = ref;
      if (type === 'Task') {
        const fault = failedTasks.get(value);
        return fault ? asFailedTask(whole, fault) : whole;
      }
      if (type === 'VirtualMachine') {
        const tracked = withDiskState(whole, vmDelta.get(value) ?? 0, (disk) => currentChangeId(value, disk));
        return requestBody.includes('<pathSet>recentTask</pathSet>')
          ? withRecentTasks(tracked, recentTasks.get(value) ?? [])
          : tracked;
      }
      if (type !== 'VirtualMachineSnapshot') return whole;
      const snapshot = frozen.get(value);
      return withDiskState(whole, snapshotDelta.get(value) ?? 0, (disk) =>
        snapshot ? changeId(snapshot.vm, disk, snapshot.generation, snapshot.sequence) : null,
      );
    });

  /** The VM a call acts on: itself, or the VM of a snapshot (asked before a removal makes it unknown). */
  const vmOfCall = async (self: ManagedObjectReference | undefined): Promise<string | undefined> => {
    if (self?.type === 'VirtualMachine') return self.value;
    if (self?.type !== 'VirtualMachineSnapshot') return undefined;
    const known = vmOfSnapshot.get(self.value);
    if (known) return known;
    const { vm } = await own.retrieveProperties(self, ['vm']).catch(() => ({ vm: undefined }));
    const ref = typeof vm === 'object' && !Array.isArray(vm) ? (vm as { value?: unknown }) : undefined;
    const value = typeof ref?.value === 'string' ? ref.value : undefined;
    if (value) vmOfSnapshot.set(self.value, value);
    return value;
  };

  /** Bookkeeping after vcsim answered a call (its tasks have finished by then). */
  const afterCall = async (
    method: string,
    self: ManagedObjectReference | undefined,
    vm: string | undefined,
    body: string,
    answer: string,
  ) => {
    const task = /<returnval[^>]*type="Task"[^>]*>([^<]+)<\/returnval>/.exec(answer)?.[1];
    if (task && vm) recentTasks.set(vm, [...(recentTasks.get(vm) ?? []), task].slice(-RECENT_TASKS_KEPT));
    if (!self) return;
    if (method === 'ReconfigVM_Task') {
      const flag = /<changeTrackingEnabled>(true|false)<\/changeTrackingEnabled>/.exec(body)?.[1];
      if (flag === undefined) return;
      const state = tracking.get(self.value) ?? { enabled: false, active: false, generation: 0, sequence: 0 };
      state.enabled = flag === 'true';
      if (!state.enabled) state.active = false;
      tracking.set(self.value, state);
      return;
    }
    if (method === 'RemoveSnapshot_Task' && vm) {
      // Without snapshots left the deltas are consolidated into the base disks.
      if ((await own.getSnapshotTree({ type: 'VirtualMachine', value: vm })).length === 0) vmDelta.delete(vm);
      return;
    }
    if (method === 'PowerOnVM_Task') {
      activate(self.value);
      return;
    }
    if (method === 'CreateSnapshot_Task') {
      if (!task) return;
      const info = await own.getTaskInfo({ type: 'Task', value: task });
      const result = info.result;
      if (info.state !== 'success' || typeof result !== 'object' || Array.isArray(result)) return;
      const snapshot = (result as ManagedObjectReference).value;
      if (typeof snapshot === 'string') vmOfSnapshot.set(snapshot, self.value);
      const failure = pendingFailures.get(self.value);
      if (failure && typeof snapshot === 'string') {
        pendingFailures.delete(self.value);
        failedTasks.set(task, failure);
        await own.waitForTask(
          await own.removeSnapshot(
            { type: 'VirtualMachineSnapshot', value: snapshot },
            { removeChildren: false, consolidate: true },
          ),
        );
        return;
      }
      if (deltaDiskNames && typeof snapshot === 'string') {
        const delta = vmDelta.get(self.value) ?? 0;
        snapshotDelta.set(snapshot, delta);
        vmDelta.set(self.value, delta + 1);
      }
      activate(self.value);
      const state = tracking.get(self.value);
      if (!state?.enabled || !state.active || typeof snapshot !== 'string') return;
      frozen.set(snapshot, { vm: self.value, generation: state.generation, sequence: state.sequence });
      state.sequence += 1;
    }
  };

  const forward = (
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path,
          method: 'POST',
          agent,
          headers: { ...headers, host: upstream.host, 'content-length': String(body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const body = raw.toString('utf8');
        const method = METHOD.exec(body)?.[1] ?? '';
        const thisRef = THIS_REF.exec(body);
        const self = thisRef ? { type: thisRef[1], value: thisRef[2] } : undefined;
        const { 'content-length': _length, 'transfer-encoding': _encoding, ...headers } = req.headers;
        const vm = method.endsWith('_Task') ? await vmOfCall(self) : undefined;
        const answer = await forward(req.url ?? '/sdk', headers, raw);
        if (answer.status < 300) await afterCall(method, self, vm, body, answer.body);
        const text =
          answer.status < 300 && method.includes('RetrieveProperties')
            ? rewriteObjects(answer.body, body)
            : answer.body;
        const { 'content-length': _l, 'transfer-encoding': _t, connection: _c, ...back } = answer.headers;
        res.writeHead(answer.status, { ...back, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })().catch((error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`change-tracking layer: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}/sdk`;

  // Reconfigured through the layer, so its bookkeeping sees the change like any client's.
  const client = await VsphereClient.connect({
    url,
    username: vcsim.username,
    password: vcsim.password,
    thumbprint: vcsim.thumbprint,
  });
  const resolveVms = async (vms: readonly string[]): Promise<ManagedObjectReference[]> => {
    const all = await own.listVms({ paths: ['name'] });
    return vms.map((wanted) => {
      const found = all.find((vm) => vm.name === wanted || vm.moref.value === wanted);
      if (!found) throw new Error(`vcsim has no VM named or referenced ${wanted}`);
      return found.moref;
    });
  };
  const setTracking = async (vms: readonly string[], enabled: boolean): Promise<void> => {
    for (const vm of await resolveVms(vms)) {
      await client.waitForTask(await client.setChangeTracking(vm, enabled));
      if (enabled) activate(vm.value);
    }
  };

  let closing: Promise<void> | undefined;
  return {
    url,
    thumbprint: vcsim.thumbprint,
    enableChangeTracking: (vms) => setTracking(vms, true),
    disableChangeTracking: (vms) => setTracking(vms, false),
    currentChangeId,
    async failNextSnapshot(vm, fault) {
      const [ref] = await resolveVms([vm]);
      if (!ref) return;
      pendingFailures.set(
        ref.value,
        fault ?? {
          faultName: 'ApplicationQuiesceFault',
          message:
            "An error occurred while quiescing the virtual machine. See the virtual machine's event log for details.",
        },
      );
    },
    close() {
      closing ??= (async () => {
        await client.close().catch(() => undefined);
        await own.close().catch(() => undefined);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        agent.destroy();
      })();
      return closing;
    },
  };
}

/**
 * vcsim with the change-tracking layer in front: what warm migration tests talk to. The VMs in
 * `changeTracking` (names or `vm-N`) start with CBT on and active.
 */
export async function startChangeTrackingVcsim(
  options: VcsimOptions & { changeTracking?: readonly string[] } = {},
): Promise<ChangeTrackingVcsim> {
  const { changeTracking, ...vcsimOptions } = options;
  const vcsim = await startVcsim(vcsimOptions);
  let layer: ChangeTrackingLayer;
  try {
    layer = await startChangeTrackingLayer(vcsim);
    if (changeTracking && changeTracking.length > 0) await layer.enableChangeTracking(changeTracking);
  } catch (error) {
    await vcsim.close();
    throw error;
  }
  return {
    ...layer,
    username: vcsim.username,
    password: vcsim.password,
    vcsim,
    enableChangeTracking: (vms) => layer.enableChangeTracking(vms),
    disableChangeTracking: (vms) => layer.disableChangeTracking(vms),
    currentChangeId: (vm, disk) => layer.currentChangeId(vm, disk),
    failNextSnapshot: (vm, fault) => layer.failNextSnapshot(vm, fault),
    async close() {
      await layer.close();
      await vcsim.close();
    },
  };
}
