import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

const UPLOAD_DIRECTORY_PREFIX = 'flotilla-uploads-';
/** When this process started, to tell its directory from one a previous process with the same pid left. */
const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

let current: string | null = null;

/**
 * The directory multer writes uploads to: one per process, `flotilla-uploads-<pid>-<start>`.
 * The first call removes the directories of processes that are gone (a crash mid-upload leaves
 * its files behind); a container restarted under the same pid is told apart by its start time.
 */
export function uploadDirectory(): string {
  if (current !== null) return current;
  sweepAbandonedUploadDirectories();
  current = join(tmpdir(), `${UPLOAD_DIRECTORY_PREFIX}${process.pid}-${PROCESS_STARTED_AT}`);
  mkdirSync(current, { recursive: true, mode: 0o700 });
  const directory = current;
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

export function sweepAbandonedUploadDirectories(root = tmpdir()): string[] {
  const swept: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(UPLOAD_DIRECTORY_PREFIX)) continue;
    const [pidText, startedText] = entry.name.slice(UPLOAD_DIRECTORY_PREFIX.length).split('-');
    const pid = Number(pidText);
    const ours = pid === process.pid && Number(startedText) === PROCESS_STARTED_AT;
    if (ours || (pid !== process.pid && processIsAlive(pid))) continue;
    rmSync(join(root, entry.name), { recursive: true, force: true });
    swept.push(entry.name);
  }
  return swept;
}

function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RequestWithUploads extends Request {
  file?: { path?: string };
  files?: unknown;
}

/**
 * Deletes whatever multer stored for a request once the answer is finished or the client has
 * gone, whichever way the handler ended (refused, failed, aborted): uploads never pile up.
 */
export function removeUploadsWhenDone(request: Request, response: Response, next: NextFunction): void {
  response.once('close', () => {
    const uploaded = request as RequestWithUploads;
    const paths: string[] = [];
    if (typeof uploaded.file?.path === 'string') paths.push(uploaded.file.path);
    const files = uploaded.files;
    const list = Array.isArray(files)
      ? files
      : files && typeof files === 'object'
        ? Object.values(files).flat()
        : [];
    for (const file of list) {
      if (file && typeof (file as { path?: unknown }).path === 'string')
        paths.push((file as { path: string }).path);
    }
    for (const path of paths) void rm(path, { force: true });
  });
  next();
}
