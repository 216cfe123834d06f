import { describe, expect, it } from 'vitest';
import { isSecretFieldName, REDACTED, redactSecrets, scrubSecretText } from './secret-redaction.js';

describe('redactSecrets', () => {
  it('replaces secret fields at any depth, whatever their case or separators', () => {
    const redacted = redactSecrets({
      user: 'administrator@vsphere.local',
      vspherePassword: 'Pa55-word!',
      headers: { Authorization: 'Bearer abc.def.ghi', 'x-request-id': 'r-1' },
      nested: [{ deeper: { FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: 'flt_admin_123', note: 'kept' } }],
    });
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('Pa55-word!');
    expect(text).not.toContain('abc.def.ghi');
    expect(text).not.toContain('flt_admin_123');
    expect(redacted).toMatchObject({
      user: 'administrator@vsphere.local',
      vspherePassword: REDACTED,
      headers: { Authorization: REDACTED, 'x-request-id': 'r-1' },
      nested: [{ deeper: { FLOTILLA_BOOTSTRAP_ADMIN_TOKEN: REDACTED, note: 'kept' } }],
    });
  });

  it('scrubs passwords out of connection URLs in any string', () => {
    const redacted = redactSecrets({
      databaseUrl: 'postgres://flotilla:s3cr3t@db.internal:5432/flotilla',
      message: 'connect to redis://:r3d1s@redis:6379/0 failed',
    });
    expect(JSON.stringify(redacted)).not.toMatch(/s3cr3t|r3d1s/);
    expect(redacted).toEqual({
      databaseUrl: `postgres://flotilla:${REDACTED}@db.internal:5432/flotilla`,
      message: `connect to redis://:${REDACTED}@redis:6379/0 failed`,
    });
  });

  it("empties a Kubernetes Secret's data whatever its keys are called", () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vddk-credentials' },
      data: { accessKeyId: 'YWRtaW4=', thumbprint: 'QUI6Q0Q=' },
    };
    expect(redactSecrets(secret)).toEqual({ ...secret, data: REDACTED });
  });

  it('keeps an error readable and scrubs its message and stack', () => {
    const error = new Error('password authentication failed for postgres://app:hunter2@db/flotilla');
    const redacted = redactSecrets({ err: error }) as { err: Record<string, unknown> };
    expect(redacted.err.type).toBe('Error');
    expect(String(redacted.err.message)).toContain('password authentication failed');
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
  });

  it('survives cycles', () => {
    const looped: Record<string, unknown> = { name: 'a' };
    looped.self = looped;
    expect(redactSecrets(looped)).toEqual({ name: 'a', self: '[Circular]' });
  });
});

describe('scrubSecretText', () => {
  it('removes bearer tokens and key=value secrets', () => {
    const text = scrubSecretText(
      'GET /x?token=abc123&page=2 Authorization: Bearer eyJhbGciOi.payload host=db password=pw1',
    );
    expect(text).not.toMatch(/abc123|eyJhbGciOi|pw1/);
    expect(text).toContain('page=2');
    expect(text).toContain('host=db');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Imported 200 VMs from https://vcenter.example.com/sdk in 3 s';
    expect(scrubSecretText(text)).toBe(text);
  });
});

describe('isSecretFieldName', () => {
  it.each([
    'password',
    'PASSWORD',
    'vsphere_password',
    'x-auth-token',
    'apiKey',
    'secretKey',
    'cookie',
    'set-cookie',
  ])('treats %s as secret', (name) => expect(isSecretFieldName(name)).toBe(true));
  it.each(['user', 'executionId', 'vmKey', 'host', 'phase'])('treats %s as plain', (name) =>
    expect(isSecretFieldName(name)).toBe(false),
  );
});
