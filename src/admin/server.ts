/**
 * The admin API listener (default 127.0.0.1:8081), separate from the data plane so it can stay on loopback or a
 * private network while the gateway faces clients. Every route but /health needs the admin bearer token; every
 * change is written with its admin audit row in the same store transaction. See docs/admin-api.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Logger, pino } from 'pino';
import type { Config } from '../config/schema.ts';
import type { DetectionService } from '../detect/service.ts';
import { MoatError } from '../http/errors.ts';
import { listen, urlOf } from '../http/listen.ts';
import { sendError, sendJson } from '../http/respond.ts';
import type { ApiKeyHasher } from '../keys/api-key.ts';
import type { Stores } from '../store/interfaces.ts';
import { accountRoutes } from './accounts.ts';
import { auditRoutes } from './audit.ts';
import { bearerChecker, parseActor } from './auth.ts';
import { banRoutes } from './bans.ts';
import { type AdminContext, type AdminDeps, createAdminContext } from './context.ts';
import { detectRoutes } from './detect.ts';
import { ipRuleRoutes } from './ip-rules.ts';
import { keyRoutes } from './keys.ts';
import { Router } from './router.ts';

export const ADMIN_PREFIX = '/admin/v1';

export interface AdminServerOptions {
  config: Config;
  stores: Stores;
  hasher: ApiKeyHasher;
  adminToken: string;
  logger?: Logger;
  /** Epoch milliseconds; injected by tests that move time. */
  now?: () => number;
  /** The running detection service; the /detect routes answer 409 `conflict` when it is off. */
  detection?: DetectionService | null;
}

export interface RunningAdminServer {
  /** Base URL without the API prefix, e.g. `http://127.0.0.1:8081`. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts the admin API on `config.admin.host:port` (port 0 picks a free one).
 * @example
 * const admin = await startAdminServer({ config, stores, hasher: new ApiKeyHasher(secret), adminToken });
 * // curl -H "authorization: Bearer $TOKEN" ${admin.url}/admin/v1/accounts
 */
export async function startAdminServer(options: AdminServerOptions): Promise<RunningAdminServer> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.log.level });
  const deps: AdminDeps = { config, stores: options.stores, hasher: options.hasher, now: options.now ?? Date.now, detection: options.detection ?? null };
  const router = new Router<AdminContext>([...accountRoutes(), ...keyRoutes(), ...banRoutes(), ...ipRuleRoutes(), ...auditRoutes(), ...detectRoutes()], ADMIN_PREFIX);
  const checkToken = bearerChecker(options.adminToken);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    if (path === `${ADMIN_PREFIX}/health`) {
      if (method !== 'GET') throw new MoatError('method_not_allowed', `${method} is not allowed on ${path}; use GET`, { headers: { allow: 'GET' } });
      return sendJson(res, 200, { ok: true });
    }
    checkToken(req.headers.authorization);
    const actor = parseActor(req.headers['x-moat-actor']);
    const { route, params } = router.match(method, path);
    const result = await route.handle(createAdminContext(deps, req, url, actor), params);
    sendJson(res, result.status, result.body);
    logger.info({ method, path, status: result.status, actor }, 'admin request');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // The rest of an oversized body is never read, so the connection cannot be reused; say so and close it.
      if (err instanceof MoatError && err.code === 'body_too_large' && !res.headersSent) res.setHeader('connection', 'close');
      const moat = sendError(res, err);
      if (moat.status >= 500) logger.error({ err, method: req.method, url: req.url }, 'admin request failed');
      else logger.debug({ code: moat.code, method: req.method, url: req.url }, 'admin request refused');
    });
  });
  await listen(server, config.admin.host, config.admin.port, (err) => logger.debug({ err }, 'malformed HTTP on the admin listener'));
  return {
    url: urlOf(server, config.admin.host),
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

