import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * PGlite is a single-process database: a second process opening the same directory works on its
 * own copy of the pages and the two silently diverge (a token the CLI creates never reaches the
 * API). So the directory carries a lock file naming the process that holds it.
 */
export class EmbeddedDatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`embedded database ${dataDir} is in use by PID ${pid}; stop it or set DATABASE_URL`);
    this.name = 'EmbeddedDatabaseInUseError';
  }
}

export const EMBEDDED_LOCK_FILE = 'flotilla.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const held = new Map<string, { count: number; release: () => void }>();

/**
 * Takes the directory for this process (again, if it already holds it) and returns the release.
 * A lock left by a process that is gone (killed, crashed) is taken over.
 */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  const directory = resolve(dataDir);
  const lockPath = join(directory, EMBEDDED_LOCK_FILE);
  const mine = held.get(lockPath);
  if (mine) {
    mine.count += 1;
    return releaseOnce(lockPath);
  }
  mkdirSync(directory, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let descriptor: number;
    try {
      descriptor = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = holderOf(lockPath);
      if (pid !== undefined && pid !== process.pid && isAlive(pid))
        throw new EmbeddedDatabaseInUseError(directory, pid);
      // Stale (its process is gone) or half-written: remove it and race for it once more.
      try {
        unlinkSync(lockPath);
      } catch {
        // Another process removed it first.
      }
      continue;
    }
    writeSync(descriptor, `${process.pid}\n`);
    closeSync(descriptor);
    const removeIfMine = () => {
      if (holderOf(lockPath) === process.pid) unlinkSync(lockPath);
    };
    // A process that exits without closing the database (process.exit) still frees the directory.
    process.once('exit', removeIfMine);
    held.set(lockPath, {
      count: 1,
      release: () => {
        process.removeListener('exit', removeIfMine);
        removeIfMine();
      },
    });
    return releaseOnce(lockPath);
  }
  throw new EmbeddedDatabaseInUseError(directory, holderOf(lockPath) ?? 0);
}

function releaseOnce(lockPath: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const entry = held.get(lockPath);
    if (!entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    held.delete(lockPath);
    entry.release();
  };
}
