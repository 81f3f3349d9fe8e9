/**
 * The training worker: runs one `TrainJobSpec` on this thread's own tfjs-wasm instance and posts every progress event,
 * then `{kind: 'done', log}` or `{kind: 'error', message}`, to the parent. Started by `runTrainingInWorker`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runTrainingJob, type TrainJobSpec, type TrainLog, type TrainProgress } from './job.ts';

export type WorkerMessage = TrainProgress | { kind: 'done'; log: TrainLog } | { kind: 'error'; message: string; stack?: string };

const port = parentPort;
if (port === null) throw new Error('worker.ts must run in a worker thread');
const post = (message: WorkerMessage): void => port.postMessage(message);

try {
  const log = await runTrainingJob(workerData as TrainJobSpec, post);
  post({ kind: 'done', log });
} catch (err) {
  post({ kind: 'error', message: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack });
}
