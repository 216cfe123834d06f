import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiMachinery } from './api-machinery.js';
import { ApiServer } from './api-server.js';
import { CdiImporter, type CdiImporterOptions } from './cdi-importer.js';
import {
  Kubelet,
  type KubeletOptions,
  type VolumeBinderOptions,
  VolumeController,
} from './cluster-controllers.js';
import { FaultInjector } from './fault-injector.js';
import { asString, isKubeObject, type JsonValue, type KubeObject, toJsonValue } from './json.js';
import { KubeVirtController, type KubeVirtOptions } from './kubevirt-controller.js';
import { type MissingSchemaProperties, SchemaCatalog, upstreamSchemas } from './manifest-validator.js';
import { ObjectStore } from './object-store.js';
import {
  CONFIG_MAPS,
  findResourceByKind,
  NAMESPACES,
  resolveResource,
  STORAGE_CLASSES,
  STORAGE_PROFILES,
} from './resource-types.js';
import { SimulationClock, type SimulationClockOptions } from './simulation-clock.js';
import {
  StorageCatalog,
  type StorageClassOptions,
  storageClassManifest,
  storageProfileManifest,
} from './storage-classes.js';

export {
  ANN_CHECKPOINT_COPIED,
  ANN_CHECKPOINT_POD_ID,
  ANN_CURRENT_CHECKPOINT,
  ANN_FINAL_CHECKPOINT,
  ANN_MULTI_STAGE_DONE,
  ANN_PREVIOUS_CHECKPOINT,
  type DataVolumeCheckpoint,
} from './cdi-checkpoints.js';
export type {
  CdiImporterOptions,
  DataVolumePhase,
  HostThroughput,
  ImportFailure,
  ImportSnapshot,
} from './cdi-importer.js';
export type { KubeletOptions, PodOutcome, VolumeBinderOptions } from './cluster-controllers.js';
export type {
  FaultAction,
  FaultHandle,
  FaultMatch,
  FaultRule,
  KubeVerb,
  RequestRecord,
} from './fault-injector.js';
export type { KubeObject } from './json.js';
export type { KubeVirtOptions, VmFailure } from './kubevirt-controller.js';
export {
  checkManifest,
  type ManifestKind,
  type ManifestProblem,
  type MissingSchemaProperties,
  validateManifest,
} from './manifest-validator.js';
export type { SimulationClockOptions } from './simulation-clock.js';
export type { ClaimPropertySet, StorageClassOptions, VolumeBindingMode } from './storage-classes.js';

export interface KubeEmulatorOptions {
  /** Listening port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Require `Authorization: Bearer <token>` (kubeConfig() sends it). */
  token?: string;
  /** Namespaces that exist from the start (default: default, kube-system, kube-public and the CDI namespace). */
  namespaces?: string[];
  /**
   * StorageClasses that exist (each with the StorageProfile CDI derives); the first is the default
   * class. A name alone gets the defaults: WaitForFirstConsumer, a CSI provisioner (so CDI uses
   * volume populators) and a complete profile (ReadWriteOnce, Filesystem). When given, claims
   * naming another class stay Pending like on a real cluster; when omitted every class a claim
   * names behaves like such a default class.
   */
  storageClasses?: Array<string | StorageClassOptions>;
  /** Creates CDI's `v2v-vmware` ConfigMap with this VDDK image, so DataVolumes without initImageURL proceed. */
  vddkInitImage?: string;
  /** Simulated time: speed factor, tick, paused start. */
  clock?: SimulationClockOptions;
  cdi?: CdiImporterOptions;
  kubevirt?: KubeVirtOptions & {
    /** VirtualMachineClusterPreference names that exist; VMs naming others are denied (default: not checked). */
    clusterPreferences?: string[];
  };
  kubelet?: KubeletOptions;
  volumes?: Omit<VolumeBinderOptions, 'enforceStorageClasses'>;
  /** 'strict' (default) admits like a real cluster with `--validate=strict`; 'off' stores anything. */
  validation?: 'strict' | 'off';
  /**
   * Properties the cluster's schemas lack, by definition (`{ 'v1.Firmware': ['serial'] }`): an
   * older KubeVirt or CDI. Such fields are dropped with a warning, or refused with
   * `fieldValidation=Strict`.
   */
  missingSchemaProperties?: MissingSchemaProperties;
  /** kubemacpool refuses VirtualMachines asking for a MAC another VM holds (default true). */
  kubemacpool?: boolean;
  /** Custom resources refuse strategic-merge patches with 415 like real CRDs (default), or treat them as merge. */
  strategicMergeOnCustomResources?: 'reject' | 'merge';
  /**
   * Compile every admission schema at start instead of on first use (default false). A
   * benchmark sets it: a running API server admits at full speed from the first request, while a
   * cold emulator spends about half a second compiling schemas just as the first objects arrive.
   */
  warmSchemas?: boolean;
  /** Changes kept for watch resumption before older resourceVersions get 410 (default 50000). */
  watchHistory?: number;
  /** Real ms between BOOKMARK events on watches that allow them (default 1000). */
  bookmarkIntervalMs?: number;
}

export interface KubeEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** A KubeConfig for the real @kubernetes/client-node pointing at the emulator. */
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
  readonly clock: SimulationClock;
  readonly faults: FaultInjector;
  readonly cdi: CdiImporter;
  readonly kubevirt: KubeVirtController;
  readonly kubelet: Kubelet;
  /** Server-side view: an object by resource (`datavolumes`, `pvc`, `VirtualMachine`...), or undefined. */
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
  /** Creates an object through admission, as a client would (for seeding clusters in tests). */
  create(object: KubeObject): KubeObject;
  /** Current global resourceVersion. */
  resourceVersion(): number;
  /** Forgets watch history (keeping the last `keepLast` changes): older resourceVersions now get 410. */
  compactHistory(keepLast?: number): void;
  /** Closes every open watch stream (abruptly with `reset`); returns how many were closed. */
  dropWatches(reset?: boolean): number;
  activeWatchCount(): number;
  /** Sends a BOOKMARK now on every watch that allows them. */
  sendBookmarks(): void;
  /** Runs pending controller work and garbage collection (a few macrotasks). */
  settle(): Promise<void>;
}

function listen(server: Server, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts an in-process Kubernetes API server emulator with CDI, KubeVirt and kubelet stand-ins. */
export async function startKubeEmulator(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
  const clock = new SimulationClock(options.clock);
  const store = new ObjectStore(options.watchHistory ?? 50_000);
  const storageClasses = options.storageClasses;
  const schemas = options.missingSchemaProperties
    ? new SchemaCatalog(options.missingSchemaProperties)
    : undefined;
  if (options.warmSchemas) (schemas ?? upstreamSchemas()).compileAll();
  const machinery = new ApiMachinery(store, clock, {
    validate: (options.validation ?? 'strict') === 'strict',
    clusterPreferences: options.kubevirt?.clusterPreferences,
    strategicMergeOnCustomResources: options.strategicMergeOnCustomResources ?? 'reject',
    defaultStorageClassName:
      typeof storageClasses?.[0] === 'string' ? storageClasses[0] : storageClasses?.[0]?.name,
    schemas,
    kubemacpool: options.kubemacpool ?? true,
  });
  const faults = new FaultInjector();
  const apiServer = new ApiServer(machinery, faults, {
    token: options.token,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    clusterPreferences: options.kubevirt?.clusterPreferences,
  });
  const cdiNamespace = options.cdi?.cdiNamespace ?? 'cdi';
  const namespaces = options.namespaces ?? ['default', 'kube-system', 'kube-public', cdiNamespace];
  for (const name of new Set(namespaces)) machinery.create(NAMESPACES, '', { metadata: { name } });
  storageClasses?.forEach((entry, index) => {
    const storageClass = typeof entry === 'string' ? { name: entry } : entry;
    machinery.create(STORAGE_CLASSES, '', storageClassManifest(storageClass, index === 0));
    machinery.createInternal(STORAGE_PROFILES, storageProfileManifest(storageClass));
  });
  const storage = new StorageCatalog(machinery, storageClasses === undefined);
  if (options.vddkInitImage) {
    if (!machinery.find(NAMESPACES, '', cdiNamespace))
      machinery.create(NAMESPACES, '', { metadata: { name: cdiNamespace } });
    machinery.create(CONFIG_MAPS, cdiNamespace, {
      metadata: { name: 'v2v-vmware', namespace: cdiNamespace },
      data: { 'vddk-init-image': options.vddkInitImage },
    });
  }
  const volumes = new VolumeController(machinery, clock, storage, {
    ...options.volumes,
    enforceStorageClasses: storageClasses !== undefined,
  });
  const cdi = new CdiImporter(machinery, clock, storage, options.cdi);
  const kubevirt = new KubeVirtController(machinery, clock, options.kubevirt, storage);
  const kubelet = new Kubelet(machinery, clock, options.kubelet);

  const server = createServer((request, response) => {
    void apiServer.handle(request, response);
  });
  server.keepAliveTimeout = 5000;
  const address = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${address.port}`;

  const resolve = (resource: string) => resolveResource(resource);
  return {
    url,
    clock,
    faults,
    cdi,
    kubevirt,
    kubelet,
    kubeConfig() {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'emulator', server: url, skipTLSVerify: true }],
        users: [{ name: 'emulator-user', ...(options.token ? { token: options.token } : {}) }],
        contexts: [{ name: 'emulator', cluster: 'emulator', user: 'emulator-user', namespace: 'default' }],
        currentContext: 'emulator',
      });
      return config;
    },
    get(resource, namespace, name) {
      const type = resolve(resource);
      const found = machinery.find(type, namespace, name);
      return found ? machinery.present(type, found) : undefined;
    },
    list(resource, namespace) {
      return machinery.list(resolve(resource), namespace);
    },
    create(object) {
      const json: JsonValue = toJsonValue(object);
      if (!isKubeObject(json)) throw new Error('an object needs metadata');
      const type = findResourceByKind(asString(json.apiVersion) ?? '', asString(json.kind) ?? '');
      if (!type)
        throw new Error(`the emulator does not serve ${String(json.apiVersion)}/${String(json.kind)}`);
      return machinery.create(type, asString(json.metadata.namespace) ?? '', json);
    },
    resourceVersion: () => store.currentRevision(),
    compactHistory: (keepLast) => store.compact(keepLast),
    dropWatches(reset = false) {
      const open = apiServer.activeWatches();
      for (const watch of open) watch.close(reset);
      return open.length;
    },
    activeWatchCount: () => apiServer.activeWatches().length,
    sendBookmarks() {
      for (const watch of apiServer.activeWatches()) watch.bookmark();
    },
    async settle() {
      for (let i = 0; i < 5; i++) {
        await new Promise((done) => setImmediate(done));
        volumes.flush();
        cdi.flush();
        kubevirt.flush();
        kubelet.flush();
      }
    },
    async close() {
      for (const watch of apiServer.activeWatches()) watch.close(true);
      volumes.stop();
      cdi.stop();
      kubevirt.stop();
      kubelet.stop();
      machinery.close();
      clock.stop();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}
