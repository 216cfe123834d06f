import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { createAssessmentApp } from '../../apps/assessment/src/assessment-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { PLACEHOLDER_EXECUTOR_SETTINGS } from '../support/executor-settings.js';
import {
  ensureConsoleBuilt,
  launchChromium,
  SCREENSHOTS,
  screenshot,
  seriousAccessibilityViolations,
} from './browser.js';

const ADMIN = 'console-e2e-admin-token';
/** A page that is ready passes at once; a busy machine gets time. */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 200 });
const GENUINE = fileURLToPath(
  new URL('../../../shared/samples/rvtools/kylow-reference-RVTOOLEX.xlsx', import.meta.url),
);
const BUNDLED = fileURLToPath(new URL('../../samples/rvtools-sample-200.xlsx', import.meta.url));

describe('web console in Chromium against the real API on PostgreSQL', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let browser: Browser;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];
  let expectRefusedSignIn = false;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    database = await createTestDatabase();
    app = await createAssessmentApp(
      loadConfig({
        DATABASE_URL: database.url,
        FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
        ...PLACEHOLDER_EXECUTOR_SETTINGS,
      }),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('console', (message) => {
      // A failed load is reported below with its URL and status.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        consoleErrors.push(message.text());
      }
    });
    page.on('response', (response) => {
      const refusedSignIn =
        response.status() === 401 && response.url().endsWith('/whoami') && expectRefusedSignIn;
      if (response.status() >= 400 && !refusedSignIn) {
        consoleErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
      }
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const expectAccessible = async () => {
    const violations = await seriousAccessibilityViolations(page);
    expect(
      violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes[0]?.target})`),
    ).toEqual([]);
  };

  it('serves the console at / and keeps the API answering JSON on the same paths', async () => {
    const html = await fetch(`${base}/inventories`, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const json = await fetch(`${base}/inventories`, {
      headers: { authorization: `Bearer ${ADMIN}`, accept: 'application/json' },
    });
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).toEqual([]);
  });

  it('signs in with a token kept in session storage, never in the URL', async () => {
    await page.goto(`${base}/inventories`);
    await page.waitForURL(/\/sign-in$/);
    await expectAccessible();
    expectRefusedSignIn = true;
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() =>
      page
        .getByText(/token|unauthor/i)
        .first()
        .isVisible(),
    ).toBe(true);
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/inventories$/);
    expect(page.url()).not.toContain(ADMIN);
    expect(await page.evaluate("sessionStorage.getItem('flotilla.token')")).toBe(ADMIN);
    expect(await page.evaluate("localStorage.getItem('flotilla.token')")).toBeNull();
    await screenshot(page, '01-signed-in');
  });

  it('uploads an export with progress and shows its summary and diagnostics', async () => {
    const file = existsSync(GENUINE) ? GENUINE : BUNDLED;
    await page.locator('input[type=file]').setInputFiles(file);
    // A slow network: each poll of the import answers late, so its stages stay on screen long
    // enough to be seen even when the server reads a small export in a blink.
    const slowPolls = '**/inventory-imports/*';
    await page.route(slowPolls, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await page.getByRole('button', { name: 'Import' }).click();
    const stage = page.getByText(/^(Reading the export|Reading sheet \w+: [\d,]+ rows read|Storing: )/);
    await eventually(() => stage.first().isVisible()).toBe(true);
    await screenshot(page, '02a-import-progress');
    await page.waitForURL(/\/inventories\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    await page.unroute(slowPolls);
    await eventually(() => page.getByLabel('Import summary').isVisible()).toBe(true);
    await eventually(() => page.getByRole('heading', { name: /Diagnostics \(\d+\)/ }).isVisible()).toBe(true);
    await expectAccessible();
    await screenshot(page, '02-inventory');
  });

  it('assesses and shows the estate dashboard with charts and their numbers', async () => {
    await page.getByRole('button', { name: 'Assess' }).click();
    await page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    await eventually(() => page.locator('svg[role=img], svg').count()).toBeGreaterThan(2);
    await eventually(() => page.getByLabel('Dispositions numbers').isVisible()).toBe(true);
    const rehost = await page.getByLabel('Dispositions numbers').getByRole('row').first().textContent();
    expect(rehost).toMatch(/^[a-z]+\s*\d+$/);
    await expectAccessible();
    await screenshot(page, '03-dashboard');
  });

  it('filters the assessment table, opens a VM and overrides it with a comment', async () => {
    const dashboardUrl = page.url();
    await page.getByRole('link', { name: 'every VM' }).click();
    await page.waitForURL(/\/vms/);
    // Exact name: the dashboard being left has a "Dispositions" chart and table.
    await page.getByRole('combobox', { name: 'Disposition', exact: true }).first().selectOption('rehost');
    await page.waitForURL(/disposition=rehost/);
    const firstVm = page
      .getByRole('table', { name: 'Assessed VMs' })
      .locator('tbody')
      .getByRole('button')
      .first();
    await firstVm.waitFor();
    const vmName = (await firstVm.textContent()) ?? '';
    await firstVm.click();
    await page.waitForURL(/vm=/);
    await eventually(() => page.getByRole('heading', { name: vmName, level: 2 }).isVisible()).toBe(true);
    await page.getByLabel('Disposition', { exact: true }).last().selectOption('retain');
    await page.getByLabel('Comment (audited)').fill('Licensing review first');
    await page.getByRole('button', { name: 'Save override' }).click();
    await eventually(() => page.getByText('Overridden to retain').isVisible()).toBe(true);
    await expectAccessible();
    await screenshot(page, '04-assessment-table');
    // Deep link: loading the same URL again shows the same filtered table and drawer (the token is
    // per tab, in session storage, so this is the same tab).
    const deepLink = page.url();
    await page.goto('about:blank');
    await page.goto(deepLink);
    await eventually(() => page.getByRole('heading', { name: vmName, level: 2 }).isVisible()).toBe(true);
    expect(await page.getByRole('combobox', { name: 'Disposition', exact: true }).first().inputValue()).toBe(
      'rehost',
    );
    await page.goto(dashboardUrl);
  });

  it('sorts the assessment table by score on the server and filters it by cluster, all in the URL', async () => {
    const dashboardUrl = page.url();
    const assessmentId = /\/assessments\/([0-9a-f-]{36})/.exec(dashboardUrl)?.[1] ?? '';
    await page.getByRole('link', { name: 'every VM' }).click();
    await page.waitForURL(/\/vms/);
    const table = page.getByRole('table', { name: 'Assessed VMs' });
    const scoreHeader = table.getByRole('columnheader', { name: /Score/ });
    expect(await scoreHeader.getAttribute('aria-sort')).toBe('none');
    // Keyboard: the header's button takes Enter like a click.
    await scoreHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/sort=score/);
    await eventually(() => scoreHeader.getAttribute('aria-sort')).toBe('ascending');
    await scoreHeader.getByRole('button').click();
    await page.waitForURL(/sort=-score/);
    await eventually(() => scoreHeader.getAttribute('aria-sort')).toBe('descending');
    const scoresShown = async () =>
      (await table.locator('tbody tr td:nth-child(4)').allTextContents()).slice(0, 15).map(Number);
    const api = async (query: string) => {
      const response = await fetch(`${base}/assessments/${assessmentId}/vms?${query}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      return (await response.json()) as { total: number; items: Array<{ score: number; name: string }> };
    };
    const expected = (await api('sort=-score&limit=15')).items.map((vm) => vm.score);
    await eventually(scoresShown).toEqual(expected);
    expect(expected).toEqual([...expected].sort((a, b) => b - a));

    // The options are the clusters of the VMs (value) with their counts (label); the first is every cluster.
    const clusterOptions = page.getByLabel('Cluster').locator('option');
    await eventually(() => clusterOptions.count()).toBeGreaterThan(1);
    const cluster = (await clusterOptions.nth(1).getAttribute('value')) ?? '';
    await page.getByLabel('Cluster').selectOption(cluster);
    await page.waitForURL(/cluster=/);
    const inCluster = await api(`sort=-score&cluster=${encodeURIComponent(cluster)}&limit=15`);
    const everyVm = await api('limit=1');
    expect(inCluster.total).toBeGreaterThan(0);
    expect(inCluster.total).toBeLessThanOrEqual(everyVm.total);
    await eventually(() =>
      page.getByText(`${inCluster.total.toLocaleString('en')} VMs match`).isVisible(),
    ).toBe(true);
    await eventually(() => table.locator('tbody tr td:nth-child(1)').first().textContent()).toBe(
      inCluster.items[0]?.name,
    );
    await expectAccessible();
    await screenshot(page, '04b-assessment-sorted-filtered');
    // The sort and the filter survive a reload of the same URL.
    const deepLink = page.url();
    await page.goto('about:blank');
    await page.goto(deepLink);
    await eventually(() => page.getByLabel('Cluster').inputValue()).toBe(cluster);
    await eventually(() => scoreHeader.getAttribute('aria-sort')).toBe('descending');
    await page.goto(dashboardUrl);
  });

  it('offers every cluster the VMs are in, even those the summary does not size, with the counts the table shows', async () => {
    const dashboardUrl = page.url();
    const assessmentId = /\/assessments\/([0-9a-f-]{36})/.exec(dashboardUrl)?.[1] ?? '';
    const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      });
      expect(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status}`).toBe(true);
      return (await response.json()) as T;
    };
    // The summary sizes the clusters of rehosted VMs only: assessed keeping every VM on vSphere, it
    // names no cluster, while the VMs are still in theirs to filter by.
    const { inventoryId } = await api<{ inventoryId: string }>(`/assessments/${assessmentId}`);
    const retainAll = await api<{ assessmentId: string; summary: { sizing: { byCluster: object } } }>(
      `/inventories/${inventoryId}/assessments`,
      {
        method: 'POST',
        body: JSON.stringify({
          policy: {
            version: 1,
            disposition: { retainOsSupport: ['supported', 'legacy', 'unsupported', 'unknown'] },
          },
        }),
      },
    );
    expect(retainAll.summary.sizing.byCluster).toEqual({});
    const facets = await api<{ cluster: Array<{ value: string; count: number }> }>(
      `/assessments/${retainAll.assessmentId}/vms/facets`,
    );
    expect(facets.cluster.length).toBeGreaterThan(0);
    await page.goto(`${base}/assessments/${retainAll.assessmentId}/vms`);
    const options = page.getByLabel('Cluster').locator('option');
    await eventually(() => options.allTextContents()).toEqual([
      'Every cluster',
      ...facets.cluster
        .toSorted((a, b) => a.value.localeCompare(b.value))
        .map(({ value, count }) => `${value} (${count.toLocaleString('en')})`),
    ]);
    const { value, count } = facets.cluster.at(-1) as { value: string; count: number };
    await page.getByLabel('Cluster').selectOption(value);
    await page.waitForURL(/cluster=/);
    await eventually(() => page.getByText(`${count.toLocaleString('en')} VMs match`).isVisible()).toBe(true);
    await expectAccessible();
    await page.goto(dashboardUrl);
  });

  it('plans waves, maps every source, moves a VM with the keyboard-accessible control and approves', async () => {
    await page.getByRole('button', { name: 'Plan waves' }).click();
    await page.waitForURL(/\/plans\/[0-9a-f-]{36}/, { timeout: 60_000 });
    await page.getByRole('tab', { name: 'Network and storage maps' }).click();
    // Multus, not the pod network: a VM may have only one NIC on the pod network.
    for (const input of await page.getByLabel(/^Target of network /).all())
      await input.fill('multus:default/vm-net');
    for (const input of await page.getByLabel(/^Storage class of datastore /).all())
      await input.fill('standard');
    await page.getByRole('button', { name: 'Save maps' }).click();
    await eventually(() => page.getByText('Maps saved').isVisible()).toBe(true);

    // Clearing a row and saving removes its entry (sent as null): the source is unmapped again.
    const planId = /\/plans\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';
    const networkMapOfPlan = async () => {
      const response = await fetch(`${base}/plans/${planId}/maps`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      return ((await response.json()) as { networkMap: Record<string, unknown> }).networkMap;
    };
    const firstNetwork = page.getByLabel(/^Target of network /).first();
    const source = ((await firstNetwork.getAttribute('aria-label')) ?? '').replace(/^Target of network /, '');
    await eventually(async () => Object.keys(await networkMapOfPlan())).toContain(source);
    await page.getByRole('button', { name: `Clear the target of network ${source}` }).click();
    expect(await firstNetwork.inputValue()).toBe('');
    await page.getByRole('button', { name: 'Save maps' }).click();
    await eventually(async () => Object.keys(await networkMapOfPlan())).not.toContain(source);
    // Mapped back, from a freshly loaded form: the rest of the journey approves a wave.
    await page.reload();
    const reloaded = page.getByLabel(`Target of network ${source}`, { exact: true });
    await reloaded.waitFor();
    expect(await reloaded.inputValue()).toBe('');
    await reloaded.fill('multus:default/vm-net');
    await page.getByRole('button', { name: 'Save maps' }).click();
    await eventually(async () => (await networkMapOfPlan())[source]).toEqual({
      type: 'multus',
      name: 'default/vm-net',
    });
    await page.getByRole('tab', { name: 'Waves' }).click();
    const board = page.getByLabel('Waves board');
    await board.waitFor();
    // The board shows its columns once the plan's waves arrived: wait for them under load.
    await eventually(() => board.locator('section').count()).toBeGreaterThan(1);
    // Keyboard-accessible move: select a VM (a checkbox), pick the wave, press Move.
    const select = page.getByLabel('Wave 1').getByRole('checkbox').first();
    const label = (await select.getAttribute('aria-label')) ?? '';
    const vmName = label.replace(/^Select /, '');
    await select.focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Move selected VMs to wave').selectOption('2');
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await eventually(() => page.getByLabel('Wave 2').getByText(vmName, { exact: true }).count()).toBe(1);
    await page.getByLabel('Wave 1').getByRole('button', { name: 'Approve' }).click();
    await eventually(() => page.getByText(/Wave 1 approved/).isVisible()).toBe(true);
    await expectAccessible();
    await screenshot(page, '05-waves-board');
  });

  it("shows a wave's manifests for GitOps review, file by file, and downloads them as one YAML stream", async () => {
    await page.getByRole('tab', { name: 'Manifests' }).click();
    await page.waitForURL(/tab=manifests/);
    const files = page.getByLabel('Manifest files');
    await eventually(() => files.getByRole('menuitem').count()).toBeGreaterThan(0);
    await eventually(() => page.locator('pre').first().textContent()).toMatch(/^apiVersion: /m);
    const virtualMachine = files.getByRole('menuitem', { name: /virtualmachine-/ }).first();
    await virtualMachine.click();
    await page.waitForURL(/file=/);
    await eventually(() => page.locator('pre').first().textContent()).toMatch(/^kind: VirtualMachine$/m);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download all as one YAML stream' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/wave-1\.yaml$/);
    const stream = await readFile((await download.path()) as string, 'utf8');
    expect(stream).toContain('kind: DataVolume');
    expect(stream).toContain('https://vcenter.example.invalid/sdk');
    expect(stream.split(/^---$/m).length).toBe(await files.getByRole('menuitem').count());
    await expectAccessible();
    await screenshot(page, '05b-wave-manifests');
  });

  it('downloads the wave report', async () => {
    await page.getByRole('tab', { name: 'Report' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download the wave report/ }).click(),
    ]);
    const path = await download.path();
    expect(path).toBeTruthy();
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  });

  it('shows the audit log and tokens to an admin, with dark mode', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await eventually(() =>
      page.getByLabel('Audit log', { exact: true }).getByText('assessment.override').count(),
    ).toBeGreaterThan(0);
    await expectAccessible();
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('viewer-for-console');
    await page.getByLabel('viewer').check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await eventually(() => page.getByText('Copy the token now').isVisible()).toBe(true);
    await page.getByText('Dark', { exact: true }).click();
    expect(await page.evaluate("document.documentElement.classList.contains('pf-v6-theme-dark')")).toBe(true);
    await screenshot(page, '06-tokens-dark');
    await page.getByText('Dark', { exact: true }).click();
    expect(await page.getByLabel('Dark mode').isChecked()).toBe(false);
    expect(consoleErrors, `console errors (screenshots in ${SCREENSHOTS})`).toEqual([]);
  });
});
