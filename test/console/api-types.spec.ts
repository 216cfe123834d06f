import { readFileSync, writeFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import {
  type OpenApiDocument,
  openApiToTypeScript,
  schemaToType,
} from '../../apps/console/tools/openapi-to-typescript.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const GENERATED = new URL('../../apps/console/src/api/openapi-types.ts', import.meta.url);

describe('console API types generated from /openapi.json', () => {
  let database: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createAssessmentApp(loadConfig({ DATABASE_URL: database.url }), { logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('match the running API (`npm run console:api` regenerates them)', async () => {
    const response = await request(app.getHttpServer()).get('/openapi.json');
    expect(response.status).toBe(200);
    const generated = openApiToTypeScript(response.body as OpenApiDocument);
    if (process.env.FLOTILLA_UPDATE_API_TYPES === '1') writeFileSync(GENERATED, generated);
    expect(readFileSync(GENERATED, 'utf8')).toBe(generated);
  });
});

describe('JSON Schema to TypeScript', () => {
  it('maps objects, optional fields, arrays, enums, unions, nullables and references', () => {
    expect(
      schemaToType({
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          count: { type: 'integer' },
          state: { enum: ['draft', 'approved'] },
          tags: { type: 'array', items: { type: 'string' } },
          owner: { anyOf: [{ $ref: '#/components/schemas/Owner' }, { type: 'null' }] },
          note: { type: ['string', 'null'] },
        },
      }),
    ).toBe(
      [
        '{',
        '  id: string;',
        '  count?: number;',
        '  state?: "draft" | "approved";',
        '  tags?: Array<string>;',
        '  owner?: Schemas["Owner"] | null;',
        '  note?: string | null;',
        '}',
      ].join('\n'),
    );
    expect(schemaToType({ type: 'object', additionalProperties: { type: 'number' } })).toBe(
      '{\n  [key: string]: number;\n}',
    );
    expect(schemaToType({ type: 'object' })).toBe('Record<string, unknown>');
    expect(schemaToType(undefined)).toBe('unknown');
  });

  it('keys operations by method and path with their parameters, body and 2xx response', () => {
    const text = openApiToTypeScript({
      paths: {
        '/plans/{id}/waves/{number}/approve': {
          post: {
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'number', in: 'path', required: true, schema: { type: 'integer' } },
            ],
            requestBody: {
              content: {
                'application/json': { schema: { type: 'object', properties: { hash: { type: 'string' } } } },
              },
            },
            responses: { '201': { content: { 'application/json': { schema: { type: 'boolean' } } } } },
          },
        },
        '/tokens/{id}': { delete: { responses: { '204': {} } } },
      },
    });
    expect(text).toContain('"POST /plans/{id}/waves/{number}/approve": {');
    expect(text).toContain('      number: number;');
    expect(text).toContain('    body: {\n      hash?: string;\n    };');
    expect(text).toContain('    response: boolean;');
    expect(text).toContain('"DELETE /tokens/{id}": {');
    expect(text).toContain('    response: undefined;');
  });
});
