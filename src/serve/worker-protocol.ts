/** Messages between `startModelServerInWorker` (parent) and worker-main.ts (the worker running the server). */
import type { Config } from '../config/schema.ts';

export interface WorkerStartData {
  config: Config;
  /** Served model names; all built-in models when absent. */
  models?: string[];
  trustInternalHeaders: boolean;
}

export type WorkerMessage = { type: 'listening'; url: string } | { type: 'failed'; message: string } | { type: 'closed' };

export type ParentMessage = { type: 'close'; graceMs?: number };
