import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));

/** kustomize v5 (kubectl 1.27+) understands `labels`, `patches` and `replicas` as these overlays use them. */
const MINIMUM_KUBECTL_MINOR = 27;

const INSTALL_HINT =
  'These tests render the manifests with `kubectl kustomize` and need kubectl 1.27 or newer (kustomize v5). ' +
  "On Flotilla's machines it is the preinstalled `kubectl` package (Google Cloud SDK's apt repository). " +
  "Debian's own `kubernetes-client` package is kubectl 1.20 with kustomize v2, too old for these overlays. " +
  'Elsewhere install kubectl from https://kubernetes.io/docs/tasks/tools/ and put it on PATH, or point KUBECTL at it.';

export type KubeDocument = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

function kubectl(): string {
  return process.env.KUBECTL ?? 'kubectl';
}

let checked = false;

/** Fails (never skips) with the install hint when kubectl is missing or too old. */
export function assertKubectl(): void {
  if (checked) return;
  let output: string;
  try {
    output = execFileSync(kubectl(), ['version', '--client', '--output=json'], { encoding: 'utf8' });
  } catch (error) {
    throw new Error(`kubectl is not available (${(error as Error).message.split('\n')[0]}). ${INSTALL_HINT}`);
  }
  const version = (
    JSON.parse(output) as { clientVersion?: { major?: string; minor?: string; gitVersion?: string } }
  ).clientVersion;
  const minor = Number.parseInt(version?.minor ?? '0', 10);
  if (version?.major !== '1' || minor < MINIMUM_KUBECTL_MINOR) {
    throw new Error(`kubectl ${version?.gitVersion ?? '(unknown version)'} is too old. ${INSTALL_HINT}`);
  }
  checked = true;
}

/** `kubectl kustomize deploy/<path>`, every document parsed; YAML errors fail loudly. */
export function renderKustomization(path: string): KubeDocument[] {
  assertKubectl();
  const yaml = execFileSync(kubectl(), ['kustomize', `${DEPLOY_DIR}${path}`], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(yaml).map((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(
        `deploy/${path}: document ${index + 1} is not valid YAML: ${document.errors[0]?.message}`,
      );
    }
    const value: unknown = document.toJS();
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`deploy/${path}: document ${index + 1} is not an object`);
    }
    return value as KubeDocument;
  });
}

export function describeDocument(document: KubeDocument): string {
  const namespace = document.metadata?.namespace;
  return `${document.kind} ${namespace ? `${namespace}/` : ''}${document.metadata?.name}`;
}
