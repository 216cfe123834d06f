import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Controller, Get, Inject, Param, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ReportService, UserFacingError } from '#libs/application';
import type { Principal } from '#libs/persistence';
import { CurrentPrincipal, RequireRole } from './auth.js';
import { validate } from './validation.js';

const uuid = z.string().uuid('must be a UUID');

type DownloadResponse = Writable & { setHeader(name: string, value: string): void };

interface UploadedWorkbook {
  path: string;
  originalname: string;
}

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

@ApiTags('reports')
@ApiBearerAuth()
@Controller('plans/:id')
export class ReportsController {
  constructor(@Inject(ReportService) private readonly reports: ReportService) {}

  /** Streamed as it is written: a 100,000-VM workbook never sits in memory. */
  @Get('report.xlsx')
  @RequireRole('viewer')
  async workbook(@Param('id') id: string, @Res() response: DownloadResponse) {
    validate(uuid, id, 'plan id');
    // Resolve the plan first, so a missing plan is a clean 404 rather than a broken download.
    const input = await this.reports.buildInput(id);
    response.setHeader('Content-Type', CONTENT_TYPES.xlsx);
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="flotilla-plan-${id.slice(0, 8)}-v${input.plan.version}.xlsx"`,
    );
    await this.reports.writeWorkbook(id, { stream: response });
  }

  @Get(':table.:format')
  @RequireRole('viewer')
  async table(
    @Param('id') id: string,
    @Param('table') table: string,
    @Param('format') format: string,
    @Res() response: DownloadResponse,
  ) {
    validate(uuid, id, 'plan id');
    const parsed = validate(
      z.object({ table: z.enum(['vms', 'waves']), format: z.enum(['csv', 'json']) }),
      { table, format },
      'export',
    );
    await this.reports.buildInput(id);
    response.setHeader('Content-Type', CONTENT_TYPES[parsed.format]);
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="flotilla-plan-${id.slice(0, 8)}-${parsed.table}.${parsed.format}"`,
    );
    await this.reports.writeTable(id, parsed.table, parsed.format, response);
    response.end();
  }

  /** A planner's edited workbook: wave moves become manual edits, answered row by row. */
  @Post('import-edits')
  @RequireRole('planner')
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(FileInterceptor('file'))
  async importEdits(
    @Param('id') id: string,
    @UploadedFile() file: UploadedWorkbook | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    validate(uuid, id, 'plan id');
    if (!file)
      throw new UserFacingError(
        'invalid-input',
        'Send the edited workbook as multipart field "file"',
        'no-file',
      );
    try {
      return await this.reports.importEdits(id, file.path, file.originalname, principal);
    } finally {
      await rm(file.path, { force: true });
    }
  }
}
