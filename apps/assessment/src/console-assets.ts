import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Paths that stay the API's (or its tools') even when a browser navigates to them. */
const NEVER_THE_CONSOLE = ['/docs', '/openapi.json', '/metrics', '/admin/', '/healthz', '/readyz'];

// The console's own files only; the API answers fetches from them with JSON.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // PatternFly and React set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Where `vite build` puts the console: beside the compiled API, or under dist/ when run from source. */
export function defaultConsoleDirectory(): string {
  const candidates = ['../../../console/', '../../../dist/console/'].map((path) =>
    fileURLToPath(new URL(path, import.meta.url)),
  );
  return candidates.find((directory) => existsSync(`${directory}index.html`)) ?? (candidates[0] as string);
}

/**
 * A page load (a browser navigating, not a `fetch`) of any path but the API's tools gets the
 * console's index.html, so every console page is deep-linkable even where its path is also an API
 * route (`/inventories/:id`): API clients ask for JSON and reach the controllers as before.
 */
function isPageLoad(request: Request): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (NEVER_THE_CONSOLE.some((prefix) => request.path === prefix || request.path.startsWith(prefix)))
    return false;
  if (request.headers['sec-fetch-mode'] === 'navigate') return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}

/** Serves the built console at `/`; false (and nothing mounted) when it was not built. */
export function mountConsole(app: NestExpressApplication, directory = defaultConsoleDirectory()): boolean {
  const indexFile = `${directory.replace(/\/?$/, '/')}index.html`;
  if (!existsSync(indexFile)) return false;
  const index = readFileSync(indexFile);
  // Hashed asset names never change content: cache them for a year.
  // biome-ignore lint/correctness/useHookAtTopLevel: Nest's useStaticAssets, not a React hook.
  app.useStaticAssets(directory, { index: false, immutable: true, maxAge: '365d', fallthrough: true });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!isPageLoad(request)) return next();
    response
      .status(200)
      .set({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      })
      .send(index);
  });
  return true;
}
