import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Controller, Get, Inject, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ReportService, UserFacingError } from '#libs/application';
import type { Principal } from '#libs/persistence';
import { Returns, ReturnsFile, UuidParam, ValidMultipartForm, ValidParam } from './api/contract.js';
import { importEditsOutcome } from './api/plans.schemas.js';
import { CurrentPrincipal, RequireRole } from './auth.js';

const PlanId = () => UuidParam('id', 'plan id');

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
  @ReturnsFile([CONTENT_TYPES.xlsx], 'The wave report workbook (Summary, Waves, VMs, Concerns... sheets)')
  async workbook(@PlanId() id: string, @Res() response: DownloadResponse): Promise<void> {
    // Resolve the plan first, so a missing plan is a clean 404 rather than a broken download.
    const input = await this.reports.buildInput(id);
    response.setHeader('Content-Type', CONTENT_TYPES.xlsx);
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="flotilla-plan-${id.slice(0, 8)}-v${input.plan.version}.xlsx"`,
    );
    await this.reports.writeWorkbook(input, { stream: response });
  }

  @Get(':table.:format')
  @RequireRole('viewer')
  @ReturnsFile(
    [CONTENT_TYPES.csv, CONTENT_TYPES.json],
    'One table of the report: `vms` or `waves`, as CSV or JSON',
  )
  async table(
    @PlanId() id: string,
    @ValidParam('table', z.enum(['vms', 'waves']), 'table') table: 'vms' | 'waves',
    @ValidParam('format', z.enum(['csv', 'json']), 'format') format: 'csv' | 'json',
    @Res() response: DownloadResponse,
  ): Promise<void> {
    const parsed = { table, format };
    const input = await this.reports.buildInput(id);
    response.setHeader('Content-Type', CONTENT_TYPES[parsed.format]);
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="flotilla-plan-${id.slice(0, 8)}-${parsed.table}.${parsed.format}"`,
    );
    await this.reports.writeTable(input, parsed.table, parsed.format, response);
    response.end();
  }

  /** A planner's edited workbook: wave moves become manual edits, answered row by row. */
  @Post('import-edits')
  @RequireRole('planner')
  @UseInterceptors(FileInterceptor('file'))
  @Returns(importEditsOutcome, { status: 201, description: 'What happened to each edited row' })
  async importEdits(
    @PlanId() id: string,
    @UploadedFile() file: UploadedWorkbook | undefined,
    @ValidMultipartForm(z.object({}), {
      name: 'file',
      description: 'The report workbook with VMs moved between waves in the Waves sheet',
    })
    _form: Record<string, never>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof importEditsOutcome>> {
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
