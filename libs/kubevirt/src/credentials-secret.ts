import type { Secret } from './manifest-types.js';
import type { VmMigrationSpec } from './migration-spec.js';
import { ANNOTATION_REDACTED, buildLabels, buildVmKeyAnnotations, vmObjectNames } from './object-names.js';

export interface VcenterCredentials {
  user: string;
  password: string;
}

/** Keys CDI's VDDK importer reads from the DataVolume's `secretRef`. */
export const SECRET_KEY_USER = 'accessKeyId';
export const SECRET_KEY_PASSWORD = 'secretKey';

/** An envsubst-style `${NAME}` reference, which GitOps tooling can fill from its own secret store. */
function placeholder(variable: string): string {
  return `\${${variable}}`;
}

/** Placeholders the `render` command writes instead of credential values. */
export const PLACEHOLDER_VCENTER_USER = placeholder('FLOTILLA_VCENTER_USER');
export const PLACEHOLDER_VCENTER_PASSWORD = placeholder('FLOTILLA_VCENTER_PASSWORD');

const PLACEHOLDERS: Readonly<Record<string, string>> = {
  [SECRET_KEY_USER]: PLACEHOLDER_VCENTER_USER,
  [SECRET_KEY_PASSWORD]: PLACEHOLDER_VCENTER_PASSWORD,
};

function base64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

function secretSkeleton(spec: VmMigrationSpec): Secret {
  const names = vmObjectNames(spec);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: names.credentialsSecret,
      namespace: names.namespace,
      labels: buildLabels(spec),
      annotations: buildVmKeyAnnotations(spec),
    },
    type: 'Opaque',
  };
}

/** The Secret the VDDK importer (and the conversion pod) authenticate to vCenter with. */
export function buildCredentialsSecret(spec: VmMigrationSpec, credentials: VcenterCredentials): Secret {
  return {
    ...secretSkeleton(spec),
    data: {
      [SECRET_KEY_USER]: base64(credentials.user),
      [SECRET_KEY_PASSWORD]: base64(credentials.password),
    },
  };
}

/**
 * The same Secret with every value replaced by a placeholder (in `stringData`, so a reviewer
 * sees which variable fills which key) and marked as redacted. Nothing of the original values
 * survives, not even their length.
 */
export function redactSecret(secret: Secret): Secret {
  const keys = [
    ...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]),
  ].sort();
  const stringData: Record<string, string> = {};
  for (const key of keys) {
    stringData[key] =
      PLACEHOLDERS[key] ?? placeholder(`FLOTILLA_SECRET_${key.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`);
  }
  return {
    apiVersion: secret.apiVersion,
    kind: secret.kind,
    metadata: {
      ...secret.metadata,
      annotations: { ...secret.metadata.annotations, [ANNOTATION_REDACTED]: 'true' },
    },
    type: secret.type,
    stringData,
  };
}

/** The credentials Secret as `flotilla render` writes it: labels and keys, placeholders for values. */
export function buildCredentialsSecretPlaceholder(spec: VmMigrationSpec): Secret {
  return redactSecret({
    ...secretSkeleton(spec),
    stringData: { [SECRET_KEY_USER]: '', [SECRET_KEY_PASSWORD]: '' },
  });
}
