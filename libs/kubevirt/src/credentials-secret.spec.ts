import { describe, expect, it } from 'vitest';
import {
  buildCredentialsSecret,
  buildCredentialsSecretPlaceholder,
  PLACEHOLDER_VCENTER_PASSWORD,
  PLACEHOLDER_VCENTER_USER,
  redactSecret,
} from './credentials-secret.js';
import { migrationSpec } from './testing/migration-fixture.js';

const credentials = { user: 'svc-migrate@vsphere.local', password: 'S3cr3t!pa55' };

describe('buildCredentialsSecret', () => {
  it('holds the vCenter credentials under the keys the VDDK importer reads', () => {
    const secret = buildCredentialsSecret(migrationSpec(), credentials);
    expect(secret.metadata.name).toBe('web-01-vddk');
    expect(secret.metadata.namespace).toBe('migrated');
    expect(secret.metadata.labels['flotilla.io/vm']).toMatch(/^vc01\.example\.com-vm-101-/);
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(secret.data ?? {})).toEqual(['accessKeyId', 'secretKey']);
    expect(Buffer.from(secret.data?.accessKeyId ?? '', 'base64').toString('utf8')).toBe(credentials.user);
    expect(Buffer.from(secret.data?.secretKey ?? '', 'base64').toString('utf8')).toBe(credentials.password);
  });
});

describe('redactSecret', () => {
  it('replaces every value by a placeholder and leaves nothing of the credentials', () => {
    const redacted = redactSecret(buildCredentialsSecret(migrationSpec(), credentials));
    expect(redacted).not.toHaveProperty('data');
    expect(redacted.stringData).toEqual({
      accessKeyId: PLACEHOLDER_VCENTER_USER,
      secretKey: PLACEHOLDER_VCENTER_PASSWORD,
    });
    expect(redacted.metadata.annotations?.['flotilla.io/redacted']).toBe('true');
    const text = JSON.stringify(redacted);
    for (const leaked of [
      credentials.user,
      credentials.password,
      Buffer.from(credentials.password).toString('base64'),
    ]) {
      expect(text).not.toContain(leaked);
    }
  });

  it('gives unknown keys a placeholder of their own', () => {
    const secret = buildCredentialsSecret(migrationSpec(), credentials);
    const withCa = { ...secret, data: { ...secret.data, 'ca.crt': 'LS0tLS1CRUdJTg==' } };
    expect(redactSecret(withCa).stringData?.['ca.crt']).toBe(`\${FLOTILLA_SECRET_CA_CRT}`);
  });

  it('matches the placeholder Secret render writes without any credentials at hand', () => {
    expect(buildCredentialsSecretPlaceholder(migrationSpec())).toEqual(
      redactSecret(buildCredentialsSecret(migrationSpec(), credentials)),
    );
  });
});
