import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

/** Debian's Chromium (`apt-get install chromium`; `npm test` installs it); no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The repository root, whether this runs from source (vitest) or compiled under dist/ (benchmarks). */
function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'apps', 'console', 'vite.config.ts'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('apps/console/vite.config.ts not found above this file');
    directory = parent;
  }
  return directory;
}

const ROOT = repositoryRoot();
export const SCREENSHOTS = join(ROOT, 'test-results', 'console/');
const CONSOLE_DIST = join(ROOT, 'dist', 'console/');

/** When the console's sources last changed (the generated API types included). */
function newestSourceTime(): number {
  const sources = join(ROOT, 'apps', 'console');
  const files = readdirSync(sources, { recursive: true, encoding: 'utf8' });
  return Math.max(...files.map((file) => statSync(join(sources, file)).mtimeMs));
}

/** `npm run build` builds the console; a test run straight after a checkout builds it here. */
export async function ensureConsoleBuilt(): Promise<void> {
  const built = `${CONSOLE_DIST}index.html`;
  // A build older than any console source would test yesterday's console: build it again.
  if (existsSync(built) && newestSourceTime() <= statSync(built).mtimeMs) return;
  await build({ configFile: join(ROOT, 'apps', 'console', 'vite.config.ts') });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install it with apt-get install chromium (npm test does)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine's network is closed: without these Chromium keeps dialling Google's services.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core in the page; returns the serious and critical violations only. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated over the DevTools protocol, which the console's Content-Security-Policy does not govern.
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    'axe.run(document).then((result) => result.violations)',
  )) as AxeViolation[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
