import type { JsonObject, KubeObject } from './json.js';

/** Manifests shaped like the ones Forklift builds for a cold vSphere migration, for tests. */

export const VDDK_INIT_IMAGE = 'registry.example.com/vddk:8.0.3';
export const VCENTER_THUMBPRINT = '5E:2B:9C:11:0A:7F:43:D2:88:61:1B:CE:70:3A:9F:05:E4:12:6D:B0';

export interface DataVolumeSample {
  name: string;
  namespace: string;
  size?: string;
  backingFile?: string;
  secretRef?: string;
  labels?: Record<string, string>;
  initImageURL?: string;
}

export function vddkDataVolume(sample: DataVolumeSample): KubeObject {
  const vddk: Record<string, string> = {
    url: 'https://vcenter.example.com/sdk',
    uuid: '4211a8a3-61b4-c6f9-3a5c-2b1d2e8f9c10',
    backingFile: sample.backingFile ?? `[datastore1] ${sample.name}/${sample.name}.vmdk`,
    thumbprint: VCENTER_THUMBPRINT,
    secretRef: sample.secretRef ?? 'vddk-credentials',
  };
  if (sample.initImageURL !== '') vddk.initImageURL = sample.initImageURL ?? VDDK_INIT_IMAGE;
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: {
      name: sample.name,
      namespace: sample.namespace,
      labels: { 'flotilla.io/plan': 'plan-1', 'flotilla.io/vm': 'vm-1234', ...sample.labels },
      // As Flotilla's builder: kept after completion, bound for the importer on WaitForFirstConsumer classes.
      annotations: {
        'cdi.kubevirt.io/storage.deleteAfterCompletion': 'false',
        'cdi.kubevirt.io/storage.bind.immediate.requested': 'true',
      },
    },
    spec: {
      source: { vddk },
      storage: {
        storageClassName: 'ceph-rbd',
        volumeMode: 'Block',
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: sample.size ?? '1Gi' } },
      },
    },
  };
}

export function vddkSecret(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: {
      accessKeyId: Buffer.from('administrator@vsphere.local').toString('base64'),
      secretKey: Buffer.from('not-a-real-password').toString('base64'),
    },
  };
}

export interface VirtualMachineSample {
  name: string;
  namespace: string;
  runStrategy?: 'Always' | 'Halted';
  disks?: { name: string; claimName?: string; dataVolume?: string }[];
}

/**
 * VMware-range MACs of a sample VM, one pair per name (kubemacpool refuses a MAC another VM holds):
 * `00:50:56:9a:01:02`/`:03` for "web01", others derived from the name.
 */
export function sampleMacs(name: string): [string, string] {
  if (name === 'web01') return ['00:50:56:9a:01:02', '00:50:56:9a:01:03'];
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const bytes = [(hash >>> 16) & 0x3f, (hash >>> 8) & 0xff, hash & 0xfe];
  const mac = (last: number) =>
    ['00', '50', '56', ...[bytes[0], bytes[1], last].map((b) => (b ?? 0).toString(16).padStart(2, '0'))].join(
      ':',
    );
  return [mac(bytes[2] ?? 0), mac((bytes[2] ?? 0) | 1)];
}

/** An EFI + secure boot VM with two disks, a pod NIC (masquerade) and a Multus NIC (bridge). */
export function migratedVirtualMachine(sample: VirtualMachineSample): KubeObject {
  const disks = sample.disks ?? [{ name: 'disk-0', claimName: `${sample.name}-disk-0` }];
  const [podMac, multusMac] = sampleMacs(sample.name);
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: sample.name,
      namespace: sample.namespace,
      labels: { 'flotilla.io/plan': 'plan-1', 'flotilla.io/vm': 'vm-1234' },
      annotations: { 'flotilla.io/original-name': sample.name.toUpperCase() },
    },
    spec: {
      runStrategy: sample.runStrategy ?? 'Always',
      preference: { kind: 'VirtualMachineClusterPreference', name: 'rhel.9' },
      template: {
        metadata: { labels: { 'flotilla.io/vm': 'vm-1234' } },
        spec: {
          domain: {
            cpu: { sockets: 2, cores: 2, threads: 1 },
            memory: { guest: '4Gi' },
            firmware: {
              serial: '4211a8a3-61b4-c6f9-3a5c-2b1d2e8f9c10',
              bootloader: { efi: { secureBoot: true } },
            },
            features: { smm: { enabled: true } },
            devices: {
              disks: disks.map((disk, index) => ({
                name: disk.name,
                disk: { bus: 'virtio' },
                ...(index === 0 ? { bootOrder: 1 } : {}),
              })),
              interfaces: [
                { name: 'net-0', masquerade: {}, model: 'virtio', macAddress: podMac },
                {
                  name: 'net-1',
                  bridge: {},
                  model: 'virtio',
                  macAddress: multusMac,
                  state: 'down',
                },
              ],
              inputs: [{ type: 'tablet', name: 'tablet', bus: 'usb' }],
              tpm: {},
            },
          },
          networks: [
            { name: 'net-0', pod: {} },
            { name: 'net-1', multus: { networkName: `${sample.namespace}/vlan-120` } },
          ],
          volumes: disks.map(
            (disk): JsonObject =>
              disk.dataVolume
                ? { name: disk.name, dataVolume: { name: disk.dataVolume } }
                : { name: disk.name, persistentVolumeClaim: { claimName: disk.claimName ?? disk.name } },
          ),
        },
      },
    },
  };
}
