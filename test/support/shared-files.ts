/**
 * Third-party test inputs (genuine RVTools exports, the upstream KubeVirt and CDI OpenAPI
 * documents) are never copied into this repository: they live in `../shared` beside the checkout
 * (`FLOTILLA_SHARED_DIR` points elsewhere, e.g. from a git worktree) and are read in place. A suite
 * that needs them reports itself skipped, with the reason in its name, where they are absent.
 *
 * No vitest import here: the Kubernetes emulator (also run by the benchmarks, outside vitest)
 * finds its schemas through this module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest folder above this module whose package.json is Flotilla's. */
function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && /"name":\s*"flotilla"/.test(readFileSync(manifest, 'utf8'))) return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('test/support/shared-files.ts: no Flotilla package.json above it');
    folder = parent;
  }
}

export const SHARED_DIR = resolve(process.env.FLOTILLA_SHARED_DIR ?? join(repositoryRoot(), '..', 'shared'));

/** A path under the shared folder. */
export const sharedFile = (...parts: string[]): string => join(SHARED_DIR, ...parts);

/** One of the four genuine exports of `samples/rvtools/`. */
export const rvtoolsSample = (name: string): string => sharedFile('samples', 'rvtools', name);

/** One of the sixteen genuine exports of `samples/rvtools/real/`. */
export const realRvtoolsSample = (name: string): string => sharedFile('samples', 'rvtools', 'real', name);

/** An upstream OpenAPI document of `schemas/` (`kubevirt.swagger.json`, `cdi.swagger.json`). */
export const upstreamSchema = (name: string): string => sharedFile('schemas', name);

/** Why a suite needing `paths` cannot run here, or null when every path exists. */
export function sharedFilesMissing(...paths: string[]): string | null {
  const missing = paths.find((path) => !existsSync(path));
  if (missing === undefined) return null;
  return `${missing} is absent: third-party files are read from ../shared (or FLOTILLA_SHARED_DIR), never copied into the repository`;
}

/**
 * A suite title that carries the skip reason when `paths` are absent; use it as
 * `describe.skipIf(suite.skip)(suite.title, ...)`. The reason is also printed once.
 */
export function sharedSuite(title: string, ...paths: string[]): { title: string; skip: boolean } {
  const reason = sharedFilesMissing(...paths);
  if (reason === null) return { title, skip: false };
  process.stderr.write(`skipped "${title}": ${reason}\n`);
  return { title: `${title} [skipped: ${reason}]`, skip: true };
}

/**
 * A suite that needs the upstream KubeVirt and CDI schemas: every suite that starts the Kubernetes
 * emulator, which validates what it admits against them.
 */
export const upstreamSchemasSuite = (title: string): { title: string; skip: boolean } =>
  sharedSuite(title, upstreamSchema('kubevirt.swagger.json'), upstreamSchema('cdi.swagger.json'));

/** Reads a shared file, or fails naming the path and why it should be there. */
export function readSharedFile(path: string): string {
  const reason = sharedFilesMissing(path);
  if (reason !== null) throw new Error(reason);
  return readFileSync(path, 'utf8');
}
