import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Module hooks that let a worker thread run this repository's TypeScript sources, as vitest runs
 * them: `#libs/<name>` maps to `libs/<name>/src/index.ts`, a `./x.js` import finds `./x.ts`, and
 * `.ts` files are transpiled one by one (TypeScript's transpileModule: types dropped, nothing
 * checked). A worker started from vitest is outside vitest's own transformer; a build (`dist/`)
 * never needs this.
 */
const HOOKS = `
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { pathToFileURL, fileURLToPath } from 'node:url';
let root;
let ts;
export function initialize(data) {
  root = data.root;
  ts = createRequire(root + 'package.json')('typescript');
}
export async function resolve(specifier, context, next) {
  const lib = /^#libs\\/([^/]+)$/.exec(specifier);
  if (lib) return { url: pathToFileURL(root + 'libs/' + lib[1] + '/src/index.ts').href, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (error) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return next(specifier.slice(0, -3) + '.ts', context);
    }
    throw error;
  }
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const source = await readFile(fileName, 'utf8');
  const output = ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}
`;

/** The repository root: this file is `<root>/libs/application/src/…`. */
const repositoryRoot = (): string => fileURLToPath(new URL('../../../', import.meta.url));

/** True when this module runs from its `.ts` source (under vitest) rather than from `dist/`. */
export const runningFromSource = (): boolean => import.meta.url.endsWith('.ts');

/**
 * Source of a CommonJS worker (`new Worker(code, { eval: true })`) that registers the hooks and
 * then imports `entry`, a `.ts` module.
 */
export function typescriptWorkerBootstrap(entry: URL): string {
  const hooks = `data:text/javascript,${encodeURIComponent(HOOKS)}`;
  return [
    `const { register } = require('node:module');`,
    `register(${JSON.stringify(hooks)}, { data: { root: ${JSON.stringify(repositoryRoot())} } });`,
    `import(${JSON.stringify(pathToFileURL(fileURLToPath(entry)).href)}).catch((error) => { process.exitCode = 1; throw error; });`,
  ].join('\n');
}
