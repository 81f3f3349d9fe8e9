/**
 * Runs inside the model-server worker thread: loads the models named in workerData, starts the server and reports
 * `listening` (or `failed` with the reason, e.g. the weights file that could not be read) to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseConfig } from '../config/load.ts';
import { loadServedModels } from './load-models.ts';
import { startModelServer } from './server.ts';
import type { ParentMessage, WorkerMessage, WorkerStartData } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('worker-main.ts must run in a worker thread (use startModelServerInWorker)');
const post = (message: WorkerMessage) => port.postMessage(message);

try {
  const data = workerData as WorkerStartData;
  const config = parseConfig(data.config, 'model server configuration');
  const models = await loadServedModels(config, data.models);
  const running = await startModelServer({ config, models, trustInternalHeaders: data.trustInternalHeaders });
  port.on('message', (message: ParentMessage) => {
    if (message.type !== 'close') return;
    running.close(message.graceMs).then(() => {
      post({ type: 'closed' });
      port.close();
    });
  });
  post({ type: 'listening', url: running.url });
} catch (err) {
  post({ type: 'failed', message: (err as Error)?.message ?? String(err) });
  port.close();
}
