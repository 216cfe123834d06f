import type { ApiMachinery } from './api-machinery.js';
import {
  asArray,
  asObject,
  asString,
  getPath,
  isJsonObject,
  type JsonObject,
  type KubeObject,
} from './json.js';
import { STORAGE_CLASSES, STORAGE_PROFILES } from './resource-types.js';

/** One entry of a StorageProfile's `status.claimPropertySets`. */
export interface ClaimPropertySet {
  accessModes?: string[];
  volumeMode?: 'Filesystem' | 'Block';
}

export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

/** A StorageClass of the emulated cluster and the StorageProfile CDI derives from it. */
export interface StorageClassOptions {
  name: string;
  /** Default WaitForFirstConsumer, as most CSI block storage (LVMS, TopoLVM, EBS, local disks). */
  volumeBindingMode?: VolumeBindingMode;
  /** Default a CSI driver, so CDI imports through volume populators. `kubernetes.io/...` is in-tree. */
  provisioner?: string;
  /**
   * The StorageProfile's claim property sets (default one: ReadWriteOnce, Filesystem). An empty
   * list is the "incomplete" profile of a provisioner CDI does not know: a DataVolume that gives
   * no access mode cannot be rendered into a PVC on that class.
   */
  claimPropertySets?: ClaimPropertySet[];
}

export const DEFAULT_PROVISIONER = 'csi.emulator.flotilla.invalid';
export const DEFAULT_CLAIM_PROPERTY_SETS: readonly ClaimPropertySet[] = [
  { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' },
];
/** Set by the scheduler on a WaitForFirstConsumer claim once a Pod using it is placed. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const EMULATED_NODE = 'node-1';

export function storageClassManifest(options: StorageClassOptions, isDefault: boolean): KubeObject {
  return {
    metadata: {
      name: options.name,
      ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    provisioner: options.provisioner ?? DEFAULT_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: options.volumeBindingMode ?? 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

/** CDI's StorageProfile controller output for a class: same name, claim defaults in the status. */
export function storageProfileManifest(options: StorageClassOptions): KubeObject {
  const sets = options.claimPropertySets ?? DEFAULT_CLAIM_PROPERTY_SETS;
  return {
    metadata: { name: options.name },
    spec: {},
    status: {
      storageClass: options.name,
      provisioner: options.provisioner ?? DEFAULT_PROVISIONER,
      ...(sets.length > 0
        ? {
            claimPropertySets: sets.map((set) => ({
              ...(set.accessModes ? { accessModes: [...set.accessModes] } : {}),
              ...(set.volumeMode ? { volumeMode: set.volumeMode } : {}),
            })),
          }
        : {}),
    },
  };
}

export interface ResolvedStorageClass {
  name: string;
  volumeBindingMode: VolumeBindingMode;
  provisioner: string;
  claimPropertySets: ClaimPropertySet[];
}

/**
 * What the controllers know about storage classes: the StorageClass and StorageProfile objects
 * when the emulator was given classes; otherwise every class name a claim gives behaves like a
 * class with the defaults above (so tests that never name classes still get WaitForFirstConsumer,
 * populators and a complete profile).
 */
export class StorageCatalog {
  constructor(
    private readonly machinery: ApiMachinery,
    private readonly implicitClasses: boolean,
  ) {}

  resolve(name: string | undefined): ResolvedStorageClass | undefined {
    if (name === undefined || name === '') return undefined;
    const storageClass = this.machinery.find(STORAGE_CLASSES, '', name);
    if (!storageClass) {
      if (!this.implicitClasses) return undefined;
      return {
        name,
        volumeBindingMode: 'WaitForFirstConsumer',
        provisioner: DEFAULT_PROVISIONER,
        claimPropertySets: DEFAULT_CLAIM_PROPERTY_SETS.map((set) => ({ ...set })),
      };
    }
    const profile = this.machinery.find(STORAGE_PROFILES, '', name);
    const sets = profile
      ? asArray(getPath(profile, 'status.claimPropertySets'))
          .filter(isJsonObject)
          .map(
            (set): ClaimPropertySet => ({
              accessModes: asArray(set.accessModes).filter(
                (mode): mode is string => typeof mode === 'string',
              ),
              volumeMode: asString(set.volumeMode) === 'Block' ? 'Block' : 'Filesystem',
            }),
          )
      : DEFAULT_CLAIM_PROPERTY_SETS.map((set) => ({ ...set }));
    return {
      name,
      volumeBindingMode:
        asString(storageClass.volumeBindingMode) === 'Immediate' ? 'Immediate' : 'WaitForFirstConsumer',
      provisioner: asString(storageClass.provisioner) ?? DEFAULT_PROVISIONER,
      claimPropertySets: sets,
    };
  }

  /** Whether a Pending claim waits for a Pod or VMI to use it before it is provisioned. */
  waitsForFirstConsumer(claim: JsonObject): boolean {
    const storageClass = asString(asObject(claim.spec)?.storageClassName);
    return this.resolve(storageClass)?.volumeBindingMode === 'WaitForFirstConsumer';
  }
}
