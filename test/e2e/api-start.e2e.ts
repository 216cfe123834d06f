import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApps, startAppProcess } from '../support/built-apps.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Waits until the process has written `text` (or has exited). */
async function waitForOutput(output: () => string, exited: () => boolean, text: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!output().includes(text) && !exited() && Date.now() < deadline)
    await new Promise((wait) => setTimeout(wait, 200));
}

describe('starting the built API', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    [database] = await Promise.all([createTestDatabase('flotilla_start'), buildApps()]);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('refuses FLOTILLA_AUTH_DISABLED outside development, exit code 2, naming the setting', async () => {
    const api = await startAppProcess('apps/assessment/src/main.js', [], {
      DATABASE_URL: database.url,
      NODE_ENV: 'production',
      FLOTILLA_AUTH_DISABLED: 'true',
    });
    expect(await api.exited).toBe(2);
    expect(api.output()).toMatch(/FLOTILLA_AUTH_DISABLED: true makes every caller an admin and is refused/);
  });

  it('warns loudly at start when authentication is disabled in development', {
    timeout: 120_000,
  }, async () => {
    const api = await startAppProcess('apps/assessment/src/main.js', [], {
      DATABASE_URL: database.url,
      FLOTILLA_ENV: 'development',
      FLOTILLA_AUTH_DISABLED: 'true',
      HOST: '127.0.0.1',
      PORT: String(20_000 + (process.pid % 20_000)),
    });
    try {
      await waitForOutput(api.output, () => api.child.exitCode !== null, 'Assessment API listening');
      expect(api.output()).toContain('Assessment API listening');
      expect(api.output()).toMatch(/"level":"error".*FLOTILLA_AUTH_DISABLED=true: authentication is OFF/);
    } finally {
      await api.stop(10_000);
    }
  });
});
