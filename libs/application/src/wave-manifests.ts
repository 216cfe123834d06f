import type { VmAssessment } from '#libs/assessment';
import type { InventoryHost, InventoryVm } from '#libs/inventory';
import { migrationSpecOf, type SourcePowerState } from '#libs/itinerary';
import { type ExecutionManifest, ManifestBuildError, renderExecutionManifests } from '#libs/kubevirt';
import type { PlanSettings, WavePlan } from '#libs/waves';
import { notFound, UserFacingError } from './errors.js';
import { buildWaveExecutionSpecs, type ExecutionOptions } from './wave-execution-spec.js';

/** What `render` needs besides the plan: what the executor would read from its configuration. */
export interface RenderSettings {
  vcenterUrl: string;
  vcenterThumbprint: string;
  vddkInitImage: string;
  virtV2vImage: string | undefined;
  options: ExecutionOptions;
}

export interface RenderedManifest {
  /** `<namespace>/<vm target name>/<NN>-<kind>-<name>.yaml`, in the order the executor applies them. */
  path: string;
  manifest: ExecutionManifest;
}

/**
 * Labels need an execution id and none exists before `execute`: rendered objects carry this one,
 * so they are never mistaken for (or adopted as) an execution's objects.
 */
export const RENDER_EXECUTION_ID = 'rendered';

/**
 * The manifests the executor would apply for every VM of a wave, built by the same builders from
 * the same frozen spec: the credentials Secret with placeholders instead of values, a DataVolume
 * per disk, the guest conversion pod when the guest is converted, the VirtualMachine. Values the
 * executor only learns at run time come from the inventory here: vCenter's live BIOS and instance
 * UUIDs, the source power state, the host's inventory path (built from the export's names, which
 * know no folders) and time zone; the guest's static IPs (RVTools has no prefix or gateway) are
 * only known at Preflight, so rendered conversion pods carry none.
 */
export function renderWaveManifests(input: {
  planId: string;
  plan: { settings: PlanSettings; result: WavePlan };
  waveNumber: number;
  inventoryVms: readonly InventoryVm[];
  inventoryHosts?: readonly InventoryHost[];
  assessments: readonly VmAssessment[];
  settings: RenderSettings;
}): RenderedManifest[] {
  const wave = input.plan.result.waves.find((candidate) => candidate.number === input.waveNumber);
  if (!wave) throw notFound(`Wave ${input.waveNumber} of plan`, input.planId);
  if (wave.vms.length === 0)
    throw new UserFacingError('invalid-input', `Wave ${input.waveNumber} is empty; nothing to render`);
  const specs = buildWaveExecutionSpecs({
    planId: input.planId,
    wave,
    settings: input.plan.settings,
    inventoryVms: input.inventoryVms,
    inventoryHosts: input.inventoryHosts,
    assessments: input.assessments,
    options: input.settings.options,
    executionId: RENDER_EXECUTION_ID,
  });
  const rendered: RenderedManifest[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    const powerState = spec.vm.powerState;
    const migration = migrationSpecOf(
      {
        executionId: RENDER_EXECUTION_ID,
        spec,
        phase: 'Preflight',
        runtime: {},
        disks: [],
        powerStateBefore: powerState === 'unknown' ? null : (powerState as SourcePowerState),
        phaseStartedAt: 0,
        attempt: 0,
      },
      {
        vcenter: { url: input.settings.vcenterUrl, thumbprint: input.settings.vcenterThumbprint },
        vddkInitImage: input.settings.vddkInitImage,
      },
    );
    if (spec.convertGuest && !input.settings.virtV2vImage) {
      throw new UserFacingError(
        'invalid-input',
        `VM "${spec.name}" is converted (the default) but no virt-v2v image was given (--virt-v2v-image or ` +
          "VIRT_V2V_IMAGE); a raw copy instead is the plan's guestConversion setting or --convert-guest never",
      );
    }
    let manifests: ExecutionManifest[];
    try {
      manifests = renderExecutionManifests(
        migration,
        spec.convertGuest && input.settings.virtV2vImage
          ? { guestConversion: { image: input.settings.virtV2vImage } }
          : {},
      );
    } catch (error) {
      // The builders name the VM and what they lack (a network or datastore the maps do not cover...).
      if (!(error instanceof ManifestBuildError)) throw error;
      problems.push(error.message);
      continue;
    }
    manifests.forEach((manifest, index) => {
      const order = String(index + 1).padStart(2, '0');
      rendered.push({
        path: `${spec.targetNamespace}/${spec.targetName}/${order}-${manifest.kind.toLowerCase()}-${manifest.metadata.name}.yaml`,
        manifest,
      });
    });
  }
  if (problems.length > 0) {
    throw new UserFacingError(
      'invalid-input',
      `Wave ${input.waveNumber} cannot be rendered: ${problems.join('; ')}`,
      'wave-not-renderable',
      problems,
    );
  }
  return rendered;
}
