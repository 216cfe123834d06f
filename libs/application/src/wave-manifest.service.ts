import { stringify } from 'yaml';
import type { AssessmentStore, InventoryStore } from '#libs/persistence';
import { notFound, UserFacingError } from './errors.js';
import type { PlanningService } from './planning.service.js';
import { DEFAULT_EXECUTION_OPTIONS } from './wave-execution-spec.js';
import { renderWaveManifests } from './wave-manifests.js';

/** The executor's settings its manifests carry (the config's VSPHERE_URL, ...); unset = undefined. */
export interface ManifestTarget {
  vsphereUrl: string | undefined;
  vsphereThumbprint: string | undefined;
  vddkInitImage: string | undefined;
  virtV2vImage: string | undefined;
}

export interface WaveManifestFile {
  /** `<namespace>/<vm target name>/<NN>-<kind>-<name>.yaml`, in the order the executor applies them. */
  path: string;
  namespace: string;
  vm: string;
  kind: string;
  name: string;
  yaml: string;
}

export interface WaveManifests {
  planId: string;
  wave: number;
  vms: number;
  files: WaveManifestFile[];
}

/** The settings the manifests cannot be written without, with what each one is. */
const REQUIRED_SETTINGS: Array<[keyof ManifestTarget, string, string]> = [
  ['vsphereUrl', 'VSPHERE_URL', 'the vCenter SDK URL'],
  ['vsphereThumbprint', 'VSPHERE_THUMBPRINT', 'the SHA-1 of the vCenter certificate the executor pins'],
  ['vddkInitImage', 'VDDK_INIT_IMAGE', 'the image holding the VDDK library'],
];

/**
 * A wave's manifests for GitOps review: exactly what the executor would apply, rendered by the
 * function `flotilla render` uses, with the secret values as placeholders.
 */
export class WaveManifestService {
  constructor(
    private readonly planning: PlanningService,
    private readonly inventories: InventoryStore,
    private readonly assessments: AssessmentStore,
    private readonly target: ManifestTarget,
  ) {}

  async render(planId: string, waveNumber: number): Promise<WaveManifests> {
    const missing = REQUIRED_SETTINGS.filter(([key]) => !this.target[key]);
    if (missing.length > 0) {
      throw new UserFacingError(
        'unavailable',
        `The manifests need the executor's settings, not configured on this server: ${missing
          .map(([, name, what]) => `${name} (${what})`)
          .join(', ')}`,
        'manifest-settings-missing',
      );
    }
    const plan = await this.planning.getStored(planId);
    const inventory = await this.inventories.load(plan.inventoryId, { withSource: false });
    if (!inventory) throw notFound('Inventory', plan.inventoryId);
    const rendered = renderWaveManifests({
      planId,
      plan,
      waveNumber,
      inventoryVms: inventory.vms,
      assessments: await this.assessments.allVms(plan.assessmentId),
      settings: {
        vcenterUrl: this.target.vsphereUrl as string,
        vcenterThumbprint: this.target.vsphereThumbprint as string,
        vddkInitImage: this.target.vddkInitImage as string,
        virtV2vImage: this.target.virtV2vImage,
        options: DEFAULT_EXECUTION_OPTIONS,
      },
    });
    const files = rendered.map(({ path, manifest }) => {
      const [namespace = '', vm = ''] = path.split('/');
      return {
        path,
        namespace,
        vm,
        kind: manifest.kind,
        name: manifest.metadata.name,
        yaml: stringify(manifest, { lineWidth: 0 }),
      };
    });
    return {
      planId,
      wave: waveNumber,
      vms: new Set(files.map((file) => `${file.namespace}/${file.vm}`)).size,
      files,
    };
  }
}
