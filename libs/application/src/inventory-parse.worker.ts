import { parentPort, workerData } from 'node:worker_threads';
import { RvtoolsImportError, readRvtoolsInventory } from '#libs/rvtools';
import type { InventoryParseReply, InventoryParseRequest } from './inventory-parse-sandbox.js';

/**
 * The worker side of InventoryParseSandbox: reads one export with the limits it was given and
 * posts the inventory back as plain data (structured clone). Its heap is the sandbox's, so a file
 * that gets past every limit still only kills this thread.
 */
const port = parentPort;
if (!port) throw new Error('inventory-parse.worker runs as a worker thread');
const request = workerData as InventoryParseRequest;
const reply = (message: InventoryParseReply): void => port.postMessage(message);

try {
  const inventory = await readRvtoolsInventory(
    { path: request.path, fileName: request.fileName },
    { ...request.limits, onProgress: (progress) => reply({ kind: 'progress', progress }) },
  );
  reply({ kind: 'inventory', inventory });
} catch (error) {
  if (error instanceof RvtoolsImportError) {
    reply({ kind: 'refused', code: error.code, message: error.message, sheet: error.sheet });
  } else {
    reply({ kind: 'crashed', message: error instanceof Error ? error.message : String(error) });
  }
}
