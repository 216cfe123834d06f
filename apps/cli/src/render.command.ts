import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { DEFAULT_EXECUTION_OPTIONS, renderWaveManifests, UserFacingError } from '#libs/application';
import { withCliContext } from './cli-context.js';
import { services } from './estate-commands.js';

interface RenderFlags {
  wave: string;
  out: string;
  vsphereUrl?: string;
  thumbprint?: string;
  vddkImage?: string;
  virtV2vImage?: string;
  convertGuest?: string;
  startVms?: boolean;
  hardPowerOff?: boolean;
}

/** The executor's settings the manifests depend on, from flags first, else its environment variables. */
const renderEnvironment = z.object({
  VSPHERE_URL: z.string().trim().optional(),
  VSPHERE_THUMBPRINT: z.string().trim().optional(),
  VDDK_INIT_IMAGE: z.string().trim().optional(),
  VIRT_V2V_IMAGE: z.string().trim().optional(),
});

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UserFacingError('invalid-input', `render needs ${what}`);
  return value;
}

export function registerRenderCommand(program: Command): void {
  program
    .command('render <planId>')
    .description(
      'Write the manifests the executor would apply for a wave, as YAML files (secret values are placeholders)',
    )
    .requiredOption('--wave <n>', 'wave number')
    .requiredOption('--out <dir>', 'directory to write into (created if missing)')
    .option('--vsphere-url <url>', 'vCenter SDK URL (default: VSPHERE_URL)')
    .option('--thumbprint <sha1>', 'vCenter certificate SHA-1 thumbprint (default: VSPHERE_THUMBPRINT)')
    .option('--vddk-image <image>', 'VDDK init image (default: VDDK_INIT_IMAGE)')
    .option('--virt-v2v-image <image>', 'virt-v2v image for guest conversion (default: VIRT_V2V_IMAGE)')
    .option(
      '--convert-guest <when>',
      'auto (every guest but those the plan raw-copies), always, or never (raw copy)',
      'auto',
    )
    .option('--no-start-vms', 'render VMs halted instead of started when their source runs')
    .option('--hard-power-off', 'the execution may hard power-off guests (no effect on the manifests)')
    .action(async (planId: string, flags: RenderFlags) => {
      const waveNumber = Number(flags.wave);
      if (!Number.isInteger(waveNumber) || waveNumber < 1) {
        throw new UserFacingError(
          'invalid-input',
          `--wave must be a wave number (1, 2, ...), got "${flags.wave}"`,
        );
      }
      const convertGuest = z.enum(['auto', 'always', 'never']).safeParse(flags.convertGuest);
      if (!convertGuest.success) {
        throw new UserFacingError(
          'invalid-input',
          `--convert-guest must be auto, always or never, got "${flags.convertGuest}"`,
        );
      }
      const env = renderEnvironment.parse(process.env);
      const settings = {
        vcenterUrl: required(
          flags.vsphereUrl ?? env.VSPHERE_URL,
          'the vCenter URL (--vsphere-url or VSPHERE_URL)',
        ),
        vcenterThumbprint: required(
          flags.thumbprint ?? env.VSPHERE_THUMBPRINT,
          'the vCenter certificate thumbprint (--thumbprint or VSPHERE_THUMBPRINT)',
        ),
        vddkInitImage: required(
          flags.vddkImage ?? env.VDDK_INIT_IMAGE,
          'the VDDK init image (--vddk-image or VDDK_INIT_IMAGE)',
        ),
        virtV2vImage: flags.virtV2vImage ?? (env.VIRT_V2V_IMAGE || undefined),
        options: {
          ...DEFAULT_EXECUTION_OPTIONS,
          convertGuest: convertGuest.data,
          startVms: flags.startVms !== false,
          allowHardPowerOff: flags.hardPowerOff === true,
        },
      };
      await withCliContext(async (context) => {
        const { plan, inventoryVms, inventoryHosts, assessments } =
          await services(context).planning.waveSources(planId);
        const rendered = renderWaveManifests({
          planId,
          plan,
          waveNumber,
          inventoryVms,
          inventoryHosts,
          assessments,
          settings,
        });
        const out = resolve(flags.out);
        for (const { path, manifest } of rendered) {
          const file = join(out, path);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, stringify(manifest, { lineWidth: 0 }));
        }
        const vms = new Set(rendered.map(({ path }) => path.split('/').slice(0, 2).join('/'))).size;
        process.stdout.write(
          `Wrote ${rendered.length} manifests for ${vms} VMs of wave ${waveNumber} to ${out}\n`,
        );
      });
    });
}
