import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_ID_PATTERN, VsphereClient } from '#libs/vsphere';
import { type ChangeTrackingVcsim, startChangeTrackingVcsim } from '../../../test/vcsim/change-tracking.js';
import { type SoapStub, soapFault, soapResponse, startSoapStub } from '../../../test/vcsim/soap-stub.js';
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

describe('VsphereSourceVcenter: snapshots and change IDs (vcsim behind the change-tracking layer)', () => {
  let sim: ChangeTrackingVcsim | undefined;
  let source: VsphereSourceVcenter | undefined;
  let vms: Array<{ name: string; ref: string; uuid: string }> = [];

  beforeAll(async () => {
    sim = await startChangeTrackingVcsim({
      datacenters: 1,
      changeTracking: ['DC0_H0_VM0', 'DC0_C0_RP0_VM0'],
    });
    source = new VsphereSourceVcenter({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      thumbprint: sim.thumbprint,
    });
    const client = await VsphereClient.connect({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      thumbprint: sim.thumbprint,
    });
    vms = (await client.listVms()).map((vm) => ({
      name: vm.name ?? '',
      ref: vm.moref.value,
      uuid: vm.instanceUuid ?? '',
    }));
    await client.close();
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await source?.close();
    await sim?.close();
  });

  const vcenter = (): VsphereSourceVcenter => {
    if (!source) throw new Error('vcsim did not start');
    return source;
  };
  const vmNamed = (name: string): { name: string; ref: string; uuid: string } => {
    const vm = vms.find((candidate) => candidate.name === name);
    if (!vm) throw new Error(`no VM ${name}`);
    return vm;
  };
  const precopy = { description: 'Flotilla warm migration execution e-1 precopy', quiesce: true };

  it('takes one snapshot per name however often it is asked, and removes it idempotently', async () => {
    const vm = vmNamed('DC0_H0_VM0');
    expect(await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy)).toEqual({ state: 'running' });
    const done = await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy);
    expect(done).toEqual({ state: 'done', snapshotRef: expect.stringMatching(/^snapshot-\d+$/) });
    expect(await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy)).toEqual(done);
    const snapshots = await vcenter().listSnapshots(vm.ref);
    expect(snapshots).toEqual([
      {
        ref: done.state === 'done' ? done.snapshotRef : '',
        name: 'flotilla-precopy-1',
        createdAt: expect.any(String),
      },
    ]);

    const snapshotRef = snapshots[0]?.ref ?? '';
    expect(await vcenter().removeSnapshot(vm.ref, snapshotRef)).toEqual({ state: 'running' });
    expect(await vcenter().removeSnapshot(vm.ref, snapshotRef)).toEqual({ state: 'done' });
    expect(await vcenter().removeSnapshot(vm.ref, snapshotRef)).toEqual({ state: 'done' });
    expect(await vcenter().listSnapshots(vm.ref)).toEqual([]);
  });

  it('reads change IDs like ESXi: each snapshot freezes the disks’ IDs, the next one advances the sequence', async () => {
    const vm = vmNamed('DC0_C0_RP0_VM0');
    const before = await vcenter().changeTracking(vm.ref);
    expect(before.enabled).toBe(true);
    expect(before.disks.length).toBeGreaterThan(0);
    for (const disk of before.disks) {
      expect(disk.changeId).toMatch(CHANGE_ID_PATTERN);
      expect(disk.backingFile).toMatch(/^\[\w+\] .+\.vmdk$/);
    }
    await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy);
    const first = await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy);
    await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-2', precopy);
    const second = await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-2', precopy);
    if (first.state !== 'done' || second.state !== 'done' || !first.snapshotRef || !second.snapshotRef)
      throw new Error('snapshots not taken');
    // ESXi runs the VM on the second snapshot's delta; the disk is still named by its base.
    const raw = await VsphereClient.connect({
      url: sim?.url ?? '',
      username: sim?.username ?? '',
      password: sim?.password ?? '',
      thumbprint: sim?.thumbprint,
    });
    const [running] =
      (await raw.getVmProperties({ type: 'VirtualMachine', value: vm.ref }, ['config.hardware.device']))
        .disks ?? [];
    await raw.close();
    expect(running?.fileName).toMatch(/-000002\.vmdk$/);
    expect((await vcenter().findVmByInstanceUuid(vm.uuid))?.disks[0]?.backingFile).toBe(
      before.disks[0]?.backingFile,
    );
    const firstIds = await vcenter().snapshotChangeIds(vm.ref, first.snapshotRef);
    const secondIds = await vcenter().snapshotChangeIds(vm.ref, second.snapshotRef);
    expect(firstIds).toEqual(before.disks);
    const [cbtUuid, sequence] = (firstIds[0]?.changeId ?? '').split('/');
    expect(secondIds[0]?.changeId).toBe(`${cbtUuid}/${Number(sequence) + 1}`);
    expect(secondIds.map((disk) => disk.backingFile)).toEqual(firstIds.map((disk) => disk.backingFile));
    // Removing the older snapshot leaves the newer one's change IDs as they were.
    await vcenter().removeSnapshot(vm.ref, first.snapshotRef);
    expect(await vcenter().removeSnapshot(vm.ref, first.snapshotRef)).toEqual({ state: 'done' });
    expect(await vcenter().snapshotChangeIds(vm.ref, second.snapshotRef)).toEqual(secondIds);
    expect((await vcenter().listSnapshots(vm.ref)).map((snapshot) => snapshot.name)).toEqual([
      'flotilla-precopy-2',
    ]);
    await vcenter().removeSnapshot(vm.ref, second.snapshotRef);
  });

  it("reports a snapshot task that failed (quiescing) with vCenter's fault, from the VM's recent tasks", async () => {
    const vm = vmNamed('DC0_C0_RP0_VM1');
    await sim?.failNextSnapshot(vm.name);
    expect(await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy)).toEqual({ state: 'running' });
    const failed = await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy);
    expect(failed).toEqual({
      state: 'failed',
      message: expect.stringMatching(
        new RegExp(
          `^vCenter could not snapshot VM ${vm.ref} \\(task task-\\d+\\): ApplicationQuiesceFault: An error occurred while quiescing`,
        ),
      ),
    });
    // Polled again (a worker restarted), it is still the same failure: no second snapshot is tried.
    expect(await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy)).toEqual(failed);
    expect(await vcenter().listSnapshots(vm.ref)).toEqual([]);
  });

  it('reports CBT off, and CBT turned on by a reconfiguration active only from the next snapshot', async () => {
    const vm = vmNamed('DC0_H0_VM1');
    expect(await vcenter().changeTracking(vm.ref)).toMatchObject({
      enabled: false,
      disks: [expect.objectContaining({ changeId: null })],
    });
    const found = await vcenter().findVmByInstanceUuid(vm.uuid);
    expect(found).toMatchObject({
      changeTrackingEnabled: false,
      disks: [expect.objectContaining({ changeId: null })],
    });

    const client = await VsphereClient.connect({
      url: sim?.url ?? '',
      username: sim?.username ?? '',
      password: sim?.password ?? '',
      thumbprint: sim?.thumbprint,
    });
    await client.waitForTask(await client.setChangeTracking({ type: 'VirtualMachine', value: vm.ref }, true));
    await client.close();
    expect(await vcenter().changeTracking(vm.ref)).toMatchObject({
      enabled: true,
      disks: [expect.objectContaining({ changeId: null })],
    });
    await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy);
    const taken = await vcenter().snapshotVm(vm.ref, 'flotilla-precopy-1', precopy);
    if (taken.state !== 'done' || !taken.snapshotRef) throw new Error('no snapshot');
    const [disk] = await vcenter().snapshotChangeIds(vm.ref, taken.snapshotRef);
    expect(disk?.changeId).toMatch(CHANGE_ID_PATTERN);
    expect(await vcenter().findVmByInstanceUuid(vm.uuid)).toMatchObject({
      changeTrackingEnabled: true,
      disks: [expect.objectContaining({ changeId: expect.stringMatching(CHANGE_ID_PATTERN) })],
    });
    await vcenter().removeSnapshot(vm.ref, taken.snapshotRef);
  });
});

describe('VsphereSourceVcenter: snapshot tasks still running (scripted vCenter 8 answers)', () => {
  const SERVICE_CONTENT =
    '<returnval><rootFolder type="Folder">group-d1</rootFolder>' +
    '<propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>' +
    '<viewManager type="ViewManager">ViewManager</viewManager>' +
    '<about><fullName>VMware vCenter Server 8.0.2</fullName><apiType>VirtualCenter</apiType>' +
    '<apiVersion>8.0.2.0</apiVersion><instanceUuid>0c6e3c2e</instanceUuid></about>' +
    '<sessionManager type="SessionManager">SessionManager</sessionManager>' +
    '<searchIndex type="SearchIndex">SearchIndex</searchIndex></returnval>';
  const RUNNING_TASKS =
    '<objects><obj type="Task">task-7</obj><propSet><name>info</name><val xsi:type="TaskInfo">' +
    '<key>task-7</key><task type="Task">task-7</task><name>CreateSnapshot_Task</name>' +
    '<descriptionId>VirtualMachine.createSnapshot</descriptionId><entity type="VirtualMachine">vm-42</entity>' +
    '<state>running</state><progress>40</progress><queueTime>2026-12-03T10:00:00Z</queueTime></val></propSet></objects>' +
    '<objects><obj type="Task">task-8</obj><propSet><name>info</name><val xsi:type="TaskInfo">' +
    '<key>task-8</key><task type="Task">task-8</task><name>RemoveSnapshot_Task</name>' +
    '<descriptionId>VirtualMachineSnapshot.remove</descriptionId><entity type="VirtualMachine">vm-42</entity>' +
    '<state>queued</state><queueTime>2026-12-03T10:00:01Z</queueTime></val></propSet></objects>';
  const SNAPSHOT_TREE =
    '<objects><obj type="VirtualMachine">vm-42</obj><propSet><name>snapshot</name>' +
    '<val xsi:type="VirtualMachineSnapshotInfo"><currentSnapshot type="VirtualMachineSnapshot">snapshot-101</currentSnapshot>' +
    '<rootSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-101</snapshot><vm type="VirtualMachine">vm-42</vm>' +
    '<name>flotilla-precopy-1</name><description></description><id>1</id><createTime>2026-12-03T09:00:00Z</createTime>' +
    '<state>poweredOn</state><quiesced>true</quiesced></rootSnapshotList></val></propSet></objects>';
  let stub: SoapStub | undefined;

  afterAll(async () => {
    await stub?.close();
  });

  it('reports running without starting a second CreateSnapshot or RemoveSnapshot task', async () => {
    stub = await startSoapStub((call) => {
      if (call.method === 'RetrieveServiceContent')
        return soapResponse('RetrieveServiceContent', SERVICE_CONTENT);
      if (call.method === 'Login')
        return {
          ...soapResponse('Login', '<returnval><key>s</key></returnval>'),
          setCookie: 'vmware_soap_session="s1"',
        };
      if (call.method === 'Logout') return soapResponse('Logout', '');
      if (call.method === 'RetrievePropertiesEx') {
        if (call.body.includes('<pathSet>recentTask</pathSet>'))
          return soapResponse(
            'RetrievePropertiesEx',
            '<returnval><objects><obj type="VirtualMachine">vm-42</obj><propSet><name>recentTask</name>' +
              '<val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Task">task-7</ManagedObjectReference>' +
              '<ManagedObjectReference type="Task">task-8</ManagedObjectReference></val></propSet></objects></returnval>',
          );
        if (call.body.includes('<pathSet>info</pathSet>'))
          return soapResponse('RetrievePropertiesEx', `<returnval>${RUNNING_TASKS}</returnval>`);
        if (call.body.includes('<pathSet>snapshot</pathSet>'))
          return soapResponse('RetrievePropertiesEx', `<returnval>${SNAPSHOT_TREE}</returnval>`);
      }
      return soapFault('NotSupported', `not scripted: ${call.method}`);
    });
    const source = new VsphereSourceVcenter({
      url: stub.url,
      username: 'svc',
      password: 'secret',
      thumbprint: stub.thumbprint,
    });
    try {
      const options = { description: 'precopy', quiesce: true };
      expect(await source.snapshotVm('vm-42', 'flotilla-precopy-2', options)).toEqual({ state: 'running' });
      expect(await source.removeSnapshot('vm-42', 'snapshot-101')).toEqual({ state: 'running' });
      expect(await source.listSnapshots('vm-42')).toEqual([
        { ref: 'snapshot-101', name: 'flotilla-precopy-1', createdAt: '2026-12-03T09:00:00Z' },
      ]);
    } finally {
      await source.close();
    }
    const methods = stub.calls.map((call) => call.method);
    expect(methods).not.toContain('CreateSnapshot_Task');
    expect(methods).not.toContain('RemoveSnapshot_Task');
  });
});
