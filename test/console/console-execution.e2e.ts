import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { type ExecutionEnvironment, startExecutionEnvironment } from '../e2e/execution-fixture.js';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { ensureConsoleBuilt, launchChromium, screenshot, seriousAccessibilityViolations } from './browser.js';

const ADMIN = 'console-execution-admin-token';
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 120_000, interval: 250 });

const emulatorSuite = upstreamSchemasSuite(
  'the console starting a wave on vcsim and the Kubernetes emulator',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let env: ExecutionEnvironment;
  let app: INestApplication;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    [env] = await Promise.all([startExecutionEnvironment(), ensureConsoleBuilt()]);
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: env.testDatabase.url,
        REDIS_URL: env.environment.REDIS_URL,
        FLOTILLA_QUEUE_PREFIX: env.prefix,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      }),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.close();
  });

  it('starts an approved wave and shows it run to completion, per VM and per disk, live', {
    timeout: 300_000,
  }, async () => {
    const { planId, waveNumber } = await env.approvedWave({ name: 'console' });
    await env.startExecutor();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/inventories$/);
    await page.goto(`${base}/plans/${planId}`);
    await page.getByLabel(`Wave ${waveNumber}`).getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
    const vms = page.getByLabel('VMs of the execution');
    await eventually(() => vms.getByRole('row').count()).toBeGreaterThan(5);
    // While it runs: phases move on without a reload (the event stream drives the page).
    await eventually(() =>
      page.getByText(/CopyDisks|ConvertGuest|CreateVM|WaitForVMReady/).count(),
    ).toBeGreaterThan(0);
    await screenshot(page, '07-execution-running');
    await eventually(() => page.getByText('completed', { exact: true }).count()).toBeGreaterThan(0);
    await eventually(() => vms.getByText(/^Completed \(/).count()).toBe(
      (await vms.getByRole('row').count()) - 1,
    );
    const violations = await seriousAccessibilityViolations(page);
    expect(violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
    await screenshot(page, '08-execution-completed');
  });
});
