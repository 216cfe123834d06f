import { type AgentOptions, Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
} from '@kubernetes/client-node';

/**
 * API clients whose requests share keep-alive connections. @kubernetes/client-node 1.x builds a
 * new Agent for every request from the kubeconfig (applySecurityAuthentication), so every call
 * opened a TCP connection, and against a real API server a TLS handshake too. Authentication is
 * still the kubeconfig's, per request (tokens from exec or OIDC plugins stay fresh); only the
 * Agent is reused while its TLS material (CA, client certificate) stays the same. Proxy agents are
 * left as the library makes them.
 */
export function apiClientsSharingConnections(config: KubeConfig): {
  core: CoreV1Api;
  custom: CustomObjectsApi;
} {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const agents = new Map<string, HttpAgent>();
  const authentication: SecurityAuthentication = {
    getName: () => 'kubeconfig, connections kept alive',
    async applySecurityAuthentication(context: RequestContext) {
      await config.applySecurityAuthentication(context);
      const created = context.getAgent();
      const Kind = created?.constructor;
      if (!created || (Kind !== HttpAgent && Kind !== HttpsAgent)) return;
      const options =
        (created as HttpAgent & { options?: AgentOptions & Record<string, unknown> }).options ?? {};
      const identity = [
        Kind.name,
        ...['ca', 'cert', 'key', 'pfx', 'rejectUnauthorized', 'servername'].map((name) =>
          String(options[name] ?? ''),
        ),
      ].join('\u0000');
      let shared = agents.get(identity);
      if (!shared) {
        shared = new (Kind as typeof HttpAgent)({ ...options, keepAlive: true });
        agents.set(identity, shared);
      }
      context.setAgent(shared);
    },
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: authentication },
  });
  return { core: new CoreV1Api(configuration), custom: new CustomObjectsApi(configuration) };
}
