import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClientsSharingConnections } from './kube-connections.js';

/** A minimal API server: answers any Pod read, counts connections and remembers the auth header. */
describe('apiClientsSharingConnections', () => {
  let server: Server;
  let connections = 0;
  const authorizations: Array<string | undefined> = [];
  let config: KubeConfig;

  beforeAll(async () => {
    server = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      const name = request.url?.split('?')[0]?.split('/').at(-1) ?? '';
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' } }));
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    config = new KubeConfig();
    config.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends many requests over one kept-alive connection, each authenticated by the kubeconfig', async () => {
    const { core } = apiClientsSharingConnections(config);
    connections = 0;
    for (let index = 0; index < 20; index += 1) {
      const pod = await core.readNamespacedPod({ namespace: 'ns', name: `pod-${index}` });
      expect(pod.metadata?.name).toBe(`pod-${index}`);
    }
    expect(connections).toBe(1);
    expect(authorizations.slice(-20)).toEqual(Array(20).fill('Bearer secret-token'));
  });

  it('is what the library alone does not do: a connection per request', async () => {
    const core = config.makeApiClient((await import('@kubernetes/client-node')).CoreV1Api);
    connections = 0;
    for (let index = 0; index < 5; index += 1) await core.readNamespacedPod({ namespace: 'ns', name: 'p' });
    expect(connections).toBe(5);
  });
});
