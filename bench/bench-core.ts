import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '#libs/config';
import { FlotillaCoreModule } from '#libs/core';

/**
 * The application core on the given settings, as the CLI builds it (logger off); the import limit
 * is the largest a benchmark workbook needs.
 */
export function openBenchCore(settings: Record<string, string>): Promise<INestApplicationContext> {
  const config = loadConfig({ FLOTILLA_MAX_INFLATED_MB: '4096', ...settings }, 'cli');
  return NestFactory.createApplicationContext(FlotillaCoreModule.forRoot(config, { process: 'cli' }), {
    logger: false,
  });
}
