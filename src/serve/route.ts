/** What every model-server route receives: the parsed request, and the services built once at start-up. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelCatalog } from './catalog.ts';
import type { InputBatcher } from './input-batcher.ts';
import type { SelectLogitsProcessors } from './logits-processors.ts';
import type { ServeLimits } from './request-fields.ts';
import type { GenerationScheduler } from './scheduler.ts';

export interface ServeRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Parsed JSON body (POST) or undefined (GET). */
  body: unknown;
  requestId: string;
  /** `x-moat-watermark-key`, only when the server trusts its caller. */
  requestKey?: string;
  /** Aborted when the client disconnects before the response is complete. */
  signal: AbortSignal;
}

export type RouteHandler = (request: ServeRequest) => Promise<void>;

export interface ServeServices {
  catalog: ModelCatalog;
  scheduler: GenerationScheduler;
  batcher: InputBatcher;
  limits: ServeLimits;
  selectProcessors: SelectLogitsProcessors;
}

/** Seconds since the epoch, as OpenAI's `created`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
