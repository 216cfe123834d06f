import { open, rm } from 'node:fs/promises';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Post,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { InventoryImportService, InventoryService, UserFacingError } from '#libs/application';
import type { FlotillaMetrics } from '#libs/observability';
import type { Principal } from '#libs/persistence';
import {
  Returns,
  ReturnsNothing,
  TextParam,
  UuidParam,
  ValidMultipartForm,
  ValidQuery,
} from './api/contract.js';
import {
  importResult,
  inventoryDetail,
  inventoryRecord,
  inventoryVm,
  uploadForm,
  uploadQuery,
  vmPage,
  vmQuery,
} from './api/inventories.schemas.js';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { FLOTILLA_METRICS } from './tokens.js';

const InventoryId = () => UuidParam('id', 'inventory id');

/** First bytes of a zip (xlsx and zipped CSV) or of a text CSV; anything else is refused before parsing. */
async function sniffUpload(path: string, originalName: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer.subarray(0, bytesRead);
    if (bytesRead === 0)
      throw new UserFacingError('invalid-input', `${originalName}: the uploaded file is empty`, 'empty-file');
    const isZip = head[0] === 0x50 && head[1] === 0x4b;
    const isText = !head.includes(0);
    if (!isZip && !isText) {
      throw new UserFacingError(
        'invalid-input',
        `${originalName}: not an RVTools export (expected an .xlsx workbook, a zip of RVTools CSV files or a CSV file)`,
        'not-a-workbook',
      );
    }
  } finally {
    await handle.close();
  }
}

interface UploadedInventoryFile {
  path: string;
  originalname: string;
  size: number;
}

@ApiTags('inventories')
@ApiBearerAuth()
@Controller('inventories')
export class InventoriesController {
  constructor(
    @Inject(InventoryImportService) private readonly importer: InventoryImportService,
    @Inject(InventoryService) private readonly inventories: InventoryService,
    @Inject(FLOTILLA_METRICS) private readonly metrics: FlotillaMetrics,
  ) {}

  @Post()
  @RequireRole('planner')
  @ApiOperation({
    summary: 'Import an RVTools export',
    description:
      'Step 1 of the main flow: the export becomes an inventory; problems are listed by sheet, row and column.',
  })
  @UseInterceptors(FileInterceptor('file'))
  @Returns(importResult, {
    status: 201,
    description: 'The stored inventory, its summary and the rows that had problems',
    examples: {
      imported: {
        summary: 'An 80-VM export',
        value: {
          inventoryId: '5f0c3b1e-2a44-4c55-9d1e-8f3a6b7c9d01',
          name: 'estate.xlsx',
          fileName: 'estate.xlsx',
          format: 'xlsx',
          rvtoolsVersion: '4.6.1',
          summary: {
            vms: 80,
            templates: 2,
            poweredOn: 70,
            poweredOff: 8,
            hosts: 6,
            clusters: 2,
            datacenters: 1,
            datastores: 5,
            networks: 4,
            disks: 120,
            provisionedGiB: 9120.5,
            inUseGiB: 5301.2,
            vcpus: 260,
            memoryGiB: 812,
            diagnostics: { error: 0, warning: 1, info: 0 },
          },
          diagnostics: [
            {
              severity: 'warning',
              sheet: 'vDisk',
              row: 17,
              column: 'Capacity MiB',
              value: '',
              message: 'empty capacity',
            },
          ],
        },
      },
    },
  })
  async upload(
    @UploadedFile() file: UploadedInventoryFile | undefined,
    @ValidMultipartForm(uploadForm, {
      name: 'file',
      description: 'The RVTools export: an .xlsx workbook, a zip of its CSV files or one CSV file',
    })
    form: z.output<typeof uploadForm>,
    @ValidQuery(uploadQuery) query: z.output<typeof uploadQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof importResult>> {
    // The multipart `name` field the OpenAPI body documents; `?name=` still works.
    const nameFromForm = form.name;
    const nameFromQuery = query.name;
    if (!file)
      throw new UserFacingError(
        'invalid-input',
        'Send the RVTools export as multipart field "file"',
        'no-file',
      );
    if (file.originalname.includes('\u0000'))
      throw new UserFacingError(
        'invalid-input',
        'file name: contains a NUL character (\\u0000)',
        'nul-character',
      );
    const finishTimer = this.metrics.inventoryImportDuration.startTimer();
    let format = 'unknown';
    let outcome = 'failed';
    try {
      await sniffUpload(file.path, file.originalname);
      const result = await this.importer.importFile(file.path, {
        fileName: file.originalname,
        name: nameFromForm ?? nameFromQuery,
        principal,
      });
      format = result.format;
      outcome = 'succeeded';
      return result;
    } catch (error) {
      if (error instanceof UserFacingError) outcome = 'rejected';
      throw error;
    } finally {
      finishTimer({ format, outcome });
      this.metrics.inventoryImports.inc({ format, outcome });
      await rm(file.path, { force: true });
    }
  }

  @Get()
  @RequireRole('viewer')
  @Returns(inventoryRecord.array())
  list(): Promise<Array<z.output<typeof inventoryRecord>>> {
    return this.inventories.list();
  }

  @Get(':id')
  @RequireRole('viewer')
  @Returns(inventoryDetail)
  async get(@InventoryId() id: string): Promise<z.output<typeof inventoryDetail>> {
    return this.inventories.get(id);
  }

  @Get(':id/vms')
  @RequireRole('viewer')
  @Returns(vmPage)
  async listVms(
    @InventoryId() id: string,
    @ValidQuery(vmQuery) filter: z.output<typeof vmQuery>,
  ): Promise<z.output<typeof vmPage>> {
    return this.inventories.listVms(
      id,
      { ...filter, template: filter.template === undefined ? undefined : filter.template === 'true' },
      filter.offset,
      filter.limit,
    );
  }

  @Get(':id/vms/:vmId')
  @RequireRole('viewer')
  @Returns(inventoryVm)
  async getVm(@InventoryId() id: string, @TextParam('vmId', 'VM key, moref or database id') vmId: string) {
    return this.inventories.getVm(id, vmId);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('planner')
  @ReturnsNothing('Deleted, with its assessments, plans and finished executions')
  async delete(@InventoryId() id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.inventories.delete(id, principal);
  }
}
