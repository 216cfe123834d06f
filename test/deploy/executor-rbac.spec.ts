import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeTargetCluster, type OwnerLabels } from '#libs/itinerary';
import {
  buildOwnerReferencePatch,
  type DataVolume,
  LABEL_EXECUTION,
  LABEL_VM,
  type Pod,
  type Secret,
  type VirtualMachine,
} from '#libs/kubevirt';
import { type KubeEmulator, startKubeEmulator } from '../k8s-emulator/index.js';
import {
  migratedVirtualMachine,
  VDDK_INIT_IMAGE,
  vddkDataVolume,
  vddkSecret,
} from '../k8s-emulator/sample-manifests.js';
import { eventually } from '../k8s-emulator/test-support.js';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { describeDocument, type KubeDocument, renderKustomization } from './kustomize.js';

/**
 * Replays every KubeTargetCluster call against the Kubernetes API emulator, records the API
 * requests they make (verb, group, resource, namespace), and checks them against the executor's
 * rendered RBAC: every request must be allowed, and every granted verb must be needed by one.
 * When the executor starts using a new verb, or stops using one, this fails until
 * deploy/base/executor-rbac.yaml follows.
 */

interface ApiRequest {
  verb: string;
  group: string;
  resource: string;
  /** Undefined for a cluster-wide request. */
  namespace?: string;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

type Binding = KubeDocument & {
  roleRef: { kind: string; name: string };
  subjects: Array<{ kind: string; name: string; namespace?: string }>;
};

const TARGET = 'flotilla-rbac-target';
const OWNER: OwnerLabels = { execution: 'exec-rbac', vm: 'vm-1234' };
/** Helpers of the class that make no API call of their own. */
const INTERNAL_METHODS = new Set([
  'constructor',
  'call',
  'read',
  'remove',
  'ensure',
  'calls',
  'cdiLeftovers',
]);

const labels = { [LABEL_EXECUTION]: OWNER.execution, [LABEL_VM]: OWNER.vm };

function groupOf(path: string): string {
  const match = /^\/apis\/([^/]+)\//.exec(path);
  return match ? (match[1] as string) : '';
}

async function recordExecutorRequests(): Promise<{ requests: ApiRequest[]; exercised: Set<string> }> {
  const emulator: KubeEmulator = await startKubeEmulator({
    namespaces: ['default', 'cdi', TARGET],
    vddkInitImage: VDDK_INIT_IMAGE,
  });
  const exercised = new Set<string>();
  const real = new KubeTargetCluster(emulator.kubeConfig(), {
    attempts: 1,
    baseDelayMs: 1,
    maxDelayMs: 1,
    maxRetryAfterMs: 1,
  });
  const cluster = new Proxy(real, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value === 'function' && typeof property === 'string') exercised.add(property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  try {
    const secret = {
      ...vddkSecret('vm-1234-vddk', TARGET),
      metadata: { name: 'vm-1234-vddk', namespace: TARGET, labels },
    } as unknown as Secret;
    const dataVolume = vddkDataVolume({
      name: 'vm-1234-disk-0',
      namespace: TARGET,
      secretRef: 'vm-1234-vddk',
      labels,
    }) as unknown as DataVolume;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vm-1234-v2v', namespace: TARGET, labels },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'virt-v2v', image: 'quay.io/kubev2v/forklift-virt-v2v:2.7.0' }],
      },
    } as unknown as Pod;
    // A claim seeded outside the executor (not recorded) lets the VM start at once, so there is a
    // VirtualMachineInstance for the cancel to delete.
    emulator.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'vm-1234-boot', namespace: TARGET },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    const vmObject = migratedVirtualMachine({
      name: 'vm-1234',
      namespace: TARGET,
      disks: [{ name: 'disk-0', claimName: 'vm-1234-boot' }],
    });
    const vm = { ...vmObject, metadata: { ...vmObject.metadata, labels } } as unknown as VirtualMachine;

    // Each ensure twice: the second meets 409 and reads the object back (a replayed step).
    for (let round = 0; round < 2; round++) {
      await cluster.ensureSecret(secret);
      await cluster.ensureDataVolume(dataVolume);
      await cluster.ensurePod(pod);
    }
    const created = await cluster.ensureVirtualMachine(vm);
    await cluster.ensureVirtualMachine(vm);

    const events: string[] = [];
    const watch = cluster.watchDataVolumes(`${LABEL_EXECUTION}=${OWNER.execution}`, (event) =>
      events.push(event.name),
    );
    await eventually(() =>
      emulator.faults.count({ verb: 'watch', resource: 'datavolumes' }) > 0 ? true : undefined,
    );
    watch.stop();
    const podWatch = cluster.watchPods(`${LABEL_EXECUTION}=${OWNER.execution}`, (event) =>
      events.push(event.name),
    );
    await eventually(() =>
      emulator.faults.count({ verb: 'watch', resource: 'pods' }) > 0 ? true : undefined,
    );
    podWatch.stop();

    await cluster.getDataVolume(TARGET, 'vm-1234-disk-0');
    await cluster.getPod(TARGET, 'vm-1234-v2v');
    await cluster.getVirtualMachine(TARGET, 'vm-1234');
    await cluster.listVirtualMachines();
    await eventually(() => emulator.get('persistentvolumeclaims', TARGET, 'vm-1234-disk-0'));
    await cluster.pvcVolumeMode(TARGET, 'vm-1234-disk-0');
    await cluster.pvcImportSucceeded(TARGET, 'vm-1234-disk-0');
    // A warm copy's checkpoints: the DataVolume patched, the PVC read for what CDI copied.
    await cluster.setDataVolumeCheckpoints(
      TARGET,
      'vm-1234-disk-0',
      [{ previous: '', current: 'snapshot-1' }],
      false,
    );
    await cluster.copiedCheckpoints(TARGET, 'vm-1234-disk-0');
    await cluster.preferenceExists('VirtualMachinePreference', TARGET, 'rhel.9');
    await cluster.preferenceExists('VirtualMachineClusterPreference', TARGET, 'rhel.9');
    await cluster.patchPvcOwner(
      TARGET,
      'vm-1234-disk-0',
      buildOwnerReferencePatch({ metadata: { name: 'vm-1234', uid: created.object.uid } }),
    );
    await cluster.countOwned(TARGET, OWNER, ['vm-1234-disk-0']);
    await eventually(() => emulator.get('virtualmachineinstances', TARGET, 'vm-1234'));
    await cluster.deleteOwned(TARGET, OWNER, ['vm-1234-disk-0']);
    await cluster.deletePod(TARGET, 'vm-1234-v2v');
    await cluster.deleteSecret(TARGET, 'vm-1234-vddk');
    await cluster.deleteDataVolume(TARGET, 'vm-1234-disk-0');

    const requests: ApiRequest[] = emulator.faults.requests().map((record) => ({
      verb: record.verb,
      group: groupOf(record.path),
      resource: record.subresource ? `${record.resource}/${record.subresource}` : record.resource,
      ...(record.namespace ? { namespace: record.namespace } : {}),
    }));
    // Not a request of its own but an admission check of the PVC patch: an owner reference with
    // blockOwnerDeletion needs `update` on the owner's finalizers where OwnerReferencesPermissionEnforcement runs.
    const patch = buildOwnerReferencePatch({ metadata: { name: 'vm-1234', uid: 'u' } });
    if (patch.metadata.ownerReferences.some((reference) => reference.blockOwnerDeletion)) {
      requests.push({
        verb: 'update',
        group: 'kubevirt.io',
        resource: 'virtualmachines/finalizers',
        namespace: TARGET,
      });
    }
    // The emulator does not serve the instancetype API, so it records no request for these two:
    // the GETs preferenceExists makes at Preflight (kube-target-cluster.ts), one per kind.
    requests.push(
      {
        verb: 'get',
        group: 'instancetype.kubevirt.io',
        resource: 'virtualmachinepreferences',
        namespace: TARGET,
      },
      { verb: 'get', group: 'instancetype.kubevirt.io', resource: 'virtualmachineclusterpreferences' },
    );
    return { requests, exercised };
  } finally {
    await emulator.close();
  }
}

/** The executor's permissions in a rendered overlay, as (binding scope, rule) pairs. */
function executorGrants(documents: KubeDocument[], namespace: string) {
  const isExecutor = (binding: Binding) =>
    binding.subjects.some(
      (subject) =>
        subject.kind === 'ServiceAccount' &&
        subject.name === 'flotilla-executor' &&
        subject.namespace === namespace,
    );
  const rulesOf = (binding: Binding): Rule[] => {
    const role = documents.find(
      (document) =>
        document.kind === binding.roleRef.kind &&
        document.metadata.name === binding.roleRef.name &&
        (binding.roleRef.kind === 'ClusterRole' ||
          document.metadata.namespace === binding.metadata.namespace),
    ) as (KubeDocument & { rules: Rule[] }) | undefined;
    if (!role)
      throw new Error(
        `${describeDocument(binding)} refers to a missing ${binding.roleRef.kind} ${binding.roleRef.name}`,
      );
    return role.rules;
  };
  const grants: Array<{ scope: string | null; role: string; rule: Rule }> = [];
  for (const binding of documents.filter((document) => document.kind === 'ClusterRoleBinding') as Binding[]) {
    if (isExecutor(binding))
      for (const rule of rulesOf(binding)) grants.push({ scope: null, role: binding.roleRef.name, rule });
  }
  for (const binding of documents.filter((document) => document.kind === 'RoleBinding') as Binding[]) {
    if (isExecutor(binding))
      for (const rule of rulesOf(binding))
        grants.push({ scope: binding.metadata.namespace ?? '', role: binding.roleRef.name, rule });
  }
  return grants;
}

type Grant = ReturnType<typeof executorGrants>[number];

function allows(grant: Grant, request: ApiRequest): boolean {
  const { rule } = grant;
  if (rule.resourceNames?.length) return false;
  if (grant.scope !== null && grant.scope !== request.namespace) return false;
  return (
    (rule.apiGroups ?? []).includes(request.group) &&
    (rule.resources ?? []).includes(request.resource) &&
    rule.verbs.includes(request.verb)
  );
}

/** Splits every rule into single (scope, group, resource, verb) grants. */
function atoms(grants: Grant[]): Grant[] {
  return grants.flatMap((grant) =>
    (grant.rule.apiGroups ?? []).flatMap((group) =>
      (grant.rule.resources ?? []).flatMap((resource) =>
        grant.rule.verbs.map((verb) => ({
          ...grant,
          rule: { apiGroups: [group], resources: [resource], verbs: [verb] },
        })),
      ),
    ),
  );
}

const describeRequest = (request: ApiRequest) =>
  `${request.verb} ${request.group || 'core'}/${request.resource} ${request.namespace ? `in ${request.namespace}` : 'cluster-wide'}`;
const describeAtom = (grant: Grant) =>
  `${grant.rule.verbs[0]} ${grant.rule.apiGroups?.[0] || 'core'}/${grant.rule.resources?.[0]} (${grant.role}, ${grant.scope === null ? 'cluster-wide' : `in ${grant.scope}`})`;

const emulatorSuite = upstreamSchemasSuite("the executor's RBAC matches what KubeTargetCluster does");
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let recorded: { requests: ApiRequest[]; exercised: Set<string> };
  beforeAll(async () => {
    recorded = await recordExecutorRequests();
  });
  afterAll(() => undefined);

  it('exercises every method of KubeTargetCluster', () => {
    const methods = Object.getOwnPropertyNames(KubeTargetCluster.prototype).filter(
      (name) => !INTERNAL_METHODS.has(name),
    );
    const missed = methods.filter((name) => !recorded.exercised.has(name));
    expect(
      missed,
      'KubeTargetCluster methods this test does not call: call them in recordExecutorRequests so the RBAC covers them',
    ).toEqual([]);
    expect(recorded.requests.length).toBeGreaterThan(30);
  });

  describe.each([
    { overlay: 'overlays/dev', namespace: 'flotilla-dev' },
    { overlay: 'overlays/production', namespace: 'flotilla' },
  ])('deploy/$overlay', ({ overlay, namespace }) => {
    let grants: Grant[];
    let targets: string[];
    /** The recorded requests, made in each target namespace the overlay grants. */
    let requests: ApiRequest[];
    beforeAll(() => {
      const documents = renderKustomization(overlay);
      grants = executorGrants(documents, namespace);
      targets = [...new Set(grants.flatMap((grant) => (grant.scope === null ? [] : [grant.scope])))];
      requests = targets.flatMap((target) =>
        recorded.requests.map((request) =>
          request.namespace === TARGET ? { ...request, namespace: target } : request,
        ),
      );
    });

    it('allows every request the executor makes, in every target namespace', () => {
      expect(targets.length).toBeGreaterThan(0);
      const denied = [
        ...new Set(
          requests.filter((request) => !grants.some((grant) => allows(grant, request))).map(describeRequest),
        ),
      ];
      expect(denied, 'requests the executor makes that its RBAC denies').toEqual([]);
    });

    it('grants nothing the executor does not use', () => {
      const all = atoms(grants);
      // A grant is needed when some request is allowed by it and by no other grant.
      const unused = all.filter((atom) => {
        const others = all.filter((other) => other !== atom);
        return !requests.some(
          (request) => allows(atom, request) && !others.some((other) => allows(other, request)),
        );
      });
      expect(
        unused.map(describeAtom),
        'grants no request needs (remove them from deploy/base/executor-rbac.yaml)',
      ).toEqual([]);
    });
  });
});
