import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_LOCK_FILE } from '#libs/core';
import { type AppProcess, buildApps, runCli, startAppProcess } from '../support/built-apps.js';

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts the built API on the embedded database in `dataDir` and waits until it answers. */
async function startApi(dataDir: string): Promise<{ api: AppProcess; url: string }> {
  const port = await freePort();
  const api = await startAppProcess('apps/assessment/src/main.js', [], {
    FLOTILLA_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.output()}`);
    const ready = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { api, url };
    if (Date.now() > deadline) throw new Error(`the API did not answer: ${api.output()}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

describe('the embedded database and a second process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-embedded-'));
  const environment = { FLOTILLA_DATA_DIR: dataDir };
  const running: AppProcess[] = [];

  beforeAll(async () => {
    await buildApps();
  });

  afterAll(async () => {
    for (const process of running) await process.stop(5_000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the CLI while the API holds it, takes over a dead holder, and never diverges', {
    timeout: 300_000,
  }, async () => {
    const first = await startApi(dataDir);
    running.push(first.api);
    const refused = await runCli(['token', 'create', '--name', 'while-api-runs'], environment);
    expect(refused.code, refused.output).toBe(2);
    expect(refused.output).toContain(
      `embedded database ${resolve(dataDir, 'pgdata')} is in use by PID ${first.api.child.pid}; stop it or set DATABASE_URL`,
    );

    // A killed API leaves its lock behind; its PID is gone, so the next process takes over.
    first.api.child.kill('SIGKILL');
    await first.api.exited;
    expect(existsSync(join(dataDir, 'pgdata', EMBEDDED_LOCK_FILE))).toBe(true);
    const created = await runCli(
      ['token', 'create', '--name', 'after-api-died', '--role', 'viewer'],
      environment,
    );
    expect(created.code, created.output).toBe(0);
    const token = created.output.trim().split('\n').at(-1) as string;
    expect(existsSync(join(dataDir, 'pgdata', EMBEDDED_LOCK_FILE))).toBe(false);

    // The token the CLI wrote is the API's token: one database, not two diverging copies.
    const second = await startApi(dataDir);
    running.push(second.api);
    const listed = await fetch(`${second.url}/inventories`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(listed.status).toBe(200);
    // SIGTERM: Nest runs the shutdown hooks (the core closes the database, freeing it), then re-raises it.
    expect(await second.api.stop(30_000)).toBe('SIGTERM');
    expect(existsSync(join(dataDir, 'pgdata', EMBEDDED_LOCK_FILE))).toBe(false);
  });
});
