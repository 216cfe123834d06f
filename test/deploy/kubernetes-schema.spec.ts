import { describe, expect, it } from 'vitest';
import { validateKubernetesObject } from './kubernetes-schema.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'registry.example.com/web:1.0.0',
            ports: [{ name: 'http', containerPort: 8080 }],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
            resources: { requests: { cpu: '100m', memory: '64Mi' } },
          },
        ],
      },
    },
  },
});

describe('validateKubernetesObject', () => {
  it('accepts a well-formed object', () => {
    expect(validateKubernetesObject(deployment())).toEqual([]);
  });

  it('rejects an unknown field, naming where it is and what is allowed there', () => {
    const object = deployment();
    (object.spec.template.spec.containers[0] as Record<string, unknown>).livenessProbe = {
      httpGet: { path: '/healthz', prot: 'http' },
    };
    const problems = validateKubernetesObject(object);
    expect(problems).toContain(
      'Deployment.spec.template.spec.containers[0].livenessProbe.httpGet.prot: unknown field (V1HTTPGetAction has: host, httpHeaders, path, port, scheme)',
    );
    expect(problems).toContain(
      'Deployment.spec.template.spec.containers[0].livenessProbe.httpGet.port: required by V1HTTPGetAction but missing',
    );
  });

  it('rejects an unknown top-level field (a typo of spec)', () => {
    expect(validateKubernetesObject({ ...deployment(), sepc: {} })).toEqual([
      expect.stringMatching(/^Deployment\.sepc: unknown field/),
    ]);
  });

  it('rejects wrong types: a string replica count, a numeric quantity, a fractional port', () => {
    const object = deployment() as unknown as {
      spec: { replicas: unknown; template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    object.spec.replicas = '2';
    const container = object.spec.template.spec.containers[0] as Record<string, unknown>;
    container.resources = { requests: { cpu: 1 } };
    container.ports = [{ containerPort: 80.5 }];
    expect(validateKubernetesObject(object)).toEqual([
      'Deployment.spec.replicas: expected a number, got string "2"',
      'Deployment.spec.template.spec.containers[0].ports[0].containerPort: expected an integer, got 80.5',
      'Deployment.spec.template.spec.containers[0].resources.requests.cpu: expected a string, got number 1',
    ]);
  });

  it('rejects a missing required field and an unknown kind', () => {
    const object = deployment();
    (object.spec.template.spec as Record<string, unknown>).containers = undefined;
    expect(validateKubernetesObject(object)).toContain(
      'Deployment.spec.template.spec.containers: required by V1PodSpec but missing',
    );
    expect(
      validateKubernetesObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0],
    ).toMatch(/no schema for apiVersion example.com\/v1 kind Widget/);
  });

  it('checks RBAC rules and pod failure policies too', () => {
    expect(
      validateKubernetesObject({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'r', namespace: 'n' },
        rules: [{ apiGroups: [''], resources: ['pods'], verb: ['get'] }],
      }),
    ).toEqual([
      expect.stringMatching(/^Role\.rules\[0\]\.verb: unknown field/),
      'Role.rules[0].verbs: required by V1PolicyRule but missing',
    ]);
  });
});
