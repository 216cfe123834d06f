import { open, rm } from 'node:fs/promises';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { InventoryImportService, notFound, UserFacingError } from '#libs/application';
import type { FlotillaMetrics } from '#libs/observability';
import { AccessStore, InventoryStore, type Principal } from '#libs/persistence';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { FLOTILLA_METRICS } from './tokens.js';
import { validate } from './validation.js';

const vmQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cluster: z.string().optional(),
  powerState: z.enum(['poweredOn', 'poweredOff', 'suspended', 'unknown']).optional(),
  os: z.string().optional(),
  search: z.string().optional(),
  template: z.enum(['true', 'false']).optional(),
});

const uuidSchema = z.string().uuid('must be a UUID');

/** Multipart text fields are parsed after the JSON NUL check has run, so they are checked here. */
const uploadFormSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((value) => !value.includes('\u0000'), 'contains a NUL character (\\u0000)')
    .optional(),
});

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
    @Inject(InventoryStore) private readonly inventories: InventoryStore,
    @Inject(AccessStore) private readonly access: AccessStore,
    @Inject(FLOTILLA_METRICS) private readonly metrics: FlotillaMetrics,
  ) {}

  @Post()
  @RequireRole('planner')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: { file: { type: 'string', format: 'binary' }, name: { type: 'string' } },
      required: ['file'],
    },
  })
  @UseInterceptors(FileInterceptor('file'))
  async upload(
    @UploadedFile() file: UploadedInventoryFile | undefined,
    @Body() form: unknown,
    @Query('name') nameFromQuery: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    // The multipart `name` field the OpenAPI body documents; `?name=` still works.
    const { name: nameFromForm } = validate(uploadFormSchema, form ?? {}, 'form');
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
      });
      format = result.format;
      outcome = 'succeeded';
      await this.access.appendAudit({
        actor: principal.actor,
        action: 'inventory.import',
        resourceType: 'inventory',
        resourceId: result.inventoryId,
        after: { name: result.name, fileName: result.fileName, vms: result.summary.vms },
      });
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
  list() {
    return this.inventories.list();
  }

  @Get(':id')
  @RequireRole('viewer')
  async get(@Param('id') id: string) {
    validate(uuidSchema, id, 'inventory id');
    const inventory = await this.inventories.get(id);
    if (!inventory) throw notFound('Inventory', id);
    return inventory;
  }

  @Get(':id/vms')
  @RequireRole('viewer')
  async listVms(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    validate(uuidSchema, id, 'inventory id');
    const filter = validate(vmQuerySchema, query, 'query');
    if (!(await this.inventories.get(id))) throw notFound('Inventory', id);
    return this.inventories.listVms(
      id,
      { ...filter, template: filter.template === undefined ? undefined : filter.template === 'true' },
      filter.offset,
      filter.limit,
    );
  }

  @Get(':id/vms/:vmId')
  @RequireRole('viewer')
  async getVm(@Param('id') id: string, @Param('vmId') vmId: string) {
    validate(uuidSchema, id, 'inventory id');
    const vm = await this.inventories.getVm(id, vmId);
    if (!vm) throw notFound(`VM ${vmId} in inventory`, id);
    return vm;
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('planner')
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    validate(uuidSchema, id, 'inventory id');
    const existing = await this.inventories.get(id);
    if (!existing) throw notFound('Inventory', id);
    await this.inventories.delete(id);
    await this.access.appendAudit({
      actor: principal.actor,
      action: 'inventory.delete',
      resourceType: 'inventory',
      resourceId: id,
      before: { name: existing.name, vms: existing.summary.vms },
    });
  }
}
