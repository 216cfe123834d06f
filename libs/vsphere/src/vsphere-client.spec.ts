import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVcsim, type VcsimInstance } from '../../../test/vcsim/vcsim.js';
import {
  fetchServerThumbprint,
  type ManagedObjectReference,
  VsphereClient,
  type VsphereConnectOptions,
  VsphereError,
  VsphereFaultError,
  VsphereTimeoutError,
  VsphereTlsError,
  vmRef,
} from './index.js';

// vcsim is built from Debian's govmomi on first use; a cold Go build takes a while on 2 cores.
const START_TIMEOUT_MS = 10 * 60_000;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('VsphereClient against vcsim', () => {
  let sim: VcsimInstance;
  let options: VsphereConnectOptions;
  let observer: VsphereClient;

  async function serverSessionCount(): Promise<number> {
    const { sessionList } = await observer.retrieveProperties(observer.serviceContent.sessionManager, [
      'sessionList',
    ]);
    return Array.isArray(sessionList) ? sessionList.length : sessionList === undefined ? 0 : 1;
  }

  beforeAll(async () => {
    sim = await startVcsim();
    options = { url: sim.url, username: sim.username, password: sim.password, thumbprint: sim.thumbprint };
    observer = await VsphereClient.connect(options);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await observer?.close();
    await sim?.close();
  });

  describe('certificate', () => {
    it('fetches the SHA-1 thumbprint vcsim reports, colon-separated upper-case hex', async () => {
      const thumbprint = await fetchServerThumbprint(sim.url);
      expect(thumbprint).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      expect(thumbprint).toBe(sim.thumbprint);
    });

    it('connects with the pinned thumbprint in any spelling', async () => {
      const client = await VsphereClient.connect({
        ...options,
        thumbprint: sim.thumbprint.replace(/:/g, '').toLowerCase(),
      });
      expect(client.serviceContent.apiType).toBe('VirtualCenter');
      expect(client.serviceContent.rootFolder.type).toBe('Folder');
      expect(client.loginCount).toBe(1);
      await client.close();
    });

    it('refuses a server whose certificate does not match the pin, before logging in', async () => {
      const before = await serverSessionCount();
      const wrong = sim.thumbprint.replace(/^../, sim.thumbprint.startsWith('00') ? '11' : '00');
      const error = await rejection(VsphereClient.connect({ ...options, thumbprint: wrong }));
      expect(error).toBeInstanceOf(VsphereTlsError);
      expect(String(error)).toContain('does not match the pinned thumbprint');
      expect(String(error)).toContain(sim.thumbprint);
      expect(await serverSessionCount()).toBe(before);
    });

    it('refuses an untrusted certificate unless pinned or insecure', async () => {
      const error = await rejection(VsphereClient.connect({ ...options, thumbprint: undefined }));
      expect(error).toBeInstanceOf(VsphereTlsError);
      expect(String(error)).toMatch(/not trusted.*thumbprint/);

      const insecure = await VsphereClient.connect({ ...options, thumbprint: undefined, insecure: true });
      expect(insecure.loginCount).toBe(1);
      await insecure.close();
    });

    it('rejects malformed thumbprints without contacting the server', async () => {
      await expect(VsphereClient.connect({ ...options, thumbprint: 'AB:CD' })).rejects.toThrow(
        /40 hex digits/,
      );
    });
  });

  describe('login', () => {
    it('logs in with a password full of XML metacharacters', () => {
      expect(sim.password).toMatch(/[<&>"']/);
      expect(observer.loginCount).toBe(1);
    });

    it('reports InvalidLogin for a wrong password and never echoes it', async () => {
      const wrongPassword = 'Wr0ng-<secret>-&-password';
      const before = await serverSessionCount();
      const error = await rejection(VsphereClient.connect({ ...options, password: wrongPassword }));
      expect(error).toBeInstanceOf(VsphereFaultError);
      const fault = error as VsphereFaultError;
      expect(fault.faultName).toBe('InvalidLogin');
      expect(fault.method).toBe('Login');
      expect(fault.message).toContain(sim.username);
      expect(fault.message).toContain(new URL(sim.url).origin);
      for (const rendering of [String(error), inspect(error), JSON.stringify(error), fault.stack ?? '']) {
        expect(rendering).not.toContain(wrongPassword);
        expect(rendering).not.toContain('Wr0ng');
      }
      expect(await serverSessionCount()).toBe(before);
    });

    it('does not show the password when the client itself is inspected', async () => {
      const client = await VsphereClient.connect(options);
      expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(sim.password);
      expect(JSON.stringify(client)).not.toContain(sim.password);
      await client.close();
    });
  });

  describe('inventory', () => {
    it('lists every VM with identity and power state', async () => {
      const vms = await observer.listVms();
      // simulator.VPX(): one cluster resource pool and one standalone host, two VMs in each.
      expect(vms).toHaveLength(4);
      for (const vm of vms) {
        expect(vm.moref.type).toBe('VirtualMachine');
        expect(vm.name).toMatch(/_VM\d+$/);
        expect(vm.powerState).toBe('poweredOn');
        expect(vm.instanceUuid).toMatch(/^[0-9a-f-]{36}$/);
        expect(vm.biosUuid).toMatch(/^[0-9a-f-]{36}$/);
        expect(vm.template).toBe(false);
        expect(vm.host?.type).toBe('HostSystem');
        expect(vm.disks).toBeUndefined();
      }
      expect(new Set(vms.map((vm) => vm.instanceUuid)).size).toBe(4);
    });

    it('accepts a small page size (vcsim 0.24 still answers in one page)', async () => {
      const paged = await observer.listVms({ pageSize: 1, paths: ['name'] });
      expect(paged.map((vm) => vm.name).sort()).toEqual(
        (await observer.listVms()).map((vm) => vm.name).sort(),
      );
    });

    it('finds a VM by instance UUID and by BIOS UUID', async () => {
      const [first, second] = await observer.listVms();
      expect(await observer.findVmByInstanceUuid(first.instanceUuid!)).toEqual(first.moref);
      expect(await observer.findVmByInstanceUuid(second.instanceUuid!)).toEqual(second.moref);
      const byBios = await observer.findVmByBiosUuid(second.biosUuid!);
      expect(byBios).not.toBeNull();
      expect((await observer.getVmProperties(byBios!, ['config.uuid'])).biosUuid).toBe(second.biosUuid);
    });

    it('returns null for an unknown UUID, including one that is only a BIOS UUID', async () => {
      expect(await observer.findVmByInstanceUuid('00000000-0000-0000-0000-000000000000')).toBeNull();
      const [vm] = await observer.listVms();
      if (vm.biosUuid !== vm.instanceUuid)
        expect(await observer.findVmByInstanceUuid(vm.biosUuid!)).toBeNull();
    });

    it('retrieves VM properties including disks with their backing files', async () => {
      const [listed] = await observer.listVms();
      const vm = await observer.getVmProperties(listed.moref);
      expect(vm).toMatchObject({
        moref: listed.moref,
        name: listed.name,
        powerState: 'poweredOn',
        toolsRunningStatus: 'guestToolsRunning',
        instanceUuid: listed.instanceUuid,
        biosUuid: listed.biosUuid,
      });
      expect(vm.disks?.length).toBeGreaterThan(0);
      for (const disk of vm.disks ?? []) {
        expect(disk.fileName).toMatch(/^\[LocalDS_0\] .+\.vmdk$/);
        expect(disk.capacityInBytes).toBeGreaterThan(0);
        expect(disk.capacityInBytes % 1024).toBe(0);
        expect(disk.key).toBeGreaterThanOrEqual(2000);
        expect(disk.datastore?.type).toBe('Datastore');
        expect(disk.backingType).toBe('VirtualDiskFlatVer2BackingInfo');
      }
    });

    it('fetches only the requested properties', async () => {
      const [listed] = await observer.listVms();
      const vm = await observer.getVmProperties(listed.moref, ['runtime.powerState']);
      expect(vm).toEqual({ moref: listed.moref, powerState: 'poweredOn' });
    });

    it('decodes any property generically', async () => {
      const [listed] = await observer.listVms();
      const props = await observer.retrieveProperties(listed.moref, [
        'config.hardware.numCPU',
        'config.hardware.memoryMB',
        'runtime.host',
        'summary.config',
      ]);
      expect(typeof props['config.hardware.numCPU']).toBe('number');
      expect(props['config.hardware.memoryMB']).toBeGreaterThan(0);
      expect(props['runtime.host']).toEqual(listed.host);
      expect(props['summary.config']).toMatchObject({
        _type: 'VirtualMachineConfigSummary',
        name: listed.name,
      });
    });

    it('reports ManagedObjectNotFound for a VM that does not exist', async () => {
      const error = await rejection(observer.getVmProperties(vmRef('vm-999999')));
      expect(error).toBeInstanceOf(VsphereFaultError);
      expect((error as VsphereFaultError).faultName).toBe('ManagedObjectNotFound');
      expect(String(error)).toContain('vm-999999');
    });
  });

  describe('power operations', () => {
    let vm: ManagedObjectReference;

    beforeAll(async () => {
      vm = (await observer.listVms())[0].moref;
    });

    it('shuts the guest down and sees the VM powered off', async () => {
      await observer.shutdownGuest(vm);
      await observer.waitForPowerState(vm, 'poweredOff', 10_000);
      expect((await observer.getVmProperties(vm, ['runtime.powerState'])).powerState).toBe('poweredOff');
    });

    it('surfaces a failed task as its fault', async () => {
      const task = await observer.powerOffVm(vm);
      expect(task.type).toBe('Task');
      const error = await rejection(observer.waitForTask(task, { timeoutMs: 10_000 }));
      expect(error).toBeInstanceOf(VsphereFaultError);
      const fault = error as VsphereFaultError;
      expect(fault.faultName).toBe('InvalidPowerState');
      expect(fault.task).toEqual(task);
      expect(fault.target).toEqual(vm);
      expect(fault.faultMessage).not.toBe('');
      expect(fault.message).toContain(fault.faultMessage);
    });

    it('refuses a guest shutdown of a powered-off VM', async () => {
      const error = await rejection(observer.shutdownGuest(vm));
      expect(error).toBeInstanceOf(VsphereFaultError);
      expect((error as VsphereFaultError).faultName).toBe('InvalidPowerState');
      expect((error as VsphereFaultError).target).toEqual(vm);
    });

    it('powers on and off through tasks', async () => {
      const on = await observer.waitForTask(await observer.powerOnVm(vm), { timeoutMs: 10_000 });
      expect(on.state).toBe('success');
      await observer.waitForPowerState(vm, 'poweredOn', 10_000);

      await observer.waitForTask(await observer.powerOffVm(vm), { timeoutMs: 10_000 });
      await observer.waitForPowerState(vm, 'poweredOff', 10_000);

      await observer.waitForTask(await observer.powerOnVm(vm), { timeoutMs: 10_000 });
      expect((await observer.getVmProperties(vm, ['runtime.powerState'])).powerState).toBe('poweredOn');
    });

    it('times out waiting for a power state that never comes', async () => {
      const started = Date.now();
      const error = await rejection(observer.waitForPowerState(vm, 'suspended', 300, { pollIntervalMs: 50 }));
      expect(error).toBeInstanceOf(VsphereTimeoutError);
      expect(String(error)).toContain('still poweredOn');
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  describe('sessions', () => {
    it('reuses one session for many calls, concurrent ones included', async () => {
      const before = await serverSessionCount();
      const client = await VsphereClient.connect(options);
      expect(await serverSessionCount()).toBe(before + 1);
      const vms = await client.listVms();
      await Promise.all([
        ...vms.map((vm) => client.getVmProperties(vm.moref)),
        ...vms.map((vm) => client.findVmByInstanceUuid(vm.instanceUuid!)),
        client.listVms(),
      ]);
      expect(client.loginCount).toBe(1);
      expect(await serverSessionCount()).toBe(before + 1);
      await client.close();
      expect(await serverSessionCount()).toBe(before);
    });

    it('logs out on close, refuses calls afterwards, and closes idempotently', async () => {
      const before = await serverSessionCount();
      const client = await VsphereClient.connect(options);
      await client.close();
      await client.close();
      expect(client.closed).toBe(true);
      expect(await serverSessionCount()).toBe(before);
      const error = await rejection(client.listVms());
      expect(error).toBeInstanceOf(VsphereError);
      expect(String(error)).toContain('closed');
    });

    it('logs in again after an explicit logout', async () => {
      const before = await serverSessionCount();
      const client = await VsphereClient.connect(options);
      await client.logout();
      expect(await serverSessionCount()).toBe(before);
      expect(await client.listVms()).toHaveLength(4);
      expect(client.loginCount).toBe(2);
      await client.close();
      expect(await serverSessionCount()).toBe(before);
    });

    it('closes the session of withSession even when the work throws', async () => {
      const before = await serverSessionCount();
      await expect(
        VsphereClient.withSession(options, async (client) => {
          await client.listVms();
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
      expect(
        await VsphereClient.withSession(options, async (client) => (await client.listVms()).length),
      ).toBe(4);
      expect(await serverSessionCount()).toBe(before);
    });
  });
});

describe('VsphereClient session renewal against vcsim with a short idle timeout', () => {
  let sim: VcsimInstance;

  beforeAll(async () => {
    sim = await startVcsim({ sessionIdleTimeoutMs: 400 });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await sim?.close();
  });

  it('logs in once more when the server dropped the session, even for concurrent calls', async () => {
    const client = await VsphereClient.connect({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      thumbprint: sim.thumbprint,
    });
    const vms = await client.listVms();
    expect(client.loginCount).toBe(1);
    // Idle well past the timeout: vcsim checks every 400 ms and drops sessions idle longer than that.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // FindByUuid, not RetrievePropertiesEx: vcsim 0.24 serves the property collector without a
    // session (real vCenter answers NotAuthenticated there too).
    const found = await Promise.all(vms.map((vm) => client.findVmByInstanceUuid(vm.instanceUuid!)));
    expect(found).toEqual(vms.map((vm) => vm.moref));
    expect(client.loginCount).toBe(2);
    expect(await client.listVms()).toHaveLength(vms.length);
    expect(client.loginCount).toBe(2);
    await client.close();
  });
});
