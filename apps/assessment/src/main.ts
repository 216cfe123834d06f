import { Logger } from '@nestjs/common';
import { exitOnFatalErrors } from '#libs/application';
import { ConfigurationError, loadConfig } from '#libs/config';
import { EmbeddedDatabaseInUseError } from '#libs/core';
import { createAssessmentApp } from './assessment-app.js';

async function main(): Promise<void> {
  exitOnFatalErrors('flotilla-assessment');
  const config = loadConfig();
  const app = await createAssessmentApp(config);
  await app.listen(config.api.port, config.api.host);
  new Logger('Flotilla').log(`Assessment API listening on ${await app.getUrl()} (OpenAPI at /docs)`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError || error instanceof EmbeddedDatabaseInUseError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `flotilla-assessment failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
