import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ApiMachinery,
  type FieldValidation,
  type ListSelectors,
  matchesSelectors,
  type PropagationPolicy,
} from './api-machinery.js';
import { badRequest, KubeApiError, methodNotAllowed, resourceExpired, serverNotFound } from './api-status.js';
import {
  defaultReason,
  type FaultAction,
  type FaultInjector,
  type KubeVerb,
  type RequestInfo,
} from './fault-injector.js';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  metaName,
  metaNamespace,
  toJsonValue,
} from './json.js';
import type { StoreEvent } from './object-store.js';
import {
  apiVersionOf,
  findResource,
  RESOURCE_TYPES,
  type ResourceType,
  resourceId,
} from './resource-types.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const KUBERNETES_VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.1' };

interface Route {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

export interface ApiServerOptions {
  token?: string;
  /** Real ms between BOOKMARK events on watches that allow them (default 1000). */
  bookmarkIntervalMs: number;
  /**
   * VirtualMachineClusterPreferences served read-only (GET by name) under instancetype.kubevirt.io;
   * undefined: the instancetype API is not installed, every such path answers 404.
   */
  clusterPreferences?: readonly string[];
}

const CLUSTER_PREFERENCE_PATH =
  /^\/apis\/instancetype\.kubevirt\.io\/(v1beta1|v1alpha2)\/virtualmachineclusterpreferences\/([^/]+)$/;

/** A watch stream the server is feeding; kept so tests can drop them. */
export interface WatchConnection {
  resource: ResourceType;
  namespace?: string;
  close(reset?: boolean): void;
  bookmark(): void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: JsonValue,
  headers: Record<string, string | string[]> = {},
): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    'Audit-Id': randomUUID(),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  response.end(payload);
}

function sendError(response: ServerResponse, error: KubeApiError): void {
  sendJson(response, error.code, error.toStatus(), error.headers);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new KubeApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJsonBody(raw: string): JsonValue {
  try {
    return toJsonValue(JSON.parse(raw));
  } catch (error) {
    throw badRequest(
      `couldn't get version/kind; json parse error: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** `?fieldValidation=`: Strict, Warn or Ignore; none means Warn, as on Kubernetes >= 1.27. */
function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** One `Warning: 299 - "<text>"` header per warning, as the API server writes them. */
function warningHeaders(warnings: string[]): Record<string, string[]> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((text) => `299 - ${JSON.stringify(text)}`) };
}

function flag(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function groupVersions(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const resource of RESOURCE_TYPES) {
    if (!resource.group) continue;
    const versions = groups.get(resource.group) ?? [];
    if (!versions.includes(resource.version)) versions.push(resource.version);
    groups.set(resource.group, versions);
  }
  return groups;
}

function apiGroup(name: string, versions: string[]): JsonObject {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

function resourceList(group: string, version: string): JsonObject {
  const resources: JsonObject[] = [];
  for (const resource of RESOURCE_TYPES) {
    if (resource.group !== group || resource.version !== version) continue;
    resources.push({
      name: resource.plural,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
      ...(resource.group === 'kubevirt.io' || resource.group === 'cdi.kubevirt.io'
        ? { categories: ['all'] }
        : {}),
    });
    if (resource.hasStatus) {
      resources.push({
        name: `${resource.plural}/status`,
        singularName: '',
        namespaced: resource.namespaced,
        kind: resource.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function encodeContinue(revision: number, lastKey: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: `${lastKey}\u0000` }),
  ).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isJsonObject(toJsonValue(parsed))) {
      const value = parsed as { rv?: unknown; start?: unknown };
      if (typeof value.rv === 'number' && typeof value.start === 'string')
        return { rv: value.rv, start: value.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** The HTTP front end: routing with the real URL shapes, verbs, watch streaming and faults. */
export class ApiServer {
  private readonly watches = new Set<WatchConnection>();

  constructor(
    private readonly machinery: ApiMachinery,
    private readonly faults: FaultInjector,
    private readonly options: ApiServerOptions,
  ) {}

  activeWatches(): WatchConnection[] {
    return [...this.watches];
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    try {
      if (this.options.token && request.headers.authorization !== `Bearer ${this.options.token}`) {
        throw new KubeApiError(401, 'Unauthorized', 'Unauthorized');
      }
      if (this.serveDiscovery(url.pathname, method, request, response)) return;
      if (this.serveClusterPreference(url.pathname, method, response)) return;
      const route = this.route(url.pathname);
      const info = this.requestInfo(route, method, url.searchParams);
      await this.serveResource(route, info, url, request, response);
    } catch (error) {
      const apiError =
        error instanceof KubeApiError
          ? error
          : new KubeApiError(
              500,
              'InternalError',
              `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`,
            );
      if (!response.headersSent) sendError(response, apiError);
      else response.destroy();
    }
  }

  /** A preference lookup as the executor's Preflight makes it: exists (200) or not (404). */
  private serveClusterPreference(path: string, method: string, response: ServerResponse): boolean {
    const match = CLUSTER_PREFERENCE_PATH.exec(path);
    const served = this.options.clusterPreferences;
    if (!match || served === undefined || method !== 'GET') return false;
    const name = decodeURIComponent(match[2] ?? '');
    if (!served.includes(name)) {
      throw new KubeApiError(
        404,
        'NotFound',
        `virtualmachineclusterpreferences.instancetype.kubevirt.io "${name}" not found`,
      );
    }
    sendJson(response, 200, {
      apiVersion: `instancetype.kubevirt.io/${match[1]}`,
      kind: 'VirtualMachineClusterPreference',
      metadata: { name },
      spec: {},
    });
    return true;
  }

  // ---- discovery -----------------------------------------------------------------------------

  private serveDiscovery(
    path: string,
    method: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): boolean {
    if (method !== 'GET') return false;
    const segments = path.split('/').filter(Boolean);
    const host = request.headers.host ?? '127.0.0.1';
    const groups = groupVersions();
    if (segments.length === 0) {
      const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version'];
      for (const [group, versions] of groups)
        paths.push(`/apis/${group}`, ...versions.map((v) => `/apis/${group}/${v}`));
      sendJson(response, 200, { paths: paths.sort() });
      return true;
    }
    if (segments.length === 1 && ['healthz', 'livez', 'readyz'].includes(segments[0])) {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('ok');
      return true;
    }
    if (segments.length === 1 && segments[0] === 'version') {
      sendJson(response, 200, {
        ...KUBERNETES_VERSION,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2025-09-09T00:00:00Z',
        goVersion: 'go1.24.6',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return true;
    }
    if (segments[0] === 'api' && segments.length === 1) {
      sendJson(response, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
      });
      return true;
    }
    if (segments[0] === 'api' && segments.length === 2 && segments[1] === 'v1') {
      sendJson(response, 200, resourceList('', 'v1'));
      return true;
    }
    if (segments[0] === 'apis' && segments.length === 1) {
      sendJson(response, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, versions]) => apiGroup(name, versions)),
      });
      return true;
    }
    if (segments[0] === 'apis' && segments.length === 2) {
      const versions = groups.get(segments[1]);
      if (!versions) throw serverNotFound();
      sendJson(response, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(segments[1], versions) });
      return true;
    }
    if (segments[0] === 'apis' && segments.length === 3) {
      if (!groups.get(segments[1])?.includes(segments[2])) throw serverNotFound();
      sendJson(response, 200, resourceList(segments[1], segments[2]));
      return true;
    }
    return false;
  }

  // ---- routing -------------------------------------------------------------------------------

  private route(path: string): Route {
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 2) {
      group = '';
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 3) {
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    } else {
      throw serverNotFound();
    }
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const candidate = findResource(group, version, rest[2]);
      if (candidate?.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const resource = findResource(group, version, rest[0] ?? '');
    if (!resource || rest.length > 3) throw serverNotFound();
    if (resource.namespaced && namespace === undefined && rest.length > 1) throw serverNotFound();
    const subresource = rest[2];
    if (subresource !== undefined && !(subresource === 'status' && resource.hasStatus))
      throw serverNotFound();
    return { resource, namespace, name: rest[1], subresource, watchPath };
  }

  private requestInfo(route: Route, method: string, query: URLSearchParams): RequestInfo {
    let verb: KubeVerb;
    const watching = route.watchPath || flag(query.get('watch'));
    switch (method) {
      case 'GET':
        verb = watching ? 'watch' : route.name ? 'get' : 'list';
        break;
      case 'POST':
        if (route.name) throw methodNotAllowed('POST', route.resource);
        verb = 'create';
        break;
      case 'PUT':
        if (!route.name) throw methodNotAllowed('PUT', route.resource);
        verb = 'update';
        break;
      case 'PATCH':
        if (!route.name) throw methodNotAllowed('PATCH', route.resource);
        verb = 'patch';
        break;
      case 'DELETE':
        if (route.subresource) throw methodNotAllowed('DELETE', route.resource);
        verb = route.name ? 'delete' : 'deletecollection';
        break;
      default:
        throw methodNotAllowed(method, route.resource);
    }
    return {
      verb,
      method,
      resource: route.resource.plural,
      subresource: route.subresource,
      namespace: route.namespace,
      name: route.name,
    };
  }

  // ---- resources -----------------------------------------------------------------------------

  private async serveResource(
    route: Route,
    info: RequestInfo,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const started = Date.now();
    const path = url.pathname + url.search;
    const applied = new Set<FaultAction['type']>();
    let dropWatch: Extract<FaultAction, { type: 'dropWatch' }> | undefined;
    for (;;) {
      const fault = this.faults.take(info, applied);
      if (!fault) break;
      applied.add(fault.type);
      if (fault.type === 'delay') {
        await sleep(fault.ms);
        continue;
      }
      if (fault.type === 'dropWatch') {
        dropWatch = fault;
        continue;
      }
      if (fault.type === 'reset') {
        this.faults.record({ ...info, path, status: 0, fault: 'reset', at: started });
        request.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      // API Priority and Fairness always tells a throttled client when to come back.
      const retryAfterSeconds = fault.retryAfterSeconds ?? (fault.code === 429 ? 1 : undefined);
      if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
      const message =
        fault.message ??
        (fault.code === 429
          ? 'Too many requests, please try again later.'
          : fault.code === 503
            ? 'the server is currently unable to handle the request'
            : fault.code === 504
              ? 'Timeout: request did not complete within requested timeout - context deadline exceeded'
              : fault.code === 409
                ? `Operation cannot be fulfilled on ${route.resource.plural}${route.resource.group ? `.${route.resource.group}` : ''} "${route.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`
                : 'Internal error occurred: injected fault');
      const error = new KubeApiError(
        fault.code,
        fault.reason ?? defaultReason(fault.code),
        message,
        {
          ...(route.name ? { name: route.name } : {}),
          ...(route.resource.group ? { group: route.resource.group } : {}),
          kind: route.resource.plural,
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        },
        headers,
      );
      this.faults.record({ ...info, path, status: fault.code, fault: 'error', at: started });
      sendError(response, error);
      return;
    }
    const faultKind = applied.size > 0 ? [...applied][0] : undefined;
    try {
      const status = await this.dispatch(route, info, url, request, response, dropWatch);
      this.faults.record({ ...info, path, status, ...(faultKind ? { fault: faultKind } : {}), at: started });
    } catch (error) {
      const code = error instanceof KubeApiError ? error.code : 500;
      this.faults.record({
        ...info,
        path,
        status: code,
        ...(faultKind ? { fault: faultKind } : {}),
        at: started,
      });
      throw error;
    }
  }

  private selectors(route: Route, query: URLSearchParams): ListSelectors {
    return {
      labelSelector: parseLabelSelector(query.get('labelSelector')),
      fieldSelector: parseFieldSelector(query.get('fieldSelector'), [
        'metadata.name',
        'metadata.namespace',
        ...route.resource.fieldLabels,
      ]),
    };
  }

  private async dispatch(
    route: Route,
    info: RequestInfo,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
    dropWatch: Extract<FaultAction, { type: 'dropWatch' }> | undefined,
  ): Promise<number> {
    const { resource } = route;
    const namespace = route.namespace ?? '';
    const name = route.name ?? '';
    const query = url.searchParams;
    const dryRun = query.get('dryRun') === 'All';
    const fieldManager = query.get('fieldManager') ?? undefined;
    const fieldValidation = fieldValidationOf(query);
    const warnings: string[] = [];
    const subresource = route.subresource === 'status' ? 'status' : undefined;
    switch (info.verb) {
      case 'get':
        sendJson(response, 200, this.machinery.get(resource, namespace, name));
        return 200;
      case 'list':
        sendJson(response, 200, this.list(route, query));
        return 200;
      case 'watch':
        this.watch(route, query, request, response, dropWatch);
        return 200;
      case 'create': {
        const body = parseJsonBody(await readBody(request));
        const created = this.machinery.create(resource, namespace, body, {
          dryRun,
          fieldManager,
          fieldValidation,
          warnings,
        });
        sendJson(response, 201, created, warningHeaders(warnings));
        return 201;
      }
      case 'update': {
        const body = parseJsonBody(await readBody(request));
        const existed = this.machinery.find(resource, namespace, name) !== undefined;
        const result = this.machinery.update(resource, namespace, name, body, {
          dryRun,
          fieldManager,
          subresource,
          fieldValidation,
          warnings,
        });
        const status = existed ? 200 : 201;
        sendJson(response, status, result, warningHeaders(warnings));
        return status;
      }
      case 'patch': {
        const raw = await readBody(request);
        const existed = this.machinery.find(resource, namespace, name) !== undefined;
        const result = this.machinery.patch(
          resource,
          namespace,
          name,
          request.headers['content-type'] ?? '',
          raw,
          {
            dryRun,
            fieldManager,
            subresource,
            force: flag(query.get('force')),
            fieldValidation,
            warnings,
          },
        );
        const status = existed ? 200 : 201;
        sendJson(response, status, result, warningHeaders(warnings));
        return status;
      }
      case 'delete': {
        const options = this.deleteOptions(query, await readBody(request));
        const { object } = this.machinery.delete(resource, namespace, name, options);
        sendJson(response, 200, object);
        return 200;
      }
      case 'deletecollection': {
        const options = this.deleteOptions(query, await readBody(request));
        const deleted = this.machinery.deleteCollection(
          resource,
          route.namespace,
          this.selectors(route, query),
          options,
        );
        sendJson(response, 200, {
          kind: resource.listKind,
          apiVersion: apiVersionOf(resource),
          metadata: { resourceVersion: String(this.machinery.store.currentRevision()) },
          items: deleted,
        });
        return 200;
      }
    }
    return 500;
  }

  private deleteOptions(
    query: URLSearchParams,
    rawBody: string,
  ): {
    dryRun: boolean;
    propagationPolicy?: PropagationPolicy;
    preconditions?: { uid?: string; resourceVersion?: string };
    gracePeriodSeconds?: number;
  } {
    let body: JsonObject = {};
    if (rawBody.trim() !== '') {
      const parsed = parseJsonBody(rawBody);
      if (isJsonObject(parsed)) body = parsed;
    }
    const policyValue =
      query.get('propagationPolicy') ??
      (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : undefined);
    const orphan =
      query.get('orphanDependents') ??
      (typeof body.orphanDependents === 'boolean' ? String(body.orphanDependents) : undefined);
    let propagationPolicy: PropagationPolicy | undefined;
    if (policyValue !== undefined) {
      if (policyValue !== 'Foreground' && policyValue !== 'Background' && policyValue !== 'Orphan') {
        throw new KubeApiError(
          422,
          'Invalid',
          `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policyValue}": supported values: "Foreground", "Background", "Orphan"`,
        );
      }
      propagationPolicy = policyValue;
    } else if (orphan === 'true') {
      propagationPolicy = 'Orphan';
    }
    const preconditions = isJsonObject(body.preconditions) ? body.preconditions : {};
    const dryRunBody = Array.isArray(body.dryRun) && body.dryRun.includes('All');
    const graceText =
      query.get('gracePeriodSeconds') ??
      (typeof body.gracePeriodSeconds === 'number' ? String(body.gracePeriodSeconds) : undefined);
    const gracePeriodSeconds = graceText === undefined ? undefined : Number(graceText);
    if (gracePeriodSeconds !== undefined && !Number.isInteger(gracePeriodSeconds)) {
      throw badRequest(`invalid gracePeriodSeconds: ${graceText}`);
    }
    return {
      dryRun: query.get('dryRun') === 'All' || dryRunBody,
      ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
      propagationPolicy,
      preconditions: {
        uid: typeof preconditions.uid === 'string' ? preconditions.uid : undefined,
        resourceVersion:
          typeof preconditions.resourceVersion === 'string' ? preconditions.resourceVersion : undefined,
      },
    };
  }

  private listItem(resource: ResourceType, object: KubeObject): KubeObject {
    if (resource.custom) return object;
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
    return rest as KubeObject;
  }

  private list(route: Route, query: URLSearchParams): JsonObject {
    const { resource } = route;
    const revision = this.machinery.store.currentRevision();
    const requested = query.get('resourceVersion');
    if (
      query.get('resourceVersionMatch') === 'Exact' &&
      requested &&
      Number(requested) < this.machinery.store.oldestResumableRevision()
    ) {
      throw resourceExpired(`too old resource version: ${requested} (${revision})`);
    }
    let items = this.machinery.list(resource, route.namespace, this.selectors(route, query));
    const token = query.get('continue');
    if (token) {
      const { rv, start } = decodeContinue(token);
      if (rv < this.machinery.store.oldestResumableRevision()) {
        throw resourceExpired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      items = items.filter((item) => `${metaNamespace(item)}/${metaName(item)}` >= start);
    }
    const limit = Number(query.get('limit') ?? '0');
    const metadata: JsonObject = { resourceVersion: String(revision) };
    if (limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1];
      metadata.continue = encodeContinue(revision, `${metaNamespace(last)}/${metaName(last)}`);
      metadata.remainingItemCount = items.length - limit;
      items = page;
    }
    return {
      kind: resource.listKind,
      apiVersion: apiVersionOf(resource),
      metadata,
      items: items.map((item) => this.listItem(resource, item)),
    };
  }

  // ---- watch ---------------------------------------------------------------------------------

  private watch(
    route: Route,
    query: URLSearchParams,
    request: IncomingMessage,
    response: ServerResponse,
    dropWatch: Extract<FaultAction, { type: 'dropWatch' }> | undefined,
  ): void {
    const { resource } = route;
    const store = this.machinery.store;
    const selectors = this.selectors(route, query);
    if (route.name) {
      selectors.fieldSelector = [
        ...(selectors.fieldSelector ?? []),
        { field: 'metadata.name', operator: '=', value: route.name },
      ];
    }
    const namespace = route.namespace;
    const requested = query.get('resourceVersion') ?? '';
    const sendInitialEvents = flag(query.get('sendInitialEvents'));
    const allowBookmarks = flag(query.get('allowWatchBookmarks'));
    if (requested !== '' && requested !== '0' && !/^\d+$/.test(requested)) {
      throw badRequest(`invalid resource version: ${requested}`);
    }
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
      'Audit-Id': randomUUID(),
    });
    response.flushHeaders();
    let sent = 0;
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const inScope = (object: KubeObject) =>
      (namespace === undefined || metaNamespace(object) === namespace) &&
      matchesSelectors(resource, object, selectors);
    const connection: WatchConnection = {
      resource,
      namespace,
      close: (reset = false) => {
        if (closed) return;
        closed = true;
        unsubscribe();
        for (const timer of timers) clearTimeout(timer);
        this.watches.delete(connection);
        if (reset) response.destroy();
        else response.end();
      },
      bookmark: () => {
        if (!allowBookmarks) return;
        write({
          type: 'BOOKMARK',
          object: {
            kind: resource.kind,
            apiVersion: apiVersionOf(resource),
            metadata: { resourceVersion: String(store.currentRevision()) },
          },
        });
      },
    };
    const write = (event: JsonObject) => {
      if (closed) return;
      response.write(`${JSON.stringify(event)}\n`);
      sent++;
      if (dropWatch?.afterEvents !== undefined && sent >= dropWatch.afterEvents)
        connection.close(dropWatch.reset);
    };
    const emit = (type: string, object: KubeObject) =>
      write({ type, object: this.machinery.present(resource, object) });
    const deliver = (event: StoreEvent) => {
      if (resourceId(event.resource) !== resourceId(resource)) return;
      const nowMatches = inScope(event.object);
      if (event.type === 'ADDED') {
        if (nowMatches) emit('ADDED', event.object);
        return;
      }
      const wasMatching = event.previous !== undefined && inScope(event.previous);
      if (event.type === 'DELETED') {
        if (wasMatching || nowMatches) emit('DELETED', event.object);
        return;
      }
      if (nowMatches && wasMatching) emit('MODIFIED', event.object);
      else if (nowMatches) emit('ADDED', event.object);
      else if (wasMatching) emit('DELETED', event.object);
    };
    const buffered: StoreEvent[] = [];
    let live = false;
    const unsubscribe = store.subscribe((event) => {
      if (live) deliver(event);
      else buffered.push(event);
    });
    this.watches.add(connection);
    request.on('close', () => connection.close());
    response.on('close', () => connection.close());
    response.on('error', () => connection.close());

    if (requested === '' || requested === '0' || sendInitialEvents) {
      for (const object of this.machinery.list(resource, namespace, selectors)) emit('ADDED', object);
      if (sendInitialEvents && allowBookmarks) {
        write({
          type: 'BOOKMARK',
          object: {
            kind: resource.kind,
            apiVersion: apiVersionOf(resource),
            metadata: {
              resourceVersion: String(store.currentRevision()),
              annotations: { 'k8s.io/initial-events-end': 'true' },
            },
          },
        });
      }
    } else {
      const history = store.eventsSince(Number(requested));
      if (history === 'expired') {
        write({
          type: 'ERROR',
          object: new KubeApiError(
            410,
            'Expired',
            `too old resource version: ${requested} (${store.oldestResumableRevision()})`,
          ).toStatus(),
        });
        connection.close();
        return;
      }
      for (const event of history) deliver(event);
    }
    live = true;
    for (const event of buffered.splice(0)) deliver(event);

    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) timers.push(setTimeout(() => connection.close(), timeoutSeconds * 1000));
    if (dropWatch?.afterMs !== undefined)
      timers.push(setTimeout(() => connection.close(dropWatch.reset), dropWatch.afterMs));
    if (allowBookmarks) {
      const interval = setInterval(() => connection.bookmark(), this.options.bookmarkIntervalMs);
      timers.push(interval);
    }
  }
}
