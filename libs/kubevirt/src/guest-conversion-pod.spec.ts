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
      V2V_preserveStaticIPs: 'true',
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

  it('reaches the host by its real inventory path when Preflight read it (datacenter in a folder)', () => {
    const foldered = buildGuestConversionPod(
      migrationSpec({ hostInventoryPath: 'Europe/DC1/Prod/Cluster A/esx01.example.com' }),
      pvcs,
      options,
    );
    expect(envOf(foldered).V2V_libvirtURL).toBe(
      'vpx://svc-migrate%40vsphere.local@vc01.example.com/Europe/DC1/Prod/Cluster%20A/esx01.example.com?no_verify=1',
    );
  });

  it('gives legacy Windows the legacy virtio-win ISO, as Forklift does, and others not', () => {
    const legacy = (guestOsConfig: string) =>
      envOf(
        buildGuestConversionPod(
          migrationSpec({ vm: inventoryVm({ guestOsConfig, guestId: null }) }),
          pvcs,
          options,
        ),
      ).VIRTIO_WIN;
    expect(legacy('Microsoft Windows Server 2008 R2 (64-bit)')).toBe('/usr/local/virtio-win-legacy.iso');
    expect(legacy('Microsoft Windows 7 (64-bit)')).toBe('/usr/local/virtio-win-legacy.iso');
    expect(legacy('Microsoft Windows Server 2003 Standard (32-bit)')).toBe(
      '/usr/local/virtio-win-legacy.iso',
    );
    expect(legacy('Microsoft Windows Server 2019 (64-bit)')).toBeUndefined();
    expect(legacy('Red Hat Enterprise Linux 9 (64-bit)')).toBeUndefined();
  });

  it("preserves static IPs in Forklift's MAC:ip:address,gateway,prefix,dns format, IPv4 first", () => {
    const guestNetwork = {
      addresses: [
        {
          device: '0',
          mac: '00:50:56:aa:bb:01',
          ip: '2001:db8::11',
          prefixLength: 64,
          origin: 'manual',
          dns: ['10.0.0.2'],
        },
        {
          device: '0',
          mac: '00:50:56:aa:bb:01',
          ip: 'fe80::1',
          prefixLength: 64,
          origin: 'linklayer',
          dns: [],
        },
        {
          device: '0',
          mac: '00:50:56:aa:bb:01',
          ip: '10.0.0.11',
          prefixLength: 24,
          origin: 'manual',
          dns: ['10.0.0.2', '10.0.0.3'],
        },
        {
          device: '1',
          mac: '00:50:56:aa:bb:02',
          ip: '192.168.5.7',
          prefixLength: 16,
          origin: 'dhcp',
          dns: [],
        },
      ],
      routes: [
        { device: '0', network: '0.0.0.0/0', gateway: '10.0.0.1' },
        { device: '0', network: '::/0', gateway: '2001:db8::1' },
        { device: '0', network: '10.0.0.0/24', gateway: '0.0.0.0' },
      ],
    };
    const linux = envOf(buildGuestConversionPod(migrationSpec({ guestNetwork }), pvcs, options));
    expect(linux.V2V_staticIPs).toBe(
      '00:50:56:aa:bb:01:ip:10.0.0.11,10.0.0.1,24,10.0.0.2,10.0.0.3_' +
        '00:50:56:aa:bb:02:ip:192.168.5.7,,16_' +
        '00:50:56:aa:bb:01:ip:2001:db8::11,2001:db8::1,64,10.0.0.2',
    );
    const windowsVm = inventoryVm({ guestOsConfig: 'Microsoft Windows Server 2019 (64-bit)', guestId: null });
    const windows = envOf(
      buildGuestConversionPod(migrationSpec({ vm: windowsVm, guestNetwork }), pvcs, options),
    );
    // Windows keeps only what was configured by hand (DHCP leases come back by themselves).
    expect(windows.V2V_staticIPs).toBe(
      '00:50:56:aa:bb:01:ip:10.0.0.11,10.0.0.1,24,10.0.0.2,10.0.0.3_00:50:56:aa:bb:01:ip:2001:db8::11,2001:db8::1,64,10.0.0.2',
    );
    expect(windows.V2V_multipleIPsPerNic).toBe('true');
    expect(envOf(pod).V2V_staticIPs).toBeUndefined();
  });

  it('passes the new name when the VM was renamed and the root disk when one was chosen', () => {
    const renamed = envOf(
      buildGuestConversionPod(
        migrationSpec({ vm: inventoryVm({ name: 'Web_01' }), bootDiskIndex: 1 }),
        pvcs,
        options,
      ),
    );
    expect(renamed.V2V_NewName).toBe('web-01');
    expect(renamed.V2V_vmName).toBe('Web_01');
    expect(renamed.V2V_RootDisk).toBe('/dev/sdb');
    expect(envOf(pod).V2V_NewName).toBeUndefined();
    expect(envOf(pod).V2V_RootDisk).toBeUndefined();
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
