/**
 * The slice of the Kubernetes, CDI and KubeVirt object models the builders emit, as plain
 * JSON-ready shapes. `@kubevirt-ui/kubevirt-api` has complete models, but importing any of them
 * pulls in its `runtime.ts` (DOM `RequestCredentials`, members without `override`), which does not
 * compile under this project's strict nodenext settings; so these narrow interfaces mirror the
 * upstream field names (kubevirt.io/v1, cdi.kubevirt.io/v1beta1, core/v1) and nothing more.
 */

export type Labels = Record<string, string>;
export type Annotations = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Labels;
  annotations?: Annotations;
  ownerReferences?: OwnerReference[];
  uid?: string;
}

export type VolumeMode = 'Filesystem' | 'Block';
export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOncePod';

/** core/v1 Secret. */
export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type: 'Opaque';
  /** base64 values, as the API server stores and returns them. */
  data?: Record<string, string>;
  /** Write-only plain values; the redacted variant carries placeholders here. */
  stringData?: Record<string, string>;
}

/** cdi.kubevirt.io/v1beta1 DataVolumeSourceVDDK. */
export interface DataVolumeSourceVddk {
  url: string;
  uuid: string;
  backingFile: string;
  thumbprint: string;
  secretRef: string;
  initImageURL: string;
}

/** cdi.kubevirt.io/v1beta1 StorageSpec (only what a VDDK import sets). */
export interface DataVolumeStorage {
  storageClassName: string;
  resources: { requests: { storage: string } };
  volumeMode?: VolumeMode;
  accessModes?: AccessMode[];
}

export interface DataVolume {
  apiVersion: 'cdi.kubevirt.io/v1beta1';
  kind: 'DataVolume';
  metadata: ObjectMeta;
  spec: {
    source: { vddk: DataVolumeSourceVddk };
    storage: DataVolumeStorage;
    /** A warm (multi-stage) import's stages: `previous` "" on the first is a full copy. */
    checkpoints?: Array<{ previous: string; current: string }>;
    /** True once the last checkpoint is the final one (the source is off): CDI then ends `Succeeded`. */
    finalCheckpoint?: boolean;
  };
}

export type DiskBus = 'virtio' | 'sata';
export type InterfaceModel = 'virtio' | 'e1000e';

/** kubevirt.io/v1 Disk. */
export interface VmDisk {
  name: string;
  disk: { bus: DiskBus };
  bootOrder?: number;
  /** What the guest reads as the disk's serial (`/dev/disk/by-id`, Windows disk serial). */
  serial?: string;
  /** A multi-writer disk attached to several VMs: no host page cache, or writers corrupt it. */
  shareable?: boolean;
  cache?: 'none';
}

/** kubevirt.io/v1 Interface. */
export interface VmInterface {
  name: string;
  model: InterfaceModel;
  macAddress?: string;
  masquerade?: Record<string, never>;
  bridge?: Record<string, never>;
  /** `down` sets the link down, as a vNIC not connected at power-on is in vSphere. */
  state?: 'down';
}

/** kubevirt.io/v1 Network. */
export interface VmNetwork {
  name: string;
  pod?: Record<string, never>;
  multus?: { networkName: string };
}

/** kubevirt.io/v1 Volume: the PVC CDI filled, which outlives its DataVolume. */
export interface VmVolume {
  name: string;
  persistentVolumeClaim: { claimName: string };
}

export interface VmInput {
  type: 'tablet';
  bus: 'usb' | 'virtio';
  name: string;
}

/** kubevirt.io/v1 CPUFeature. */
export interface VmCpuFeature {
  name: string;
  policy: 'force' | 'require' | 'optional' | 'disable' | 'forbid';
}

/** kubevirt.io/v1 TPMDevice. */
export interface VmTpm {
  enabled?: boolean;
  persistent?: boolean;
}

export interface VmFirmware {
  serial?: string;
  bootloader: { bios: Record<string, never> } | { efi: { secureBoot: boolean } };
}

export interface VmDomain {
  cpu: { sockets: number; cores: number; threads: number; features?: VmCpuFeature[] };
  memory: { guest: string };
  firmware: VmFirmware;
  features?: { smm: { enabled: boolean } };
  clock?: { timezone: string };
  devices: {
    disks: VmDisk[];
    interfaces: VmInterface[];
    inputs: VmInput[];
    tpm?: VmTpm;
    autoattachPodInterface?: boolean;
  };
}

export type RunStrategy = 'Always' | 'Halted';

export interface VirtualMachine {
  apiVersion: 'kubevirt.io/v1';
  kind: 'VirtualMachine';
  metadata: ObjectMeta;
  spec: {
    runStrategy: RunStrategy;
    preference?: { name: string; kind: 'VirtualMachineClusterPreference' | 'VirtualMachinePreference' };
    template: {
      metadata: { labels: Labels };
      spec: {
        domain: VmDomain;
        networks: VmNetwork[];
        volumes: VmVolume[];
      };
    };
  };
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface VolumeDevice {
  name: string;
  devicePath: string;
}

export interface ContainerSecurityContext {
  allowPrivilegeEscalation: boolean;
  capabilities: { drop: string[] };
}

export interface ResourceRequirements {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: 'IfNotPresent' | 'Always';
  env?: EnvVar[];
  envFrom?: { prefix: string; secretRef: { name: string } }[];
  volumeMounts?: VolumeMount[];
  volumeDevices?: VolumeDevice[];
  ports?: { name: string; containerPort: number; protocol: 'TCP' }[];
  resources: ResourceRequirements;
  securityContext: ContainerSecurityContext;
}

export type PodVolume =
  | { name: string; persistentVolumeClaim: { claimName: string } }
  | { name: string; secret: { secretName: string } }
  | { name: string; emptyDir: Record<string, never> };

/** core/v1 Pod. */
export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: {
    restartPolicy: 'Never';
    securityContext: {
      fsGroup: number;
      runAsUser: number;
      runAsNonRoot: boolean;
      seccompProfile: { type: 'RuntimeDefault' };
    };
    nodeSelector: Record<string, string>;
    initContainers: Container[];
    containers: Container[];
    volumes: PodVolume[];
  };
}

/** A JSON merge patch (`application/merge-patch+json`) that replaces a PVC's owner references. */
export interface OwnerReferencePatch {
  metadata: { ownerReferences: OwnerReference[] };
}
