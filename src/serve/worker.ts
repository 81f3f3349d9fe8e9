/**
 * The model server on its own thread. Inference is synchronous CPU work that would stall every other request on
 * the gateway's event loop, so `moat up` runs the server here: same code, its own tfjs instance, its own loop.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.ts';
import type { ParentMessage, WorkerMessage, WorkerStartData } from './worker-protocol.ts';

export interface WorkerServerOptions {
  /** Served model names (default: every built-in model in `serve.modelsDir`). */
  models?: string[];
  /** See `ModelServerOptions.trustInternalHeaders`. */
  trustInternalHeaders?: boolean;
  /** Told when the thread fails after start-up (default: a line on stderr). */
  onCrash?: (err: Error) => void;
}

export interface WorkerModelServer {
  url: string;
  worker: Worker;
  /** Graceful shutdown inside the worker (see RunningModelServer.close), then the thread ends. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the worker and resolves with the server's URL once it listens. Rejects with the worker's reason when
 * start-up fails (a missing or corrupt weights file is named in the message) or the thread dies.
 */
export function startModelServerInWorker(config: Config, options: WorkerServerOptions = {}): Promise<WorkerModelServer> {
  const data: WorkerStartData = { config, models: options.models, trustInternalHeaders: options.trustInternalHeaders ?? false };
  const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: data });
  return new Promise<WorkerModelServer>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the model server worker exited with code ${code} before listening`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'failed') {
        worker.off('exit', onExit);
        reject(new Error(`the model server could not start: ${message.message}`));
        return;
      }
      if (message.type !== 'listening') return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      worker.off('error', reject);
      worker.on('error', options.onCrash ?? ((err) => process.stderr.write(`moat: the model server worker failed: ${err.stack ?? err.message}\n`)));
      resolve({ url: message.url, worker, close: (graceMs) => closeWorker(worker, graceMs) });
    };
    worker.on('message', onMessage);
  });
}

function closeWorker(worker: Worker, graceMs?: number): Promise<void> {
  if (worker.threadId === -1) return Promise.resolve(); // already gone
  return new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'closed') void worker.terminate();
    });
    const close: ParentMessage = { type: 'close', graceMs };
    worker.postMessage(close);
  });
}
