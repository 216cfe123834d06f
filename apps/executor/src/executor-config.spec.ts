import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#libs/config';
import { describeExecutorConfig, loadExecutorConfig } from './executor-config.js';

const valid = {
  VSPHERE_URL: 'https://vcenter.example.com/sdk',
  VSPHERE_USERNAME: 'svc-flotilla@vsphere.local',
  VSPHERE_PASSWORD: 'S3cret-value!',
  VDDK_INIT_IMAGE: 'registry.example.com/vddk:8.0.3',
  REDIS_URL: 'redis://:redis-pass@redis:6379/0',
  DATABASE_URL: 'postgres://flotilla:db-pass@db/flotilla',
};

describe('loadExecutorConfig', () => {
  it('fills the defaults: 10 disks per host, other limits off, 15 min stall timeout', () => {
    const config = loadExecutorConfig({ ...valid, VSPHERE_THUMBPRINT: '', FLOTILLA_QUEUE_PREFIX: '' });
    expect(config.limits).toEqual({ perHost: 10, perDatastore: null, perExecution: null, global: null });
    expect(config.copyStallTimeoutMs).toBe(900_000);
    expect(config.vsphere.thumbprint).toBeUndefined();
    expect(config.queuePrefix).toBeUndefined();
    expect(config.probePort).toBe(9090);
  });

  it('reports every bad setting on its own line', () => {
    let error: unknown;
    try {
      loadExecutorConfig({
        ...valid,
        VSPHERE_URL: 'http://vcenter/sdk',
        VSPHERE_PASSWORD: undefined,
        FLOTILLA_LIMIT_DISKS_PER_HOST: 'ten',
        FLOTILLA_COPY_STALL_TIMEOUT_S: '-5',
        VSPHERE_THUMBPRINT: 'nope',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.some((line) => line.startsWith('VSPHERE_URL: must be an https:// URL'))).toBe(true);
    expect(problems.some((line) => line.startsWith('VSPHERE_PASSWORD: is required'))).toBe(true);
    expect(
      problems.some((line) =>
        line.startsWith('FLOTILLA_LIMIT_DISKS_PER_HOST: must be a positive whole number'),
      ),
    ).toBe(true);
  });

  it('never shows a password, in the description or in an error', () => {
    const description = JSON.stringify(describeExecutorConfig(loadExecutorConfig(valid)));
    for (const secret of ['S3cret-value!', 'redis-pass', 'db-pass'])
      expect(description).not.toContain(secret);
    try {
      loadExecutorConfig({ ...valid, REDIS_URL: 'http://x' });
    } catch (error) {
      expect(String(error)).not.toContain('S3cret-value!');
    }
  });
});
