/**
 * The model server: an OpenAI-compatible HTTP API (node:http) over the built-in models. Services (catalog,
 * generation scheduler, input batcher, route handlers) are built once here; each request is read, parsed and
 * dispatched to one route file under routes/.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Logger, pino } from 'pino';
import type { Config } from '../config/schema.ts';
import { MoatError } from '../http/errors.ts';
import { listen, urlOf } from '../http/listen.ts';
import { parseJson, readBody, sendError, sendJson } from '../http/respond.ts';
import type { BuiltinModel } from '../ml/contracts.ts';
import { textWatermarkSelector } from '../watermark/text/server-selector.ts';
import { ModelCatalog } from './catalog.ts';
import { InputBatcher } from './input-batcher.ts';
import { noLogitsProcessors, requestKeyFrom, type SelectLogitsProcessors } from './logits-processors.ts';
import type { RouteHandler, ServeServices } from './route.ts';
import { chatCompletionsRoute } from './routes/chat-completions.ts';
import { classificationsRoute } from './routes/classifications.ts';
import { completionsRoute } from './routes/completions.ts';
import { embeddingsRoute } from './routes/embeddings.ts';
import { MODEL_PATH_PREFIX, modelsRoute } from './routes/models.ts';
import { GenerationScheduler } from './scheduler.ts';

export interface ModelServerOptions {
  config: Config;
  models: readonly BuiltinModel[];
  logger?: Logger;
  /**
   * Honour internal headers (`x-moat-watermark-key`). Only for a server reachable by the gateway alone: the
   * gateway never forwards client headers, so the header can then only come from Moat itself. Default false.
   */
  trustInternalHeaders?: boolean;
  /** Chooses each generation request's logits processors (the watermark hook); default none. */
  selectLogitsProcessors?: SelectLogitsProcessors;
  /** Contexts per generation tick (default 32). */
  maxBatch?: number;
  /** Estimated inference time per generation tick (default 50 ms); see scheduler.ts. */
  tickBudgetMs?: number;
  /** Request body limit (default 8 MiB: room for 2048 inputs of a few KiB). */
  maxBodyBytes?: number;
}

export interface RunningModelServer {
  url: string;
  server: Server;
  /** Stops accepting connections, lets in-flight requests and streams finish for up to `graceMs`, then cuts them. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const DEFAULT_GRACE_MS = 10_000;

/** Starts listening on `config.serve.host:port` (port 0 picks a free one) and resolves with the base URL. */
export async function startModelServer(options: ModelServerOptions): Promise<RunningModelServer> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.log.level });
  const catalog = new ModelCatalog(options.models);
  const trust = options.trustInternalHeaders ?? false;
  const services: ServeServices = {
    catalog,
    scheduler: new GenerationScheduler({
      maxQueue: config.serve.maxQueue,
      maxBatch: options.maxBatch,
      tickBudgetMs: options.tickBudgetMs,
      onCallbackError: (err) => logger.error({ err }, 'a generation callback threw'),
    }),
    batcher: new InputBatcher({ maxQueue: config.serve.maxQueue }),
    limits: config.serve,
    selectProcessors: options.selectLogitsProcessors ?? (trust ? textWatermarkSelector(config, catalog, logger) : noLogitsProcessors),
  };
  const routes = buildRoutes(services);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const inFlight = new Set<ServerResponse>();

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    const requestId = requestIdOf(req);
    handle(req, res, requestId).catch((err: unknown) => {
      const moat = sendError(res, err, requestId);
      if (moat.code === 'internal_error') logger.error({ err, requestId }, 'model server request failed');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return sendJson(res, 200, { ok: true, models: services.catalog.list().length });
    const route = routes.get(path) ?? (path.startsWith(MODEL_PATH_PREFIX) ? routes.get('/v1/models') : undefined);
    if (!route) throw new MoatError('not_found', `no route ${req.method} ${path} on the model server`);
    if (req.method !== route.method) {
      throw new MoatError('method_not_allowed', `${path} accepts ${route.method}, not ${req.method}`, { headers: { allow: route.method } });
    }
    const body = route.method === 'POST' ? parseJson(await readBody(req, maxBodyBytes)) : undefined;
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new MoatError('invalid_request', 'the client closed the connection'));
    });
    await route.handler({ req, res, body, requestId, requestKey: requestKeyFrom(req.headers, trust), signal: abort.signal });
  }

  await listen(server, config.serve.host, config.serve.port, (err) => logger.debug({ err }, 'malformed HTTP from a client'));
  logger.info({ url: urlOf(server, config.serve.host), models: services.catalog.list().map((m) => m.name) }, 'model server listening');

  return {
    url: urlOf(server, config.serve.host),
    server,
    async close(graceMs = DEFAULT_GRACE_MS) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      services.scheduler.cancelAll();
      server.closeAllConnections();
      await closed;
    },
  };
}

interface Route {
  method: 'GET' | 'POST';
  handler: RouteHandler;
}

function buildRoutes(services: ServeServices): Map<string, Route> {
  const startedAt = Math.floor(Date.now() / 1000);
  return new Map<string, Route>([
    ['/v1/models', { method: 'GET', handler: modelsRoute(services, startedAt) }],
    ['/v1/completions', { method: 'POST', handler: completionsRoute(services) }],
    ['/v1/chat/completions', { method: 'POST', handler: chatCompletionsRoute(services) }],
    ['/v1/embeddings', { method: 'POST', handler: embeddingsRoute(services) }],
    ['/v1/classifications', { method: 'POST', handler: classificationsRoute(services) }],
  ]);
}

/** The gateway's `x-request-id` when it looks like one, else a fresh id. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}


// The same server on its own thread lives in worker.ts; re-exported so callers find both start functions here.
export { startModelServerInWorker } from './worker.ts';
