import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildDataVolumes, planDisks } from './data-volume-builder.js';
import type { VirtualMachine } from './manifest-types.js';
import { ManifestBuildError, type VmMigrationSpec, vmwareSystemSerial } from './migration-spec.js';
import { inventoryDisk, inventoryNic, inventoryVm, migrationSpec } from './testing/migration-fixture.js';
import { buildOwnerReferencePatch, buildVirtualMachine, cpuTopology } from './virtual-machine-builder.js';

function vmFor(spec: VmMigrationSpec): VirtualMachine {
  return buildVirtualMachine(spec, buildDataVolumes(spec));
}

function domainOf(spec: VmMigrationSpec) {
  return vmFor(spec).spec.template.spec.domain;
}

describe('buildVirtualMachine: compute', () => {
  it('maps sockets as vCPUs / cores per socket, one thread', () => {
    expect(domainOf(migrationSpec()).cpu).toEqual({ sockets: 2, cores: 2, threads: 1 });
    expect(cpuTopology(inventoryVm({ cpus: 8, coresPerSocket: 4, sockets: 2 }))).toEqual({
      sockets: 2,
      cores: 4,
      threads: 1,
    });
    expect(cpuTopology(inventoryVm({ cpus: 6, coresPerSocket: 6, sockets: 1 }))).toEqual({
      sockets: 1,
      cores: 6,
      threads: 1,
    });
  });

  it('never loses vCPUs when the export carries no or an inconsistent topology', () => {
    expect(cpuTopology(inventoryVm({ cpus: 6, coresPerSocket: 4, sockets: null }))).toEqual({
      sockets: 6,
      cores: 1,
      threads: 1,
    });
    expect(cpuTopology(inventoryVm({ cpus: 6, coresPerSocket: null, sockets: 2 }))).toEqual({
      sockets: 2,
      cores: 3,
      threads: 1,
    });
    expect(cpuTopology(inventoryVm({ cpus: 3, coresPerSocket: 0, sockets: null }))).toEqual({
      sockets: 3,
      cores: 1,
      threads: 1,
    });
  });

  it('maps memory as the guest memory in MiB', () => {
    expect(domainOf(migrationSpec()).memory).toEqual({ guest: '8192Mi' });
    expect(domainOf(migrationSpec({ vm: inventoryVm({ memoryMiB: 3072 }) })).memory.guest).toBe('3072Mi');
  });
});

describe('buildVirtualMachine: firmware', () => {
  it('boots BIOS VMs with SeaBIOS and the system serial VMware showed the guest', () => {
    const domain = domainOf(migrationSpec());
    expect(domain.firmware).toEqual({
      serial: 'VMware-42 03 a1 b2 11 11 42 22-83 33 44 44 55 55 66 66',
      bootloader: { bios: {} },
    });
    expect(domain).not.toHaveProperty('features');
  });

  it('boots EFI VMs with secure boot off explicitly (KubeVirt would turn it on)', () => {
    const domain = domainOf(migrationSpec({ vm: inventoryVm({ firmware: 'efi', secureBoot: false }) }));
    expect(domain.firmware.bootloader).toEqual({ efi: { secureBoot: false } });
    expect(domain).not.toHaveProperty('features');
  });

  it('enables SMM with secure boot', () => {
    const domain = domainOf(migrationSpec({ vm: inventoryVm({ firmware: 'efi', secureBoot: true }) }));
    expect(domain.firmware.bootloader).toEqual({ efi: { secureBoot: true } });
    expect(domain.features).toEqual({ smm: { enabled: true } });
  });

  it('takes the serial from the UUID vCenter reported at preflight when given', () => {
    const domain = domainOf(migrationSpec({ biosUuid: '4203a1b2-aaaa-4222-8333-444455556666' }));
    expect(domain.firmware.serial).toBe('VMware-42 03 a1 b2 aa aa 42 22-83 33 44 44 55 55 66 66');
    expect(vmwareSystemSerial('not-a-uuid')).toBe('not-a-uuid');
  });

  it('adds a persistent TPM for a vTPM and disables it explicitly otherwise (MTV-2014), vCenter first', () => {
    const tpm = (overrides: Parameters<typeof migrationSpec>[0]) =>
      domainOf(migrationSpec(overrides)).devices.tpm;
    expect(tpm({ vm: inventoryVm({ hasTpm: true }) })).toEqual({ persistent: true });
    expect(tpm({ vm: inventoryVm({ hasTpm: false }) })).toEqual({ enabled: false });
    expect(tpm({ vm: inventoryVm({ hasTpm: null }) })).toEqual({ enabled: false });
    expect(tpm({ vm: inventoryVm({ hasTpm: null }), hasTpm: true })).toEqual({ persistent: true });
    expect(tpm({ vm: inventoryVm({ hasTpm: true }), hasTpm: false })).toEqual({ enabled: false });
  });

  it('lets a guest with nested virtualization keep VT-x / AMD-V where the host has it', () => {
    const features = [
      { name: 'vmx', policy: 'optional' },
      { name: 'svm', policy: 'optional' },
    ];
    expect(domainOf(migrationSpec({ vm: inventoryVm({ nestedHv: true }) })).cpu.features).toEqual(features);
    expect(domainOf(migrationSpec({ nestedHv: true })).cpu.features).toEqual(features);
    expect(
      domainOf(migrationSpec({ vm: inventoryVm({ nestedHv: true }), nestedHv: false })).cpu,
    ).not.toHaveProperty('features');
    expect(domainOf(migrationSpec()).cpu).not.toHaveProperty('features');
  });

  it('maps the host time zone to the guest clock', () => {
    expect(domainOf(migrationSpec({ hostTimeZone: 'UTC' })).clock).toEqual({ timezone: 'UTC' });
    expect(domainOf(migrationSpec())).not.toHaveProperty('clock');
  });
});

describe('buildVirtualMachine: disks', () => {
  const vm = inventoryVm({
    disks: [
      inventoryDisk({
        label: 'Hard disk 3',
        controller: 'SCSI controller 1',
        unitNumber: 0,
        path: '[ds-gold] web-01/web-01_2.vmdk',
      }),
      inventoryDisk({
        label: 'Hard disk 2',
        controller: 'SCSI controller 0',
        unitNumber: 1,
        path: '[ds-gold] web-01/web-01_1.vmdk',
      }),
      inventoryDisk({
        label: 'Hard disk 4',
        controller: 'NVME controller 0',
        controllerType: 'nvme',
        unitNumber: 0,
        path: '[ds-gold] web-01/web-01_3.vmdk',
      }),
      inventoryDisk({
        label: 'Hard disk 1',
        controller: 'SATA controller 0',
        controllerType: 'sata',
        unitNumber: 0,
        path: '[ds-gold] web-01/web-01.vmdk',
        uuid: '6000C298-7a5a-40c7-0d3d-8b0e107a11b0',
      }),
    ],
  });

  it('lists disks in VMware order with the boot disk first and the VMDK serials, volumes on the copied PVCs', () => {
    const template = vmFor(migrationSpec({ vm })).spec.template.spec;
    const fallback = (key: number) => createHash('sha256').update(`vm-101:${key}`).digest('hex').slice(0, 20);
    expect(template.domain.devices.disks).toEqual([
      { name: 'vol-0', disk: { bus: 'virtio' }, bootOrder: 1, serial: '6000C298-7a5a-40c7-0' },
      { name: 'vol-1', disk: { bus: 'virtio' }, serial: fallback(2000) },
      { name: 'vol-2', disk: { bus: 'virtio' }, serial: fallback(2000) },
      { name: 'vol-3', disk: { bus: 'virtio' }, serial: fallback(2000) },
    ]);
    expect(template.volumes).toEqual([
      { name: 'vol-0', persistentVolumeClaim: { claimName: 'web-01-disk-0' } },
      { name: 'vol-1', persistentVolumeClaim: { claimName: 'web-01-disk-1' } },
      { name: 'vol-2', persistentVolumeClaim: { claimName: 'web-01-disk-2' } },
      { name: 'vol-3', persistentVolumeClaim: { claimName: 'web-01-disk-3' } },
    ]);
    const dvs = buildDataVolumes(migrationSpec({ vm }));
    expect(dvs.map((dv) => dv.spec.source.vddk.backingFile)).toEqual([
      '[ds-gold] web-01/web-01.vmdk',
      '[ds-gold] web-01/web-01_1.vmdk',
      '[ds-gold] web-01/web-01_2.vmdk',
      '[ds-gold] web-01/web-01_3.vmdk',
    ]);
  });

  it('boots from another disk when the plan says which, as Forklift does with its root disk', () => {
    const disks = domainOf(migrationSpec({ vm, bootDiskIndex: 2 })).devices.disks;
    expect(disks.filter((disk) => disk.bootOrder !== undefined).map((disk) => disk.name)).toEqual(['vol-2']);
    expect(() => vmFor(migrationSpec({ vm, bootDiskIndex: 4 }))).toThrow(/boot disk index 4/);
  });

  it('uses sata disks and e1000e NICs in compatibility mode', () => {
    const domain = domainOf(migrationSpec({ vm, compatibilityMode: true }));
    expect(new Set(domain.devices.disks.map((disk) => disk.disk.bus))).toEqual(new Set(['sata']));
    expect(domain.devices.interfaces.map((iface) => iface.model)).toEqual(['e1000e']);
  });

  it('refuses to reference a DataVolume that was not created', () => {
    const spec = migrationSpec({ vm });
    const dvs = buildDataVolumes(spec).slice(0, 3);
    expect(() => buildVirtualMachine(spec, dvs)).toThrow(
      /disk "Hard disk 4" has no copied disk \(PVC\) "web-01-disk-3"/,
    );
  });

  it('attaches a multi-writer disk shareable, without host cache, to every VM that uses it', () => {
    const path = '[ds-gold] rac/rac-shared.vmdk';
    const spec = migrationSpec({
      vm: inventoryVm({
        disks: [
          inventoryDisk(),
          inventoryDisk({
            label: 'Hard disk 2',
            key: 2001,
            unitNumber: 1,
            path,
            sharingMode: 'sharingMultiWriter',
          }),
        ],
      }),
      sharedDisksCopiedBy: { [path]: 'vc/another-vm' },
    });
    const claims = planDisks(spec).map((planned) => ({ metadata: { name: planned.dataVolumeName } }));
    const template = buildVirtualMachine(spec, claims).spec.template.spec;
    expect(template.domain.devices.disks[0]).not.toHaveProperty('shareable');
    expect(template.domain.devices.disks[1]).toMatchObject({ shareable: true, cache: 'none' });
    expect(template.volumes[1]).toEqual({
      name: 'vol-1',
      persistentVolumeClaim: { claimName: claims[1]?.metadata.name },
    });
  });
});

describe('buildVirtualMachine: networks', () => {
  const nics = [
    inventoryNic({ label: 'Network adapter 1', network: 'VM Network', mac: '00:50:56:AA:BB:01' }),
    inventoryNic({ label: 'Network adapter 2', network: 'DB VLAN 20', mac: '00-50-56-aa-bb-02' }),
    inventoryNic({ label: 'Network adapter 3', network: 'Backup', mac: '00:50:56:aa:bb:03' }),
    inventoryNic({
      label: 'Network adapter 4',
      network: 'DB VLAN 20',
      mac: '00:50:56:aa:bb:04',
      connected: false,
      startsConnected: false,
    }),
  ];
  const networkMap = {
    'VM Network': { type: 'pod' as const },
    'DB VLAN 20': { type: 'multus' as const, name: 'migrated/vlan20' },
    Backup: { type: 'ignored' as const },
  };

  it('keeps source MACs, masquerades the pod network, bridges Multus, drops ignored NICs, downs disconnected ones', () => {
    const template = vmFor(migrationSpec({ vm: inventoryVm({ nics }), networkMap })).spec.template.spec;
    expect(template.domain.devices.interfaces).toEqual([
      { name: 'net-0', model: 'virtio', macAddress: '00:50:56:aa:bb:01', masquerade: {} },
      { name: 'net-1', model: 'virtio', macAddress: '00:50:56:aa:bb:02', bridge: {} },
      { name: 'net-2', model: 'virtio', macAddress: '00:50:56:aa:bb:04', bridge: {}, state: 'down' },
    ]);
    expect(template.networks).toEqual([
      { name: 'net-0', pod: {} },
      { name: 'net-1', multus: { networkName: 'migrated/vlan20' } },
      { name: 'net-2', multus: { networkName: 'migrated/vlan20' } },
    ]);
  });

  it('judges "disconnected" by the connect-at-power-on setting, the current state only when that is unknown', () => {
    const up = inventoryNic({ connected: false, startsConnected: true });
    const unknown = inventoryNic({ connected: false, startsConnected: null });
    expect(
      domainOf(migrationSpec({ vm: inventoryVm({ nics: [up] }) })).devices.interfaces[0],
    ).not.toHaveProperty('state');
    expect(
      domainOf(migrationSpec({ vm: inventoryVm({ nics: [unknown] }) })).devices.interfaces[0].state,
    ).toBe('down');
  });

  it('allows at most one pod network', () => {
    const twoPod = [
      inventoryNic({ label: 'Network adapter 1' }),
      inventoryNic({ label: 'Network adapter 2', mac: '00:50:56:aa:bb:09' }),
    ];
    expect(() => vmFor(migrationSpec({ vm: inventoryVm({ nics: twoPod }) }))).toThrow(
      /NICs "Network adapter 1" and "Network adapter 2" both map to the pod network/,
    );
  });

  it('refuses NICs the network map does not cover and malformed MACs', () => {
    const unmapped = inventoryVm({ nics: [inventoryNic({ network: 'DMZ' })] });
    expect(() => vmFor(migrationSpec({ vm: unmapped }))).toThrow(ManifestBuildError);
    expect(() => vmFor(migrationSpec({ vm: unmapped }))).toThrow(
      /network "DMZ", which the network map does not cover/,
    );
    expect(() =>
      vmFor(migrationSpec({ vm: inventoryVm({ nics: [inventoryNic({ mac: '00:50:56' })] }) })),
    ).toThrow(/malformed MAC address/);
  });

  it('does not let KubeVirt add a pod NIC to a VM whose NICs are all ignored', () => {
    const devices = domainOf(
      migrationSpec({ vm: inventoryVm({ nics: [inventoryNic({ network: 'Backup' })] }), networkMap }),
    ).devices;
    expect(devices.interfaces).toEqual([]);
    expect(devices.autoattachPodInterface).toBe(false);
  });

  it('adds a tablet for an absolute pointer: virtio once converted, USB for a raw copy', () => {
    expect(domainOf(migrationSpec()).devices.inputs).toEqual([
      { type: 'tablet', bus: 'virtio', name: 'tablet' },
    ]);
    expect(domainOf(migrationSpec({ compatibilityMode: true })).devices.inputs).toEqual([
      { type: 'tablet', bus: 'usb', name: 'tablet' },
    ]);
  });

  it('carries vSphere custom attributes as annotations, names made valid as Forklift does', () => {
    const machine = vmFor(
      migrationSpec({
        vm: inventoryVm({ customAttributes: { Owner: 'l.chen@corp.example.com', 'Backup status': 'OK' } }),
      }),
    );
    expect(machine.metadata.annotations).toMatchObject({
      'vsphere.flotilla.io/Owner': 'l.chen@corp.example.com',
      'vsphere.flotilla.io/Backup_status': 'OK',
    });
  });
});

describe('buildVirtualMachine: identity and lifecycle', () => {
  it('names the VM, labels it, and sets the preference from the guest OS map', () => {
    const vm = vmFor(migrationSpec());
    expect(vm.metadata.name).toBe('web-01');
    expect(vm.metadata.namespace).toBe('migrated');
    expect(vm.metadata.labels['flotilla.io/execution']).toBe('7e57c0de-1234-4abc-8def-0123456789ab');
    expect(vm.metadata.annotations).toEqual({
      'flotilla.io/vm-key': 'vc01.example.com/vm-101',
      'flotilla.io/guest-conversion': 'virt-v2v',
    });
    expect(vmFor(migrationSpec({ compatibilityMode: true })).metadata.annotations).toMatchObject({
      'flotilla.io/guest-conversion': 'raw-copy',
    });
    expect(vm.spec.preference).toEqual({ name: 'rhel.9', kind: 'VirtualMachineClusterPreference' });
    expect(vmFor(migrationSpec({ preference: null })).spec).not.toHaveProperty('preference');
  });

  it('keeps the original name in an annotation when it had to be sanitized', () => {
    const vm = vmFor(migrationSpec({ vm: inventoryVm({ name: 'WEB_01 (prod)' }) }));
    expect(vm.metadata.name).toBe('web-01-prod');
    expect(vm.metadata.annotations?.['flotilla.io/original-name']).toBe('WEB_01 (prod)');
    const planned = vmFor(migrationSpec({ vm: inventoryVm({ name: 'WEB_01' }), targetName: 'web-01-new' }));
    expect(planned.metadata.name).toBe('web-01-new');
    expect(planned.metadata.annotations?.['flotilla.io/original-name']).toBe('WEB_01');
  });

  it('runs the VM only when the plan starts VMs and the source was running', () => {
    expect(vmFor(migrationSpec({ start: true })).spec.runStrategy).toBe('Always');
    expect(vmFor(migrationSpec({ start: false })).spec.runStrategy).toBe('Halted');
    expect(vmFor(migrationSpec({ vm: inventoryVm({ powerState: 'poweredOff' }) })).spec.runStrategy).toBe(
      'Halted',
    );
    expect(vmFor(migrationSpec({ vm: inventoryVm({ powerState: 'suspended' }) })).spec.runStrategy).toBe(
      'Halted',
    );
    // The power state stored before power-off wins over the (older) inventory.
    expect(vmFor(migrationSpec({ sourcePowerState: 'poweredOff' })).spec.runStrategy).toBe('Halted');
    expect(
      vmFor(migrationSpec({ vm: inventoryVm({ powerState: 'poweredOff' }), sourcePowerState: 'poweredOn' }))
        .spec.runStrategy,
    ).toBe('Always');
  });

  it('does not use dataVolumeTemplates: the DataVolumes exist already', () => {
    expect(vmFor(migrationSpec()).spec).not.toHaveProperty('dataVolumeTemplates');
  });

  it('refuses templates', () => {
    expect(() => vmFor(migrationSpec({ vm: inventoryVm({ template: true }) }))).toThrow(/is a template/);
  });
});

describe('buildOwnerReferencePatch', () => {
  it('makes the VM the only owner of a PVC', () => {
    expect(buildOwnerReferencePatch({ metadata: { name: 'web-01', uid: 'a1b2' } })).toEqual({
      metadata: {
        ownerReferences: [
          {
            apiVersion: 'kubevirt.io/v1',
            kind: 'VirtualMachine',
            name: 'web-01',
            uid: 'a1b2',
            blockOwnerDeletion: true,
            controller: false,
          },
        ],
      },
    });
  });

  it('needs the uid the API server assigned', () => {
    expect(() => buildOwnerReferencePatch(vmFor(migrationSpec()))).toThrow(/"web-01" has no uid/);
  });
});
