import { isLegacyWindowsGuest, isWindowsGuest, staticIpMappings } from './guest-network.js';
import type {
  ContainerSecurityContext,
  EnvVar,
  Pod,
  PodVolume,
  ResourceRequirements,
  VolumeDevice,
  VolumeMode,
  VolumeMount,
} from './manifest-types.js';
import { specError, type VmMigrationSpec, vcenterThumbprint, vcenterUrl } from './migration-spec.js';
import { buildLabels, buildVmKeyAnnotations, LABEL_COMPONENT, vmObjectNames } from './object-names.js';

/** A copied disk's PVC as the conversion pod attaches it; order is the VM's disk order. */
export interface ConversionPvc {
  name: string;
  /** The bound PVC's mode: Block PVCs are attached as devices, Filesystem ones mounted. */
  volumeMode: VolumeMode;
}

export interface GuestConversionOptions {
  /** The virt-v2v image (Forklift's `forklift-virt-v2v` contract: `V2V_*` environment, `/etc/secret`). */
  image: string;
  /** vCenter user for the libvirt `vpx://` URL virt-v2v reads the source domain through (not a secret). */
  vcenterUser: string;
  resources?: ResourceRequirements;
}

/** The qemu user and group, so the disks virt-v2v writes stay usable by virt-launcher. */
const QEMU_ID = 107;
const VDDK_VOLUME = 'vddk-vol-mount';
const SECRET_VOLUME = 'secret-volume';

/** Forklift's defaults for the virt-v2v container (`VIRT_V2V_CONTAINER_*`). */
export const DEFAULT_CONVERSION_RESOURCES: ResourceRequirements = {
  requests: { cpu: '1000m', memory: '1Gi' },
  limits: { cpu: '4000m', memory: '8Gi' },
};

/**
 * Same restrictions as Forklift's pod: no privilege escalation, no capabilities. A fresh object
 * each time, so rendered YAML carries no anchors and no container shares another's settings.
 */
function restricted(): ContainerSecurityContext {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}

/** Where Forklift's virt-v2v image keeps the virtio-win ISO for guests without SHA-2 signing. */
export const LEGACY_VIRTIO_WIN_ISO = '/usr/local/virtio-win-legacy.iso';

/**
 * libvirt's ESX driver URL through vCenter: `vpx://user@vcenter/[Folder/]Datacenter/[Folder/]Cluster/esxi-host`.
 * The executor reads the host's real path from vCenter at Preflight; without it (render) the path
 * is built from the export's names, which know no folders. Certificate checks are off because
 * vCenter's thumbprint was pinned at preflight and is handed to virt-v2v in `V2V_fingerprint`.
 */
function libvirtUrl(spec: VmMigrationSpec, userInfo: string): string {
  const vm = spec.vm;
  let segments: string[];
  if (spec.hostInventoryPath !== undefined && spec.hostInventoryPath.trim() !== '') {
    segments = spec.hostInventoryPath.split('/').filter((segment) => segment !== '');
  } else {
    if (vm.datacenter === null || vm.host === null) {
      throw specError(
        spec,
        'has no datacenter or ESXi host in the inventory; virt-v2v needs both to reach the source domain',
      );
    }
    segments = [vm.datacenter, vm.cluster, vm.host].filter(
      (segment): segment is string => segment !== null && segment !== '',
    );
  }
  const path = segments.map((segment) => encodeURIComponent(segment)).join('/');
  return `vpx://${userInfo}@${vcenterUrl(spec).host}/${path}?no_verify=1`;
}

/** A guest with several addresses configured by hand on one NIC needs virt-v2v told so (Windows). */
function hasSeveralManualIpsPerNic(spec: VmMigrationSpec): boolean {
  const macs = (spec.guestNetwork?.addresses ?? [])
    .filter((address) => address.origin === 'manual')
    .map((address) => address.mac.toLowerCase());
  return new Set(macs).size < macs.length;
}

/**
 * The `V2V_*` settings of Forklift's conversion pod (`PodEnvironment` and the plan's per-VM
 * settings): static IPs preserved, legacy drivers for Windows without SHA-2, the host name, the
 * root disk when chosen and the new name when the VM was renamed.
 */
function conversionEnvironment(spec: VmMigrationSpec, userInfo: string, targetName: string): EnvVar[] {
  const vm = spec.vm;
  const env: EnvVar[] = [{ name: 'V2V_preserveStaticIPs', value: 'true' }];
  if (isLegacyWindowsGuest(vm)) {
    env.push({ name: 'VIRTIO_WIN', value: LEGACY_VIRTIO_WIN_ISO });
  } else if (isWindowsGuest(vm) && hasSeveralManualIpsPerNic(spec)) {
    env.push({ name: 'V2V_multipleIPsPerNic', value: 'true' });
  }
  if (vm.dnsName !== null && vm.dnsName.trim() !== '') {
    env.push({ name: 'V2V_HOSTNAME', value: vm.dnsName.trim() });
  }
  env.push(
    { name: 'V2V_vmName', value: vm.name },
    { name: 'V2V_libvirtURL', value: libvirtUrl(spec, userInfo) },
    { name: 'V2V_source', value: 'vSphere' },
    // Not confidential: anyone can read it off the server, as Forklift notes.
    { name: 'V2V_fingerprint', value: vcenterThumbprint(spec) },
  );
  const staticIps = spec.guestNetwork === undefined ? '' : staticIpMappings(vm, spec.guestNetwork);
  if (staticIps !== '') env.push({ name: 'V2V_staticIPs', value: staticIps });
  if (spec.bootDiskIndex !== undefined && spec.bootDiskIndex >= 0 && spec.bootDiskIndex < 26) {
    env.push({ name: 'V2V_RootDisk', value: `/dev/sd${String.fromCharCode(97 + spec.bootDiskIndex)}` });
  }
  if (targetName !== vm.name) env.push({ name: 'V2V_NewName', value: targetName });
  // The disks are already copied by CDI: convert them where they are.
  env.push({ name: 'V2V_inPlace', value: '1' });
  // Forklift's pod serves its inspection result when migrating to the local cluster; nothing reads it here.
  env.push({ name: 'LOCAL_MIGRATION', value: 'false' });
  return env;
}

/** Builds the pod with an already URL-safe user part (a real user, or `render`'s placeholder). */
export function guestConversionPod(
  spec: VmMigrationSpec,
  pvcs: readonly ConversionPvc[],
  options: Omit<GuestConversionOptions, 'vcenterUser'>,
  userInfo: string,
): Pod {
  const names = vmObjectNames(spec);
  if (options.image.trim() === '') throw specError(spec, 'no guest conversion image is configured');
  if (pvcs.length === 0) throw specError(spec, 'has no copied disks to convert');

  const volumes: PodVolume[] = [];
  const volumeMounts: VolumeMount[] = [];
  const volumeDevices: VolumeDevice[] = [];
  // Forklift's podVolumeMounts: disk N at /dev/blockN (Block) or /mnt/disks/diskN/disk.img (Filesystem).
  pvcs.forEach((pvc, index) => {
    volumes.push({ name: pvc.name, persistentVolumeClaim: { claimName: pvc.name } });
    if (pvc.volumeMode === 'Block') {
      volumeDevices.push({ name: pvc.name, devicePath: `/dev/block${index}` });
    } else {
      volumeMounts.push({ name: pvc.name, mountPath: `/mnt/disks/disk${index}` });
    }
  });
  volumes.push({ name: SECRET_VOLUME, secret: { secretName: names.credentialsSecret } });
  volumeMounts.push({ name: SECRET_VOLUME, mountPath: '/etc/secret', readOnly: true });
  volumes.push({ name: VDDK_VOLUME, emptyDir: {} });
  volumeMounts.push({ name: VDDK_VOLUME, mountPath: '/opt' });

  const env = conversionEnvironment(spec, userInfo, names.virtualMachine);
  const resources = options.resources ?? DEFAULT_CONVERSION_RESOURCES;

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: names.guestConversionPod,
      namespace: names.namespace,
      labels: { ...buildLabels(spec), [LABEL_COMPONENT]: 'guest-conversion' },
      annotations: buildVmKeyAnnotations(spec),
    },
    spec: {
      restartPolicy: 'Never',
      securityContext: {
        fsGroup: QEMU_ID,
        runAsUser: QEMU_ID,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      // virt-v2v's appliance crawls under emulation: ask KubeVirt's device plugin for /dev/kvm.
      nodeSelector: { 'kubevirt.io/schedulable': 'true' },
      initContainers: [
        {
          name: 'vddk-side-car',
          image: spec.vddkInitImage,
          imagePullPolicy: 'IfNotPresent',
          volumeMounts: [{ name: VDDK_VOLUME, mountPath: '/opt' }],
          resources: {
            requests: { cpu: '100m', memory: '150Mi' },
            limits: { cpu: '1000m', memory: '500Mi' },
          },
          securityContext: restricted(),
        },
      ],
      containers: [
        {
          name: 'virt-v2v',
          image: options.image,
          imagePullPolicy: 'IfNotPresent',
          env,
          // accessKeyId/secretKey arrive as V2V_accessKeyId/V2V_secretKey, as Forklift passes them.
          envFrom: [{ prefix: 'V2V_', secretRef: { name: names.credentialsSecret } }],
          volumeMounts,
          ...(volumeDevices.length > 0 ? { volumeDevices } : {}),
          ports: [{ name: 'metrics', containerPort: 2112, protocol: 'TCP' }],
          resources: {
            requests: { ...resources.requests, 'devices.kubevirt.io/kvm': '1' },
            limits: { ...resources.limits, 'devices.kubevirt.io/kvm': '1' },
          },
          securityContext: restricted(),
        },
      ],
      volumes,
    },
  };
}

/**
 * Forklift's guest conversion pod: virt-v2v-in-place over the PVCs CDI filled, installing virtio
 * drivers and fixing the boot configuration before the VM first starts.
 */
export function buildGuestConversionPod(
  spec: VmMigrationSpec,
  pvcs: readonly ConversionPvc[],
  options: GuestConversionOptions,
): Pod {
  if (options.vcenterUser.trim() === '')
    throw specError(spec, 'no vCenter user for the guest conversion pod');
  return guestConversionPod(spec, pvcs, options, encodeURIComponent(options.vcenterUser));
}
