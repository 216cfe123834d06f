import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VsphereClient } from '#libs/vsphere';
import { startVcsim, type VcsimInstance, type VcsimOptions } from '../../../test/vcsim/vcsim.js';
import { VsphereSourceVcenter } from './vsphere-source-vcenter.js';

// vcsim is built from Debian's govmomi on first use; a cold Go build takes a while on 2 cores.
const START_TIMEOUT_MS = 10 * 60_000;

async function instanceUuids(
  sim: VcsimInstance,
): Promise<Array<{ name: string; uuid: string; on: boolean }>> {
  const client = await VsphereClient.connect({
    url: sim.url,
    username: sim.username,
    password: sim.password,
    thumbprint: sim.thumbprint,
  });
  try {
    const vms = await client.listVms();
    return vms.map((vm) => ({
      name: vm.name ?? '',
      uuid: vm.instanceUuid ?? '',
      on: vm.powerState === 'poweredOn',
    }));
  } finally {
    await client.close();
  }
}

/** A vcsim with these options and the executor's adapter on it, for the tests of one describe block. */
function simulatedVcenter(options: VcsimOptions): {
  sim: () => VcsimInstance;
  source: () => VsphereSourceVcenter;
} {
  let sim: VcsimInstance | undefined;
  let source: VsphereSourceVcenter | undefined;
  beforeAll(async () => {
    sim = await startVcsim(options);
    source = new VsphereSourceVcenter({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      thumbprint: sim.thumbprint,
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await source?.close();
    await sim?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('vcsim did not start');
    return value;
  };
  return { sim: () => started(sim), source: () => started(source) };
}

describe('VsphereSourceVcenter: what Preflight reads beyond the export', () => {
  // One datacenter at the root, one inside folder F0 (its hosts under host/F0 too).
  const vcenter = simulatedVcenter({
    datacenters: 2,
    datacentersInFolder: 1,
    standaloneHostsPerDatacenter: 1,
    hostTimeZone: 'Europe/Madrid',
    guestIps: true,
    nestedHv: true,
    vtpm: true,
  });

  it('walks the host up to the root for the vpx path: folders kept, the hidden host folder left out', async () => {
    const vms = await instanceUuids(vcenter.sim());
    const paths = new Map<string, string | undefined>();
    for (const vm of vms)
      paths.set(vm.name, (await vcenter.source().findVmByInstanceUuid(vm.uuid))?.host?.inventoryPath);
    // Clustered hosts: [Folder/]Datacenter/[Folder/]Cluster/host; standalone: the compute resource.
    expect(paths.get('DC0_C0_RP0_VM0')).toMatch(/^DC0\/DC0_C0\/DC0_C0_H\d$/);
    expect(paths.get('DC1_C0_RP0_VM0')).toMatch(/^F0\/DC1\/F0\/DC1_C0\/DC1_C0_H\d$/);
    expect(paths.get('DC0_H0_VM0')).toBe('DC0/DC0_H0');
    expect(paths.get('DC1_H0_VM0')).toBe('F0/DC1/F0/DC1_H0');
  });

  it('reads the host time zone, vTPM, nested HV, instance UUID, disk UUIDs and the guest IP configuration', async () => {
    const vm = (await instanceUuids(vcenter.sim())).find(
      (candidate) => candidate.on && candidate.name === 'DC1_C0_RP0_VM0',
    );
    expect(vm).toBeDefined();
    const found = await vcenter.source().findVmByInstanceUuid(vm?.uuid ?? '');
    expect(found?.host?.timeZone).toBe('Europe/Madrid');
    expect(found?.hasTpm).toBe(true);
    expect(found?.nestedHv).toBe(true);
    expect(found?.instanceUuid).toBe(vm?.uuid);
    expect(found?.disks.every((disk) => typeof disk.uuid === 'string' && disk.uuid.length > 0)).toBe(true);
    const network = found?.guestNetwork;
    expect(network?.addresses).toEqual([
      expect.objectContaining({ device: '0', prefixLength: 24, origin: 'manual', dns: ['10.0.0.53'] }),
    ]);
    expect(network?.addresses[0]?.ip).toMatch(/^10\.0\.\d+\.10$/);
    expect(network?.routes).toContainEqual({
      device: '0',
      network: '0.0.0.0/0',
      gateway: network?.addresses[0]?.ip.replace(/\.10$/, '.1'),
    });
  });
});

describe('VsphereSourceVcenter on a plain vcsim', () => {
  const vcenter = simulatedVcenter({ datacenters: 1 });

  it('reports no TPM, no nested HV, no time zone and no guest addresses where vCenter has none', async () => {
    const [vm] = await instanceUuids(vcenter.sim());
    const found = await vcenter.source().findVmByInstanceUuid(vm?.uuid ?? '');
    expect(found).toMatchObject({ hasTpm: false, nestedHv: false, guestNetwork: null });
    expect(found?.host).toEqual({
      inventoryPath: expect.stringMatching(/^DC0\/(DC0_C0\/DC0_C0_H\d|DC0_H0)$/),
      timeZone: null,
    });
  });
});
