import { describe, expect, it } from 'vitest';
import { buildDataVolumes, diskSizeQuantity, planDisks } from './data-volume-builder.js';
import { sortDisksAsVmware } from './disk-order.js';
import { ManifestBuildError } from './migration-spec.js';
import { inventoryDisk, inventoryVm, migrationSpec } from './testing/migration-fixture.js';

describe('diskSizeQuantity', () => {
  it('rounds the capacity up to a whole MiB', () => {
    expect(diskSizeQuantity(40960)).toBe('40960Mi');
    expect(diskSizeQuantity(40960.01)).toBe('40961Mi');
    expect(diskSizeQuantity(0.5)).toBe('1Mi');
    // 10 GB (decimal) as vSphere reports 10_000_000_000 bytes.
    expect(diskSizeQuantity(10_000_000_000 / 1024 / 1024)).toBe('9537Mi');
  });
});

describe('sortDisksAsVmware', () => {
  it('orders SATA, IDE, SCSI, NVMe, then by controller and unit', () => {
    const disks = [
      inventoryDisk({
        label: 'nvme0:0',
        controller: 'NVME controller 0',
        controllerType: 'nvme',
        unitNumber: 0,
        key: 31000,
      }),
      inventoryDisk({
        label: 'scsi1:0',
        controller: 'SCSI controller 1',
        controllerType: 'scsi',
        unitNumber: 0,
        key: 2016,
      }),
      inventoryDisk({
        label: 'scsi0:3',
        controller: 'SCSI controller 0',
        controllerType: 'scsi',
        unitNumber: 3,
        key: 2003,
      }),
      inventoryDisk({
        label: 'ide0:1',
        controller: 'IDE 0',
        controllerType: 'ide',
        unitNumber: 1,
        key: 3001,
      }),
      inventoryDisk({
        label: 'scsi0:1',
        controller: 'SCSI controller 0',
        controllerType: 'scsi',
        unitNumber: 1,
        key: 2001,
      }),
      inventoryDisk({
        label: 'sata0:2',
        controller: 'SATA controller 0',
        controllerType: 'sata',
        unitNumber: 2,
        key: 16002,
      }),
      inventoryDisk({
        label: 'sata0:0',
        controller: 'SATA controller 0',
        controllerType: 'sata',
        unitNumber: 0,
        key: 16000,
      }),
    ];
    expect(sortDisksAsVmware(disks).map((disk) => disk.label)).toEqual([
      'sata0:0',
      'sata0:2',
      'ide0:1',
      'scsi0:1',
      'scsi0:3',
      'scsi1:0',
      'nvme0:0',
    ]);
  });

  it('falls back to the device key when controller and unit are unknown', () => {
    const disks = [
      inventoryDisk({ label: 'b', controller: null, unitNumber: null, key: 2001 }),
      inventoryDisk({ label: 'a', controller: null, unitNumber: null, key: 2000 }),
    ];
    expect(sortDisksAsVmware(disks).map((disk) => disk.label)).toEqual(['a', 'b']);
  });
});

describe('buildDataVolumes', () => {
  it('builds one VDDK DataVolume per disk, as Forklift does', () => {
    const [dv] = buildDataVolumes(migrationSpec());
    expect(dv).toEqual({
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: {
        name: 'web-01-disk-0',
        namespace: 'migrated',
        labels: expect.objectContaining({ 'flotilla.io/plan': '0b6f1d6e-4a51-4c8e-9a0e-3f7d2c1b0a99' }),
        annotations: {
          'flotilla.io/vm-key': 'vc01.example.com/vm-101',
          'flotilla.io/disk-index': '0',
          'flotilla.io/disk-source': '[ds-gold] web-01/web-01.vmdk',
          'cdi.kubevirt.io/storage.deleteAfterCompletion': 'false',
          'cdi.kubevirt.io/storage.bind.immediate.requested': 'true',
        },
      },
      spec: {
        source: {
          vddk: {
            url: 'https://vc01.example.com/sdk',
            uuid: '5003a1b2-0000-4000-8000-00000000c0de',
            backingFile: '[ds-gold] web-01/web-01.vmdk',
            thumbprint: '3F:9A:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:12:34',
            secretRef: 'web-01-vddk',
            initImageURL: 'registry.example.com/vddk:8.0.3',
          },
        },
        storage: { storageClassName: 'ceph-rbd', resources: { requests: { storage: '40960Mi' } } },
      },
    });
  });

  it("gives VDDK the instance UUID (clones can share a BIOS UUID): the preflight one, else the export's", () => {
    expect(
      buildDataVolumes(migrationSpec({ instanceUuid: '5003A1B2-9999-4222-8333-444455556666' }))[0].spec.source
        .vddk.uuid,
    ).toBe('5003a1b2-9999-4222-8333-444455556666');
    const preflightBios = migrationSpec({ biosUuid: '4203a1b2-9999-4222-8333-444455556666' });
    expect(buildDataVolumes(preflightBios)[0].spec.source.vddk.uuid).toBe(
      '5003a1b2-0000-4000-8000-00000000c0de',
    );
    const noInstance = migrationSpec({ vm: inventoryVm({ uuid: null }) });
    expect(buildDataVolumes(noInstance)[0].spec.source.vddk.uuid).toBe(
      '4203a1b2-1111-4222-8333-444455556666',
    );
    expect(() =>
      buildDataVolumes(migrationSpec({ vm: inventoryVm({ biosUuid: null, uuid: null }) })),
    ).toThrow(/no VM UUID/);
  });

  it('copies a multi-writer disk once, under a name every VM that uses it computes alike', () => {
    const path = '[ds-gold] rac/rac-shared.vmdk';
    const sharedDisk = inventoryDisk({
      label: 'Hard disk 2',
      key: 2001,
      unitNumber: 1,
      path,
      sharingMode: 'sharingMultiWriter',
    });
    const node = (name: string, key: string) =>
      inventoryVm({
        name,
        key,
        disks: [inventoryDisk({ path: `[ds-gold] ${name}/${name}.vmdk` }), sharedDisk],
      });
    const first = migrationSpec({
      vm: node('rac-01', 'vc/vm-1'),
      sharedDisksCopiedBy: { [path]: 'vc/vm-1' },
    });
    const second = migrationSpec({
      vm: node('rac-02', 'vc/vm-2'),
      sharedDisksCopiedBy: { [path]: 'vc/vm-1' },
    });
    const firstDvs = buildDataVolumes(first).map((dv) => dv.metadata.name);
    const secondDvs = buildDataVolumes(second).map((dv) => dv.metadata.name);
    expect(firstDvs).toHaveLength(2);
    expect(secondDvs).toEqual(['rac-02-disk-0']);
    expect(firstDvs[1]).toMatch(/^rac-shared-shared-[0-9a-f]{10}$/);
    expect(planDisks(second)[1]).toMatchObject({
      dataVolumeName: firstDvs[1],
      shared: true,
      copiedBy: 'vc/vm-1',
    });
  });

  it('normalizes the thumbprint and refuses one that is not a SHA-1', () => {
    const lower = migrationSpec({
      vcenter: {
        url: 'https://vc01.example.com/sdk',
        thumbprint: '3f:9a:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:12:34',
      },
    });
    expect(buildDataVolumes(lower)[0].spec.source.vddk.thumbprint).toBe(
      '3F:9A:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:12:34',
    );
    expect(() =>
      buildDataVolumes(
        migrationSpec({ vcenter: { url: 'https://vc01.example.com/sdk', thumbprint: 'abc' } }),
      ),
    ).toThrow(/thumbprint "abc"/);
    expect(() =>
      buildDataVolumes(
        migrationSpec({
          vcenter: { url: 'http://vc01.example.com/sdk', thumbprint: lower.vcenter.thumbprint },
        }),
      ),
    ).toThrow(/must use https/);
  });

  it('names and indexes DataVolumes in VMware disk order', () => {
    const vm = inventoryVm({
      disks: [
        inventoryDisk({
          label: 'Hard disk 2',
          controllerType: 'scsi',
          controller: 'SCSI controller 0',
          unitNumber: 1,
          path: '[ds-gold] web-01/web-01_1.vmdk',
        }),
        inventoryDisk({
          label: 'Hard disk 3',
          controllerType: 'sata',
          controller: 'SATA controller 0',
          unitNumber: 0,
          path: '[ds-gold] web-01/web-01_2.vmdk',
        }),
        inventoryDisk({
          label: 'Hard disk 1',
          controllerType: 'scsi',
          controller: 'SCSI controller 0',
          unitNumber: 0,
          path: '[ds-gold] web-01/web-01.vmdk',
        }),
      ],
    });
    const dvs = buildDataVolumes(migrationSpec({ vm }));
    expect(
      dvs.map((dv) => [
        dv.metadata.name,
        dv.spec.source.vddk.backingFile,
        dv.metadata.annotations?.['flotilla.io/disk-index'],
      ]),
    ).toEqual([
      ['web-01-disk-0', '[ds-gold] web-01/web-01_2.vmdk', '0'],
      ['web-01-disk-1', '[ds-gold] web-01/web-01.vmdk', '1'],
      ['web-01-disk-2', '[ds-gold] web-01/web-01_1.vmdk', '2'],
    ]);
  });

  it('sets volume and access mode only when the storage map says', () => {
    const vm = inventoryVm({
      disks: [
        inventoryDisk({ label: 'Hard disk 1', unitNumber: 0 }),
        inventoryDisk({
          label: 'Hard disk 2',
          unitNumber: 1,
          datastore: 'ds-fast',
          path: '[ds-fast] web-01/web-01_1.vmdk',
          capacityMiB: 1024.2,
        }),
      ],
    });
    const [plain, mapped] = buildDataVolumes(
      migrationSpec({
        vm,
        storageMap: {
          'ds-gold': { storageClass: 'ceph-rbd' },
          'ds-fast': { storageClass: 'nvme-local', volumeMode: 'Block', accessMode: 'ReadWriteMany' },
        },
      }),
    );
    expect(plain.spec.storage).not.toHaveProperty('volumeMode');
    expect(plain.spec.storage).not.toHaveProperty('accessModes');
    expect(mapped.spec.storage).toEqual({
      storageClassName: 'nvme-local',
      resources: { requests: { storage: '1025Mi' } },
      volumeMode: 'Block',
      accessModes: ['ReadWriteMany'],
    });
  });

  it('refuses a disk the storage map does not cover instead of silently leaving it behind', () => {
    const vm = inventoryVm({ disks: [inventoryDisk({ label: 'Hard disk 7', datastore: 'ds-bronze' })] });
    const build = () => buildDataVolumes(migrationSpec({ vm }));
    expect(build).toThrow(ManifestBuildError);
    expect(build).toThrow(
      'VM "web-01" (vc01.example.com/vm-101): disk "Hard disk 7" is on datastore "ds-bronze", which the storage map does not cover',
    );
  });

  it('refuses disks without a backing file or a capacity, and a missing VDDK image', () => {
    expect(() =>
      buildDataVolumes(migrationSpec({ vm: inventoryVm({ disks: [inventoryDisk({ path: null })] }) })),
    ).toThrow(/has no backing file/);
    expect(() =>
      buildDataVolumes(migrationSpec({ vm: inventoryVm({ disks: [inventoryDisk({ capacityMiB: 0 })] }) })),
    ).toThrow(/has no capacity/);
    expect(() => buildDataVolumes(migrationSpec({ vm: inventoryVm({ disks: [] }) }))).toThrow(/has no disks/);
    expect(() => buildDataVolumes(migrationSpec({ vddkInitImage: ' ' }))).toThrow(/VDDK init image/);
  });

  it('does not read a storage map entry inherited from Object.prototype', () => {
    const vm = inventoryVm({ disks: [inventoryDisk({ datastore: 'constructor' })] });
    expect(() => buildDataVolumes(migrationSpec({ vm }))).toThrow(/datastore "constructor"/);
  });
});
