import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { isSecretFieldName, METRIC_NAMES } from '#libs/observability';
import { validateKubernetesObject } from './kubernetes-schema.js';
import { assertKubectl, describeDocument, type KubeDocument, renderKustomization } from './kustomize.js';

type Json = Record<string, unknown>;

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args?: string[];
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Json & { capabilities?: { drop?: string[]; add?: string[] } };
}

interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Json;
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  affinity?: { podAntiAffinity?: Json };
  terminationGracePeriodSeconds?: number;
}

interface Workload extends KubeDocument {
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
  resourceNames?: string[];
}

const SECRET_NAME = 'flotilla-secrets';

/** Each workload gets the Secret keys it uses and no others. */
const SECRET_KEYS: Record<string, string[]> = {
  'flotilla-assessment': ['DATABASE_URL', 'FLOTILLA_BOOTSTRAP_ADMIN_TOKEN', 'REDIS_URL'],
  'flotilla-executor': ['DATABASE_URL', 'REDIS_URL', 'VSPHERE_PASSWORD', 'VSPHERE_USERNAME'],
  'flotilla-migrate': ['DATABASE_URL'],
};

const ENTRYPOINTS: Record<string, string[]> = {
  'flotilla-assessment': ['dist/apps/assessment/src/main.js'],
  'flotilla-executor': ['dist/apps/executor/src/main.js'],
  'flotilla-migrate': ['dist/apps/cli/src/main.js', 'migrate'],
};

/** Settings an operator must be able to set without editing a Deployment. */
const CONFIG_KEYS = [
  'LOG_LEVEL',
  'VSPHERE_URL',
  'VSPHERE_THUMBPRINT',
  'VDDK_INIT_IMAGE',
  'VIRT_V2V_IMAGE',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'FLOTILLA_EXECUTOR_PROBE_PORT',
];

/** Values that hold credentials: only ever through a secretKeyRef. */
const CREDENTIAL_SETTINGS = /PASSWORD|TOKEN|SECRET|USERNAME|^DATABASE_URL$|^REDIS_URL$/;

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const FACTORS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

function quantity(text: string, where: string): number {
  const match = QUANTITY.exec(text);
  if (!match) throw new Error(`${where}: "${text}" is not a Kubernetes quantity`);
  return Number(match[1]) * (FACTORS[match[2] ?? ''] ?? Number.NaN);
}

function of<T extends KubeDocument>(documents: KubeDocument[], kind: string, name?: string): T[] {
  return documents.filter(
    (document) => document.kind === kind && (name === undefined || document.metadata.name === name),
  ) as T[];
}

function one<T extends KubeDocument>(documents: KubeDocument[], kind: string, name: string): T {
  const found = of<T>(documents, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as T;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return (
    selector !== undefined &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([key, value]) => labels[key] === value)
  );
}

describe('kubectl kustomize', () => {
  it('is installed, 1.27 or newer (kustomize v5), to render the overlays', () => {
    expect(() => assertKubectl()).not.toThrow();
  });
});

const OVERLAYS = [
  { name: 'dev', path: 'overlays/dev', namespace: 'flotilla-dev', minReplicas: 1 },
  { name: 'production', path: 'overlays/production', namespace: 'flotilla', minReplicas: 2 },
] as const;

describe.each(OVERLAYS)('deploy/$path', (overlay) => {
  let documents: KubeDocument[];
  let workloads: Workload[];
  let deployments: Workload[];
  const podOf = (workload: Workload) => workload.spec.template.spec;

  beforeAll(() => {
    documents = renderKustomization(overlay.path);
    deployments = of<Workload>(documents, 'Deployment');
    workloads = [...deployments, ...of<Workload>(documents, 'Job')];
  });

  it('renders only objects that are valid against the Kubernetes schema (strict: unknown fields are errors)', () => {
    const problems = documents.flatMap((document) =>
      validateKubernetesObject(document).map((problem) => `${describeDocument(document)}: ${problem}`),
    );
    expect(problems).toEqual([]);
    expect(documents.length).toBeGreaterThan(10);
  });

  it('has the API and the executor as separate Deployments, the migration Job, the API Service and a PDB per Deployment', () => {
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual([
      'flotilla-assessment',
      'flotilla-executor',
    ]);
    one(documents, 'Job', 'flotilla-migrate');
    const service = one<
      KubeDocument & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }
    >(documents, 'Service', 'flotilla-assessment');
    const api = one<Workload>(documents, 'Deployment', 'flotilla-assessment');
    expect(matches(service.spec.selector, api.spec.template.metadata.labels)).toBe(true);
    expect(service.spec.ports.map((port) => port.targetPort)).toEqual(['http']);
    const executor = one<Workload>(documents, 'Deployment', 'flotilla-executor');
    expect(matches(service.spec.selector, executor.spec.template.metadata.labels)).toBe(false);
    for (const deployment of deployments) {
      expect(
        matches(deployment.spec.selector?.matchLabels, deployment.spec.template.metadata.labels),
        deployment.metadata.name,
      ).toBe(true);
      const budgets = of<
        KubeDocument & {
          spec: {
            selector: { matchLabels: Record<string, string> };
            maxUnavailable?: number;
            minAvailable?: number;
          };
        }
      >(documents, 'PodDisruptionBudget').filter((budget) =>
        matches(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      );
      expect(budgets, `PDB for ${deployment.metadata.name}`).toHaveLength(1);
    }
  });

  it('puts everything namespaced in its own namespace, which enforces the restricted Pod Security Standard', () => {
    const namespace = one<KubeDocument>(documents, 'Namespace', overlay.namespace);
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const document of documents) {
      if (clusterScoped.has(document.kind) || document.kind === 'RoleBinding') continue;
      expect(document.metadata.namespace, describeDocument(document)).toBe(overlay.namespace);
    }
  });

  it('runs each app from the one image, pinned by tag or digest, with its own entrypoint', () => {
    for (const workload of workloads) {
      const [container, ...others] = podOf(workload).containers;
      expect(others, workload.metadata.name).toEqual([]);
      expect(container?.image).toMatch(
        /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/,
      );
      expect(container?.image).not.toMatch(/:latest$/);
      expect(container?.imagePullPolicy).toBe('IfNotPresent');
      expect(container?.command, 'the image ENTRYPOINT is node').toBeUndefined();
      expect(container?.args).toEqual(ENTRYPOINTS[workload.metadata.name]);
    }
    expect(new Set(workloads.map((workload) => podOf(workload).containers[0]?.image)).size).toBe(1);
  });

  it('probes /healthz for liveness and /readyz for readiness on a port the container declares, on both apps', () => {
    for (const deployment of deployments) {
      const container = podOf(deployment).containers[0] as Container;
      const ports = new Map((container.ports ?? []).map((port) => [port.name, port.containerPort]));
      expect(container.livenessProbe?.httpGet?.path, deployment.metadata.name).toBe('/healthz');
      expect(container.readinessProbe?.httpGet?.path, deployment.metadata.name).toBe('/readyz');
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        const port = probe?.httpGet?.port;
        expect(
          typeof port === 'string' ? ports.has(port) : [...ports.values()].includes(port as number),
        ).toBe(true);
      }
      const annotations = deployment.spec.template.metadata.annotations ?? {};
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      expect([...ports.values()]).toContain(Number(annotations['prometheus.io/port']));
    }
  });

  it("serves the executor's probes and metrics on the port its configuration names", () => {
    const executor = one<Workload>(documents, 'Deployment', 'flotilla-executor');
    const configMap = of<KubeDocument & { data: Record<string, string> }>(documents, 'ConfigMap')[0];
    const port = podOf(executor).containers[0]?.ports?.find(
      (candidate) => candidate.name === 'ops',
    )?.containerPort;
    expect(port).toBe(9090);
    expect(configMap?.data.FLOTILLA_EXECUTOR_PROBE_PORT).toBe(String(port));
  });

  it('sets CPU and memory requests and limits on every container, requests within limits', () => {
    for (const workload of workloads) {
      for (const container of podOf(workload).containers) {
        const where = `${workload.metadata.name}/${container.name}`;
        for (const resource of ['cpu', 'memory']) {
          const request = container.resources?.requests?.[resource];
          const limit = container.resources?.limits?.[resource];
          expect(request, `${where} requests.${resource}`).toBeDefined();
          expect(limit, `${where} limits.${resource}`).toBeDefined();
          expect(quantity(request as string, where)).toBeLessThanOrEqual(quantity(limit as string, where));
        }
      }
    }
  });

  it('runs every container as non-root on a read-only root filesystem, with no privilege and no capabilities', () => {
    for (const workload of workloads) {
      const pod = podOf(workload);
      expect(pod.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const context = container.securityContext ?? {};
        expect(context.runAsNonRoot, container.name).toBe(true);
        expect(context.readOnlyRootFilesystem, container.name).toBe(true);
        expect(context.allowPrivilegeEscalation, container.name).toBe(false);
        expect(context.privileged ?? false).toBe(false);
        expect(context.capabilities?.drop).toEqual(['ALL']);
        expect(context.capabilities?.add ?? []).toEqual([]);
      }
    }
  });

  it('holds no secret value: credentials come from the external Secret by key, each workload only the keys it needs', () => {
    expect(of(documents, 'Secret'), 'a Secret rendered into the manifests').toEqual([]);
    for (const workload of workloads) {
      const container = podOf(workload).containers[0] as Container;
      const keys: string[] = [];
      for (const variable of container.env ?? []) {
        if (CREDENTIAL_SETTINGS.test(variable.name)) {
          expect(variable.value, `${workload.metadata.name} ${variable.name} set inline`).toBeUndefined();
          expect(variable.valueFrom?.secretKeyRef?.name, `${workload.metadata.name} ${variable.name}`).toBe(
            SECRET_NAME,
          );
        }
        if (variable.valueFrom?.secretKeyRef) keys.push(variable.valueFrom.secretKeyRef.key);
      }
      expect(keys.sort(), workload.metadata.name).toEqual(SECRET_KEYS[workload.metadata.name]);
      expect(
        container.envFrom?.some((source) => source.secretRef),
        'whole-Secret envFrom',
      ).toBe(false);
    }
    for (const configMap of of<KubeDocument & { data?: Record<string, string> }>(documents, 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect(CREDENTIAL_SETTINGS.test(key) || isSecretFieldName(key), `ConfigMap key ${key}`).toBe(false);
        expect(value, `ConfigMap ${key}`).not.toMatch(/:\/\/[^/\s:@]*:[^@\s/]+@/);
      }
    }
  });

  it('configures every workload from the one ConfigMap, which has every operator setting', () => {
    const configMaps = of<KubeDocument & { data: Record<string, string> }>(documents, 'ConfigMap');
    expect(configMaps).toHaveLength(1);
    const configMap = configMaps[0] as KubeDocument & { data: Record<string, string> };
    expect(configMap.metadata.name).toMatch(/^flotilla-config-[a-z0-9]{10}$/);
    expect(Object.keys(configMap.data)).toEqual(expect.arrayContaining(CONFIG_KEYS));
    for (const workload of workloads) {
      expect(podOf(workload).containers[0]?.envFrom).toEqual([
        { configMapRef: { name: configMap.metadata.name } },
      ]);
    }
  });

  it('gives each app settings its own config accepts, the production executor a pinned vCenter certificate', () => {
    const configMap = of<KubeDocument & { data: Record<string, string> }>(documents, 'ConfigMap')[0];
    const settings = configMap?.data ?? {};
    // The Secret's keys with stand-in values: only their presence matters to the config.
    const secrets = (workload: string) =>
      Object.fromEntries(
        (SECRET_KEYS[workload] ?? []).map((key) => [
          key,
          key === 'DATABASE_URL'
            ? 'postgres://db/flotilla'
            : key === 'REDIS_URL'
              ? 'redis://redis:6379'
              : 'x',
        ]),
      );
    expect(() => loadConfig({ ...settings, ...secrets('flotilla-assessment') })).not.toThrow();
    const executor = loadConfig({ ...settings, ...secrets('flotilla-executor') }, 'executor');
    if (overlay.name === 'production') {
      expect(executor.environment).toBe('production');
      expect(executor.executor.vsphere.thumbprint).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      expect(settings.FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE ?? '').toBe('');
      expect(settings.FLOTILLA_AUTH_DISABLED ?? '').toBe('');
    }
  });

  it('runs the migration Job once per apply, failing fast on a configuration error, and marks what it needs for the first apply phase', () => {
    const job = one<KubeDocument & { spec: Json & { template: { spec: PodSpec } } }>(
      documents,
      'Job',
      'flotilla-migrate',
    );
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(JSON.stringify(job.spec.podFailurePolicy)).toContain('"values":[2]');
    const phase = (document: KubeDocument) => document.metadata.labels?.['flotilla.io/apply-phase'];
    expect(phase(job)).toBe('prerequisites');
    expect(phase(one(documents, 'ServiceAccount', job.spec.template.spec.serviceAccountName as string))).toBe(
      'prerequisites',
    );
    expect(of(documents, 'ConfigMap').map(phase)).toEqual(['prerequisites']);
    for (const deployment of deployments) expect(phase(deployment)).toBeUndefined();
  });

  it('mounts a Kubernetes API token into the executor only', () => {
    for (const workload of workloads) {
      const pod = podOf(workload);
      const account = one<KubeDocument & { automountServiceAccountToken?: boolean }>(
        documents,
        'ServiceAccount',
        pod.serviceAccountName as string,
      );
      const mounted = workload.metadata.name === 'flotilla-executor';
      expect(pod.automountServiceAccountToken, workload.metadata.name).toBe(mounted);
      expect(account.automountServiceAccountToken, account.metadata.name).toBe(mounted);
    }
  });

  it('gives the executor least privilege: no wildcards, writes only through RoleBindings in target namespaces, cluster-wide reads only', () => {
    const roles = [
      ...of<KubeDocument & { rules: Rule[] }>(documents, 'ClusterRole'),
      ...of<KubeDocument & { rules: Rule[] }>(documents, 'Role'),
    ];
    for (const role of roles) {
      for (const rule of role.rules) {
        const where = `${describeDocument(role)} ${JSON.stringify(rule)}`;
        for (const value of [...rule.verbs, ...(rule.resources ?? []), ...(rule.apiGroups ?? [])])
          expect(value, where).not.toContain('*');
        expect(rule.nonResourceURLs, where).toBeUndefined();
        expect(
          rule.verbs.filter((verb) => ['escalate', 'bind', 'impersonate', 'deletecollection'].includes(verb)),
          where,
        ).toEqual([]);
      }
    }
    type Binding = KubeDocument & {
      roleRef: { kind: string; name: string };
      subjects: Array<{ kind: string; name: string; namespace?: string }>;
    };
    const bindings = [
      ...of<Binding>(documents, 'ClusterRoleBinding'),
      ...of<Binding>(documents, 'RoleBinding'),
    ];
    for (const binding of bindings) {
      expect(binding.subjects, describeDocument(binding)).toEqual([
        { kind: 'ServiceAccount', name: 'flotilla-executor', namespace: overlay.namespace },
      ]);
    }
    const clusterWide = of<Binding>(documents, 'ClusterRoleBinding');
    for (const binding of clusterWide) {
      const role = one<KubeDocument & { rules: Rule[] }>(documents, 'ClusterRole', binding.roleRef.name);
      for (const rule of role.rules)
        expect(
          rule.verbs.every((verb) => ['get', 'list', 'watch'].includes(verb)),
          `${binding.metadata.name} grants ${rule.verbs}`,
        ).toBe(true);
    }
    const targetBindings = of<Binding>(documents, 'RoleBinding').filter(
      (binding) => binding.roleRef.name === 'flotilla-executor-target',
    );
    expect(targetBindings.length).toBeGreaterThan(0);
    for (const binding of targetBindings) {
      expect(binding.roleRef.kind).toBe('ClusterRole');
      expect(binding.metadata.namespace, 'the executor needs no write access to its own namespace').not.toBe(
        overlay.namespace,
      );
    }
    expect(clusterWide.map((binding) => binding.roleRef.name)).not.toContain('flotilla-executor-target');
  });

  it(`runs at least ${overlay.minReplicas} replica(s) of each app, and a disruption never takes them all`, () => {
    for (const deployment of deployments) {
      const replicas = deployment.spec.replicas ?? 1;
      expect(replicas, deployment.metadata.name).toBeGreaterThanOrEqual(overlay.minReplicas);
      const budget = of<
        KubeDocument & {
          spec: {
            selector: { matchLabels: Record<string, string> };
            maxUnavailable?: number;
            minAvailable?: number;
          };
        }
      >(documents, 'PodDisruptionBudget').find((candidate) =>
        matches(candidate.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      );
      const allowed = budget?.spec.maxUnavailable ?? replicas - (budget?.spec.minAvailable ?? 0);
      if (replicas > 1)
        expect(
          replicas - allowed,
          `${deployment.metadata.name} pods left during a drain`,
        ).toBeGreaterThanOrEqual(1);
      else expect(allowed, 'a single replica must still let nodes drain').toBeGreaterThanOrEqual(1);
      const strategy = (deployment.spec as Json).strategy as { rollingUpdate?: { maxUnavailable?: number } };
      expect(strategy.rollingUpdate?.maxUnavailable).toBe(0);
    }
  });

  it('gives the executor time to finish or release its jobs on shutdown', () => {
    const executor = one<Workload>(documents, 'Deployment', 'flotilla-executor');
    expect(podOf(executor).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  if (overlay.name === 'production') {
    it('spreads each production Deployment over nodes (pod anti-affinity on the hostname)', () => {
      for (const deployment of deployments) {
        const antiAffinity = JSON.stringify(podOf(deployment).affinity?.podAntiAffinity ?? {});
        expect(antiAffinity, deployment.metadata.name).toContain('"topologyKey":"kubernetes.io/hostname"');
        expect(antiAffinity).toContain(
          `"app.kubernetes.io/component":"${deployment.spec.template.metadata.labels['app.kubernetes.io/component']}"`,
        );
      }
    });
  }
});

describe('deploy/grafana/flotilla-dashboard.json', () => {
  it('charts only metrics the services export, and every Flotilla metric', async () => {
    const { readFile } = await import('node:fs/promises');
    const dashboard = JSON.parse(
      await readFile(new URL('../../deploy/grafana/flotilla-dashboard.json', import.meta.url), 'utf8'),
    ) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    const expressions = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => target.expr),
    );
    const used = new Set(expressions.flatMap((expression) => expression.match(/\bflotilla_[a-z_]+/g) ?? []));
    const exported = new Set<string>(Object.values(METRIC_NAMES));
    const histogramSeries = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    for (const name of used)
      expect(exported.has(histogramSeries(name)), `${name} is not exported`).toBe(true);
    for (const name of exported)
      expect([...used].map(histogramSeries), `${name} is not charted`).toContain(name);
  });
});
