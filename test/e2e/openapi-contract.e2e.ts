import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer } from '@nestjs/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { type BullmqExecutionQueue, EXECUTION_QUEUE } from '#libs/core';
import { generateRvtoolsFile } from '#libs/estate-generator';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADMIN = 'openapi-e2e-admin';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DOCUMENT_ID = 'https://flotilla.invalid/openapi.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

interface MediaType {
  schema?: Record<string, unknown>;
  examples?: Record<string, { summary?: string; value: unknown }>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: Array<{ in: string; name: string; schema?: unknown }>;
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: { schemas: Record<string, unknown> };
}

const NEST_METHODS: Partial<Record<RequestMethod, HttpMethod>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

/** `plans/:id/waves/:number` as OpenAPI writes it: `/plans/{id}/waves/{number}`. */
function openApiPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

/** Every route the running app serves, and whether its handler reads a body (JSON or an upload). */
function servedRoutes(app: INestApplication): Array<{ key: string; takesBody: boolean }> {
  const routes: Array<{ key: string; takesBody: boolean }> = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler: unknown = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        const method = NEST_METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        if (typeof path !== 'string' || !method) continue;
        const args: Record<string, unknown> =
          Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {};
        const takesBody = Object.keys(args).some((key) =>
          [RouteParamtypes.BODY, RouteParamtypes.FILE, RouteParamtypes.FILES].includes(
            Number(key.split(':')[0]) as RouteParamtypes,
          ),
        );
        routes.push({ key: `${method.toUpperCase()} ${openApiPath(base, path)}`, takesBody });
      }
    }
  }
  return routes;
}

function operations(document: OpenApiDocument): Array<{ key: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, byMethod]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = byMethod[method];
      return operation ? [{ key: `${method.toUpperCase()} ${path}`, path, operation }] : [];
    }),
  );
}

const pointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

describe('the published API contract (/openapi.json)', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  let document: OpenApiDocument;
  let ajv: Ajv2020;
  let queue: BullmqExecutionQueue;
  const admin = { Authorization: `Bearer ${ADMIN}` };

  /** Checks a real answer against the schema the document publishes for it. */
  function expectDocumented(
    method: HttpMethod,
    path: string,
    answer: { status: number; body: unknown },
  ): void {
    const schemaRef = `${DOCUMENT_ID}#/paths/${pointer(path)}/${method}/responses/${answer.status}/content/${pointer('application/json')}/schema`;
    const check = ajv.getSchema(schemaRef) ?? ajv.compile({ $ref: schemaRef });
    const valid = check(answer.body);
    expect(
      valid
        ? []
        : (check.errors ?? []).map(
            (error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`,
          ),
      `${method.toUpperCase()} ${path} answered ${answer.status} as documented`,
    ).toEqual([]);
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-openapi-'));
    database = await createTestDatabase();
    // The real queue on the real Redis, under a prefix of its own: no executor consumes these jobs,
    // so the executions this file starts stay queued and their answers can be checked at leisure.
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: database.url,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
        REDIS_URL,
        FLOTILLA_QUEUE_PREFIX: `flotilla-openapi-e2e-${process.pid}-${Date.now()}`,
      }),
      { logger: false },
    );
    await app.init();
    queue = app.get(EXECUTION_QUEUE) as BullmqExecutionQueue;
    server = app.getHttpServer();
    const published = await request(server).get('/openapi.json');
    expect(published.status).toBe(200);
    document = published.body as OpenApiDocument;
    // The OpenAPI keywords around the schemas (paths, examples, x-event-data) are not JSON Schema.
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  });

  afterAll(async () => {
    await queue?.queue.obliterate({ force: true });
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('documents every route the app serves, and nothing else', () => {
    const served = servedRoutes(app)
      .map((route) => route.key)
      .sort();
    expect(served.length).toBeGreaterThan(40);
    expect(
      operations(document)
        .map(({ key }) => key)
        .sort(),
    ).toEqual(served);
  });

  it('declares a request schema for every operation that takes a body', () => {
    const missing: string[] = [];
    const bodyRoutes = new Set(
      servedRoutes(app)
        .filter((route) => route.takesBody)
        .map((route) => route.key),
    );
    expect(bodyRoutes.size).toBeGreaterThan(10);
    for (const { key, operation } of operations(document)) {
      const content = operation.requestBody?.content ?? {};
      if (bodyRoutes.has(key) && Object.keys(content).length === 0) missing.push(`${key}: no request body`);
      for (const [type, media] of Object.entries(content)) {
        if (!media.schema) missing.push(`${key}: no schema for ${type}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares a 2xx answer with a schema (or a content type) for every operation', () => {
    const missing: string[] = [];
    for (const { key, operation } of operations(document)) {
      const successes = Object.entries(operation.responses ?? {}).filter(([status]) =>
        /^2\d\d$/.test(status),
      );
      if (successes.length === 0) missing.push(`${key}: no 2xx answer`);
      for (const [status, response] of successes) {
        const content = Object.entries(response.content ?? {});
        if (status !== '204' && content.length === 0) missing.push(`${key}: ${status} declares no content`);
        for (const [type, media] of content) {
          if (!media.schema) missing.push(`${key}: ${status} ${type} has no schema`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares every path parameter with a schema, and every named schema it refers to', () => {
    const problems: string[] = [];
    for (const { key, path, operation } of operations(document)) {
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const parameter = operation.parameters?.find(
          (candidate) => candidate.in === 'path' && candidate.name === name,
        );
        if (!parameter?.schema) problems.push(`${key}: path parameter ${name} undeclared`);
      }
    }
    for (const [, name] of JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (!(name && name in document.components.schemas)) problems.push(`missing component ${name}`);
    }
    const ids = operations(document).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size, 'operation ids are unique').toBe(ids.length);
    expect(ids).toContain('plansCreate');
    expect(problems).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });

  it('gives examples for the main flows, each valid against its own schema', () => {
    const problems: string[] = [];
    const examplesOf = (where: string, location: string, content: Record<string, MediaType> | undefined) =>
      Object.entries(content ?? {}).flatMap(([type, media]) =>
        Object.entries(media.examples ?? {}).map(([name, example]) => ({
          where: `${where} ${type} example ${name}`,
          schemaRef: `${DOCUMENT_ID}#${location}/content/${pointer(type)}/schema`,
          value: example.value,
        })),
      );
    const examples = operations(document).flatMap(({ key, path, operation }) => {
      const method = key.split(' ')[0]?.toLowerCase();
      const location = `/paths/${pointer(path)}/${method}`;
      return [
        ...examplesOf(`${key} request`, `${location}/requestBody`, operation.requestBody?.content),
        ...Object.entries(operation.responses ?? {}).flatMap(([status, response]) =>
          examplesOf(`${key} ${status}`, `${location}/responses/${status}`, response.content),
        ),
      ];
    });
    for (const flow of [
      'POST /inventories',
      'POST /inventories/{id}/assessments',
      'POST /plans',
      'POST /plans/{id}/edits',
      'POST /plans/{id}/waves/{number}/approve',
      'POST /plans/{id}/waves/{number}/execute',
    ]) {
      const operation = operations(document).find(({ key }) => key === flow)?.operation;
      if (!operation?.summary) problems.push(`${flow}: no summary`);
    }
    for (const flow of [
      'POST /inventories 201',
      'POST /inventories/{id}/assessments request',
      'POST /plans request',
      'POST /plans/{id}/edits request',
      'PUT /plans/{id}/maps request',
      'POST /plans/{id}/waves/{number}/execute request',
    ]) {
      if (!examples.some((example) => example.where.startsWith(flow))) problems.push(`${flow}: no example`);
    }
    for (const example of examples) {
      const check = ajv.getSchema(example.schemaRef) ?? ajv.compile({ $ref: example.schemaRef });
      if (!check(example.value)) problems.push(`${example.where}: ${ajv.errorsText(check.errors)}`);
    }
    expect(problems).toEqual([]);
  });

  it('documents the upload form: the file and the name', () => {
    const form = document.paths['/inventories']?.post?.requestBody?.content?.['multipart/form-data']?.schema;
    expect(form).toMatchObject({
      properties: { file: { type: 'string', format: 'binary' }, name: { type: 'string' } },
      required: ['file'],
    });
  });

  it('answers the main flows exactly as documented', async () => {
    const token = await request(server)
      .post('/tokens')
      .set(admin)
      .send({ name: 'contract-planner', roles: ['planner', 'approver', 'viewer'] });
    expect(token.status).toBe(201);
    expectDocumented('post', '/tokens', token);
    const planner = { Authorization: `Bearer ${token.body.token}` };
    expectDocumented('get', '/tokens', await request(server).get('/tokens').set(admin));
    expectDocumented('get', '/whoami', await request(server).get('/whoami').set(planner));
    expectDocumented('get', '/healthz', await request(server).get('/healthz'));
    expectDocumented('get', '/readyz', await request(server).get('/readyz'));

    const file = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 40, seed: 7, out: file });
    const imported = await request(server)
      .post('/inventories')
      .set(planner)
      .field('name', 'Contract estate')
      .attach('file', file);
    expect(imported.status).toBe(201);
    expect(imported.body.name).toBe('Contract estate');
    expectDocumented('post', '/inventories', imported);
    const inventoryId: string = imported.body.inventoryId;
    expectDocumented('get', '/inventories', await request(server).get('/inventories').set(planner));
    expectDocumented(
      'get',
      '/inventories/{id}',
      await request(server).get(`/inventories/${inventoryId}`).set(planner),
    );
    const vms = await request(server)
      .get(`/inventories/${inventoryId}/vms?limit=5&template=false`)
      .set(planner);
    expectDocumented('get', '/inventories/{id}/vms', vms);
    expectDocumented(
      'get',
      '/inventories/{id}/vms/{vmId}',
      await request(server)
        .get(`/inventories/${inventoryId}/vms/${encodeURIComponent(vms.body.items[0].key)}`)
        .set(planner),
    );

    const assessed = await request(server)
      .post(`/inventories/${inventoryId}/assessments`)
      .set(planner)
      .send({});
    expect(assessed.status).toBe(201);
    expectDocumented('post', '/inventories/{id}/assessments', assessed);
    const assessmentId: string = assessed.body.assessmentId;
    expectDocumented(
      'get',
      '/inventories/{id}/assessments',
      await request(server).get(`/inventories/${inventoryId}/assessments`).set(planner),
    );
    expectDocumented(
      'get',
      '/assessments/{id}',
      await request(server).get(`/assessments/${assessmentId}`).set(planner),
    );
    const page = await request(server)
      .get(`/assessments/${assessmentId}/vms?disposition=rehost&limit=3`)
      .set(planner);
    expectDocumented('get', '/assessments/{id}/vms', page);
    const overridden = await request(server)
      .put(`/assessments/${assessmentId}/vms/${encodeURIComponent(page.body.items[0].vmKey)}/override`)
      .set(planner)
      .send({ disposition: 'retain', comment: 'Licensed to this host' });
    expect(overridden.status).toBe(200);
    expectDocumented('put', '/assessments/{id}/vms/{vmKey}/override', overridden);
    expectDocumented('get', '/policies', await request(server).get('/policies').set(planner));

    const created = await request(server)
      .post('/plans')
      .set(planner)
      .send({ assessmentId, name: 'Contract plan', settings: { constraints: { maxVmsPerWave: 8 } } });
    expect(created.status).toBe(201);
    expectDocumented('post', '/plans', created);
    // The check bites: an answer that drifts from the schema (a field renamed or retyped) fails it.
    const { version: _version, ...renamed } = created.body;
    expect(() =>
      expectDocumented('post', '/plans', { status: 201, body: { ...renamed, revision: 1 } }),
    ).toThrow(/POST \/plans answered 201 as documented/);
    const planId: string = created.body.id;
    expectDocumented('get', '/plans', await request(server).get('/plans').set(planner));
    expectDocumented(
      'get',
      '/plans/{id}/groups',
      await request(server).get(`/plans/${planId}/groups`).set(planner),
    );
    expectDocumented(
      'get',
      '/plans/{id}/settings',
      await request(server).get(`/plans/${planId}/settings`).set(planner),
    );

    const networks = new Set<string>();
    const datastores = new Set<string>();
    for (const wave of created.body.waves as Array<{ networks: string[]; datastores: string[] }>) {
      for (const network of wave.networks) networks.add(network);
      for (const datastore of wave.datastores) datastores.add(datastore);
    }
    const mapped = await request(server)
      .put(`/plans/${planId}/maps`)
      .set({ ...planner, 'If-Match': `"${created.body.version}"` })
      .send({
        networkMap: Object.fromEntries([...networks].map((name) => [name, { type: 'pod' }])),
        storageMap: Object.fromEntries([...datastores].map((name) => [name, { storageClass: 'standard' }])),
      });
    expect(mapped.status).toBe(200);
    expectDocumented('put', '/plans/{id}/maps', mapped);
    expectDocumented(
      'get',
      '/plans/{id}/maps',
      await request(server).get(`/plans/${planId}/maps`).set(planner),
    );

    const firstWave = created.body.waves[0] as { vmKeys: string[] };
    const edited = await request(server)
      .post(`/plans/${planId}/edits`)
      .set(planner)
      .send([{ kind: 'add-wave' }, { kind: 'move-vm', vmKey: firstWave.vmKeys[0], toWave: 2 }]);
    expect(edited.status).toBe(201);
    expectDocumented('post', '/plans/{id}/edits', edited);

    const plan = await request(server).get(`/plans/${planId}`).set(planner);
    expectDocumented('get', '/plans/{id}', plan);
    const approvable = (
      plan.body.waves as Array<{ number: number; vmKeys: string[]; approval: { contentHash: string } }>
    ).find(
      (wave) =>
        wave.vmKeys.length > 0 &&
        !(plan.body.violations as Array<{ severity: string; wave: number | null }>).some(
          (violation) => violation.severity === 'error' && violation.wave === wave.number,
        ),
    );
    expect(approvable, 'a wave without blocking violations').toBeDefined();
    const approved = await request(server)
      .post(`/plans/${planId}/waves/${approvable?.number}/approve`)
      .set(planner)
      .send({ contentHash: approvable?.approval.contentHash });
    expect(approved.status).toBe(200);
    expectDocumented('post', '/plans/{id}/waves/{number}/approve', approved);
    expectDocumented(
      'get',
      '/plans/{id}/waves/{number}',
      await request(server).get(`/plans/${planId}/waves/${approvable?.number}`).set(planner),
    );
    expectDocumented('get', '/audit', await request(server).get(`/audit?resourceId=${planId}`).set(planner));

    const operator = await request(server)
      .post('/tokens')
      .set(admin)
      .send({ name: 'contract-operator', roles: ['operator', 'viewer'] });
    const asOperator = { Authorization: `Bearer ${operator.body.token}` };
    const started = await request(server)
      .post(`/plans/${planId}/waves/${approvable?.number}/execute`)
      .set(asOperator)
      .send({ convertGuest: 'never', startVms: false });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expectDocumented('post', '/plans/{id}/waves/{number}/execute', started);
    const executionId: string = started.body.id;
    expectDocumented(
      'get',
      '/executions/{id}',
      await request(server).get(`/executions/${executionId}`).set(asOperator),
    );
    const events = await request(server)
      .get(`/executions/${executionId}/events?after=0&limit=50`)
      .set(asOperator);
    expect(events.body.length).toBeGreaterThan(0);
    expectDocumented('get', '/executions/{id}/events', events);
    const cancelled = await request(server)
      .post(`/executions/${executionId}/cancel`)
      .set(asOperator)
      .send({});
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(202);
    expectDocumented('post', '/executions/{id}/cancel', cancelled);
  });

  it('answers invalid ids, queries, bodies and headers with a documented 422 naming the field', async () => {
    const cases = [
      { answer: await request(server).get('/plans/not-a-uuid').set(admin), field: /plan id: must be a UUID/ },
      {
        answer: await request(server).get('/audit?limit=0').set(admin),
        field: /limit/,
      },
      {
        answer: await request(server)
          .post('/plans')
          .set(admin)
          .send({ assessmentId: '00000000-0000-4000-8000-000000000000', name: 42 }),
        field: /name/,
      },
      {
        answer: await request(server)
          .post('/plans/00000000-0000-4000-8000-000000000000/edits')
          .set(admin)
          .send({ kind: 'move-vm', vmKey: 'vc/vm-1' }),
        field: /toWave/,
      },
      {
        answer: await request(server)
          .post('/plans/00000000-0000-4000-8000-000000000000/replan')
          .set({ ...admin, 'If-Match': 'yesterday' }),
        field: /If-Match/,
      },
      {
        answer: await request(server).get('/plans/00000000-0000-4000-8000-000000000000/waves/0').set(admin),
        field: /wave number/,
      },
    ];
    for (const { answer, field } of cases) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(422);
      expect(answer.body.message).toMatch(field);
      const check = ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/ApiError` });
      expect(check(answer.body), JSON.stringify(check.errors)).toBe(true);
    }
  });
});
