import { z } from 'zod';

/** A wave's manifests for GitOps review: what the executor would apply, secret values as placeholders. */
export const waveManifests = z
  .object({
    planId: z.uuid(),
    wave: z.number().int(),
    vms: z.number().int().meta({ description: 'VMs the wave migrates (each has its own manifests)' }),
    files: z.array(
      z
        .object({
          path: z.string().meta({
            description: '`<namespace>/<vm>/<NN>-<kind>-<name>.yaml`, in the order the executor applies them',
            example: 'migrated/web-01/01-secret-web-01-vddk.yaml',
          }),
          namespace: z.string(),
          vm: z.string().meta({ description: 'Target VM name' }),
          kind: z.string().meta({ example: 'DataVolume' }),
          name: z.string(),
          yaml: z.string().meta({ description: 'The manifest as one YAML document' }),
        })
        .meta({ id: 'WaveManifestFile' }),
    ),
  })
  .meta({ id: 'WaveManifests' });
