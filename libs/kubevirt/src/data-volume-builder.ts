import type { InventoryDisk } from '#libs/inventory';
import { sortDisksAsVmware } from './disk-order.js';
import type { DataVolume, DataVolumeStorage } from './manifest-types.js';
import {
  lookup,
  specError,
  type VmMigrationSpec,
  vcenterThumbprint,
  vcenterUrl,
  vddkVmUuid,
} from './migration-spec.js';
import {
  ANNOTATION_DISK_INDEX,
  ANNOTATION_DISK_SOURCE,
  buildLabels,
  buildVmKeyAnnotations,
  sharedDiskClaimName,
  vmObjectNames,
} from './object-names.js';

/**
 * CDI would otherwise delete a finished DataVolume itself; its status is how disk progress is read,
 * so it stays until the VM owns the PVC, and the executor then deletes it (as Forklift does).
 */
export const ANNOTATION_DELETE_AFTER_COMPLETION = 'cdi.kubevirt.io/storage.deleteAfterCompletion';
/**
 * Forklift sets this when nothing else will consume the PVC before the VM exists (warm, remote
 * cluster). Flotilla always waits for the copy to finish before creating the VM, and the guest
 * conversion pod is optional, so on a WaitForFirstConsumer storage class the import would never
 * start without it: it is always set.
 */
export const ANNOTATION_BIND_IMMEDIATE = 'cdi.kubevirt.io/storage.bind.immediate.requested';

/**
 * Forklift sets it "false" on warm DataVolumes: CDI's volume populators do not do multi-stage
 * imports, the classic importer does.
 */
export const ANNOTATION_USE_POPULATOR = 'cdi.kubevirt.io/storage.usePopulator';

/** Capacity rounded up to a whole MiB, as a Kubernetes quantity (`10240Mi`). */
export function diskSizeQuantity(capacityMiB: number): string {
  return `${Math.ceil(capacityMiB)}Mi`;
}

/** One source disk with everything the DataVolume and the VM need to agree on. */
export interface PlannedDisk {
  /** Position in VMware order: DataVolume `-disk-N`, VM volume `vol-N`. */
  index: number;
  disk: InventoryDisk;
  backingFile: string;
  /** The DataVolume, and the PVC CDI fills under the same name. */
  dataVolumeName: string;
  /** A multi-writer disk: one copy for every VM that uses it, attached shareable. */
  shared: boolean;
  /** The VM key of another VM that copies this shared disk; null when this VM copies it. */
  copiedBy: string | null;
}

/** vSphere's multi-writer sharing: the same VMDK open read-write in several VMs (clusters, Oracle RAC). */
export function isSharedDisk(disk: InventoryDisk): boolean {
  return disk.sharingMode?.toLowerCase() === 'sharingmultiwriter';
}

/** The VM's disks in VMware order, each checked against the storage map. */
export function planDisks(spec: VmMigrationSpec): PlannedDisk[] {
  const names = vmObjectNames(spec);
  if (spec.vm.disks.length === 0) {
    throw specError(spec, 'has no disks to copy');
  }
  return sortDisksAsVmware(spec.vm.disks).map((disk, index) => {
    if (disk.path === null || disk.path.trim() === '') {
      throw specError(spec, `disk "${disk.label}" has no backing file ([datastore] folder/file.vmdk)`);
    }
    if (!(disk.capacityMiB > 0)) {
      throw specError(spec, `disk "${disk.label}" has no capacity (${disk.capacityMiB} MiB)`);
    }
    const shared = isSharedDisk(disk);
    const copiedBy = shared ? (lookup(spec.sharedDisksCopiedBy ?? {}, disk.path) ?? null) : null;
    return {
      index,
      disk,
      backingFile: disk.path,
      dataVolumeName: shared ? sharedDiskClaimName(spec, disk.path) : names.dataVolume(index),
      shared,
      copiedBy: copiedBy === spec.vm.key ? null : copiedBy,
    };
  });
}

function storageFor(spec: VmMigrationSpec, disk: InventoryDisk): DataVolumeStorage {
  const datastore = disk.datastore;
  const mapped = datastore === null ? undefined : lookup(spec.storageMap, datastore);
  if (mapped === undefined) {
    throw specError(
      spec,
      datastore === null
        ? `disk "${disk.label}" has no datastore to look up in the storage map`
        : `disk "${disk.label}" is on datastore "${datastore}", which the storage map does not cover`,
    );
  }
  const storage: DataVolumeStorage = {
    storageClassName: mapped.storageClass,
    resources: { requests: { storage: diskSizeQuantity(disk.capacityMiB) } },
  };
  // Only when the map says: otherwise CDI's StorageProfile picks them for the storage class.
  if (mapped.volumeMode !== undefined) storage.volumeMode = mapped.volumeMode;
  if (mapped.accessMode !== undefined) storage.accessModes = [mapped.accessMode];
  return storage;
}

/**
 * One `cdi.kubevirt.io/v1beta1` DataVolume per disk this VM copies, importing it over VDDK
 * (Forklift's `DataVolumes`); a shared disk another VM copies has none here.
 */
export function buildDataVolumes(spec: VmMigrationSpec): DataVolume[] {
  const names = vmObjectNames(spec);
  vcenterUrl(spec);
  const url = spec.vcenter.url.trim();
  const thumbprint = vcenterThumbprint(spec);
  const uuid = vddkVmUuid(spec);
  if (spec.vddkInitImage.trim() === '') {
    throw specError(spec, 'no VDDK init image is configured');
  }
  return planDisks(spec)
    .filter((planned) => planned.copiedBy === null)
    .map((planned) => ({
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: {
        name: planned.dataVolumeName,
        namespace: names.namespace,
        labels: buildLabels(spec),
        annotations: {
          ...buildVmKeyAnnotations(spec),
          [ANNOTATION_DISK_INDEX]: String(planned.index),
          [ANNOTATION_DISK_SOURCE]: planned.backingFile,
          [ANNOTATION_DELETE_AFTER_COMPLETION]: 'false',
          [ANNOTATION_BIND_IMMEDIATE]: 'true',
          ...(spec.warmInitialSnapshot === undefined ? {} : { [ANNOTATION_USE_POPULATOR]: 'false' }),
        },
      },
      spec: {
        source: {
          vddk: {
            url,
            uuid,
            backingFile: planned.backingFile,
            thumbprint,
            secretRef: names.credentialsSecret,
            initImageURL: spec.vddkInitImage,
          },
        },
        storage: storageFor(spec, planned.disk),
        ...(spec.warmInitialSnapshot === undefined
          ? {}
          : { checkpoints: [{ previous: '', current: spec.warmInitialSnapshot }], finalCheckpoint: false }),
      },
    }));
}
