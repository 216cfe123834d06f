import net from 'node:net';
import pg from 'pg';
import { TEST_ADMIN_URL } from './support/database.js';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Tests run against the real PostgreSQL and Redis; when one is down the run stops here with the
 * command that starts it, instead of failing a hundred tests one by one.
 */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${new URL(TEST_ADMIN_URL).host} (${(error as Error).message}); start it with: pg_ctlcluster $(ls /etc/postgresql) main start`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!(await reachable('127.0.0.1', 6379))) {
    throw new Error(
      'Redis is not reachable at 127.0.0.1:6379; start it with: redis-server --daemonize yes --save "" --appendonly no',
    );
  }
}
