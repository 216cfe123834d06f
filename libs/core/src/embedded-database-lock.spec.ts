import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EMBEDDED_LOCK_FILE,
  EmbeddedDatabaseInUseError,
  lockEmbeddedDatabase,
} from './embedded-database-lock.js';

const freshDirectory = () => mkdtempSync(join(tmpdir(), 'flotilla-lock-'));

describe('lockEmbeddedDatabase', () => {
  it('writes this process id and removes the lock on the last release', () => {
    const directory = freshDirectory();
    const lockPath = join(directory, EMBEDDED_LOCK_FILE);
    const first = lockEmbeddedDatabase(directory);
    // The same process may open its own database twice (several apps in one test process).
    const second = lockEmbeddedDatabase(directory);
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    first();
    first();
    expect(existsSync(lockPath)).toBe(true);
    second();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses while a live process holds it, naming the process', () => {
    const directory = freshDirectory();
    // PID 1 is always alive (and not this process).
    writeFileSync(join(directory, EMBEDDED_LOCK_FILE), '1\n');
    expect(() => lockEmbeddedDatabase(directory)).toThrow(EmbeddedDatabaseInUseError);
    expect(() => lockEmbeddedDatabase(directory)).toThrow(
      `embedded database ${directory} is in use by PID 1; stop it or set DATABASE_URL`,
    );
  });

  it('takes over the lock of a process that is gone', () => {
    const directory = freshDirectory();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(join(directory, EMBEDDED_LOCK_FILE), `${gone.stdout}\n`);
    const release = lockEmbeddedDatabase(directory);
    expect(readFileSync(join(directory, EMBEDDED_LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});
