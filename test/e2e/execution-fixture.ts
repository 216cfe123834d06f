import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AssessmentService, ExecutionService, type ExecutionView, PlanningService } from '#libs/application';
import { type ExecutorAppConfig, loadConfig } from '#libs/config';
import {
  type BullmqExecutionQueue,
  EXECUTION_QUEUE,
  FLOTILLA_DATABASE,
  FlotillaCoreModule,
} from '#libs/core';
import { type InventoryVm, summarizeInventory } from '#libs/inventory';
import { ANNOTATION_VM_KEY } from '#libs/kubevirt';
import {
  ExecutionStore,
  type FlotillaDatabase,
  InventoryStore,
  PlanStore,
  type Principal,
} from '#libs/persistence';
import { type ManagedObjectReference, VsphereClient } from '#libs/vsphere';
import type { ExecutorOverrides } from '../../apps/executor/src/executor-app.js';
import { makeDisk, makeInventory, makeNic, makeVm } from '../../libs/assessment/src/testing/index.js';
import { type KubeEmulator, type KubeEmulatorOptions, startKubeEmulator } from '../k8s-emulator/index.js';
import { type AppProcess, startAppProcess } from '../support/built-apps.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type KillableExecutor, startKillableExecutor } from '../support/killable-executor.js';
import { type ChangeTrackingLayer, startChangeTrackingLayer } from '../vcsim/change-tracking.js';
import { startVcsim, type VcsimInstance, type VcsimOptions } from '../vcsim/vcsim.js';

export const TARGET_NAMESPACE = 'migrated';
export const STORAGE_CLASS = 'fast-ssd';
export const VDDK_IMAGE = 'registry.example.com/vddk:8.0.3';
export const V2V_IMAGE = 'quay.io/kubev2v/forklift-virt-v2v:2.7';
export const OPERATOR: Principal = {
  actor: 'test:operator',
  roles: ['operator', 'planner', 'approver', 'viewer'],
};
const REDIS_URL = process.env.FLOTILLA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface EnvironmentOptions {
  vcsim?: VcsimOptions;
  emulator?: KubeEmulatorOptions;
  /** Bytes each simulated import copies (the vcsim disks are 1 MiB). */
  importBytes?: number;
  /**
   * Put the change-tracking layer in front of vcsim (change IDs, CBT on for every VM): what warm
   * migration needs. The executor and CDI then talk to the layer.
   */
  changeTracking?: boolean;
}

export interface ExecutionEnvironment {
  vcsim: VcsimInstance;
  /** The change-tracking layer in front of vcsim, when asked for. */
  changeTracking: ChangeTrackingLayer | null;
  emulator: KubeEmulator;
  testDatabase: TestDatabase;
  database: FlotillaDatabase;
  executions: ExecutionStore;
  plans: PlanStore;
  service: ExecutionService;
  planning: PlanningService;
  /** The application core the test acts through, as the API would. */
  core: INestApplicationContext;
  /** The core's queue: the real BullMQ adapter, with this environment's own prefix. */
  queue: BullmqExecutionQueue;
  prefix: string;
  /** The settings every process of this environment runs with, as environment variables. */
  environment: Record<string, string>;
  config: ExecutorAppConfig;
  /** Inventory VMs made from vcsim's VMs, by key. */
  vms: Map<string, InventoryVm>;
  hostOfVm: Map<string, string>;
  vsphere: VsphereClient;
  startExecutor(overrides?: ExecutorOverrides): Promise<KillableExecutor>;
  /** The real executor (`node dist/apps/executor/src/main.js`) in a process of its own, with `environment`. */
  startExecutorProcess(extra?: Record<string, string>): Promise<AppProcess>;
  /** Plans and approves one wave holding the given VMs (all by default); returns its plan id and number. */
  approvedWave(options?: {
    vmKeys?: string[];
    name?: string;
  }): Promise<{ planId: string; waveNumber: number; vmKeys: string[] }>;
  waitForExecution(
    executionId: string,
    done: (view: ExecutionView) => boolean,
    timeoutMs?: number,
  ): Promise<ExecutionView>;
  powerState(moref: string): Promise<string | undefined>;
  close(): Promise<void>;
}

async function inventoryFromVcsim(
  client: VsphereClient,
): Promise<{ vms: InventoryVm[]; hostOfVm: Map<string, string> }> {
  const listed = await client.listVms({
    paths: [
      'name',
      'runtime.powerState',
      'runtime.host',
      'guest.toolsRunningStatus',
      'config.instanceUuid',
      'config.uuid',
      'config.hardware.device',
    ],
  });
  const names = new Map<string, string>();
  const nameOf = async (ref: ManagedObjectReference): Promise<string> => {
    const key = `${ref.type}:${ref.value}`;
    let name = names.get(key);
    if (name === undefined) {
      const value = (await client.retrieveProperties(ref, ['name'])).name;
      name = typeof value === 'string' ? value : ref.value;
      names.set(key, name);
    }
    return name;
  };
  const vms: InventoryVm[] = [];
  const hostOfVm = new Map<string, string>();
  // vcsim 0.24 hands some VMs the same MAC; a real inventory has distinct ones (and the
  // executor's Preflight would rightly refuse the second VM), so duplicates get a fresh one.
  const macs = new Set<string>();
  for (const [index, listedVm] of listed.entries()) {
    const devices = (await client.retrieveProperties(listedVm.moref, ['config.hardware.device']))[
      'config.hardware.device'
    ];
    const nics = [];
    for (const device of Array.isArray(devices) ? devices : []) {
      const record = device as Record<string, unknown>;
      if (typeof record.macAddress !== 'string') continue;
      let mac = record.macAddress.toLowerCase();
      if (macs.has(mac))
        mac = `00:50:56:${[index, nics.length, macs.size].map((n) => (n % 256).toString(16).padStart(2, '0')).join(':')}`;
      macs.add(mac);
      const port = ((record.backing as Record<string, unknown> | undefined)?.port ?? {}) as Record<
        string,
        unknown
      >;
      const network =
        typeof port.portgroupKey === 'string'
          ? await nameOf({ type: 'DistributedVirtualPortgroup', value: port.portgroupKey })
          : 'VM Network';
      nics.push(
        makeNic({
          label: `Network adapter ${nics.length + 1}`,
          adapterType: 'e1000',
          network,
          mac,
          connected: true,
          startsConnected: true,
          directPathIo: false,
        }),
      );
    }
    const host = listedVm.host ? await nameOf(listedVm.host) : null;
    const disks = (listedVm.disks ?? []).map((disk, position) =>
      makeDisk({
        label: `Hard disk ${position + 1}`,
        key: disk.key,
        capacityMiB: Math.ceil(disk.capacityInBytes / 2 ** 20),
        controller: 'SCSI controller 0',
        controllerType: 'scsi',
        unitNumber: disk.unitNumber ?? position,
        path: disk.fileName,
        datastore: /^\[([^\]]+)\]/.exec(disk.fileName)?.[1] ?? null,
      }),
    );
    const key = `vcsim/${listedVm.moref.value}`;
    vms.push(
      makeVm({
        key,
        name: listedVm.name ?? listedVm.moref.value,
        moref: listedVm.moref.value,
        uuid: listedVm.instanceUuid ?? null,
        biosUuid: listedVm.biosUuid ?? null,
        vcenter: { server: '127.0.0.1', uuid: 'vcsim' },
        datacenter: 'DC0',
        cluster: null,
        host,
        powerState: listedVm.powerState ?? 'unknown',
        toolsRunningStatus: listedVm.toolsRunningStatus ?? null,
        primaryIp: `10.0.0.${index + 10}`,
        dnsName: null,
        disks,
        nics,
        partitions: [],
      }),
    );
    if (host) hostOfVm.set(key, host);
  }
  return { vms, hostOfVm };
}

export async function startExecutionEnvironment(
  options: EnvironmentOptions = {},
): Promise<ExecutionEnvironment> {
  const vcsim = await startVcsim({ vmsPerPool: 10, ...options.vcsim });
  const changeTracking = options.changeTracking ? await startChangeTrackingLayer(vcsim) : null;
  const endpoint = changeTracking ?? vcsim;
  const vsphere = await VsphereClient.connect({
    url: endpoint.url,
    username: vcsim.username,
    password: vcsim.password,
    thumbprint: endpoint.thumbprint,
  });
  const { vms, hostOfVm } = await inventoryFromVcsim(vsphere);
  if (changeTracking) await changeTracking.enableChangeTracking(vms.map((vm) => vm.moref ?? vm.name));
  const emulator = await startKubeEmulator({
    namespaces: ['default', TARGET_NAMESPACE, 'cdi'],
    clock: { speed: 20 },
    ...options.emulator,
    cdi: {
      bytesPerSecond: 100 * 2 ** 20,
      hostBytesPerSecond: 300 * 2 ** 20,
      hostKey: (dataVolume) =>
        hostOfVm.get(String(at(dataVolume, `metadata.annotations.${ANNOTATION_VM_KEY}`) ?? '')),
      importBytes: () => options.importBytes ?? 2 * 2 ** 30,
      vcenterThumbprints: { '127.0.0.1': vcsim.thumbprint },
      ...options.emulator?.cdi,
    },
    kubevirt: { startDelayMs: 2_000, ...options.emulator?.kubevirt },
  });
  const testDatabase = await createTestDatabase('flotilla_exec');
  const prefix = `flotilla-test-${randomBytes(4).toString('hex')}`;
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-exec-'));
  const kubeconfigPath = join(scratch, 'kubeconfig');
  writeFileSync(kubeconfigPath, emulator.kubeConfig().exportConfig());
  const settings: Record<string, string> = {
    DATABASE_URL: testDatabase.url,
    REDIS_URL,
    FLOTILLA_QUEUE_PREFIX: prefix,
    VSPHERE_URL: endpoint.url,
    VSPHERE_USERNAME: vcsim.username,
    VSPHERE_PASSWORD: vcsim.password,
    VSPHERE_THUMBPRINT: vcsim.thumbprint,
    VDDK_INIT_IMAGE: VDDK_IMAGE,
    VIRT_V2V_IMAGE: V2V_IMAGE,
    KUBECONFIG: kubeconfigPath,
    FLOTILLA_COPY_STALL_TIMEOUT_S: '60',
    FLOTILLA_SHUTDOWN_TIMEOUT_S: '10',
    FLOTILLA_POLL_MS: '100',
    FLOTILLA_COPY_POLL_MS: '1000',
    FLOTILLA_LEASE_MS: '3000',
    FLOTILLA_RECONCILE_INTERVAL_MS: '1000',
    FLOTILLA_EXECUTOR_PROBE_PORT: '0',
    LOG_LEVEL: 'silent',
  };
  const config = loadConfig(settings, 'executor');
  const core = await NestFactory.createApplicationContext(
    FlotillaCoreModule.forRoot(config, { process: 'api', poolSize: 20 }),
    { logger: false },
  );
  const database = core.get(FLOTILLA_DATABASE);
  const inventories = core.get(InventoryStore);
  const plans = core.get(PlanStore);
  const executions = core.get(ExecutionStore);
  const queue = core.get(EXECUTION_QUEUE) as BullmqExecutionQueue;
  const service = core.get(ExecutionService);
  const planning = core.get(PlanningService);
  const assessing = core.get(AssessmentService);
  const inventory = makeInventory(vms);
  const inventoryId = await inventories.save(inventory, 'vcsim', summarizeInventory(inventory));
  const assessment = await assessing.assess(inventoryId, {}, OPERATOR);
  const networks = [
    ...new Set(vms.flatMap((vm) => vm.nics.map((nic) => nic.network)).filter((n): n is string => n !== null)),
  ];
  const datastores = [
    ...new Set(
      vms.flatMap((vm) => vm.disks.map((disk) => disk.datastore)).filter((n): n is string => n !== null),
    ),
  ];
  const executors: KillableExecutor[] = [];
  const processes: AppProcess[] = [];
  let planCount = 0;

  const environment: ExecutionEnvironment = {
    vcsim,
    changeTracking,
    emulator,
    testDatabase,
    database,
    executions,
    plans,
    service,
    planning,
    core,
    queue,
    prefix,
    environment: settings,
    config,
    vms: new Map(vms.map((vm) => [vm.key, vm])),
    hostOfVm,
    vsphere,
    async startExecutor(overrides: ExecutorOverrides = {}) {
      const handle = await startKillableExecutor(config, {
        kubeConfig: emulator.kubeConfig(),
        timings: { pollMs: 100, copyPollMs: 1_000, vmReadyTimeoutMs: 60_000, ...overrides.timings },
        leaseMs: 3_000,
        reconcileIntervalMs: 1_000,
        shutdownGraceMs: 5_000,
        logger: false,
        ...overrides,
      });
      executors.push(handle);
      return handle;
    },
    async startExecutorProcess(extra = {}) {
      const executor = await startAppProcess('apps/executor/src/main.js', [], { ...settings, ...extra });
      processes.push(executor);
      return executor;
    },
    async approvedWave(request = {}) {
      planCount += 1;
      const wanted = new Set(request.vmKeys ?? vms.map((vm) => vm.key));
      const plan = await planning.create(
        {
          assessmentId: assessment.assessmentId,
          name: request.name ?? `e2e plan ${planCount}`,
          settings: {
            constraints: { pilot: null, maxVmsPerWave: 500 },
            networkMap: Object.fromEntries(networks.map((name) => [name, { type: 'pod' }])),
            storageMap: Object.fromEntries(datastores.map((name) => [name, { storageClass: STORAGE_CLASS }])),
            targetNamespace: { default: TARGET_NAMESPACE },
          },
        },
        OPERATOR,
      );
      const excluded = vms
        .filter((vm) => !wanted.has(vm.key))
        .map((vm) => ({ kind: 'exclude-vm' as const, vmKey: vm.key }));
      let view = plan;
      if (excluded.length > 0) view = (await planning.applyEdits(plan.id, excluded, OPERATOR)).plan;
      const wave = view.waves.find((candidate) => candidate.vmKeys.length > 0);
      if (!wave)
        throw new Error(
          `the planner made no wave: ${JSON.stringify(view.excluded.slice(0, 3))} ${JSON.stringify(view.violations.slice(0, 3))}`,
        );
      const missing = [...wanted].filter((key) => !wave.vmKeys.includes(key));
      if (missing.length > 0) {
        throw new Error(
          `the planner left ${missing.length} VM(s) out of wave ${wave.number}: ${JSON.stringify(view.excluded.slice(0, 3))}`,
        );
      }
      await planning.approveWave(plan.id, wave.number, OPERATOR, {
        contentHash: wave.approval?.contentHash,
      });
      return { planId: plan.id, waveNumber: wave.number, vmKeys: wave.vmKeys };
    },
    async waitForExecution(executionId, done, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let view = await service.get(executionId);
      while (!done(view)) {
        if (Date.now() > deadline) {
          const summary = view.vms.map(
            (vm) => `${vm.name}:${vm.status}/${vm.phase}${vm.error ? ` (${vm.error.message})` : ''}`,
          );
          throw new Error(
            `execution ${executionId} still ${view.status} after ${timeoutMs} ms: ${summary.join(', ')}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
        view = await service.get(executionId);
      }
      return view;
    },
    async powerState(moref) {
      return (await vsphere.getVmProperties({ type: 'VirtualMachine', value: moref }, ['runtime.powerState']))
        .powerState;
    },
    async close() {
      for (const executor of executors) await executor.close().catch(() => undefined);
      for (const executor of processes) await executor.stop().catch(() => undefined);
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await vsphere.close().catch(() => undefined);
      await core.close();
      await testDatabase.drop();
      await emulator.close();
      await changeTracking?.close().catch(() => undefined);
      await vcsim.close();
    },
  };
  return environment;
}

/** Every object of a kind in the emulator, by name, to catch duplicates. */
export function namesOf(emulator: KubeEmulator, resource: string, namespace = TARGET_NAMESPACE): string[] {
  return emulator.list(resource, namespace).map((object) => String(object.metadata.name));
}

/** A value inside a JSON object by dotted path (keys may hold dots when they are the last segment). */
export function at(object: unknown, path: string): unknown {
  let current: unknown = object;
  const parts = path.split('.');
  for (let index = 0; index < parts.length; index += 1) {
    if (current === null || typeof current !== 'object') return undefined;
    const record = current as Record<string, unknown>;
    const rest = parts.slice(index).join('.');
    if (Object.hasOwn(record, rest)) return record[rest];
    current = record[parts[index] as string];
  }
  return current;
}
