import { rename, rm } from 'node:fs/promises';
import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Logger,
  Post,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { type ImportJob, InventoryImportJobs, UserFacingError } from '#libs/application';
import type { FlotillaMetrics } from '#libs/observability';
import type { Principal } from '#libs/persistence';
import { Returns, UuidParam, ValidQuery } from './api/contract.js';
import { importJob, uploadForm, uploadQuery } from './api/inventories.schemas.js';
import { CurrentPrincipal, RequireRole } from './auth.js';
import {
  checkInventoryUpload,
  ImportMeasure,
  InventoryUpload,
  type UploadedInventoryFile,
} from './inventories.controller.js';
import { FLOTILLA_METRICS } from './tokens.js';
import { errorBodyOf } from './user-error.filter.js';

interface LocationResponse {
  setHeader(name: string, value: string): void;
}

function importJobView(job: ImportJob): z.output<typeof importJob> {
  return {
    id: job.id,
    fileName: job.fileName,
    stage: job.stage,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    progress: { ...job.progress },
    result: job.result,
    error: job.stage === 'failed' ? errorBodyOf(job.error) : null,
  };
}

/**
 * The upload of POST /inventories, answered as soon as the file is received and checked, so the
 * client can follow the import. Its progress lives in this API instance's memory (see
 * InventoryImportJobs): behind several instances, follow an import where it was started.
 */
@ApiTags('inventories')
@ApiBearerAuth()
@Controller('inventory-imports')
export class InventoryImportsController {
  private readonly logger = new Logger('InventoryImports');

  constructor(
    @Inject(InventoryImportJobs) private readonly imports: InventoryImportJobs,
    @Inject(FLOTILLA_METRICS) private readonly metrics: FlotillaMetrics,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Start importing an RVTools export, to follow its progress',
    description:
      'The same upload as POST /inventories, answered with 202 once the file is received and looks like an export; `Location` is the import to poll (GET /inventory-imports/{id}) for its stage, rows read, VMs found and bytes inflated, then its result or the 413/422 body POST /inventories would have answered. Imports are kept in the memory of the API instance that took the upload, for 15 minutes after they end.',
  })
  @UseInterceptors(FileInterceptor('file'))
  @Returns(importJob, { status: 202, description: 'The import, just started' })
  async start(
    @UploadedFile() file: UploadedInventoryFile | undefined,
    @InventoryUpload() form: z.output<typeof uploadForm>,
    @ValidQuery(uploadQuery) query: z.output<typeof uploadQuery>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: LocationResponse,
  ): Promise<z.output<typeof importJob>> {
    const measure = new ImportMeasure(this.metrics);
    const upload = await checkInventoryUpload(file, measure);
    // The request's upload is deleted once this answer is sent: the import reads its own name for it.
    const kept = `${upload.path}.import`;
    await rename(upload.path, kept);
    const { job, settled } = this.imports.start(kept, {
      fileName: upload.originalname,
      name: form.name ?? query.name,
      principal,
    });
    void settled
      .then((done) => {
        if (done.result) {
          measure.ended(done.result, true);
          return;
        }
        measure.ended(done.error);
        if (!(done.error instanceof UserFacingError)) {
          const error = done.error;
          this.logger.error(
            `import ${done.id} of "${done.fileName}" failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
      })
      .finally(() => rm(kept, { force: true }));
    response.setHeader('Location', `/inventory-imports/${job.id}`);
    return importJobView(job);
  }

  @Get(':id')
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Follow an import',
    description:
      'Its stage (reading, storing, succeeded, failed) and progress; once over, the result or the error. Only the token that started it sees it.',
  })
  @Returns(importJob)
  get(
    @UuidParam('id', 'import id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): z.output<typeof importJob> {
    return importJobView(this.imports.get(id, principal));
  }
}
