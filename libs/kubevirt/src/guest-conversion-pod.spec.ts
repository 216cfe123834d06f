import { describe, expect, it } from 'vitest';
import { buildGuestConversionPod } from './guest-conversion-pod.js';
import type { Pod } from './manifest-types.js';
import { inventoryVm, migrationSpec } from './testing/migration-fixture.js';

const options = { image: 'quay.io/kubev2v/forklift-virt-v2v:2.9', vcenterUser: 'svc-migrate@vsphere.local' };
const pvcs = [
  { name: 'web-01-disk-0', volumeMode: 'Block' as const },
  { name: 'web-01-disk-1', volumeMode: 'Filesystem' as const },
];

function envOf(pod: Pod): Record<string, string> {
  return Object.fromEntries((pod.spec.containers[0].env ?? []).map((entry) => [entry.name, entry.value]));
}

describe('buildGuestConversionPod', () => {
  const pod = buildGuestConversionPod(migrationSpec(), pvcs, options);
  const container = pod.spec.containers[0];

  it('attaches Block PVCs as devices and Filesystem PVCs as mounts, in disk order', () => {
    expect(container.volumeDevices).toEqual([{ name: 'web-01-disk-0', devicePath: '/dev/block0' }]);
    expect(container.volumeMounts).toContainEqual({ name: 'web-01-disk-1', mountPath: '/mnt/disks/disk1' });
    expect(pod.spec.volumes.slice(0, 2)).toEqual([
      { name: 'web-01-disk-0', persistentVolumeClaim: { claimName: 'web-01-disk-0' } },
      { name: 'web-01-disk-1', persistentVolumeClaim: { claimName: 'web-01-disk-1' } },
    ]);
  });

  it('runs virt-v2v in place with the source VM, libvirt URL and pinned thumbprint', () => {
    expect(envOf(pod)).toEqual({
      V2V_vmName: 'web-01',
      V2V_source: 'vSphere',
      V2V_libvirtURL:
        'vpx://svc-migrate%40vsphere.local@vc01.example.com/DC1/Cluster%20A/esx01.example.com?no_verify=1',
      V2V_fingerprint: '3F:9A:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:12:34',
      V2V_inPlace: '1',
      LOCAL_MIGRATION: 'false',
      V2V_HOSTNAME: 'web-01.example.com',
    });
    expect(container.image).toBe(options.image);
    expect(container.envFrom).toEqual([{ prefix: 'V2V_', secretRef: { name: 'web-01-vddk' } }]);
    expect(container.volumeMounts).toContainEqual({
      name: 'secret-volume',
      mountPath: '/etc/secret',
      readOnly: true,
    });
  });

  it('leaves the cluster segment out for a standalone host', () => {
    const standalone = buildGuestConversionPod(
      migrationSpec({ vm: inventoryVm({ cluster: null }) }),
      pvcs,
      options,
    );
    expect(envOf(standalone).V2V_libvirtURL).toBe(
      'vpx://svc-migrate%40vsphere.local@vc01.example.com/DC1/esx01.example.com?no_verify=1',
    );
  });

  it('runs as qemu, unprivileged, on a node with /dev/kvm, never restarting', () => {
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.securityContext).toEqual({
      fsGroup: 107,
      runAsUser: 107,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec.nodeSelector).toEqual({ 'kubevirt.io/schedulable': 'true' });
    expect(container.resources.limits['devices.kubevirt.io/kvm']).toBe('1');
    expect(container.resources.requests['devices.kubevirt.io/kvm']).toBe('1');
  });

  it('stages the VDDK library from the init image, as Forklift does', () => {
    expect(pod.spec.initContainers).toHaveLength(1);
    expect(pod.spec.initContainers[0].image).toBe('registry.example.com/vddk:8.0.3');
    expect(pod.spec.initContainers[0].volumeMounts).toEqual([{ name: 'vddk-vol-mount', mountPath: '/opt' }]);
    expect(pod.spec.volumes).toContainEqual({ name: 'vddk-vol-mount', emptyDir: {} });
  });

  it('has a deterministic name and the execution labels', () => {
    expect(pod.metadata.name).toBe('web-01-v2v');
    expect(pod.metadata.labels['flotilla.io/component']).toBe('guest-conversion');
    expect(pod.metadata.labels['flotilla.io/wave']).toBe('2');
  });

  it('refuses to build without disks, an image, a user, or the source location', () => {
    expect(() => buildGuestConversionPod(migrationSpec(), [], options)).toThrow(/no copied disks/);
    expect(() => buildGuestConversionPod(migrationSpec(), pvcs, { ...options, image: '' })).toThrow(/image/);
    expect(() => buildGuestConversionPod(migrationSpec(), pvcs, { ...options, vcenterUser: '' })).toThrow(
      /vCenter user/,
    );
    expect(() =>
      buildGuestConversionPod(migrationSpec({ vm: inventoryVm({ host: null }) }), pvcs, options),
    ).toThrow(/datacenter or ESXi host/);
  });
});
