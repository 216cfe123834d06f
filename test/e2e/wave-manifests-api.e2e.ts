import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { generateRvtoolsFile } from '#libs/estate-generator';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { PLACEHOLDER_EXECUTOR_SETTINGS } from '../support/executor-settings.js';

const ADMIN = 'manifests-e2e-admin';

interface PlannedWave {
  number: number;
  vmKeys: string[];
  networks: string[];
  datastores: string[];
}

/** A wave whose map leaves one of its networks (or datastores) out answers 422 naming it, not 500. */
describe("a wave's manifests with an incomplete map", () => {
  let database: TestDatabase;
  let app: INestApplication;
  let server: Parameters<typeof request>[0];
  let scratch: string;
  let assessmentId: string;
  const networks = new Set<string>();
  const datastores = new Set<string>();
  const as = { Authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-manifests-'));
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: database.url,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
        ...PLACEHOLDER_EXECUTOR_SETTINGS,
      }),
      { logger: false },
    );
    await app.init();
    server = app.getHttpServer();
    const file = join(scratch, 'estate.xlsx');
    await generateRvtoolsFile({ vms: 40, seed: 23, out: file });
    const imported = await request(server).post('/inventories').set(as).attach('file', file);
    expect(imported.status).toBe(201);
    const assessed = await request(server)
      .post(`/inventories/${imported.body.inventoryId}/assessments`)
      .set(as)
      .send({});
    expect(assessed.status).toBe(201);
    assessmentId = assessed.body.assessmentId;
    for (const wave of (await planWith({})).waves) {
      for (const network of wave.networks) networks.add(network);
      for (const datastore of wave.datastores) datastores.add(datastore);
    }
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A plan whose maps cover every source of the estate but `left` (the maps patch never removes an entry). */
  async function planWith(left: { network?: string; datastore?: string }) {
    const created = await request(server)
      .post('/plans')
      .set(as)
      .send({
        assessmentId,
        name: 'Manifests plan',
        settings: {
          networkMap: Object.fromEntries(
            [...networks]
              .filter((name) => name !== left.network)
              .map((name, index) => [name, { type: 'multus', name: `apps/net-${index}` }]),
          ),
          storageMap: Object.fromEntries(
            [...datastores]
              .filter((name) => name !== left.datastore)
              .map((name) => [name, { storageClass: 'fast' }]),
          ),
        },
      });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as { id: string; waves: PlannedWave[] };
  }

  /** The manifests of the first wave that uses `source`. */
  async function manifestsOfWaveUsing(
    plan: { id: string; waves: PlannedWave[] },
    uses: (wave: PlannedWave) => boolean,
  ) {
    const wave = plan.waves.find((candidate) => candidate.vmKeys.length > 0 && uses(candidate));
    if (!wave) throw new Error('no wave uses the source');
    return request(server).get(`/plans/${plan.id}/waves/${wave.number}/manifests`).set(as);
  }

  it('answers 422 naming a VM and the source network the network map lacks', async () => {
    const network = [...networks][0] as string;
    const plan = await planWith({ network });
    const response = await manifestsOfWaveUsing(plan, (wave) => wave.networks.includes(network));
    expect(response.status).toBe(422);
    expect(response.body.error).toBe('wave-not-renderable');
    expect(response.body.message).toMatch(/VM "[^"]+" \([^)]+\)/);
    expect(response.body.message).toContain(`network "${network}"`);
  });

  it('answers 422 naming a VM and the datastore the storage map lacks', async () => {
    const datastore = [...datastores][0] as string;
    const plan = await planWith({ datastore });
    const response = await manifestsOfWaveUsing(plan, (wave) => wave.datastores.includes(datastore));
    expect(response.status).toBe(422);
    expect(response.body.message).toMatch(/VM "[^"]+" \([^)]+\)/);
    expect(response.body.message).toContain(`datastore "${datastore}"`);
  });

  it('renders the wave once every network and datastore is mapped', async () => {
    const response = await manifestsOfWaveUsing(await planWith({}), () => true);
    expect(response.status).toBe(200);
    expect(response.body.files.length).toBeGreaterThan(0);
  });
});
