import { parentPort, workerData } from 'node:worker_threads';
import { RvtoolsImportError, readRvtoolsInventory } from '#libs/rvtools';
import type { UploadParseJob, UploadParseReply } from './upload-parse-sandbox.js';

/**
 * The worker side of the upload sandbox: reads one upload with the limits it was given and posts
 * the result back as plain data (structured clone). Its heap is the sandbox's, so a file that
 * gets past every limit still only kills this thread.
 */
const port = parentPort;
if (!port) throw new Error('upload-parse.worker runs as a worker thread');
const job = workerData as UploadParseJob;
const reply = (message: UploadParseReply): void => port.postMessage(message);

async function readWaveReport(): Promise<void> {
  // Loaded for this job only: the reports lib brings the workbook writer, which an import does not need.
  const { readWaveEdits, WaveReportReadError } = await import('#libs/reports');
  try {
    reply({
      kind: 'wave-edits',
      edits: await readWaveEdits(job.path, { fileName: job.fileName, limits: job.limits }),
    });
  } catch (error) {
    if (!(error instanceof WaveReportReadError)) throw error;
    reply({
      kind: 'refused',
      tooLarge: error.tooLarge,
      code: 'not-a-wave-report',
      message: error.message,
      sheet: null,
    });
  }
}

try {
  if (job.kind === 'inventory') {
    const inventory = await readRvtoolsInventory(
      { path: job.path, fileName: job.fileName },
      { ...job.limits, onProgress: (progress) => reply({ kind: 'progress', progress }) },
    );
    reply({ kind: 'inventory', inventory });
  } else {
    await readWaveReport();
  }
} catch (error) {
  if (error instanceof RvtoolsImportError) {
    reply({
      kind: 'refused',
      tooLarge: error.code === 'too-large',
      code: error.code,
      message: error.message,
      sheet: error.sheet,
    });
  } else {
    reply({ kind: 'crashed', message: error instanceof Error ? error.message : String(error) });
  }
}
