/**
 * Runs a training job in a `worker_threads` worker. Each worker gets its own single-threaded tfjs-wasm heap, so on a
 * 2-core machine two trainings (or a training and a serving process) run side by side at ~2× aggregate throughput, and
 * the caller's event loop stays free for progress bars and HTTP.
 */
import { Worker } from 'node:worker_threads';
import type { TrainJobSpec, TrainLog, TrainProgress } from './job.ts';
import type { WorkerMessage } from './worker.ts';

/**
 * Starts the job in a new worker and resolves with its log; rejects with the worker's error message.
 *
 * @example
 * const log = await runTrainingInWorker(spec, (p) => { if (p.kind === 'step') bar.update(p.step); });
 */
export function runTrainingInWorker(spec: TrainJobSpec, onProgress: (p: TrainProgress) => void): Promise<TrainLog> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: spec });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'done') settle(() => resolve(message.log));
      else if (message.kind === 'error') settle(() => reject(new Error(message.message)));
      else onProgress(message);
      // The job is over either way; do not wait for tfjs or stray handles to let the thread exit by itself.
      if (settled) void worker.terminate();
    });
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`training worker exited with code ${code} before finishing`))));
  });
}
