import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import {
  type DataVolume,
  LABEL_EXECUTION,
  LABEL_VM,
  type Pod,
  type Secret,
  type VirtualMachine,
} from '#libs/kubevirt';
import { apiClientsSharingConnections } from './kube-connections.js';
import {
  type DataVolumeCheckpoint,
  type DataVolumeCondition,
  type DataVolumeEvent,
  type DataVolumeState,
  type DeletedObjects,
  type EnsureResult,
  type OwnerLabels,
  type PodEvent,
  type PodState,
  type TargetCluster,
  TargetConflictError,
  TargetRejectedError,
  type VirtualMachineState,
} from './ports.js';

const CDI = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes' } as const;
const KUBEVIRT_VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' } as const;
const KUBEVIRT_VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' } as const;
const INSTANCETYPE = { group: 'instancetype.kubevirt.io', version: 'v1beta1' } as const;
const VOLUME_IMPORT_SOURCES = {
  group: 'cdi.kubevirt.io',
  version: 'v1beta1',
  plural: 'volumeimportsources',
} as const;
/** CDI's own label on what it creates (common.CDILabelKey=CDILabelValue): prime PVCs, importer pods. */
const CDI_CREATED = 'app=containerized-data-importer';

interface CdiLeftovers {
  /** Populator `prime-<uid>` PVCs owned by one of our claims. */
  primeClaims: string[];
  /** Importer pods owned by one of our claims or by their prime PVCs. */
  importerPods: string[];
  /** VolumeImportSources owned by one of our DataVolumes (CDI >= 1.57; none on older CDI). */
  importSources: string[];
}

type Json = Record<string, unknown>;

export interface KubeRetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured; a server asking for more gets this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_KUBE_RETRY: KubeRetryPolicy = {
  attempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/** A Kubernetes API failure described without the request body (a Secret's data must never reach a log). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | null,
    readonly operation: string,
    detail: string,
  ) {
    super(`Kubernetes API ${operation} failed: HTTP ${status}${reason ? ` ${reason}` : ''}: ${detail}`);
    this.name = 'KubeApiError';
  }
}

const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' ? (value as Json) : {};
const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const labelsOf = (object: unknown): Record<string, string> =>
  asObject(asObject(asObject(object).metadata).labels) as Record<string, string>;
const terminating = (object: unknown): boolean =>
  Boolean(asObject(asObject(object).metadata).deletionTimestamp);

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = header(headers, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function statusReason(error: ApiException<unknown>): string | null {
  const body = typeof error.body === 'string' ? safeParse(error.body) : error.body;
  return asString(asObject(body).reason);
}

function statusMessage(error: ApiException<unknown>): string {
  const body = typeof error.body === 'string' ? safeParse(error.body) : error.body;
  return asString(asObject(body).message) ?? `HTTP ${error.code}`;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'EAI_AGAIN',
]);

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /socket hang up|ECONNRESET|ECONNREFUSED|fetch failed|network/i.test(error.message);
}

/**
 * Sent on every write: a field this cluster's CDI or KubeVirt does not know fails the request
 * (400 "strict decoding error: unknown field ...") instead of being dropped with a warning nobody
 * reads, which would migrate a VM without, say, its serial or its TPM setting.
 */
const STRICT = { fieldValidation: 'Strict' } as const;

/** An admission webhook's decision (kubemacpool answers 500): final, not an outage. */
const WEBHOOK_DENIAL = /admission webhook "[^"]+" denied the request/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function ownedBy(object: unknown, kind: string, names: ReadonlySet<string>): boolean {
  const refs = asObject(asObject(object).metadata).ownerReferences;
  return (Array.isArray(refs) ? refs : []).some((ref) => {
    const entry = asObject(ref);
    return entry.kind === kind && typeof entry.name === 'string' && names.has(entry.name);
  });
}

function namesOf(items: unknown): string[] {
  return (Array.isArray(items) ? items : []).map((item) => String(asObject(asObject(item).metadata).name));
}

function ownerSelector(owner: OwnerLabels): string {
  return `${LABEL_EXECUTION}=${owner.execution},${LABEL_VM}=${owner.vm}`;
}

function dataVolumeState(object: unknown): DataVolumeState {
  const metadata = asObject(asObject(object).metadata);
  const status = asObject(asObject(object).status);
  const progress = asString(status.progress);
  const match = progress === null ? null : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(progress);
  const conditions: DataVolumeCondition[] = (Array.isArray(status.conditions) ? status.conditions : []).map(
    (entry) => {
      const condition = asObject(entry);
      const result: DataVolumeCondition = {
        type: String(condition.type ?? ''),
        status: String(condition.status ?? ''),
      };
      const reason = asString(condition.reason);
      const message = asString(condition.message);
      if (reason) result.reason = reason;
      if (message) result.message = message;
      return result;
    },
  );
  const name = String(metadata.name ?? '');
  const checkpoints = asObject(asObject(object).spec).checkpoints;
  return {
    name,
    labels: labelsOf(object),
    phase: asString(status.phase),
    progressPct: match ? Math.min(100, Number(match[1])) : null,
    restartCount: typeof status.restartCount === 'number' ? status.restartCount : 0,
    conditions,
    claimName: asString(status.claimName) ?? name,
    checkpoints: (Array.isArray(checkpoints) ? checkpoints : []).map((entry) => ({
      previous: asString(asObject(entry).previous) ?? '',
      current: asString(asObject(entry).current) ?? '',
    })),
  };
}

/** CDI marks each copied checkpoint on the PVC with `<prefix>.<current>` (the value is the importer pod's UID). */
const CHECKPOINT_COPIED_PREFIX = 'cdi.kubevirt.io/storage.checkpoint.copied.';

function podState(object: unknown): PodState {
  const status = asObject(asObject(object).status);
  const metadata = asObject(asObject(object).metadata);
  let message = asString(status.message);
  for (const entry of Array.isArray(status.containerStatuses) ? status.containerStatuses : []) {
    const terminated = asObject(asObject(asObject(entry).state).terminated);
    const text = asString(terminated.message) ?? asString(terminated.reason);
    if (text && terminated.exitCode !== 0) message = text;
  }
  return {
    name: String(metadata.name ?? ''),
    labels: labelsOf(object),
    phase: asString(status.phase),
    message,
    terminating: Boolean(metadata.deletionTimestamp),
  };
}

function virtualMachineState(object: unknown): VirtualMachineState {
  const metadata = asObject(asObject(object).metadata);
  const status = asObject(asObject(object).status);
  const template = asObject(asObject(asObject(object).spec).template);
  const interfaces = asObject(asObject(asObject(template.spec).domain).devices).interfaces;
  return {
    name: String(metadata.name ?? ''),
    uid: String(metadata.uid ?? ''),
    labels: labelsOf(object),
    ready: status.ready === true,
    printableStatus: asString(status.printableStatus),
    macAddresses: (Array.isArray(interfaces) ? interfaces : [])
      .map((entry) => asString(asObject(entry).macAddress))
      .filter((mac): mac is string => mac !== null),
  };
}

/**
 * The target cluster through `@kubernetes/client-node`: CustomObjectsApi for CDI DataVolumes and
 * KubeVirt VMs, CoreV1Api for Secrets, PVCs and Pods. Every call retries 429, 5xx and network
 * failures with exponential back-off, waiting what Retry-After asks (an API server under
 * priority-and-fairness pressure says how long); 409 on create means the object exists, which an
 * idempotent ensure accepts when the labels say it is ours.
 */
export class KubeTargetCluster implements TargetCluster {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  #calls = 0;
  #vmList: { at: number; list: Promise<Array<VirtualMachineState & { namespace: string }>> } | undefined;

  constructor(
    private readonly config: KubeConfig,
    private readonly retry: KubeRetryPolicy = DEFAULT_KUBE_RETRY,
    private readonly listCacheMs = 5_000,
  ) {
    const clients = apiClientsSharingConnections(config);
    this.core = clients.core;
    this.custom = clients.custom;
  }

  /** API requests sent, retries included (the benchmark reports it). */
  get calls(): number {
    return this.#calls;
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    let delay = this.retry.baseDelayMs;
    for (let attempt = 1; ; attempt += 1) {
      this.#calls += 1;
      try {
        return await request();
      } catch (error) {
        const message = error instanceof ApiException ? statusMessage(error) : '';
        const denied = WEBHOOK_DENIAL.test(message);
        const retriable =
          (error instanceof ApiException && !denied && (error.code === 429 || error.code >= 500)) ||
          isNetworkError(error);
        if (!retriable || attempt >= this.retry.attempts) {
          if (error instanceof ApiException) {
            if (denied || error.code === 400 || error.code === 422) {
              throw new TargetRejectedError(operation, error.code, statusReason(error), message);
            }
            throw new KubeApiError(error.code, statusReason(error), operation, message);
          }
          throw error;
        }
        const asked = error instanceof ApiException ? retryAfterMs(error.headers) : undefined;
        const pause =
          asked !== undefined
            ? Math.min(asked, this.retry.maxRetryAfterMs)
            : delay * (0.5 + Math.random() / 2);
        await sleep(pause);
        delay = Math.min(delay * 2, this.retry.maxDelayMs);
      }
    }
  }

  /** null on 404. */
  private async read<T>(operation: string, request: () => Promise<T>): Promise<T | null> {
    try {
      return await this.call(operation, request);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  private async remove(operation: string, request: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(operation, request);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Create, or accept what is there: a replayed step finds its own object (same execution and VM
   * labels); anything else with that name is a conflict the operator must resolve.
   */
  private async ensure<T>(
    kind: string,
    object: { metadata: { name: string; namespace: string; labels: Record<string, string> } },
    create: () => Promise<unknown>,
    get: () => Promise<unknown>,
    decode: (value: unknown) => T,
  ): Promise<EnsureResult<T>> {
    const { name, namespace, labels } = object.metadata;
    try {
      return {
        created: true,
        object: decode(await this.call(`create ${kind} ${namespace}/${name}`, create)),
      };
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    }
    const existing = await this.read(`get ${kind} ${namespace}/${name}`, get);
    if (existing === null) {
      throw new Error(
        `${kind} ${namespace}/${name} was reported as existing but cannot be read; it may be terminating`,
      );
    }
    const found = labelsOf(existing);
    if (found[LABEL_EXECUTION] !== labels[LABEL_EXECUTION] || found[LABEL_VM] !== labels[LABEL_VM]) {
      throw new TargetConflictError(kind, namespace, name, found);
    }
    if (asObject(asObject(existing).metadata).deletionTimestamp) {
      throw new Error(`${kind} ${namespace}/${name} is still being deleted; trying again later`);
    }
    return { created: false, object: decode(existing) };
  }

  ensureSecret(secret: Secret): Promise<EnsureResult<{ name: string }>> {
    const { name, namespace } = secret.metadata;
    return this.ensure(
      'Secret',
      secret,
      () => this.core.createNamespacedSecret({ namespace, body: secret, ...STRICT }),
      () => this.core.readNamespacedSecret({ namespace, name }),
      () => ({ name }),
    );
  }

  ensureDataVolume(dataVolume: DataVolume): Promise<EnsureResult<DataVolumeState>> {
    const { name, namespace } = dataVolume.metadata;
    return this.ensure(
      'DataVolume',
      dataVolume,
      () => this.custom.createNamespacedCustomObject({ ...CDI, namespace, body: dataVolume, ...STRICT }),
      () => this.custom.getNamespacedCustomObject({ ...CDI, namespace, name }),
      dataVolumeState,
    );
  }

  ensurePod(pod: Pod): Promise<EnsureResult<PodState>> {
    const { name, namespace } = pod.metadata;
    return this.ensure(
      'Pod',
      pod,
      () => this.core.createNamespacedPod({ namespace, body: pod, ...STRICT }),
      () => this.core.readNamespacedPod({ namespace, name }),
      podState,
    );
  }

  ensureVirtualMachine(vm: VirtualMachine): Promise<EnsureResult<VirtualMachineState>> {
    const { name, namespace } = vm.metadata;
    return this.ensure(
      'VirtualMachine',
      vm,
      () => this.custom.createNamespacedCustomObject({ ...KUBEVIRT_VM, namespace, body: vm, ...STRICT }),
      () => this.custom.getNamespacedCustomObject({ ...KUBEVIRT_VM, namespace, name }),
      virtualMachineState,
    );
  }

  async getDataVolume(namespace: string, name: string): Promise<DataVolumeState | null> {
    const object = await this.read(`get DataVolume ${namespace}/${name}`, () =>
      this.custom.getNamespacedCustomObject({ ...CDI, namespace, name }),
    );
    return object === null ? null : dataVolumeState(object);
  }

  async deleteDataVolume(namespace: string, name: string): Promise<void> {
    await this.remove(`delete DataVolume ${namespace}/${name}`, () =>
      this.custom.deleteNamespacedCustomObject({ ...CDI, namespace, name, propagationPolicy: 'Background' }),
    );
  }

  async getPod(namespace: string, name: string): Promise<PodState | null> {
    const object = await this.read(`get Pod ${namespace}/${name}`, () =>
      this.core.readNamespacedPod({ namespace, name }),
    );
    return object === null ? null : podState(object);
  }

  async pvcVolumeMode(namespace: string, name: string): Promise<'Filesystem' | 'Block' | null> {
    const object = await this.read(`get PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.core.readNamespacedPersistentVolumeClaim({ namespace, name }),
    );
    if (object === null) return null;
    return object.spec?.volumeMode === 'Block' ? 'Block' : 'Filesystem';
  }

  async pvcImportSucceeded(namespace: string, name: string): Promise<boolean> {
    const object = await this.read(`get PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.core.readNamespacedPersistentVolumeClaim({ namespace, name }),
    );
    if (object === null || object.metadata?.deletionTimestamp) return false;
    return object.metadata?.annotations?.['cdi.kubevirt.io/storage.pod.phase'] === 'Succeeded';
  }

  /** A cluster without the instancetype API answers 404 like a missing object: no preference there either. */
  async preferenceExists(
    kind: 'VirtualMachinePreference' | 'VirtualMachineClusterPreference',
    namespace: string,
    name: string,
  ): Promise<boolean> {
    const found =
      kind === 'VirtualMachinePreference'
        ? await this.read(`get VirtualMachinePreference ${namespace}/${name}`, () =>
            this.custom.getNamespacedCustomObject({
              ...INSTANCETYPE,
              plural: 'virtualmachinepreferences',
              namespace,
              name,
            }),
          )
        : await this.read(`get VirtualMachineClusterPreference ${name}`, () =>
            this.custom.getClusterCustomObject({
              ...INSTANCETYPE,
              plural: 'virtualmachineclusterpreferences',
              name,
            }),
          );
    return found !== null;
  }

  async getVirtualMachine(namespace: string, name: string): Promise<VirtualMachineState | null> {
    const object = await this.read(`get VirtualMachine ${namespace}/${name}`, () =>
      this.custom.getNamespacedCustomObject({ ...KUBEVIRT_VM, namespace, name }),
    );
    return object === null ? null : virtualMachineState(object);
  }

  /**
   * Every VM in the cluster, shared by the Preflights of a few seconds: listing a cluster's VMs
   * for each of hundreds of VMs would be quadratic. A VM created since the list was taken is
   * missed only for `listCacheMs`; the VMs of one wave have the distinct MACs of one inventory.
   */
  listVirtualMachines(
    options: { fresh?: boolean } = {},
  ): Promise<Array<VirtualMachineState & { namespace: string }>> {
    const cached = this.#vmList;
    if (cached && !options.fresh && Date.now() - cached.at < this.listCacheMs) return cached.list;
    const list = this.call('list VirtualMachines', () =>
      this.custom.listClusterCustomObject({ ...KUBEVIRT_VM }),
    ).then((result) => {
      const items = asObject(result).items;
      return (Array.isArray(items) ? items : []).map((item) => ({
        ...virtualMachineState(item),
        namespace: String(asObject(asObject(item).metadata).namespace ?? ''),
      }));
    });
    this.#vmList = { at: Date.now(), list };
    list.catch(() => {
      if (this.#vmList?.list === list) this.#vmList = undefined;
    });
    return list;
  }

  async setDataVolumeCheckpoints(
    namespace: string,
    name: string,
    checkpoints: DataVolumeCheckpoint[],
    finalCheckpoint: boolean,
  ): Promise<void> {
    // A merge patch replaces the list as a whole: writing the same list again changes nothing.
    await this.call(`patch DataVolume ${namespace}/${name}`, () =>
      this.custom.patchNamespacedCustomObject(
        { ...CDI, namespace, name, body: { spec: { checkpoints, finalCheckpoint } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async copiedCheckpoints(namespace: string, claimName: string): Promise<string[] | null> {
    const object = await this.read(`get PersistentVolumeClaim ${namespace}/${claimName}`, () =>
      this.core.readNamespacedPersistentVolumeClaim({ namespace, name: claimName }),
    );
    if (object === null) return null;
    return Object.keys(object.metadata?.annotations ?? {})
      .filter((key) => key.startsWith(CHECKPOINT_COPIED_PREFIX))
      .map((key) => key.slice(CHECKPOINT_COPIED_PREFIX.length));
  }

  async patchPvcOwner(namespace: string, pvcName: string, patch: unknown): Promise<void> {
    await this.call(`patch PersistentVolumeClaim ${namespace}/${pvcName}`, () =>
      this.core.patchNamespacedPersistentVolumeClaim(
        { namespace, name: pvcName, body: patch, ...STRICT },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async deleteSecret(namespace: string, name: string): Promise<void> {
    await this.remove(`delete Secret ${namespace}/${name}`, () =>
      this.core.deleteNamespacedSecret({ namespace, name }),
    );
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.remove(`delete Pod ${namespace}/${name}`, () =>
      this.core.deleteNamespacedPod({ namespace, name }),
    );
  }

  /**
   * What CDI made for our claims without our labels: with volume populators (CDI >= 1.57) a
   * `prime-<uid>` PVC owned by the target claim, its importer pod, and a VolumeImportSource owned
   * by the DataVolume; without them an importer pod owned by the claim. Found by ownership, as
   * the names hold UIDs. They go with their owners (garbage collection, CDI's cleanup), but a
   * terminating importer pod keeps its PVC': a cancel is done only when none is left.
   */
  private async cdiLeftovers(namespace: string, claims: readonly string[]): Promise<CdiLeftovers> {
    const none: CdiLeftovers = { primeClaims: [], importerPods: [], importSources: [] };
    if (claims.length === 0) return none;
    const claimNames = new Set(claims);
    const [pvcs, pods, sources] = await Promise.all([
      this.call('list PersistentVolumeClaims', () =>
        this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: CDI_CREATED }),
      ),
      this.call('list Pods', () => this.core.listNamespacedPod({ namespace, labelSelector: CDI_CREATED })),
      // A CDI without populators has no such resource: nothing of that kind is left.
      this.read('list VolumeImportSources', () =>
        this.custom.listNamespacedCustomObject({ ...VOLUME_IMPORT_SOURCES, namespace }),
      ),
    ]);
    const primeClaims = pvcs.items
      .filter((pvc) => ownedBy(pvc, 'PersistentVolumeClaim', claimNames))
      .map((pvc) => pvc.metadata?.name ?? '');
    const podOwners = new Set([...claims, ...primeClaims]);
    const sourceItems = asObject(sources).items;
    return {
      primeClaims,
      importerPods: pods.items
        .filter((pod) => ownedBy(pod, 'PersistentVolumeClaim', podOwners))
        .map((pod) => pod.metadata?.name ?? ''),
      importSources: namesOf(
        (Array.isArray(sourceItems) ? sourceItems : []).filter((item) =>
          ownedBy(item, 'DataVolume', claimNames),
        ),
      ),
    };
  }

  /**
   * Deletes by label, VM first so nothing runs from disks about to go, then the VMI it started
   * (which carries only the template's labels), pods, DataVolumes, the PVCs CDI made for them
   * (labelled like their DataVolume, or named after it), CDI's unlabelled populator PVCs and
   * importer pods of those claims, and the Secret. Objects already being deleted (a Pod in its
   * grace period, a claim a Pod still uses) are left to finish: deleting them again changes
   * nothing, and `countOwned` says when they are gone.
   */
  async deleteOwned(
    namespace: string,
    owner: OwnerLabels,
    claims: readonly string[] = [],
  ): Promise<DeletedObjects[]> {
    const labelSelector = ownerSelector(owner);
    const deleted: DeletedObjects[] = [];
    const vms = asObject(
      await this.call('list VirtualMachines', () =>
        this.custom.listNamespacedCustomObject({ ...KUBEVIRT_VM, namespace, labelSelector }),
      ),
    ).items;
    for (const item of Array.isArray(vms) ? vms : []) {
      const name = String(asObject(asObject(item).metadata).name);
      if (
        !terminating(item) &&
        (await this.remove(`delete VirtualMachine ${namespace}/${name}`, () =>
          this.custom.deleteNamespacedCustomObject({
            ...KUBEVIRT_VM,
            namespace,
            name,
            propagationPolicy: 'Background',
          }),
        ))
      ) {
        deleted.push({ kind: 'VirtualMachine', name });
      }
      const vmi = await this.read(`get VirtualMachineInstance ${namespace}/${name}`, () =>
        this.custom.getNamespacedCustomObject({ ...KUBEVIRT_VMI, namespace, name }),
      );
      if (vmi !== null && !terminating(vmi) && labelsOf(vmi)[LABEL_VM] === owner.vm) {
        if (
          await this.remove(`delete VirtualMachineInstance ${namespace}/${name}`, () =>
            this.custom.deleteNamespacedCustomObject({ ...KUBEVIRT_VMI, namespace, name }),
          )
        ) {
          deleted.push({ kind: 'VirtualMachineInstance', name });
        }
      }
    }
    const pods = await this.call('list Pods', () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    for (const pod of pods.items) {
      const name = pod.metadata?.name ?? '';
      if (pod.metadata?.deletionTimestamp) continue;
      if (
        await this.remove(`delete Pod ${namespace}/${name}`, () =>
          this.core.deleteNamespacedPod({ namespace, name }),
        )
      ) {
        deleted.push({ kind: 'Pod', name });
      }
    }
    const dataVolumes = asObject(
      await this.call('list DataVolumes', () =>
        this.custom.listNamespacedCustomObject({ ...CDI, namespace, labelSelector }),
      ),
    ).items;
    const claimNames = new Set<string>();
    for (const item of Array.isArray(dataVolumes) ? dataVolumes : []) {
      const state = dataVolumeState(item);
      claimNames.add(state.claimName);
      if (terminating(item)) continue;
      await this.deleteDataVolume(namespace, state.name);
      deleted.push({ kind: 'DataVolume', name: state.name });
    }
    const pvcs = await this.call('list PersistentVolumeClaims', () =>
      this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
    );
    const goingClaims = new Set<string>();
    for (const pvc of pvcs.items) {
      if (!pvc.metadata?.name) continue;
      claimNames.add(pvc.metadata.name);
      if (pvc.metadata.deletionTimestamp) goingClaims.add(pvc.metadata.name);
    }
    for (const name of claimNames) {
      if (goingClaims.has(name)) continue;
      if (
        await this.remove(`delete PersistentVolumeClaim ${namespace}/${name}`, () =>
          this.core.deleteNamespacedPersistentVolumeClaim({ namespace, name }),
        )
      ) {
        deleted.push({ kind: 'PersistentVolumeClaim', name });
      }
    }
    const leftovers = await this.cdiLeftovers(namespace, [...new Set([...claims, ...claimNames])]);
    for (const name of leftovers.importerPods) {
      if (
        await this.remove(`delete Pod ${namespace}/${name}`, () =>
          this.core.deleteNamespacedPod({ namespace, name }),
        )
      ) {
        deleted.push({ kind: 'Pod', name });
      }
    }
    for (const name of leftovers.primeClaims) {
      if (
        await this.remove(`delete PersistentVolumeClaim ${namespace}/${name}`, () =>
          this.core.deleteNamespacedPersistentVolumeClaim({ namespace, name }),
        )
      ) {
        deleted.push({ kind: 'PersistentVolumeClaim', name });
      }
    }
    const secrets = await this.call('list Secrets', () =>
      this.core.listNamespacedSecret({ namespace, labelSelector }),
    );
    for (const secret of secrets.items) {
      const name = secret.metadata?.name ?? '';
      if (secret.metadata?.deletionTimestamp) continue;
      if (
        await this.remove(`delete Secret ${namespace}/${name}`, () =>
          this.core.deleteNamespacedSecret({ namespace, name }),
        )
      ) {
        deleted.push({ kind: 'Secret', name });
      }
    }
    return deleted;
  }

  async countOwned(namespace: string, owner: OwnerLabels, claims: readonly string[] = []): Promise<number> {
    const labelSelector = ownerSelector(owner);
    const leftovers = await this.cdiLeftovers(namespace, claims);
    const foreign =
      leftovers.primeClaims.length + leftovers.importerPods.length + leftovers.importSources.length;
    const lists = await Promise.all([
      this.call('list VirtualMachines', () =>
        this.custom.listNamespacedCustomObject({ ...KUBEVIRT_VM, namespace, labelSelector }),
      ),
      this.call('list DataVolumes', () =>
        this.custom.listNamespacedCustomObject({ ...CDI, namespace, labelSelector }),
      ),
      this.call('list PersistentVolumeClaims', () =>
        this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
      ),
      this.call('list Pods', () => this.core.listNamespacedPod({ namespace, labelSelector })),
      this.call('list Secrets', () => this.core.listNamespacedSecret({ namespace, labelSelector })),
    ]);
    return lists.reduce<number>((total, list) => {
      const items = asObject(list).items;
      return total + (Array.isArray(items) ? items.length : 0);
    }, foreign);
  }

  /**
   * Watches the DataVolumes carrying `labelSelector` in every namespace and reports phase and
   * restart changes (see {@link watchObjects}).
   */
  watchDataVolumes(labelSelector: string, onEvent: (event: DataVolumeEvent) => void): { stop(): void } {
    return watchObjects(
      this.config,
      `/apis/${CDI.group}/${CDI.version}/${CDI.plural}`,
      async () =>
        asObject(
          await this.call('list DataVolumes', () =>
            this.custom.listClusterCustomObject({ ...CDI, labelSelector }),
          ),
        ),
      labelSelector,
      (object) => {
        const metadata = asObject(asObject(object).metadata);
        const state = dataVolumeState(object);
        // A warm DataVolume goes Paused once per checkpoint: each is a change worth reporting.
        const checkpoints = state.checkpoints?.length ?? 0;
        return {
          signature: `${state.phase}:${state.restartCount}:${checkpoints}`,
          event: {
            namespace: String(metadata.namespace ?? ''),
            name: state.name,
            uid: String(metadata.uid ?? ''),
            labels: state.labels,
            annotations: asObject(metadata.annotations) as Record<string, string>,
            phase: state.phase,
            restartCount: state.restartCount,
            checkpoints,
          },
        };
      },
      onEvent,
    );
  }

  /** Watches the Pods carrying `labelSelector` in every namespace and reports phase changes. */
  watchPods(labelSelector: string, onEvent: (event: PodEvent) => void): { stop(): void } {
    return watchObjects(
      this.config,
      '/api/v1/pods',
      async () =>
        asObject(await this.call('list Pods', () => this.core.listPodForAllNamespaces({ labelSelector }))),
      labelSelector,
      (object) => {
        const metadata = asObject(asObject(object).metadata);
        const phase = asString(asObject(asObject(object).status).phase) ?? null;
        return {
          signature: String(phase),
          event: {
            namespace: String(metadata.namespace ?? ''),
            name: String(metadata.name ?? ''),
            uid: String(metadata.uid ?? ''),
            labels: asObject(metadata.labels) as Record<string, string>,
            annotations: asObject(metadata.annotations) as Record<string, string>,
            phase,
          },
        };
      },
      onEvent,
    );
  }
}

/**
 * List, then watch from the list's resourceVersion, reporting each object whose signature
 * changed. Resumes from the last resourceVersion seen when the stream drops, lists again on 410
 * Gone (history compacted), and backs off while the API server is unreachable.
 */
function watchObjects<Event>(
  config: KubeConfig,
  path: string,
  list: () => Promise<Record<string, unknown>>,
  labelSelector: string,
  describe: (object: unknown) => { signature: string; event: Event & { namespace: string; name: string } },
  onEvent: (event: Event) => void,
): { stop(): void } {
  const watch = new Watch(config);
  let stopped = false;
  let resourceVersion: string | undefined;
  let abort: AbortController | undefined;
  let failures = 0;
  const seen = new Map<string, string>();
  const report = (object: unknown) => {
    const { signature, event } = describe(object);
    const key = `${event.namespace}/${event.name}`;
    if (seen.get(key) === signature) return;
    seen.set(key, signature);
    onEvent(event);
  };
  const relist = async () => {
    const result = await list();
    for (const item of Array.isArray(result.items) ? result.items : []) report(item);
    resourceVersion = asString(asObject(result.metadata).resourceVersion) ?? undefined;
  };
  const start = async (): Promise<void> => {
    if (stopped) return;
    try {
      if (resourceVersion === undefined) await relist();
      let gone = false;
      abort = await watch.watch(
        path,
        { labelSelector, resourceVersion, allowWatchBookmarks: true },
        (type, object) => {
          failures = 0;
          const version = asString(asObject(asObject(object).metadata).resourceVersion);
          if (type === 'ERROR') {
            if (asObject(object).code === 410) gone = true;
            return;
          }
          if (version) resourceVersion = version;
          if (type === 'ADDED' || type === 'MODIFIED') report(object);
          if (type === 'DELETED') {
            const { event } = describe(object);
            seen.delete(`${event.namespace}/${event.name}`);
          }
        },
        (error) => {
          if (stopped) return;
          if (gone) resourceVersion = undefined;
          if (error) failures += 1;
          setTimeout(() => void start(), Math.min(100 * 2 ** failures, 5_000)).unref();
        },
      );
    } catch {
      failures += 1;
      if (!stopped) setTimeout(() => void start(), Math.min(100 * 2 ** failures, 5_000)).unref();
    }
  };
  void start();
  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
