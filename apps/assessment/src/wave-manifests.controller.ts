import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { WaveManifestService } from '#libs/application';
import { waveNumber } from './api/common.schemas.js';
import { Returns, UuidParam, ValidParam } from './api/contract.js';
import { waveManifests } from './api/manifests.schemas.js';
import { RequireRole } from './auth.js';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('plans')
export class WaveManifestsController {
  constructor(@Inject(WaveManifestService) private readonly manifests: WaveManifestService) {}

  @Get(':id/waves/:number/manifests')
  @RequireRole('viewer')
  @ApiOperation({
    summary: "A wave's manifests for GitOps review",
    description:
      'Exactly what the executor would apply for each VM of the wave (as `flotilla render` writes them), secret values as placeholders. 503 names the executor setting (VSPHERE_URL, VSPHERE_THUMBPRINT, VDDK_INIT_IMAGE) this server lacks; 422 names each VM the maps leave a network or datastore of unmapped (or that cannot be rendered otherwise).',
  })
  @Returns(waveManifests)
  manifestsOf(
    @UuidParam('id', 'plan id') id: string,
    @ValidParam('number', waveNumber, 'wave number') number: number,
  ): Promise<z.output<typeof waveManifests>> {
    return this.manifests.render(id, number);
  }
}
