import { describe, expect, it } from 'vitest';
import { ConfigurationError, describeConfig, loadConfig } from './config.js';

const valid = {
  VSPHERE_URL: 'https://vcenter.example.com/sdk',
  VSPHERE_USERNAME: 'svc-flotilla@vsphere.local',
  VSPHERE_PASSWORD: 'S3cret-value!',
  VSPHERE_THUMBPRINT: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01',
  VDDK_INIT_IMAGE: 'registry.example.com/vddk:8.0.3',
  REDIS_URL: 'redis://:redis-pass@redis:6379/0',
  DATABASE_URL: 'postgres://flotilla:db-pass@db/flotilla',
};

function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(environment, 'executor');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  return expect.unreachable('the executor accepted bad settings');
}

describe("loadConfig(env, 'executor')", () => {
  it('fills the defaults: 10 disks per host, other limits off, 15 min stall timeout', () => {
    const config = loadConfig({ ...valid, FLOTILLA_QUEUE_PREFIX: '' }, 'executor');
    expect(config.executor.limits).toEqual({
      perHost: 10,
      perDatastore: null,
      perExecution: null,
      global: null,
    });
    expect(config.executor.copyStallTimeoutMs).toBe(900_000);
    expect(config.executor.vsphere.thumbprint).toBe(valid.VSPHERE_THUMBPRINT);
    expect(config.queue.prefix).toBeUndefined();
    expect(config.executor.probePort).toBe(9090);
    expect(config.executor).toMatchObject({ pollMs: 2_000, copyPollMs: 10_000, leaseMs: 60_000 });
  });

  it('reports every bad setting on its own line', () => {
    const problems = problemsOf({
      ...valid,
      VSPHERE_URL: 'http://vcenter/sdk',
      FLOTILLA_LIMIT_DISKS_PER_HOST: 'ten',
      FLOTILLA_COPY_STALL_TIMEOUT_S: '-5',
      VSPHERE_THUMBPRINT: 'nope',
      PORT: '0',
    });
    expect(problems).toHaveLength(5);
    expect(problems.some((line) => line.startsWith('VSPHERE_URL: must be an https:// URL'))).toBe(true);
    expect(problems.some((line) => line.startsWith('VSPHERE_THUMBPRINT: must be a SHA-1 thumbprint'))).toBe(
      true,
    );
    expect(
      problems.some((line) =>
        line.startsWith('FLOTILLA_LIMIT_DISKS_PER_HOST: must be a positive whole number'),
      ),
    ).toBe(true);
  });

  it('names each missing required setting', () => {
    const problems = problemsOf({ VSPHERE_THUMBPRINT: valid.VSPHERE_THUMBPRINT });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(
      [
        'DATABASE_URL',
        'REDIS_URL',
        'VDDK_INIT_IMAGE',
        'VSPHERE_PASSWORD',
        'VSPHERE_URL',
        'VSPHERE_USERNAME',
      ].sort(),
    );
  });

  it('refuses to start without a pinned vCenter certificate, except when development trusts on first use', () => {
    const { VSPHERE_THUMBPRINT: _pinned, ...unpinned } = valid;
    const problems = problemsOf(unpinned);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^VSPHERE_THUMBPRINT: is required/);
    expect(problemsOf({ ...unpinned, FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE: 'true' })[0]).toMatch(
      /^FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE: trusting the first vCenter certificate is refused outside development/,
    );
    const development = loadConfig(
      { ...unpinned, FLOTILLA_ENV: 'development', FLOTILLA_VSPHERE_TRUST_ON_FIRST_USE: 'true' },
      'executor',
    );
    expect(development.executor.vsphere.thumbprint).toBeUndefined();
  });

  it('never shows a password, in the description or in an error', () => {
    const description = JSON.stringify(describeConfig(loadConfig(valid, 'executor')));
    for (const secret of ['S3cret-value!', 'redis-pass', 'db-pass'])
      expect(description).not.toContain(secret);
    const problems = problemsOf({ ...valid, REDIS_URL: 'http://x' });
    expect(problems.join('\n')).not.toContain('S3cret-value!');
  });
});
