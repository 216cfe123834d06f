import { describe, expect, it } from 'vitest';
import { assessInventory, defaultPolicy } from '#libs/assessment';
import { PLACEHOLDER_VCENTER_PASSWORD, PLACEHOLDER_VCENTER_USER } from '#libs/kubevirt';
import { parsePlanSettings, planWaves } from '#libs/waves';
import { type ManifestKind, validateManifest } from '../../../test/k8s-emulator/index.js';
import { upstreamSchemasSuite } from '../../../test/support/shared-files.js';
import { makeDisk, makeInventory, makeNic, makeVm } from '../../assessment/src/testing/index.js';
import { DEFAULT_EXECUTION_OPTIONS } from './wave-execution-spec.js';
import { renderWaveManifests } from './wave-manifests.js';

const THUMBPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01';

const emulatorSuite = upstreamSchemasSuite('renderWaveManifests');
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  const linux = makeVm({
    key: 'vc/vm-1',
    moref: 'vm-1',
    name: 'Web_01',
    nics: [makeNic({ mac: '00:50:56:00:00:01', directPathIo: false })],
  });
  const windows = makeVm({
    key: 'vc/vm-2',
    moref: 'vm-2',
    name: 'sql02',
    uuid: '42000000-0000-0000-0000-000000000200',
    biosUuid: '42000000-0000-0000-0000-000000000201',
    guestId: 'windows2019srvNext_64Guest',
    guestOsConfig: 'Microsoft Windows Server 2022 (64-bit)',
    guestOsTools: 'Microsoft Windows Server 2022 (64-bit)',
    firmware: 'efi',
    secureBoot: true,
    disks: [
      makeDisk({ path: '[ds-ssd-01] sql02/sql02.vmdk' }),
      makeDisk({ label: 'Hard disk 2', key: 2001, unitNumber: 1, path: '[ds-ssd-01] sql02/sql02_1.vmdk' }),
    ],
    nics: [makeNic({ mac: '00:50:56:00:00:02', directPathIo: false })],
  });
  const inventory = makeInventory([linux, windows]);
  const assessments = assessInventory(inventory, {
    policy: defaultPolicy,
    now: new Date('2026-01-01T00:00:00Z'),
  }).vms;
  const settings = parsePlanSettings({
    constraints: { pilot: null },
    networkMap: { 'VM Network': { type: 'pod' } },
    storageMap: { 'ds-ssd-01': { storageClass: 'fast-ssd', volumeMode: 'Block' } },
    targetNamespace: { default: 'migrated' },
  });
  const result = planWaves({ vms: inventory.vms, assessments, settings });

  const render = (planSettings = settings) => {
    const wave = result.waves.find((candidate) => candidate.vmKeys.length === 2);
    if (!wave) throw new Error(`expected one wave with both VMs: ${JSON.stringify(result.excluded)}`);
    return renderWaveManifests({
      planId: 'plan-1',
      plan: { settings: planSettings, result },
      waveNumber: wave.number,
      inventoryVms: inventory.vms,
      inventoryHosts: inventory.hosts,
      assessments,
      settings: {
        vcenterUrl: 'https://vcenter.example.com/sdk',
        vcenterThumbprint: THUMBPRINT,
        vddkInitImage: 'registry.example.com/vddk:8',
        virtV2vImage: 'quay.io/kubev2v/forklift-virt-v2v:2.7',
        options: DEFAULT_EXECUTION_OPTIONS,
      },
    });
  };

  it('renders what the executor applies, every object valid for the cluster, secrets as placeholders', () => {
    const rendered = render();
    // Every guest is converted by default, Linux too, as Forklift does.
    expect(rendered.map((entry) => entry.path)).toEqual([
      'migrated/web-01/01-secret-web-01-vddk.yaml',
      'migrated/web-01/02-datavolume-web-01-disk-0.yaml',
      'migrated/web-01/03-pod-web-01-v2v.yaml',
      'migrated/web-01/04-virtualmachine-web-01.yaml',
      'migrated/sql02/01-secret-sql02-vddk.yaml',
      'migrated/sql02/02-datavolume-sql02-disk-0.yaml',
      'migrated/sql02/03-datavolume-sql02-disk-1.yaml',
      'migrated/sql02/04-pod-sql02-v2v.yaml',
      'migrated/sql02/05-virtualmachine-sql02.yaml',
    ]);
    for (const { path, manifest } of rendered) {
      expect(validateManifest(manifest.kind as ManifestKind, manifest), path).toEqual([]);
    }
    const secret = rendered[0]?.manifest;
    expect(secret?.kind === 'Secret' && secret.stringData).toEqual({
      accessKeyId: PLACEHOLDER_VCENTER_USER,
      secretKey: PLACEHOLDER_VCENTER_PASSWORD,
    });
    const windowsVm = rendered[8]?.manifest;
    if (windowsVm?.kind !== 'VirtualMachine') throw new Error('expected the VM last');
    expect(windowsVm.spec.template.spec.domain.devices.disks.map((disk) => disk.disk.bus)).toEqual([
      'virtio',
      'virtio',
    ]);
    const linuxVm = rendered[3]?.manifest;
    if (linuxVm?.kind !== 'VirtualMachine') throw new Error('expected the VM fourth');
    expect(linuxVm.spec.template.spec.domain.devices.disks[0]?.disk.bus).toBe('virtio');
    expect(linuxVm.metadata.annotations?.['flotilla.io/original-name']).toBe('Web_01');
    expect(linuxVm.metadata.annotations?.['flotilla.io/guest-conversion']).toBe('virt-v2v');
    const linuxPod = rendered[2]?.manifest;
    if (linuxPod?.kind !== 'Pod') throw new Error('expected the conversion pod third');
    const env = Object.fromEntries(
      (linuxPod.spec.containers[0]?.env ?? []).map((entry) => [entry.name, entry.value]),
    );
    expect(env).toMatchObject({ V2V_inPlace: '1', V2V_preserveStaticIPs: 'true', V2V_NewName: 'web-01' });
  });

  it('raw-copies only the VMs the plan names, and shows it on the VM', () => {
    const rendered = render({ ...settings, guestConversion: { rawCopy: false, rawCopyVms: ['Web_*'] } });
    const paths = rendered.map((entry) => entry.path);
    expect(paths.filter((path) => path.includes('/web-01/'))).toEqual([
      'migrated/web-01/01-secret-web-01-vddk.yaml',
      'migrated/web-01/02-datavolume-web-01-disk-0.yaml',
      'migrated/web-01/03-virtualmachine-web-01.yaml',
    ]);
    expect(paths).toContain('migrated/sql02/04-pod-sql02-v2v.yaml');
    const linuxVm = rendered[2]?.manifest;
    if (linuxVm?.kind !== 'VirtualMachine') throw new Error('expected the VM third');
    expect(linuxVm.spec.template.spec.domain.devices.disks[0]?.disk.bus).toBe('sata');
    expect(linuxVm.spec.template.spec.domain.devices.interfaces[0]?.model).toBe('e1000e');
    expect(linuxVm.metadata.annotations?.['flotilla.io/guest-conversion']).toBe('raw-copy');
  });
});
